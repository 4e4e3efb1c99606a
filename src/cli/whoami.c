/*
 * whoami.c - `ivsvc whoami`: which account, identity and region the
 * credentials resolve to (STS GetCallerIdentity).
 */
#include <stdlib.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "aws/sts.h"
#include "cli.h"

int cmd_whoami(struct cli_ctx *x)
{
	struct aws_client *c = x->client;
	struct sts_identity id;
	struct ivs_error err;
	int rc = sts_get_caller_identity(c, &id, &err);
	if (rc < 0) {
		cli_report(&err);
		return EXIT_FAILED;
	}
	const struct aws_creds *cr = aws_client_creds(c);
	char expires[32] = "";
	if (cr->expiration) {
		struct tm tm;
		gmtime_r(&cr->expiration, &tm);
		strftime(expires, sizeof(expires), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	if (x->o.json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "account", id.account);
		cJSON_AddStringToObject(j, "arn", id.arn);
		cJSON_AddStringToObject(j, "userId", id.user_id);
		cJSON_AddStringToObject(j, "region", aws_client_region(c));
		cJSON_AddStringToObject(j, "credentialSource", cr->source);
		cJSON_AddStringToObject(j, "credentialOrigin", cr->origin);
		if (expires[0])
			cJSON_AddStringToObject(j, "credentialExpiration", expires);
		char *s = cJSON_Print(j);
		printf("%s\n", s);
		free(s);
		cJSON_Delete(j);
	} else {
		/* Where from, never what (like `aws configure list`). */
		printf("account  %s\narn      %s\nregion   %s\ncredentials from %s (%s)\n",
		       id.account, id.arn, aws_client_region(c), cr->source, cr->origin);
		if (expires[0])
			printf("expires  %s\n", expires);
	}
	sts_identity_free(&id);
	return EXIT_OK;
}
