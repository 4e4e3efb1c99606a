/*
 * sts.h - the STS calls we use: GetCallerIdentity (query protocol).
 */
#ifndef IVS_STS_H
#define IVS_STS_H

#include "client.h"

struct sts_identity {
	char *account;
	char *arn;
	char *user_id;
};

int sts_get_caller_identity(struct aws_client *c, struct sts_identity *out,
			    struct ivs_error *err);
void sts_identity_free(struct sts_identity *id);

#endif
