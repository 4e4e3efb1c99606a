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

struct ivs_error {
	long http_status;      /* 0 when no HTTP response was received */
	char code[96];         /* service code ("ThrottlingException") or ours ("NoCredentials") */
	char message[640];
	char request_id[96];
	int retryable;         /* set by the client's classification */
};

void ivs_error_clear(struct ivs_error *e);
/* Fills code and message; always returns -1 so callers can `return ivs_error_set(...)`. */
int ivs_error_set(struct ivs_error *e, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prepends context: "deploy: <old message>". Returns -1. */
int ivs_error_prefix(struct ivs_error *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* One line: "<message> (<code>, HTTP <status>, request id <id>)". */
const char *ivs_error_format(const struct ivs_error *e, char *out, size_t n);

#endif
