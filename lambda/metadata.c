/*
 * metadata.c - the Timed Metadata payload (see metadata.h).
 */
#include "metadata.h"

#include <string.h>

static void format_points(enum metadata_format f, const long long *counts, size_t n,
			  const char *at_iso, struct buf *out)
{
	buf_reset(out);
	if (f == METADATA_TEXT) {
		for (size_t i = 0; i < n; i++)
			buf_printf(out, "%s%lld", i ? "," : "", counts[i]);
		return;
	}
	buf_printf(out, "{\"viewers\":%lld,\"history\":[", n ? counts[0] : 0LL);
	for (size_t i = 0; i < n; i++)
		buf_printf(out, "%s%lld", i ? "," : "", counts[i]);
	buf_printf(out, "],\"at\":\"%s\"}", at_iso);
}

size_t metadata_format(enum metadata_format f, const long long *counts, size_t n,
		       const char *at_iso, size_t max_bytes, struct buf *out)
{
	if (!max_bytes)
		max_bytes = METADATA_MAX_BYTES;
	size_t k = n;
	format_points(f, counts, k, at_iso, out);
	/* Each dropped point shortens the payload by at least 2 bytes; estimate
	 * how many to drop, then settle exactly. */
	while (out->len > max_bytes && k > 1) {
		size_t excess = out->len - max_bytes;
		size_t drop = excess / 21 + 1; /* a point is at most 20 digits + comma */
		k = drop < k ? k - drop : 1;
		format_points(f, counts, k, at_iso, out);
	}
	while (k < n) { /* the estimate may have dropped one too many */
		format_points(f, counts, k + 1, at_iso, out);
		if (out->len > max_bytes) {
			format_points(f, counts, k, at_iso, out);
			break;
		}
		k++;
	}
	return k;
}

int metadata_format_parse(const char *s, enum metadata_format *f)
{
	if (strcmp(s, "text") == 0)
		*f = METADATA_TEXT;
	else if (strcmp(s, "json") == 0)
		*f = METADATA_JSON;
	else
		return -1;
	return 0;
}
