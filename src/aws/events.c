/*
 * events.c - EventBridge DescribeRule (see events.h).
 */
#include "events.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"

int events_describe_rule(struct aws_client *c, const char *name, struct events_rule *out,
			 struct ivs_error *err)
{
	memset(out, 0, sizeof(*out));
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "Name", name);
	cJSON *resp = NULL;
	int rc = json_call(c, &AWS_SVC_EVENTBRIDGE, "1.1", "AWSEvents", "DescribeRule", req, &resp,
			   err);
	cJSON_Delete(req);
	if (rc < 0)
		return err->kind == IVS_ERR_NOT_FOUND ? 1 : -1;
	const struct json_field fields[] = {
		{ "Name", &out->name }, { "Arn", &out->arn }, { "State", &out->state },
		{ "ScheduleExpression", &out->schedule },
	};
	json_copy_strings(resp, fields, 4);
	cJSON_Delete(resp);
	if (!out->name)
		out->name = xstrdup(name);
	return 0;
}

void events_rule_free(struct events_rule *r)
{
	char *s[] = { r->name, r->arn, r->state, r->schedule };
	free_strings(s, 4);
	memset(r, 0, sizeof(*r));
}
