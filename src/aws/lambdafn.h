/*
 * lambdafn.h - Lambda GetFunctionConfiguration (REST-JSON), for `ivsvc
 * status`: the function's state and when its code last changed.
 *
 * Owns: the strings in struct lambdafn_config (lambdafn_config_free).
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

#endif
