/*
 * sigv4_parts.h - what sigv4_canonical.c (stage 1) hands to sigv4.c
 * (stages 2 and 3, and the two ways of sending a signature). Internal to
 * src/aws/sigv4*.c: callers use sigv4.h.
 */
#ifndef IVS_SIGV4_PARTS_H
#define IVS_SIGV4_PARTS_H

#include <time.h>

#include "buf.h"
#include "error.h"

/* Not sigv4.h itself, so sigv4.c can include this without a cycle. */
struct sigv4_request;
struct sigv4_params;

#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"

/* Everything the stages need from one request, computed once. */
struct sigv4_parts {
	char amz_date[17];       /* 20150830T123600Z */
	char date[9];            /* 20150830 */
	char payload_hash[65];   /* hex SHA-256, or UNSIGNED-PAYLOAD */
	struct buf scope;        /* date/region/service/aws4_request */
	struct buf path;         /* path as sent */
	struct buf query;        /* query as sent, without '?' */
	struct buf host;         /* host[:port] derived from the URL */
};

/* Checks p and splits req->url. 0, or -1 with err (parts then needs no free). */
int sigv4_parts_init(struct sigv4_parts *parts, const struct sigv4_request *req,
		     const struct sigv4_params *p, struct ivs_error *err);
void sigv4_parts_free(struct sigv4_parts *parts);
/* Stage 1 over initialised parts (fills parts->payload_hash); cannot fail. */
void sigv4_build_canonical(const struct sigv4_request *req, const struct sigv4_params *p,
			   int presign, struct sigv4_parts *parts, struct buf *out,
			   struct buf *signed_headers);

/* X-Amz-Date and its date part, from UTC seconds. 0 or -1. */
int sigv4_format_dates(time_t now, char amz_date[17], char date[9]);
/* The credentials' session token, NULL when there is none. */
const char *sigv4_session_token(const struct sigv4_params *p);

#endif
