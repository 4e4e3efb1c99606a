/*
 * whoami.c - `ivsvc whoami`: which account, identity and region the
 * credentials resolve to (STS GetCallerIdentity).
 */
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "aws/sts.h"
#include "cli.h"

int cmd_whoami(int argc, char **argv)
{
	struct cli_opts o;
	if (cli_parse_flags_only(argc, argv, "json,region,profile", &o) < 0)
		return EXIT_USAGE;
	struct aws_client *c = cli_client(&o);
	if (!c)
		return EXIT_FAILED;
	struct sts_identity id;
	struct ivs_error err;
	int rc = sts_get_caller_identity(c, &id, &err);
	if (rc < 0) {
		cli_report(&err);
		aws_client_free(c);
		return EXIT_FAILED;
	}
	if (o.json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "account", id.account);
		cJSON_AddStringToObject(j, "arn", id.arn);
		cJSON_AddStringToObject(j, "userId", id.user_id);
		cJSON_AddStringToObject(j, "region", aws_client_region(c));
		cJSON_AddStringToObject(j, "credentialSource", aws_client_creds(c)->source);
		char *s = cJSON_Print(j);
		printf("%s\n", s);
		free(s);
		cJSON_Delete(j);
	} else {
		printf("account  %s\narn      %s\nregion   %s\ncredentials from %s\n", id.account,
		       id.arn, aws_client_region(c), aws_client_creds(c)->source);
	}
	sts_identity_free(&id);
	aws_client_free(c);
	return EXIT_OK;
}
