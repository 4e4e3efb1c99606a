/*
 * lambdafn.h - Lambda GetFunctionConfiguration (REST-JSON), for `ivsvc
 * status`: the function's state and when its code last changed; and Invoke
 * (RequestResponse, log tail), for `ivsvc invoke` and deploy's proof.
 *
 * Owns: the strings in struct lambdafn_config (lambdafn_config_free) and in
 * struct lambdafn_invocation (lambdafn_invocation_free).
 */
#ifndef IVS_LAMBDAFN_H
#define IVS_LAMBDAFN_H

#include "client.h"

struct lambdafn_config {
	char *name;
	char *arn;
	char *runtime;
	char *state;              /* Pending, Active, Inactive, Failed; NULL if not given */
	char *state_reason;
	char *last_update_status; /* Successful, Failed, InProgress */
	char *last_modified;      /* "2024-05-01T12:03:04.000+0000" */
	int memory_mb;
	int timeout_s;
};

/* 0 found, 1 no such function, -1 error. */
int lambdafn_get_configuration(struct aws_client *c, const char *name,
			       struct lambdafn_config *out, struct ivs_error *err);
void lambdafn_config_free(struct lambdafn_config *cfg);

struct lambdafn_invocation {
	long status;              /* HTTP status of the call (200 for RequestResponse) */
	char *function_error;     /* X-Amz-Function-Error ("Unhandled"); NULL: it ran */
	char *log_tail;           /* X-Amz-Log-Result decoded (the last 4 KB); NULL: none */
	char *executed_version;   /* X-Amz-Executed-Version; NULL: not said */
	char *payload;            /* the function's answer (or its error object), NUL-ended */
	size_t payload_len;
};

/* Invoke with InvocationType RequestResponse and LogType Tail: runs the
 * function once on payload (JSON text) and waits for its answer. A function
 * that errored is still a 0 return (out->function_error says so); -1 is a
 * call Lambda refused (no such function: kind IVS_ERR_NOT_FOUND). */
int lambdafn_invoke(struct aws_client *c, const char *name, const char *payload,
		    struct lambdafn_invocation *out, struct ivs_error *err);
void lambdafn_invocation_free(struct lambdafn_invocation *inv);

#endif
