/*
 * lambdafn.c - Lambda GetFunctionConfiguration (see lambdafn.h).
 */
#include "lambdafn.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

int lambdafn_get_configuration(struct aws_client *c, const char *name,
			       struct lambdafn_config *out, struct ivs_error *err)
{
	memset(out, 0, sizeof(*out));
	struct buf path = BUF_INIT;
	buf_puts(&path, "/2015-03-31/functions/");
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if (isalnum(*p) || strchr("-_.~", *p))
			buf_putc(&path, (char)*p);
		else
			buf_printf(&path, "%%%02X", *p);
	}
	buf_puts(&path, "/configuration");
	cJSON *resp = NULL;
	int rc = restjson_call(c, &AWS_SVC_LAMBDA, "GetFunctionConfiguration", "GET", path.data,
			       NULL, &resp, err);
	buf_free(&path);
	if (rc < 0)
		return strcmp(err->code, "ResourceNotFoundException") == 0 ? 1 : -1;
	out->name = xstrdup(json_str(resp, "FunctionName"));
	out->arn = xstrdup(json_str(resp, "FunctionArn"));
	out->runtime = xstrdup(json_str(resp, "Runtime"));
	out->state = xstrdup(json_str(resp, "State"));
	out->state_reason = xstrdup(json_str(resp, "StateReason"));
	out->last_update_status = xstrdup(json_str(resp, "LastUpdateStatus"));
	out->last_modified = xstrdup(json_str(resp, "LastModified"));
	out->memory_mb = (int)json_num(resp, "MemorySize", 0);
	out->timeout_s = (int)json_num(resp, "Timeout", 0);
	cJSON_Delete(resp);
	if (!out->name)
		out->name = xstrdup(name);
	return 0;
}

void lambdafn_config_free(struct lambdafn_config *cfg)
{
	free(cfg->name);
	free(cfg->arn);
	free(cfg->runtime);
	free(cfg->state);
	free(cfg->state_reason);
	free(cfg->last_update_status);
	free(cfg->last_modified);
	memset(cfg, 0, sizeof(*cfg));
}
