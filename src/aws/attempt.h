/*
 * attempt.h - inside the client: one attempt of an op (build the signed
 * request, then judge its answer) and the retry bookkeeping around it,
 * shared by the synchronous sender (client.c) and the concurrent one
 * (ops.c) so that both retry the same way. Not for callers of the client.
 *
 * Owns: the definition of struct aws_client.
 */
#ifndef IVS_ATTEMPT_H
#define IVS_ATTEMPT_H

#include <stddef.h>

#include "creds.h"
#include "endpoint.h"
#include "error.h"
#include "http.h"

/* From client.h, which this header does not include (client.c includes both). */
struct aws_op;

#define AWS_MAX_CACHED_ENDPOINTS 16

struct aws_client {
	char *profile;                /* explicit --profile, or NULL */
	char region[64];
	struct aws_creds creds;
	int creds_given;              /* copied from the options: never re-resolved */
	struct http_client *http;
	int max_attempts;
	double backoff_base_ms;
	int no_jitter;
	long timeout_ms;
	int quota;                    /* retry quota, botocore's "standard" mode */
	long long skew_ms;            /* server time - local time */
	unsigned long long rng;
	struct {
		const struct aws_service *svc;
		struct aws_endpoint ep;
	} eps[AWS_MAX_CACHED_ENDPOINTS];
	size_t n_eps;
};

/* One attempt's signed request. */
struct attempt {
	char *url;
	struct http_headers headers;
	struct http_request req;
};

/* Per-op retry bookkeeping. */
struct op_track {
	struct aws_op *op;
	int skew_retried;
	int last_cost;                /* quota taken for the attempt in flight */
	long long ready_at;           /* monotonic ms: may be (re)sent from then */
};

enum verdict { VERDICT_OK, VERDICT_FAIL, VERDICT_RETRY };

/* Signs the op's next attempt (refreshing credentials first). On failure
 * err is prefixed with the op's label and a is empty. */
int attempt_prepare(struct aws_client *c, struct aws_op *op, struct attempt *a,
		    struct ivs_error *err);
void attempt_free(struct attempt *a);
/* What the attempt that just finished (op->resp) means: fills op->rc and
 * op->err when final, *delay_ms when it is to be retried. url is the
 * attempt's, for a network error's message. */
enum verdict attempt_judge(struct aws_client *c, struct op_track *t, const char *url,
			   long long *delay_ms);
/* Clears an op's results before its first attempt. */
void op_reset_results(struct aws_op *op);
/* "IVS PutMetadata", for messages. */
void op_label(const struct aws_op *op, char *out, size_t n);

long long clock_wall_ms(void);
long long clock_mono_ms(void);

#endif
