/*
 * error.c - filling and formatting struct ivs_error (see error.h).
 */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void ivs_error_clear(struct ivs_error *e)
{
	if (e)
		memset(e, 0, sizeof(*e));
}

/* e may be NULL: a caller that does not want the details passes none. */
static int error_vset(struct ivs_error *e, enum ivs_error_kind kind, const char *code,
		      const char *fmt, va_list ap)
{
	if (!e)
		return -1;
	ivs_error_clear(e);
	e->kind = kind;
	snprintf(e->code, sizeof(e->code), "%s", code ? code : "");
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	return -1;
}

int ivs_error_set(struct ivs_error *e, const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	error_vset(e, IVS_ERR_SERVICE, code, fmt, ap);
	va_end(ap);
	return -1;
}

int ivs_error_set_kind(struct ivs_error *e, enum ivs_error_kind kind, const char *code,
		       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	error_vset(e, kind, code, fmt, ap);
	va_end(ap);
	return -1;
}

int ivs_error_bad_response(struct ivs_error *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	error_vset(e, IVS_ERR_BAD_RESPONSE, "BadResponse", fmt, ap);
	va_end(ap);
	return -1;
}

const char *ivs_error_kind_name(enum ivs_error_kind kind)
{
	switch (kind) {
	case IVS_ERR_NONE: return "none";
	case IVS_ERR_SERVICE: return "service error";
	case IVS_ERR_NOT_FOUND: return "not found";
	case IVS_ERR_NETWORK: return "network error";
	case IVS_ERR_TIMEOUT: return "timeout";
	case IVS_ERR_INTERRUPTED: return "interrupted";
	case IVS_ERR_BAD_INPUT: return "bad input";
	case IVS_ERR_BAD_RESPONSE: return "bad response";
	}
	return "unknown";
}

int ivs_error_prefix(struct ivs_error *e, const char *fmt, ...)
{
	if (!e)
		return -1;
	/* Built in a larger buffer and cut to size: a long message loses its tail. */
	char pre[256], joined[sizeof(pre) + sizeof(e->message) + 2];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	snprintf(joined, sizeof(joined), "%s: %s", pre, e->message);
	size_t n = strnlen(joined, sizeof(e->message) - 1);
	memcpy(e->message, joined, n);
	e->message[n] = '\0';
	return -1;
}

const char *ivs_error_format(const struct ivs_error *e, char *out, size_t n)
{
	size_t off = 0;
	int w = snprintf(out, n, "%s", e->message[0] ? e->message : "unknown error");
	if (w < 0)
		return out;
	off = (size_t)w < n ? (size_t)w : n;
	if (e->code[0] || e->http_status || e->request_id[0]) {
		const char *sep = " (";
		if (e->code[0] && off < n) {
			w = snprintf(out + off, n - off, "%s%s", sep, e->code);
			off += w > 0 ? (size_t)w : 0;
			sep = ", ";
		}
		if (e->http_status && off < n) {
			w = snprintf(out + off, n - off, "%sHTTP %ld", sep, e->http_status);
			off += w > 0 ? (size_t)w : 0;
			sep = ", ";
		}
		if (e->request_id[0] && off < n) {
			w = snprintf(out + off, n - off, "%srequest id %s", sep, e->request_id);
			off += w > 0 ? (size_t)w : 0;
		}
		if (off < n)
			snprintf(out + off, n - off, ")");
	}
	return out;
}
