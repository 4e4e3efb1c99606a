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
		return strcmp(err->code, "ResourceNotFoundException") == 0 ? 1 : -1;
	out->name = xstrdup(json_str(resp, "Name"));
	out->arn = xstrdup(json_str(resp, "Arn"));
	out->state = xstrdup(json_str(resp, "State"));
	out->schedule = xstrdup(json_str(resp, "ScheduleExpression"));
	cJSON_Delete(resp);
	if (!out->name)
		out->name = xstrdup(name);
	return 0;
}

void events_rule_free(struct events_rule *r)
{
	free(r->name);
	free(r->arn);
	free(r->state);
	free(r->schedule);
	memset(r, 0, sizeof(*r));
}
