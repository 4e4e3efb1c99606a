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

/* Upload progress: sent of total body bytes so far. Returning non-zero
 * aborts the transfer. */
typedef int (*http_progress_fn)(void *user, long long sent, long long total);

struct http_request {
	const char *method;          /* "GET", "POST", "PUT", "DELETE", "HEAD" */
	const char *url;             /* absolute: scheme://host[:port]/path?query */
	struct http_headers headers; /* sent as given (Host is derived by curl) */
	const void *body;            /* borrowed; may be NULL */
	size_t body_len;
	long timeout_ms;             /* 0: the client's; else this request's whole-transfer limit */
	http_progress_fn progress;   /* NULL: none */
	void *progress_user;
};

struct http_response {
	long status;                 /* 0 when no response */
	struct http_headers headers; /* names as received */
	struct buf body;
	int transport_error;         /* 0, or the CURLcode of a transport failure */
	int timed_out;               /* transport failure was a timeout */
	int permanent;               /* transport failure no retry can mend (bad certificate, bad URL) */
	char transport_msg[256];
};

void http_response_free(struct http_response *r);
void http_response_reset(struct http_response *r); /* free + zero, for a retry */

struct http_options {
	long connect_timeout_ms;     /* 0: 3,000 */
	long timeout_ms;             /* whole request; 0: 60,000 */
	size_t max_body;             /* responses larger than this fail; 0: 64 MiB */
	const char *ca_bundle;       /* NULL: SSL_CERT_FILE, else curl's default when that file
					exists, else the first existing of the Amazon Linux and
					Debian bundle paths */
};

struct http_client;

struct http_client *http_client_new(const struct http_options *opt);
void http_client_free(struct http_client *c);

/* Sends one request. Returns 0 when a response (any status) arrived, -1 on a
 * transport failure (resp->transport_error and transport_msg say which). */
int http_send(struct http_client *c, const struct http_request *req, struct http_response *resp);

/*
 * Incremental concurrent mode, for callers that schedule their own work
 * between transfers (ops.c's per-op retries and backoff timers).
 *
 * http_multi_start() begins one transfer on the shared multi handle; req's
 * body must stay valid until the transfer is reported done (everything else
 * in req is copied). http_multi_run() drives every transfer, waiting at most
 * wait_ms for progress (it also serves as the sleep when nothing runs), and
 * calls done(user, ctx) once per transfer that finished, its response filled.
 * done may start new transfers. Returns the number of transfers still
 * running. max_conn (0: unlimited) caps the connections curl opens at once.
 */
int http_multi_start(struct http_client *c, const struct http_request *req,
		     struct http_response *resp, void *user);
size_t http_multi_run(struct http_client *c, long wait_ms,
		      void (*done)(void *user, void *ctx), void *ctx);
void http_multi_set_max_connections(struct http_client *c, size_t max_conn);

#endif
