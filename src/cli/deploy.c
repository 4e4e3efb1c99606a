/*
 * deploy.c - `ivsvc deploy`: what `cdk deploy` does, for our one stack.
 *
 * Order: settings and inputs are checked before any AWS call; the stack's
 * state is read (a dead ROLLBACK_COMPLETE stack is deleted, a running
 * operation waited for, UPDATE_ROLLBACK_FAILED refused); a change set is
 * created and shown; only after the answer "yes" is the package uploaded
 * (creating the asset bucket once) and the change set executed, so a
 * refusal leaves nothing behind. Then the stack's events are followed until
 * it settles.
 */
#include <stdlib.h>
#include <string.h>

#include "aws/sts.h"
#include "changeset.h"
#include "cli.h"
#include "follow.h"

/* What a failed deploy leaves, and what to run next. */
static void report_failure(const char *stack, const struct stack_outcome *o)
{
	cli_error("deploy of stack %s failed: it ended in %s", stack, o->status);
	if (o->n_failures) {
		fprintf(stderr, "Failed resources:\n");
		for (size_t i = 0; i < o->n_failures; i++)
			fprintf(stderr, "  %s\n", o->failures[i]);
	}
	const char *st = o->status;
	if (strcmp(st, "ROLLBACK_COMPLETE") == 0)
		fprintf(stderr, "Rolled back: the stack's first create failed and it holds no "
				"resources.\nNext: fix the cause above, then run `ivsvc deploy` "
				"again (it deletes the failed stack first).\n");
	else if (strcmp(st, "UPDATE_ROLLBACK_COMPLETE") == 0)
		fprintf(stderr, "Rolled back: the stack is back at its previous version and "
				"keeps running.\nNext: fix the cause above, then run `ivsvc "
				"deploy` again.\n");
	else if (strcmp(st, "UPDATE_ROLLBACK_FAILED") == 0)
		fprintf(stderr, "Rolling back failed too; the stack takes no update until it is "
				"recovered.\nNext: `aws cloudformation continue-update-rollback "
				"--stack-name %s`, or `ivsvc destroy --stack-name %s`.\n",
			stack, stack);
	else
		fprintf(stderr, "The stack could not be returned to a working state.\nNext: "
				"`ivsvc status --stack-name %s` to look, `ivsvc destroy "
				"--stack-name %s` to remove it, then deploy again.\n",
			stack, stack);
}

/* A change set was made but is not known to have run: the upload failed
 * (execute_sent 0), or ExecuteChangeSet failed or lost its answer. Removes
 * the change set (and a CREATE's empty stack), then says where the stack
 * stands and what to run next. after_event: the stack's newest event before
 * ExecuteChangeSet was sent. */
static void report_not_deployed(struct aws_client *c, const char *stack, struct stack_plan *plan,
				int execute_sent, const char *after_event)
{
	struct ivs_error e;
	stack_plan_discard(c, plan, &e);
	struct cfn_stack s;
	int found = cfn_describe_stack(c, stack, &s, &e);
	if (found < 0) {
		fprintf(stderr, "Could not read the state of stack %s now.\nNext: `ivsvc status "
				"--stack-name %s` to look, then `ivsvc deploy` again.\n", stack, stack);
		return;
	}
	if (found == 1 || strcmp(s.status, "DELETE_COMPLETE") == 0) {
		fprintf(stderr, "Nothing was deployed: stack %s was not created.\nNext: fix the "
				"cause above, then run `ivsvc deploy` again.\n", stack);
	} else if (strcmp(s.status, "REVIEW_IN_PROGRESS") == 0) {
		fprintf(stderr, "Stack %s is REVIEW_IN_PROGRESS: made for the change set, it holds "
				"no resources.\nNext: fix the cause above, then run `ivsvc deploy` "
				"again (it reuses the stack), or `ivsvc destroy --stack-name %s`.\n",
			stack, stack);
	} else {
		char *now = NULL;
		if (execute_sent)
			stack_newest_event_id(c, s.id, &now, &e); /* unreadable: judged by status */
		int ran = execute_sent && (cfn_status_in_progress(s.status) || !now != !after_event ||
					   (now && strcmp(now, after_event) != 0));
		free(now);
		if (ran)
			fprintf(stderr, "Stack %s is %s: the change set ran after all (only its "
					"answer was lost).\nNext: `ivsvc status --stack-name %s` to "
					"check it.\n", stack, s.status, stack);
		else
			fprintf(stderr, "Nothing was deployed: stack %s is %s, as before.\nNext: fix "
					"the cause above, then run `ivsvc deploy` again.\n",
				stack, s.status);
	}
	if (found == 0)
		cfn_stack_free(&s);
}

/* One deploy in progress: what its steps share. */
struct deploy {
	struct cli_ctx *x;
	const char *stack, *region;
	char *bucket;
	struct cfn_param *params;
	size_t n_params;
	enum stack_start start;
	struct stack_plan plan;
};

/* The stack's state, the change set and the answer to "deploy these?".
 * Returns EXIT_OK to go on (d->plan.empty: nothing to do), else the exit code. */
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
	if (d->plan.empty)
		return EXIT_OK;
	stack_plan_print(&d->plan, stdout);
	fflush(stdout);
	char prompt[300];
	snprintf(prompt, sizeof(prompt), "Deploy these changes to %s in %s?", d->stack, d->region);
	int yes = cli_confirm(&x->o, prompt);
	if (yes > 0 && !cli_interrupted)
		return EXIT_OK;
	if (stack_plan_discard(x->client, &d->plan, &err) < 0)
		cli_report(&err);
	cli_error("not deployed; nothing was changed%s",
		  d->start == STACK_START_CREATE ? " (the change set and its empty stack were deleted)"
						 : " (the change set was deleted)");
	return cli_interrupted ? EXIT_INTERRUPTED : EXIT_REFUSED;
}

/* How the followed operation ended, and the stack's outputs when it worked. */
static int deploy_judge(struct deploy *d, const char *target, struct stack_outcome *outcome)
{
	struct ivs_error err;
	if (outcome->interrupted) {
		fprintf(stderr, "\nStopped watching. The deploy keeps going in CloudFormation "
				"(now %s): run `ivsvc status --stack-name %s` to see how it ends.\n",
			outcome->status, d->stack);
		return EXIT_INTERRUPTED;
	}
	if (!cfn_status_complete(outcome->status)) {
		report_failure(d->stack, outcome);
		return EXIT_FAILED;
	}
	printf("Stack %s: %s\n", d->stack, outcome->status);
	struct cfn_stack s;
	if (cfn_describe_stack(d->x->client, target, &s, &err) == 0) {
		if (stack_fill_outputs(d->x->client, &s, &err) < 0)
			cli_report(&err);
		stack_print_outputs(&s, stdout);
		cfn_stack_free(&s);
	}
	return EXIT_OK;
}

/* Uploads the package, executes the change set and follows the stack. */
static int deploy_execute(struct deploy *d)
{
	struct aws_client *c = d->x->client;
	struct ivs_error err;
	if (stack_upload_package(c, d->bucket, d->region, &d->x->pkg, d->x->code_key, &err) < 0) {
		cli_report(&err);
		report_not_deployed(c, d->stack, &d->plan, 0, NULL);
		return EXIT_FAILED;
	}
	const char *target = d->plan.stack_id ? d->plan.stack_id : d->stack;
	/* Where this deploy's events start: without it, following could show an
	 * earlier operation's events (and failures) as this one's. */
	char *after = NULL;
	if (stack_newest_event_id(c, target, &after, &err) < 0) {
		ivs_error_prefix(&err, "reading the events of stack %s before executing", d->stack);
		cli_report(&err);
		report_not_deployed(c, d->stack, &d->plan, 0, NULL);
		return EXIT_FAILED;
	}
	if (cfn_execute_change_set(c, d->stack, d->plan.change_set, &err) < 0) {
		cli_report(&err);
		report_not_deployed(c, d->stack, &d->plan, 1, after);
		free(after);
		return EXIT_FAILED;
	}
	size_t total = d->start == STACK_START_CREATE ? d->x->tmpl.n_resources
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
	rc = deploy_judge(d, target, &outcome);
	stack_outcome_free(&outcome);
	return rc;
}

int cmd_deploy(struct cli_ctx *x)
{
	struct deploy d = { .x = x, .stack = x->cfg.stack_name,
			    .region = aws_client_region(x->client) };
	int rc = deploy_plan(&d);
	if (rc == EXIT_OK && d.plan.empty) {
		struct ivs_error ignored;
		stack_plan_discard(x->client, &d.plan, &ignored);
		printf("no changes: stack %s is up to date\n", d.stack);
	} else if (rc == EXIT_OK) {
		rc = deploy_execute(&d);
		if (rc == EXIT_OK && !x->o.no_verify) /* prove the new version runs */
			rc = cli_verify_deploy(x, d.stack);
	}
	free(d.params);
	stack_plan_free(&d.plan);
	free(d.bucket);
	return rc;
}
