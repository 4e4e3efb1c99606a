/*
 * http.h - HTTP over libcurl: one request at a time with connection reuse,
 * or many at once (curl multi) for fan-out.
 *
 * Owns: the curl handles inside struct http_client (one easy handle kept for
 * reuse, a multi handle and a share handle for the concurrent mode). Knows
 * nothing of AWS: no signing, no retries (client.c does those).
 */
#ifndef IVS_HTTP_H
#define IVS_HTTP_H

#include <stddef.h>

#include "buf.h"

struct http_header {
	char *name;
	char *value;
};

struct http_headers {
	struct http_header *v;
	size_t n, cap;
};

void http_headers_add(struct http_headers *h, const char *name, const char *value);
/* Replaces every header of that name (case-insensitive) with one. */
void http_headers_set(struct http_headers *h, const char *name, const char *value);
/* Case-insensitive; NULL when absent. */
const char *http_headers_get(const struct http_headers *h, const char *name);
void http_headers_free(struct http_headers *h);

struct http_request {
	const char *method;          /* "GET", "POST", "PUT", "DELETE", "HEAD" */
	const char *url;             /* absolute: scheme://host[:port]/path?query */
	struct http_headers headers; /* sent as given (Host is derived by curl) */
	const void *body;            /* borrowed; may be NULL */
	size_t body_len;
};

struct http_response {
	long status;                 /* 0 when no response */
	struct http_headers headers; /* names as received */
	struct buf body;
	int transport_error;         /* 0, or the CURLcode of a transport failure */
	int timed_out;               /* transport failure was a timeout */
	char transport_msg[256];
};

void http_response_free(struct http_response *r);
void http_response_reset(struct http_response *r); /* free + zero, for a retry */

struct http_options {
	long connect_timeout_ms;     /* 0: 3,000 */
	long timeout_ms;             /* whole request; 0: 60,000 */
	size_t max_body;             /* responses larger than this fail; 0: 64 MiB */
	const char *ca_bundle;       /* NULL: curl's default, or the first existing known path */
};

struct http_client;

struct http_client *http_client_new(const struct http_options *opt);
void http_client_free(struct http_client *c);

/* Sends one request. Returns 0 when a response (any status) arrived, -1 on a
 * transport failure (resp->transport_error and transport_msg say which). */
int http_send(struct http_client *c, const struct http_request *req, struct http_response *resp);

/* Sends n requests concurrently, at most max_in_flight at a time (0: 64),
 * reusing connections. resps[i] answers reqs[i]; returns the number that
 * failed in transport. */
size_t http_send_many(struct http_client *c, const struct http_request *reqs,
		      struct http_response *resps, size_t n, size_t max_in_flight);

#endif
