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
#include "cli.h"
#include "config.h"
#include "output.h"
#include "stack.h"

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

static int deploy(struct cli_opts *o, struct ivs_config *cfg, struct aws_client *c,
		  const struct stack_template *t, const struct stack_package *pkg)
{
	struct ivs_error err;
	const char *stack = cfg->stack_name;
	struct sts_identity id;
	if (sts_get_caller_identity(c, &id, &err) < 0) {
		cli_report(&err);
		return EXIT_FAILED;
	}
	const char *region = aws_client_region(c);
	char *bucket = stack_asset_bucket_name(cfg, id.account, region);
	char *key = stack_package_key(pkg);
	sts_identity_free(&id);

	int rc = EXIT_FAILED;
	struct stack_plan plan = { 0 };
	struct cfn_param *params = NULL;
	enum stack_start start;
	if (stack_prepare(c, stack, 0, &start, &err) < 0) {
		if (strcmp(err.code, "Interrupted") == 0) {
			cli_error("stopped waiting; whatever CloudFormation was doing on %s goes on: "
				  "see `ivsvc status --stack-name %s`", stack, stack);
			rc = EXIT_INTERRUPTED;
		} else {
			cli_report(&err);
		}
		goto out;
	}
	size_t n_params;
	params = stack_params(cfg, t, bucket, key, &n_params);
	printf("%s stack %s in %s\n", start == STACK_START_CREATE ? "Creating" : "Updating",
	       stack, region);
	fflush(stdout);
	if (stack_plan_create(c, stack, start, t, params, n_params, cfg, &plan, &err) < 0) {
		if (strcmp(err.code, "Interrupted") == 0) {
			cli_error("interrupted; nothing was changed");
			rc = EXIT_INTERRUPTED;
		} else {
			cli_report(&err);
		}
		goto out;
	}
	if (plan.empty) {
		struct ivs_error ignored;
		stack_plan_discard(c, &plan, &ignored);
		printf("no changes: stack %s is up to date\n", stack);
		rc = EXIT_OK;
		goto out;
	}
	stack_plan_print(&plan, stdout);
	fflush(stdout);

	char prompt[300];
	snprintf(prompt, sizeof(prompt), "Deploy these changes to %s in %s?", stack, region);
	int yes = cli_confirm(o, prompt);
	if (yes <= 0 || cli_interrupted) {
		struct ivs_error e2;
		if (stack_plan_discard(c, &plan, &e2) < 0)
			cli_report(&e2);
		cli_error("not deployed; nothing was changed%s",
			  start == STACK_START_CREATE ? " (the change set and its empty stack "
							"were deleted)"
						      : " (the change set was deleted)");
		rc = cli_interrupted ? EXIT_INTERRUPTED : EXIT_REFUSED;
		goto out;
	}

	if (stack_upload_package(c, bucket, region, pkg, key, &err) < 0) {
		cli_report(&err);
		report_not_deployed(c, stack, &plan, 0, NULL);
		goto out;
	}
	const char *target = plan.stack_id ? plan.stack_id : stack;
	/* Where this deploy's events start: without it, following could show an
	 * earlier operation's events (and failures) as this one's. */
	char *after = NULL;
	if (stack_newest_event_id(c, target, &after, &err) < 0) {
		ivs_error_prefix(&err, "reading the events of stack %s before executing", stack);
		cli_report(&err);
		report_not_deployed(c, stack, &plan, 0, NULL);
		goto out;
	}
	if (cfn_execute_change_set(c, stack, plan.change_set, &err) < 0) {
		cli_report(&err);
		report_not_deployed(c, stack, &plan, 1, after);
		free(after);
		goto out;
	}
	size_t total = start == STACK_START_CREATE ? t->n_resources : plan.cs.n_changes;
	printf("Executing change set %s (Ctrl-C stops watching, not the deploy)\n",
	       plan.change_set);
	fflush(stdout);
	struct stack_outcome outcome;
	int frc = stack_follow(c, target, after, total, 0, &outcome, &err);
	free(after);
	if (frc < 0) {
		cli_report(&err);
		goto out;
	}
	if (outcome.interrupted) {
		fprintf(stderr, "\nStopped watching. The deploy keeps going in CloudFormation "
				"(now %s): run `ivsvc status --stack-name %s` to see how it ends.\n",
			outcome.status, stack);
		stack_outcome_free(&outcome);
		rc = EXIT_INTERRUPTED;
		goto out;
	}
	if (!cfn_status_complete(outcome.status)) {
		report_failure(stack, &outcome);
		stack_outcome_free(&outcome);
		goto out;
	}
	printf("Stack %s: %s\n", stack, outcome.status);
	stack_outcome_free(&outcome);
	struct cfn_stack s;
	if (cfn_describe_stack(c, target, &s, &err) == 0) {
		if (stack_fill_outputs(c, &s, &err) < 0)
			cli_report(&err);
		stack_print_outputs(&s, stdout);
		cfn_stack_free(&s);
	}
	rc = EXIT_OK;
out:
	free(params);
	stack_plan_free(&plan);
	free(bucket);
	free(key);
	return rc;
}

int cmd_deploy(int argc, char **argv)
{
	struct cli_opts o;
	if (cli_parse_flags_only(argc, argv,
				 "stack-name,yes,template,handler-zip,config,region,profile", &o) < 0)
		return EXIT_USAGE;
	struct ivs_config cfg;
	struct stack_template t;
	int rc = stack_load_inputs(&o, "deploy", &cfg, &t);
	if (rc != EXIT_OK)
		return rc;
	struct ivs_error err;
	struct stack_package pkg = { 0 };
	if (stack_package_load(o.handler_zip, &pkg, &err) < 0) {
		cli_error("deploy: %s", err.message);
		stack_template_free(&t);
		config_free(&cfg);
		return EXIT_USAGE;
	}
	cli_install_signals();
	struct aws_client *c = cli_client(&o);
	if (!c) {
		rc = EXIT_FAILED;
	} else {
		rc = deploy(&o, &cfg, c, &t, &pkg);
		aws_client_free(c);
	}
	stack_package_free(&pkg);
	stack_template_free(&t);
	config_free(&cfg);
	return rc;
}
