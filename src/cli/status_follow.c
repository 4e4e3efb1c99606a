/*
 * status_follow.c - `ivsvc status --follow`: re-attaching to a stack
 * operation in progress (after Ctrl-C left a deploy, or someone else's),
 * with the same event lines and progress line as deploy, until it settles.
 * See deploy.h.
 */
#include <stdlib.h>
#include <string.h>

#include "deploy.h"

/* Statuses that start an operation (the stack's own event). */
static int starts_operation(const char *st)
{
	static const char *const starts[] = { "CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS",
					      "DELETE_IN_PROGRESS", "IMPORT_IN_PROGRESS" };
	for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++)
		if (strcmp(st, starts[i]) == 0)
			return 1;
	return 0;
}

/* The event just before the operation in progress began, so following
 * shows the operation from its start; NULL: from the newest page. */
static char *operation_start(struct aws_client *c, const char *stack_id)
{
	struct cfn_event *ev = NULL;
	size_t n = 0;
	struct ivs_error err;
	char *after = NULL;
	if (cfn_stack_events(c, stack_id, NULL, 1, &ev, &n, &err) < 0)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		int own = ev[i].stack_name && strcmp(ev[i].logical_id, ev[i].stack_name) == 0;
		if (own && starts_operation(ev[i].status)) {
			after = i + 1 < n ? xstrdup(ev[i + 1].id) : NULL;
			break;
		}
	}
	cfn_events_free(ev, n);
	return after;
}

int status_follow(struct cli_ctx *x)
{
	struct aws_client *c = x->client;
	const char *stack = x->cfg.stack_name;
	struct ivs_error err;
	struct cfn_stack s;
	if (cfn_describe_stack(c, stack, &s, &err) != 0)
		return -1; /* the status view says why */
	if (!cfn_status_in_progress(s.status) || strcmp(s.status, "REVIEW_IN_PROGRESS") == 0) {
		printf("Nothing in progress on stack %s (%s).\n", stack, s.status);
		cfn_stack_free(&s);
		return -1;
	}
	printf("Stack %s is %s: following it (Ctrl-C stops watching, not the operation)\n", stack,
	       s.status);
	fflush(stdout);
	char *id = xstrdup(s.id);
	cfn_stack_free(&s);
	char *after = operation_start(c, id);
	struct stack_outcome o;
	int rc = stack_follow(c, id, after, 0, 0, &o, &err);
	free(after);
	free(id);
	if (rc < 0) {
		cli_report(&err);
		return EXIT_FAILED;
	}
	if (o.interrupted) {
		fprintf(stderr, "\nStopped watching; stack %s is still %s.\n", stack, o.status);
		rc = EXIT_INTERRUPTED;
	} else if (!cfn_status_complete(o.status)) {
		stack_report_failure("the operation", stack, &o);
		rc = EXIT_FAILED;
	} else {
		printf("Stack %s: %s\n", stack, o.status);
		rc = EXIT_OK;
	}
	stack_outcome_free(&o);
	return rc;
}
