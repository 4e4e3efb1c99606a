/*
 * diff.c - `ivsvc diff`: what deploy would change, from a real change set
 * that is created, printed and deleted, never executed. Uploads nothing:
 * CodeKey names the package by its hash (or, without a package, keeps the
 * stack's current code). For a missing stack every resource shows as Add
 * (and the empty REVIEW_IN_PROGRESS stack the change set made is removed).
 */
#include <stdlib.h>
#include <string.h>

#include "aws/sts.h"
#include "cli.h"
#include "config.h"
#include "output.h"
#include "stack.h"

static cJSON *plan_json(const struct stack_plan *plan)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "stack", plan->stack);
	cJSON_AddStringToObject(doc, "changeSetType", plan->type);
	cJSON_AddBoolToObject(doc, "noChanges", plan->empty);
	cJSON *arr = cJSON_AddArrayToObject(doc, "changes");
	for (size_t i = 0; !plan->empty && i < plan->cs.n_changes; i++) {
		const struct cfn_change *ch = &plan->cs.changes[i];
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "action", ch->action);
		cJSON_AddStringToObject(j, "logicalId", ch->logical_id);
		cJSON_AddStringToObject(j, "type", ch->type);
		if (ch->replacement)
			cJSON_AddStringToObject(j, "replacement", ch->replacement);
		if (ch->details)
			cJSON_AddStringToObject(j, "properties", ch->details);
		cJSON_AddItemToArray(arr, j);
	}
	return doc;
}

static int diff(const struct cli_opts *o, struct ivs_config *cfg, struct aws_client *c,
		const struct stack_template *t, const char *code_key)
{
	struct ivs_error err;
	const char *stack = cfg->stack_name;
	enum stack_start start;
	if (stack_prepare(c, stack, 1, &start, &err) < 0) {
		cli_report(&err);
		return EXIT_FAILED;
	}
	char *bucket = NULL;
	char *key = xstrdup(code_key);
	if (key || start == STACK_START_CREATE) {
		struct sts_identity id;
		if (sts_get_caller_identity(c, &id, &err) < 0) {
			cli_report(&err);
			free(key);
			return EXIT_FAILED;
		}
		bucket = stack_asset_bucket_name(cfg, id.account, aws_client_region(c));
		sts_identity_free(&id);
		if (!key)
			key = xstrdup("ivsvc/no-package-in-this-build.zip");
	}
	size_t n_params;
	struct cfn_param *params = stack_params(cfg, t, bucket, key, &n_params);
	struct stack_plan plan;
	int rc = EXIT_OK;
	if (stack_plan_create(c, stack, start, t, params, n_params, cfg, &plan, &err) < 0) {
		cli_report(&err);
		rc = strcmp(err.code, "Interrupted") == 0 ? EXIT_INTERRUPTED : EXIT_FAILED;
		free(params);
		free(bucket);
		free(key);
		stack_plan_free(&plan);
		return rc;
	}
	if (o->json) {
		cJSON *doc = plan_json(&plan);
		out_json_print(doc, stdout, 0);
		cJSON_Delete(doc);
	} else if (plan.empty) {
		printf("no changes: stack %s is up to date\n", stack);
	} else {
		stack_plan_print(&plan, stdout);
	}
	if (stack_plan_discard(c, &plan, &err) < 0) {
		cli_error("could not delete change set %s: %s", plan.change_set, err.message);
		rc = EXIT_FAILED;
	}
	stack_plan_free(&plan);
	free(params);
	free(bucket);
	free(key);
	return rc;
}

int cmd_diff(int argc, char **argv)
{
	struct cli_opts o;
	if (cli_parse_flags_only(argc, argv,
				 "stack-name,json,template,handler-zip,config,region,profile", &o) < 0)
		return EXIT_USAGE;
	struct ivs_config cfg;
	struct stack_template t;
	int rc = stack_load_inputs(&o, "diff", &cfg, &t);
	if (rc != EXIT_OK)
		return rc;
	struct ivs_error err;
	char *key = NULL;
	struct stack_package pkg;
	if (stack_package_load(o.handler_zip, &pkg, &err) == 0) {
		key = stack_package_key(&pkg);
		stack_package_free(&pkg);
	} else if (o.handler_zip) {
		cli_error("diff: %s", err.message);
		stack_template_free(&t);
		config_free(&cfg);
		return EXIT_USAGE;
	}
	cli_install_signals();
	struct aws_client *c = cli_client(&o);
	if (!c) {
		rc = EXIT_FAILED;
	} else {
		rc = diff(&o, &cfg, c, &t, key);
		aws_client_free(c);
	}
	free(key);
	stack_template_free(&t);
	config_free(&cfg);
	return rc;
}
