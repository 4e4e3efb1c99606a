/*
 * cancel.c - `ivsvc cancel`: stops a stack update in progress
 * (CloudFormation CancelUpdateStack) and follows the rollback it starts
 * until the stack settles, as deploy follows its own operation.
 *
 * Only UPDATE_IN_PROGRESS can be cancelled (CloudFormation's rule); every
 * other state is refused here first with what to do instead, so the user
 * never sees only CloudFormation's bare ValidationError.
 *
 * Owns: nothing beyond the call.
 */
#include <stdlib.h>
#include <string.h>

#include "aws/query.h"
#include "cli.h"
#include "follow.h"

static int cancel_update(struct aws_client *c, const char *stack, struct ivs_error *err)
{
	struct query_params q = { 0 };
	query_params_add(&q, "StackName", stack);
	xmlDocPtr doc = NULL;
	int rc = query_call(c, &AWS_SVC_CLOUDFORMATION, "CancelUpdateStack", "2010-05-15", &q, &doc,
			    err);
	query_params_free(&q);
	if (doc)
		xmlFreeDoc(doc);
	return rc < 0 ? -1 : 0;
}

/* EXIT_OK when the stack is in UPDATE_IN_PROGRESS; else why not, and 1. */
static int cancellable(const struct cfn_stack *s)
{
	const char *st = s->status;
	if (strcmp(st, "UPDATE_IN_PROGRESS") == 0)
		return EXIT_OK;
	if (strcmp(st, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS") == 0)
		cli_error("cancel: too late: the update of stack %s has completed and CloudFormation "
			  "is cleaning up (%s); deploy the previous version to go back", s->name, st);
	else if (strcmp(st, "CREATE_IN_PROGRESS") == 0)
		cli_error("cancel: stack %s is being created (%s): CloudFormation cannot cancel a "
			  "create; wait for it, then `ivsvc destroy`", s->name, st);
	else if (cfn_status_in_progress(st))
		cli_error("cancel: stack %s is %s: only an update in progress can be cancelled; "
			  "`ivsvc status --stack-name %s` shows how it ends", s->name, st, s->name);
	else
		cli_error("cancel: stack %s is %s: no update is in progress, nothing to cancel",
			  s->name, st);
	return EXIT_FAILED;
}

/* How the rollback ended. */
static int judge(const char *stack, const struct stack_outcome *o)
{
	if (o->interrupted) {
		fprintf(stderr, "\nStopped watching. The rollback keeps going in CloudFormation (now "
				"%s): `ivsvc status --stack-name %s` shows how it ends.\n",
			o->status, stack);
		return EXIT_INTERRUPTED;
	}
	if (strcmp(o->status, "UPDATE_ROLLBACK_COMPLETE") == 0) {
		printf("Cancelled: stack %s is back on its previous version (%s)\n", stack, o->status);
		return EXIT_OK;
	}
	for (size_t i = 0; i < o->n_failures; i++)
		cli_error("  %s", o->failures[i]);
	if (strcmp(o->status, "UPDATE_ROLLBACK_FAILED") == 0)
		cli_error("cancel: the rollback of stack %s failed (%s): fix the cause above, then "
			  "`aws cloudformation continue-update-rollback --stack-name %s`", stack,
			  o->status, stack);
	else
		cli_error("cancel: stack %s ended %s, not rolled back", stack, o->status);
	return EXIT_FAILED;
}

int cmd_cancel(struct cli_ctx *x)
{
	struct aws_client *c = x->client;
	const char *stack = x->cfg.stack_name;
	struct ivs_error err;
	char *target;
	int rc = stack_require(c, "cancel", stack, cancellable, &target);
	if (!target)
		return rc;
	char *after = NULL;
	if (rc == EXIT_OK) {
		char prompt[300];
		snprintf(prompt, sizeof(prompt), "Cancel the update of stack %s and roll it back?",
			 stack);
		int yes = cli_confirm(&x->o, prompt);
		rc = yes > 0 ? EXIT_OK : EXIT_REFUSED;
		if (yes == 0)
			cli_error("cancel: not cancelled");
	}
	if (rc == EXIT_OK && stack_newest_event_id(c, target, &after, &err) < 0) {
		cli_report(&err);
		rc = EXIT_FAILED;
	}
	if (rc == EXIT_OK && cancel_update(c, stack, &err) < 0) {
		ivs_error_prefix(&err, "cancel");
		cli_report(&err);
		rc = cli_exit_code(&err);
	}
	if (rc == EXIT_OK) {
		printf("Cancelling the update of stack %s (Ctrl-C stops watching, not the rollback)\n",
		       stack);
		fflush(stdout);
		struct stack_outcome o;
		if (stack_follow(c, target, after, 0, 0, &o, &err) < 0) {
			cli_report(&err);
			rc = cli_exit_code(&err);
		} else {
			rc = judge(stack, &o);
			stack_outcome_free(&o);
		}
	}
	free(after);
	free(target);
	return rc;
}
