/*
 * deploy_report.c - what a failed stack operation leaves and what to run
 * next (see deploy.h): for deploy, and for `status --follow`.
 */
#include <stdlib.h>
#include <string.h>

#include "deploy.h"

/* What a failed deploy leaves, and what to run next. */
void stack_report_failure(const char *what, const char *stack, const struct stack_outcome *o)
{
	cli_error("%s of stack %s failed: it ended in %s", what, stack, o->status);
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
void deploy_report_not_deployed(struct aws_client *c, const char *stack, struct stack_plan *plan,
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

