/*
 * sts.h - the STS calls we use (query protocol): GetCallerIdentity, and the
 * AssumeRole / AssumeRoleWithWebIdentity calls the credential chain makes
 * through the caller it registers (creds.h: the chain itself links no XML).
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

/* Gives the credential chain its STS caller (creds_set_sts): call once
 * before resolving credentials in a program that links this library. */
void sts_register_credentials(void);

#endif
