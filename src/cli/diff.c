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
#include "changeset.h"
#include "cli.h"
#include "cost.h"
#include "follow.h"
#include "output.h"

/* The change set's CodeBucket/CodeKey: the package's (named by its hash),
 * a placeholder when a new stack needs one and there is no package, or
 * none (keep the stack's current code). */
static int code_location(struct cli_ctx *x, enum stack_start start, char **bucket, char **key)
{
	struct ivs_error err;
	*bucket = NULL;
	*key = xstrdup(x->code_key);
	if (!*key && start != STACK_START_CREATE)
		return 0;
	struct sts_identity id;
	if (sts_get_caller_identity(x->client, &id, &err) < 0) {
		cli_report(&err);
		free(*key);
		*key = NULL;
		return -1;
	}
	*bucket = stack_asset_bucket_name(&x->cfg, id.account, aws_client_region(x->client));
	sts_identity_free(&id);
	if (!*key)
		*key = xstrdup("ivsvc/no-package-in-this-build.zip");
	return 0;
}

static void print_plan(const struct cli_ctx *x, const struct stack_plan *plan)
{
	if (x->o.json) {
		cJSON *doc = stack_plan_json(plan);
		cost_print_change(x, doc); /* "cost": the estimate and its change */
		out_json_print(doc, stdout, 0);
		cJSON_Delete(doc);
	} else if (plan->empty) {
		printf("no changes: stack %s is up to date\n", plan->stack);
	} else {
		stack_plan_print(plan, stdout);
		cost_print_change(x, NULL); /* the monthly estimate and its change */
	}
}

int cmd_diff(struct cli_ctx *x)
{
	struct ivs_error err;
	struct aws_client *c = x->client;
	const char *stack = x->cfg.stack_name;
	enum stack_start start;
	if (stack_prepare(c, stack, 1, &start, &err) < 0) {
		cli_report(&err);
		return EXIT_FAILED;
	}
	char *bucket, *key;
	if (code_location(x, start, &bucket, &key) < 0)
		return EXIT_FAILED;
	size_t n_params;
	struct cfn_param *params = stack_params(&x->cfg, &x->tmpl, bucket, key, &n_params);
	struct stack_inputs in = { &x->tmpl, params, n_params, &x->cfg };
	struct stack_plan plan;
	int rc = EXIT_OK;
	if (stack_plan_create(c, stack, start, &in, &plan, &err) < 0) {
		cli_report(&err);
		rc = cli_exit_code(&err);
	} else {
		print_plan(x, &plan);
		if (stack_plan_discard(c, &plan, &err) < 0) {
			cli_error("could not delete change set %s: %s", plan.change_set, err.message);
			rc = EXIT_FAILED;
		}
	}
	stack_plan_free(&plan);
	free(params);
	free(bucket);
	free(key);
	return rc;
}
