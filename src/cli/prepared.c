/*
 * prepared.c - `deploy --execute NAME`: the change set `deploy --prepare`
 * left, read back and judged before it runs (see deploy.h). It must run
 * exactly as reviewed: a change set CloudFormation no longer offers, or
 * one made before the stack's last update, is refused, never re-made.
 */
#include <stdlib.h>
#include <string.h>

#include "deploy.h"
#include "output.h"

/* When the stack last changed: its LastUpdatedTime, or its newest event
 * when later (moto keeps no LastUpdatedTime). Returns 0 and *ms, or -1. */
static int last_change(struct aws_client *c, const struct cfn_stack *s, long long *ms)
{
	long long t = -1, ev_ms;
	if (!s->updated || out_parse_iso8601(s->updated, &t) < 0)
		t = -1;
	struct cfn_event *ev = NULL;
	size_t n = 0;
	struct ivs_error err;
	if (cfn_stack_events(c, s->id, NULL, 1, &ev, &n, &err) == 0 && n &&
	    out_parse_iso8601(ev[0].timestamp, &ev_ms) == 0 && ev_ms > t)
		t = ev_ms;
	cfn_events_free(ev, n);
	*ms = t;
	return t < 0 ? -1 : 0;
}

/* Refuses a change set that no longer says what would change. */
static int judge(struct aws_client *c, const char *stack, const char *name,
		 const struct cfn_stack *s, const struct cfn_change_set *cs)
{
	const char *next = "prepare a new one with `ivsvc deploy --prepare`";
	if (cfn_status_in_progress(s->status) && strcmp(s->status, "REVIEW_IN_PROGRESS") != 0) {
		cli_error("change set %s not run: stack %s is busy (%s); %s once it settles", name,
			  stack, s->status, next);
		return EXIT_FAILED;
	}
	const char *exec = cs->execution_status ? cs->execution_status : "?";
	if (strcmp(cs->status, "CREATE_COMPLETE") != 0 || strcmp(exec, "AVAILABLE") != 0) {
		cli_error("change set %s not run: it is %s, execution %s (the stack moved on since "
			  "it was prepared, or it already ran); %s", name, cs->status, exec, next);
		return EXIT_FAILED;
	}
	long long made, updated;
	if (cs->created && out_parse_iso8601(cs->created, &made) == 0 &&
	    last_change(c, s, &updated) == 0 && updated > made) {
		char when[40];
		out_format_utc(updated, when, sizeof(when));
		cli_error("change set %s not run: stack %s changed at %s, after it was prepared at "
			  "%s; %s", name, stack, when, cs->created, next);
		return EXIT_FAILED;
	}
	return EXIT_OK;
}

int deploy_load_prepared(struct aws_client *c, const char *stack, const char *name,
			 struct stack_plan *plan, enum stack_start *start)
{
	struct ivs_error err;
	struct cfn_stack s;
	memset(plan, 0, sizeof(*plan));
	int found = cfn_describe_stack(c, stack, &s, &err);
	if (found != 0) {
		if (found < 0)
			cli_report(&err);
		else
			cli_error("change set %s not run: stack %s does not exist (deleted since it "
				  "was prepared?)", name, stack);
		return EXIT_FAILED;
	}
	if (cfn_describe_change_set(c, stack, name, &plan->cs, &err) < 0) {
		if (err.kind == IVS_ERR_NOT_FOUND || strstr(err.code, "ChangeSetNotFound"))
			cli_error("change set %s not run: stack %s has no such change set (running "
				  "another one deletes the rest); prepare a new one with `ivsvc "
				  "deploy --prepare`", name, stack);
		else
			cli_report(&err);
		cfn_stack_free(&s);
		return EXIT_FAILED;
	}
	int rc = judge(c, stack, name, &s, &plan->cs);
	*start = strcmp(s.status, "REVIEW_IN_PROGRESS") == 0 ? STACK_START_CREATE
							       : STACK_START_UPDATE;
	plan->stack = xstrdup(stack);
	plan->change_set = xstrdup(name);
	plan->stack_id = xstrdup(s.id);
	plan->type = *start == STACK_START_CREATE ? "CREATE" : "UPDATE";
	cfn_stack_free(&s);
	return rc;
}
