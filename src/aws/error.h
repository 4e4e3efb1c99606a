/*
 * error.h - the one error type every layer fills.
 *
 * Functions return 0 on success and a negative value on failure, after
 * filling a caller-owned struct ivs_error with something a user can act on.
 * Fixed-size fields: an error never allocates and never needs freeing.
 */
#ifndef IVS_ERROR_H
#define IVS_ERROR_H

#include <stddef.h>

/* What kind of failure this is, set where the fact is known, so callers
 * decide on a kind (and the CLI maps kinds to exit codes in one place)
 * instead of comparing code strings or message text. */
enum ivs_error_kind {
	IVS_ERR_NONE = 0,
	IVS_ERR_SERVICE,       /* the service answered with an error (the default) */
	IVS_ERR_NOT_FOUND,     /* the thing asked about does not exist */
	IVS_ERR_NETWORK,       /* no answer: DNS, connect, TLS, a dropped connection */
	IVS_ERR_TIMEOUT,       /* a time limit ran out (a call's, a wait's or a deadline) */
	IVS_ERR_INTERRUPTED,   /* the user asked us to stop (SIGINT/SIGTERM) */
	IVS_ERR_BAD_INPUT,     /* the caller's input (flags, files, config) is wrong */
	IVS_ERR_BAD_RESPONSE,  /* an answer we cannot read or that breaks the contract */
};

struct ivs_error {
	enum ivs_error_kind kind;
	long http_status;      /* 0 when no HTTP response was received */
	char code[96];         /* service code ("ThrottlingException") or ours ("NoCredentials") */
	char message[640];
	char request_id[96];
	int retryable;         /* set by the client's classification */
};

void ivs_error_clear(struct ivs_error *e);
/* Fills code and message with kind IVS_ERR_SERVICE; always returns -1 so callers can `return ivs_error_set(...)`. */
int ivs_error_set(struct ivs_error *e, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* ivs_error_set with a kind: returns -1. */
int ivs_error_set_kind(struct ivs_error *e, enum ivs_error_kind kind, const char *code,
		       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* An answer we cannot read or that breaks the contract: kind
 * IVS_ERR_BAD_RESPONSE, code "BadResponse". Returns -1. */
int ivs_error_bad_response(struct ivs_error *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The kind's name ("not found"), for logs and tests. */
const char *ivs_error_kind_name(enum ivs_error_kind kind);
/* Prepends context: "deploy: <old message>". Returns -1. */
int ivs_error_prefix(struct ivs_error *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* One line: "<message> (<code>, HTTP <status>, request id <id>)". */
const char *ivs_error_format(const struct ivs_error *e, char *out, size_t n);

#endif
