/*
 * runtime.h - the Lambda Runtime API client (custom runtime, 2018-06-01):
 *   GET  /2018-06-01/runtime/invocation/next     blocks until an event
 *   POST /2018-06-01/runtime/invocation/<id>/response
 *   POST /2018-06-01/runtime/invocation/<id>/error
 *   POST /2018-06-01/runtime/init/error
 * at AWS_LAMBDA_RUNTIME_API (host:port), plain HTTP on the sandbox's loopback.
 *
 * Owns: its http_client (one connection, reused) and the invocation buffers.
 */
#ifndef IVS_LAMBDA_RUNTIME_H
#define IVS_LAMBDA_RUNTIME_H

#include <stddef.h>

#include "aws/buf.h"
#include "aws/error.h"

struct runtime;

struct runtime_invocation {
	char request_id[128];       /* Lambda-Runtime-Aws-Request-Id */
	long long deadline_ms;      /* Lambda-Runtime-Deadline-Ms (epoch ms); 0 when absent */
	char trace_id[512];         /* Lambda-Runtime-Trace-Id; "" when absent */
	struct buf event;           /* the payload */
};

/* api: "host:port" (AWS_LAMBDA_RUNTIME_API). */
int runtime_new(const char *api, struct runtime **out, struct ivs_error *err);
void runtime_free(struct runtime *rt);

/* Waits for the next invocation (no timeout: Lambda freezes us here). */
int runtime_next(struct runtime *rt, struct runtime_invocation *inv, struct ivs_error *err);
int runtime_respond(struct runtime *rt, const char *request_id, const char *body, size_t len,
		    struct ivs_error *err);
/* request_id NULL: the init error. Sends {"errorMessage","errorType"}. */
int runtime_fail(struct runtime *rt, const char *request_id, const char *type,
		 const char *message, struct ivs_error *err);
void runtime_invocation_free(struct runtime_invocation *inv);

#endif
