/*
 * deploy.c - `ivsvc deploy`: what `cdk deploy` does, for our one stack.
 *
 * Order: settings and inputs are checked before any AWS call; the stack's
 * state is read (a dead ROLLBACK_COMPLETE stack is deleted, a running
 * operation waited for, UPDATE_ROLLBACK_FAILED refused); a change set is
 * created and shown; only after the answer "yes" is the package uploaded
 * (creating the asset bucket once) and the change set executed, so a
 * refusal leaves nothing behind. Then the stack's events are followed until
 * it settles, the new version is proved (deploy.h: cli_verify_deploy) and
 * the outputs printed (and written: --outputs-file; --json: JSON lines).
 * --prepare stops after the upload, leaving the change set; --execute NAME
 * starts from such a change set (prepared.c).
 */
#include <stdlib.h>
#include <string.h>

#include "aws/sts.h"
#include "cost.h"
#include "deploy.h"
#include "output.h"
#include "prune.h"


/* One deploy in progress: what its steps share. */
struct deploy {
	struct cli_ctx *x;
	const char *stack, *region;
	char *bucket;
	struct cfn_param *params;
	size_t n_params;
	enum stack_start start;
	struct stack_plan plan;
	int named;                /* --execute: the plan is a prepared change set */
	FILE *json;               /* --json: where the JSON lines go; else NULL */
	int executed;             /* the change set was executed */
	char *status;             /* the stack's status at the end */
	cJSON *verify;            /* the proof's result; NULL: none */
};

/* The plan on stdout (and as a JSON line). */
static void show_plan(struct deploy *d)
{
	stack_plan_print(&d->plan, stdout);
	if (!d->json)
		cost_print_change(d->x, NULL); /* the monthly estimate and its change */
	fflush(stdout);
	if (d->json) {
		cJSON *doc = stack_plan_json(&d->plan);
		cJSON_AddStringToObject(doc, "kind", "plan");
		cost_print_change(d->x, doc); /* "cost": the estimate and its change */
		deploy_json_line(d->json, doc);
	}
}

/* The stack's state and the change set. Returns EXIT_OK to go on
 * (d->plan.empty: nothing to do), else the exit code. */
static int deploy_plan(struct deploy *d)
{
	struct cli_ctx *x = d->x;
	struct ivs_error err;
	struct sts_identity id;
	if (sts_get_caller_identity(x->client, &id, &err) < 0) {
		cli_report(&err);
		return EXIT_FAILED;
	}
	d->bucket = stack_asset_bucket_name(&x->cfg, id.account, d->region);
	sts_identity_free(&id);
	if (stack_prepare(x->client, d->stack, 0, &d->start, &err) < 0) {
		if (err.kind != IVS_ERR_INTERRUPTED)
			cli_report(&err);
		else
			cli_error("stopped waiting; whatever CloudFormation was doing on %s goes on: "
				  "see `ivsvc status --stack-name %s`", d->stack, d->stack);
		return cli_exit_code(&err);
	}
	d->params = stack_params(&x->cfg, &x->tmpl, d->bucket, x->code_key, &d->n_params);
	printf("%s stack %s in %s\n", d->start == STACK_START_CREATE ? "Creating" : "Updating",
	       d->stack, d->region);
	fflush(stdout);
	struct stack_inputs in = { &x->tmpl, d->params, d->n_params, &x->cfg };
	if (stack_plan_create(x->client, d->stack, d->start, &in, &d->plan, &err) < 0) {
		if (err.kind != IVS_ERR_INTERRUPTED)
			cli_report(&err);
		else
			cli_error("interrupted; nothing was changed");
		return cli_exit_code(&err);
	}
	if (!d->plan.empty)
		show_plan(d);
	return EXIT_OK;
}

/* Asks; on no, removes the change set (a prepared one stays for another try). */
static int deploy_ask(struct deploy *d)
{
	struct ivs_error err;
	int rc = deploy_approve(d->x, &d->plan, d->stack, d->region);
	if (rc == EXIT_OK)
		return EXIT_OK;
	if (d->named) {
		cli_error("not deployed; change set %s is left as it was", d->plan.change_set);
		return rc;
	}
	if (stack_plan_discard(d->x->client, &d->plan, &err) < 0)
		cli_report(&err);
	const char *what = d->start == STACK_START_CREATE
				   ? " (the change set and its empty stack were deleted)"
				   : " (the change set was deleted)";
	char loss[8];
	if (plan_data_loss(&d->plan, loss, sizeof(loss))) /* its refusal was the one error line */
		fprintf(stderr, "Nothing was changed%s.\n", what);
	else
		cli_error("not deployed; nothing was changed%s", what);
	return rc;
}

/* How the followed operation ended. */
static int deploy_judge(struct deploy *d, struct stack_outcome *outcome)
{
	if (outcome->interrupted) {
		fprintf(stderr, "\nStopped watching. The deploy keeps going in CloudFormation "
				"(now %s): run `ivsvc status --follow --stack-name %s` to see how it "
				"ends.\n", outcome->status, d->stack);
		return EXIT_INTERRUPTED;
	}
	d->status = xstrdup(outcome->status);
	if (!cfn_status_complete(outcome->status)) {
		stack_report_failure("deploy", d->stack, outcome);
		return EXIT_FAILED;
	}
	printf("Stack %s: %s\n", d->stack, outcome->status);
	return EXIT_OK;
}

/* Uploads the package (not for a prepared change set: --prepare did). */
static int deploy_upload(struct deploy *d)
{
	struct ivs_error err;
	struct stack_upload_options uo = { d->stack, d->x->o.json, &cli_interrupted };
	if (d->named || stack_upload_package(d->x->client, d->bucket, d->region, &d->x->pkg,
					     d->x->code_key, &uo, &err) == 0)
		return EXIT_OK;
	cli_report(&err);
	deploy_report_not_deployed(d->x->client, d->stack, &d->plan, 0, NULL);
	return EXIT_FAILED;
}

/* Executes the change set and follows the stack. */
static int deploy_execute(struct deploy *d)
{
	struct aws_client *c = d->x->client;
	struct ivs_error err;
	const char *target = d->plan.stack_id ? d->plan.stack_id : d->stack;
	/* Where this deploy's events start: without it, following could show an
	 * earlier operation's events (and failures) as this one's. */
	char *after = NULL;
	if (stack_newest_event_id(c, target, &after, &err) < 0) {
		ivs_error_prefix(&err, "reading the events of stack %s before executing", d->stack);
		cli_report(&err);
		if (!d->named)
			deploy_report_not_deployed(c, d->stack, &d->plan, 0, NULL);
		return EXIT_FAILED;
	}
	if (cfn_execute_change_set(c, d->stack, d->plan.change_set, &err) < 0) {
		cli_report(&err);
		deploy_report_not_deployed(c, d->stack, &d->plan, 1, after);
		free(after);
		return EXIT_FAILED;
	}
	d->executed = 1;
	size_t total = d->start == STACK_START_CREATE && !d->named ? d->x->tmpl.n_resources
								   : d->plan.cs.n_changes;
	printf("Executing change set %s (Ctrl-C stops watching, not the deploy)\n",
	       d->plan.change_set);
	fflush(stdout);
	struct stack_outcome outcome;
	int rc = stack_follow(c, target, after, total, 0, &outcome, &err);
	free(after);
	if (rc < 0) {
		cli_report(&err);
		return EXIT_FAILED;
	}
	rc = deploy_judge(d, &outcome);
	stack_outcome_free(&outcome);
	if (rc == EXIT_OK && !d->named) /* keeps this package and the one before */
		prune_after_deploy(c, d->bucket, d->stack, d->x->code_key);
	return rc;
}

/* --prepare: the package uploaded, the change set left, its name printed. */
static int deploy_leave_prepared(struct deploy *d)
{
	int rc = deploy_upload(d);
	if (rc != EXIT_OK)
		return rc;
	printf("Prepared change set %s for stack %s; nothing was executed.\n"
	       "Review it, then run: ivsvc deploy --execute %s\n",
	       d->plan.change_set, d->stack, d->plan.change_set);
	if (d->json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "kind", "changeSet");
		cJSON_AddStringToObject(j, "stack", d->stack);
		cJSON_AddStringToObject(j, "changeSet", d->plan.change_set);
		cJSON_AddStringToObject(j, "changeSetType", d->plan.type);
		deploy_json_line(d->json, j);
	}
	return EXIT_OK;
}

/* The outputs (printed, --outputs-file) and the final JSON line. deployed:
 * the stack is in a good state (rc may still say the proof failed). */
static int deploy_finish(struct deploy *d, int deployed, int rc)
{
	struct ivs_error err;
	struct cfn_stack s;
	const char *target = d->plan.stack_id ? d->plan.stack_id : d->stack;
	int found = cfn_describe_stack(d->x->client, target, &s, &err);
	if (found == 0) {
		if (stack_fill_outputs(d->x->client, &s, &err) < 0)
			cli_report(&err);
		if (!d->status)
			d->status = xstrdup(s.status);
	}
	if (deployed && found == 0 && !d->executed) /* else printed before the proof */
		stack_print_outputs(&s, stdout);
	if (deployed && d->x->o.outputs_file &&
	    deploy_write_outputs(d->x->o.outputs_file, d->stack, found == 0 ? &s : NULL, &err) < 0) {
		cli_report(&err);
		rc = EXIT_FAILED;
	}
	if (d->json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "stack", d->stack);
		cJSON_AddBoolToObject(j, "changed", d->executed);
		cJSON_AddStringToObject(j, "status", d->status ? d->status : "");
		cJSON_AddItemToObject(j, "outputs", deploy_outputs_json(found == 0 ? &s : NULL));
		cJSON_AddItemToObject(j, "verify", d->verify ? d->verify : cJSON_CreateNull());
		d->verify = NULL;
		deploy_json_line(d->json, j);
	}
	if (found == 0)
		cfn_stack_free(&s);
	return rc;
}

/* Plan, ask, execute, prove, finish. */
static int deploy_run(struct deploy *d)
{
	struct cli_ctx *x = d->x;
	int rc = d->named ? deploy_load_prepared(x->client, d->stack, x->o.execute, &d->plan,
						 &d->start)
			  : deploy_plan(d);
	if (rc == EXIT_OK && d->named)
		show_plan(d);
	if (rc == EXIT_OK && d->plan.empty) {
		struct ivs_error ignored;
		stack_plan_discard(x->client, &d->plan, &ignored);
		printf("no changes: stack %s is up to date\n", d->stack);
		return deploy_finish(d, 1, EXIT_OK);
	}
	if (rc == EXIT_OK && x->o.prepare)
		return deploy_leave_prepared(d);
	if (rc == EXIT_OK)
		rc = deploy_ask(d);
	if (rc == EXIT_OK)
		rc = deploy_upload(d);
	if (rc == EXIT_OK)
		rc = deploy_execute(d);
	if (!d->executed || rc == EXIT_INTERRUPTED)
		return rc;
	int deployed = rc == EXIT_OK;
	struct cfn_stack s;
	struct ivs_error err;
	const char *target = d->plan.stack_id ? d->plan.stack_id : d->stack;
	if (deployed && cfn_describe_stack(x->client, target, &s, &err) == 0) {
		if (stack_fill_outputs(x->client, &s, &err) == 0)
			stack_print_outputs(&s, stdout);
		cfn_stack_free(&s);
	}
	if (deployed && !x->o.no_verify) { /* prove the new version runs */
		if (x->o.verify && strcmp(x->o.verify, "wait") == 0)
			rc = cli_verify_wait(x, d->stack, out_now_ms(), &d->verify);
		else
			rc = cli_verify_deploy(x, d->stack, &d->verify);
	}
	return deploy_finish(d, deployed, rc);
}

int cmd_deploy_check(struct cli_ctx *x)
{
	const struct cli_opts *o = &x->o;
	enum approval level;
	if (approval_parse(o->require_approval, &level) < 0) {
		cli_error("deploy: --require-approval '%s' is not one of never, broadening, "
			  "any-change", o->require_approval);
		return EXIT_USAGE;
	}
	if (o->verify && strcmp(o->verify, "invoke") != 0 && strcmp(o->verify, "wait") != 0) {
		cli_error("deploy: --verify '%s' is not one of invoke, wait", o->verify);
		return EXIT_USAGE;
	}
	if (o->verify && o->no_verify) {
		cli_error("deploy: --verify and --no-verify contradict each other");
		return EXIT_USAGE;
	}
	if (o->prepare && o->execute) {
		cli_error("deploy: --prepare and --execute are two steps; run them one at a time");
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int cmd_deploy(struct cli_ctx *x)
{
	struct deploy d = { .x = x, .stack = x->cfg.stack_name,
			    .region = aws_client_region(x->client), .named = x->o.execute != NULL };
	if (x->o.json)
		d.json = deploy_json_begin();
	stack_follow_json(d.json);
	int rc = deploy_run(&d);
	stack_follow_json(NULL);
	deploy_json_end(d.json);
	cJSON_Delete(d.verify);
	free(d.status);
	free(d.params);
	stack_plan_free(&d.plan);
	free(d.bucket);
	return rc;
}
