/*
 * client.h - the AWS client: signed calls with the SDKs' "standard" retry
 * mode, and a concurrent mode for fan-out (ops.c). What a failed answer
 * means is service_error.h's.
 *
 * Owns: the resolved credentials and region, the HTTP client, the retry
 * quota and the clock-skew correction (struct aws_client is defined in
 * attempt.h, for client.c and ops.c only). Services (sts.c, ddb.c, ...)
 * build a struct aws_op through a protocol helper (json.h, query.h) and
 * send it here. Nothing here knows a service's operations.
 *
 * Retry ("standard" mode): max attempts AWS_MAX_ATTEMPTS or the option
 * (default 3); retried: throttling codes, 429, 500/502/503/504, transport
 * errors and timeouts; backoff min(rand(0,1) * 2^attempt * base, 20 s)
 * (full jitter); a quota of 500 tokens, 5 a retry (10 after a timeout),
 * 1 back on success (or the retry's cost, when the success was a retry, as
 * botocore does). IVSVC_RETRY_BASE_MS overrides the backoff base when the
 * option is 0, so tests of the CLI can retry quickly.
 * Clock skew: a RequestTimeTooSkewed / RequestExpired / InvalidSignature-
 * Exception / SignatureDoesNotMatch whose Date header is more than 4 minutes
 * from the local clock stores the offset and is retried once at once (no
 * quota, not counted against max attempts).
 */
#ifndef IVS_CLIENT_H
#define IVS_CLIENT_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "creds.h"
#include "endpoint.h"
#include "error.h"
#include "http.h"
#include "service_error.h"

struct aws_client_options {
	const char *profile;          /* NULL: AWS_PROFILE or "default" */
	const char *region;           /* NULL: resolved (env, profile) */
	int max_attempts;             /* 0: AWS_MAX_ATTEMPTS or 3 */
	long connect_timeout_ms;      /* 0: 3,000 */
	long timeout_ms;              /* 0: 60,000 */
	double backoff_base_s;        /* 0: 1.0 (tests set it small) */
	const struct aws_creds *creds;/* NULL: resolve the chain; else copied */
	int backoff_no_jitter;        /* tests: wait exactly base * 2^(attempt-1) */
};

struct aws_client;

int aws_client_new(const struct aws_client_options *o, struct aws_client **out,
		   struct ivs_error *err);
void aws_client_free(struct aws_client *c);
const char *aws_client_region(const struct aws_client *c);
const struct aws_creds *aws_client_creds(const struct aws_client *c);
/* Exactly the endpoint this client sends svc's requests to: the
 * AWS_ENDPOINT_URL* variables, then the client's profile (its services
 * section, its endpoint_url), then the region's default (see endpoint.h).
 * Callers that must know whether the service is reached over TLS ask here,
 * never endpoint_resolve(), which does not know the client's profile. */
int aws_client_endpoint(const struct aws_client *c, const struct aws_service *svc,
			struct aws_endpoint *out, struct ivs_error *err);

/* One API call. A protocol helper fills the request part; aws_op_send fills
 * the result part. */

struct aws_op {
	const struct aws_service *svc;
	const char *name;             /* operation name, for errors: "PutMetadata" */
	char method[8];
	struct buf path;              /* path and query, already URI-encoded: "/PutMetadata" */
	struct http_headers headers;  /* Content-Type, X-Amz-Target, ... (no signing headers) */
	struct buf body;

	/* results */
	struct http_response resp;    /* the last attempt's response */
	struct ivs_error err;         /* filled when rc < 0 */
	int attempts;
	int rc;                       /* 0 success (2xx), -1 failure */
	void *user;                   /* caller's; untouched */

	/* request, optional: a borrowed body sent instead of `body` (large S3
	 * uploads); must outlive the send. */
	const void *body_ref;
	size_t body_ref_len;
	/* request, optional: this op's whole-transfer limit per attempt (0: the
	 * client's), and an upload progress hook (http.h), called again from 0
	 * on each attempt. */
	long timeout_ms;
	http_progress_fn progress;
	void *progress_user;
	/* set by the protocol's op_init: how to read an error body (NULL: only
	 * the headers and the status are read). The client itself links no
	 * parser, so a program that speaks only JSON (the Lambda handler)
	 * carries no XML parser. */
	aws_error_body_fn read_error;
};

void aws_op_init(struct aws_op *op, const struct aws_service *svc, const char *name,
		 const char *method);
void aws_op_free(struct aws_op *op);

/* Sync: sign, send, retry, parse an error. Returns op->rc; on failure err
 * (may be NULL) gets a copy of op->err. */
int aws_op_send(struct aws_client *c, struct aws_op *op, struct ivs_error *err);

struct aws_send_options {
	size_t max_in_flight;         /* 0: 64 */
	double rate_per_sec;          /* 0: unlimited; token bucket over all ops */
	double burst;                 /* bucket size; 0: max(1, rate_per_sec) */
	long long deadline_ms;        /* epoch ms (local clock); 0: none. Ops not
				         finished by then fail with code
				         "DeadlineExceeded" (in-flight transfers are
				         cut at the deadline, no retry starts after it) */
};

/* Concurrent: every op is sent with its own retries, at most max_in_flight
 * at once. Returns the number of ops that failed (each has rc and err). */
size_t aws_ops_send(struct aws_client *c, struct aws_op **ops, size_t n,
		    const struct aws_send_options *o);

/* The scheduler under aws_ops_send, for callers that feed it while it runs
 * (the handler's streaming tick): ops are added at any time, also from a
 * callback, each told to its callback once settled (rc and err filled; the
 * op is the caller's again). At most max_in_flight (0: 64) transfers at
 * once; deadline_ms as aws_send_options'. Each op goes through a lane:
 * lane 0 is unpaced; aws_sched_lane adds a paced one, shared by every op
 * sent through it for the scheduler's life (retries included). */
struct aws_sched;
typedef void aws_sched_done_fn(struct aws_sched *s, struct aws_op *op, void *user);
struct aws_lane_options {
	double rate_per_sec;          /* 0: unpaced */
	double burst;                 /* sends at once after a pause; < 1: 1 */
	size_t window_max;            /* > 0: never more than this many sends
				         in any one second (a per-second quota) */
	long long min_retry_ms;       /* a retry waits at least this long */
};
struct aws_sched *aws_sched_new(struct aws_client *c, size_t max_in_flight,
				long long deadline_ms);
/* Returns the lane's number (at most 7 lanes; past that 0). */
int aws_sched_lane(struct aws_sched *s, const struct aws_lane_options *o);
/* Sends op (reset first) through lane, no sooner than delay_ms from now. */
void aws_sched_add(struct aws_sched *s, struct aws_op *op, int lane, long long delay_ms,
		   aws_sched_done_fn *done, void *user);
/* Runs until every op added (before or during the run) has settled. */
void aws_sched_run(struct aws_sched *s);
size_t aws_sched_failed(const struct aws_sched *s);  /* ops settled with rc < 0 */
size_t aws_sched_pending(const struct aws_sched *s); /* added, not yet settled */
void aws_sched_free(struct aws_sched *s);

/* Milliseconds since the epoch, corrected for the measured clock skew. */
long long aws_client_now_ms(const struct aws_client *c);

#endif
