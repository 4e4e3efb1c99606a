/*
 * arn.c - parsing Amazon Resource Names (see arn.h).
 */
#include "arn.h"

#include <ctype.h>
#include <string.h>

/* Copies the next ':'-separated field of *p into out (size n). */
static int take_field(const char **p, char *out, size_t n, const char *what, const char *s,
		      struct ivs_error *err)
{
	const char *end = strchr(*p, ':');
	if (!end)
		return ivs_error_set(err, "InvalidArn",
				     "not an ARN: '%.200s' has no %s (expected arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)",
				     s, what);
	size_t len = (size_t)(end - *p);
	if (len >= n)
		return ivs_error_set(err, "InvalidArn", "not an ARN: the %s of '%.200s' is too long",
				     what, s);
	memcpy(out, *p, len);
	out[len] = '\0';
	*p = end + 1;
	return 0;
}

static int all_chars(const char *s, const char *extra)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(extra, *s))
			return 0;
	return 1;
}

int arn_parse(const char *s, struct arn *out, struct ivs_error *err)
{
	memset(out, 0, sizeof(*out));
	if (!s || strncmp(s, "arn:", 4) != 0)
		return ivs_error_set(err, "InvalidArn", "not an ARN: '%.200s' does not start with 'arn:'",
				     s ? s : "");
	const char *p = s + 4;
	if (take_field(&p, out->partition, sizeof(out->partition), "partition", s, err) < 0 ||
	    take_field(&p, out->service, sizeof(out->service), "service", s, err) < 0 ||
	    take_field(&p, out->region, sizeof(out->region), "region", s, err) < 0 ||
	    take_field(&p, out->account, sizeof(out->account), "account", s, err) < 0)
		return -1;
	if (strlen(p) >= sizeof(out->resource))
		return ivs_error_set(err, "InvalidArn", "not an ARN: the resource of '%.200s' is too long", s);
	strcpy(out->resource, p);
	if (!out->partition[0] || !all_chars(out->partition, "-"))
		return ivs_error_set(err, "InvalidArn", "not an ARN: bad partition in '%.200s'", s);
	if (!out->service[0] || !all_chars(out->service, "-"))
		return ivs_error_set(err, "InvalidArn", "not an ARN: bad service in '%.200s'", s);
	if (!all_chars(out->region, "-"))
		return ivs_error_set(err, "InvalidArn", "not an ARN: bad region in '%.200s'", s);
	if (strspn(out->account, "0123456789") != strlen(out->account))
		return ivs_error_set(err, "InvalidArn", "not an ARN: bad account in '%.200s'", s);
	if (!out->resource[0])
		return ivs_error_set(err, "InvalidArn", "not an ARN: '%.200s' names no resource", s);
	for (const char *c = out->resource; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return ivs_error_set(err, "InvalidArn",
					     "not an ARN: the resource holds a control character");

	size_t tlen = strcspn(out->resource, "/:");
	if (out->resource[tlen] && tlen < sizeof(out->resource_type)) {
		memcpy(out->resource_type, out->resource, tlen);
		out->resource_type[tlen] = '\0';
		out->resource_id = out->resource + tlen + 1;
	} else {
		out->resource_id = out->resource;
	}
	return 0;
}

int arn_parse_ivs_channel(const char *s, struct arn *out, struct ivs_error *err)
{
	if (arn_parse(s, out, err) < 0)
		return -1;
	const char *want = "expected arn:aws:ivs:REGION:ACCOUNT:channel/ID";
	if (strcmp(out->service, "ivs") != 0)
		return ivs_error_set(err, "InvalidArn", "'%.200s' is an ARN of %s, not of an IVS channel (%s)",
				     s, out->service, want);
	if (strcmp(out->resource_type, "channel") != 0 || !*out->resource_id)
		return ivs_error_set(err, "InvalidArn", "'%.200s' is not an IVS channel ARN (%s)", s, want);
	if (!out->region[0])
		return ivs_error_set(err, "InvalidArn", "'%.200s' has no region (%s)", s, want);
	if (strlen(out->account) != 12)
		return ivs_error_set(err, "InvalidArn", "'%.200s' has no 12-digit account (%s)", s, want);
	if (!all_chars(out->resource_id, "-_"))
		return ivs_error_set(err, "InvalidArn", "'%.200s' has a bad channel id (%s)", s, want);
	return 0;
}
