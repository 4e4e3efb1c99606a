/*
 * follow.c - waiting on a stack (see follow.h): its state before a change
 * set, following its events until it settles, and its outputs.
 */
#include "follow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "cli.h"
#include "output.h"

/* ---- waiting ---- */

static long long wait_timeout_ms(void)
{
	const char *v = getenv("IVSVC_WAIT_TIMEOUT_S");
	long s = v && *v ? strtol(v, NULL, 10) : 0;
	return (s > 0 ? s : 3600) * 1000LL;
}

static int interrupted(struct ivs_error *err)
{
	return ivs_error_set_kind(err, IVS_ERR_INTERRUPTED, "Interrupted", "interrupted");
}

/* ---- following events ---- */

int stack_newest_event_id(struct aws_client *c, const char *stack, char **id,
			  struct ivs_error *err)
{
	struct cfn_event *ev = NULL;
	size_t n = 0;
	*id = NULL;
	if (cfn_stack_events(c, stack, NULL, 1, &ev, &n, err) < 0)
		return -1;
	*id = n ? xstrdup(ev[0].id) : NULL;
	cfn_events_free(ev, n);
	return 0;
}

/* Each resource's latest status, to count how many are done. */
struct tracker {
	char **ids;
	char **status;
	size_t n, cap;
};

static void track(struct tracker *t, const char *id, const char *status)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->ids[i], id) == 0) {
			free(t->status[i]);
			t->status[i] = xstrdup(status);
			return;
		}
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->ids = xrealloc(t->ids, t->cap * sizeof(char *));
		t->status = xrealloc(t->status, t->cap * sizeof(char *));
	}
	t->ids[t->n] = xstrdup(id);
	t->status[t->n] = xstrdup(status);
	t->n++;
}

static size_t tracked_done(const struct tracker *t)
{
	size_t done = 0;
	for (size_t i = 0; i < t->n; i++)
		if (cfn_status_complete(t->status[i]) || strcmp(t->status[i], "DELETE_SKIPPED") == 0)
			done++;
	return done;
}

static void tracker_free(struct tracker *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->ids[i]);
		free(t->status[i]);
	}
	free(t->ids);
	free(t->status);
}

static int is_stack_event(const struct cfn_event *e)
{
	return strcmp(e->type, "AWS::CloudFormation::Stack") == 0 && e->stack_name &&
	       strcmp(e->logical_id, e->stack_name) == 0;
}

/* One stack_follow() in progress. */
struct follow {
	struct aws_client *c;
	const char *stack;
	size_t total;
	struct tracker tr;
	struct out_progress prog;
	char *last;               /* the newest event printed (or the one to start after) */
	long long started;
	char cur[256];            /* "LogicalId STATUS" of the newest event, for the progress line */
	struct stack_outcome *out;
};

static FILE *events_json;

void stack_follow_json(FILE *out)
{
	events_json = out;
}

static void event_json(const struct cfn_event *e, size_t done, size_t total)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "kind", "event");
	cJSON_AddStringToObject(j, "timestamp", e->timestamp ? e->timestamp : "");
	cJSON_AddStringToObject(j, "logicalId", e->logical_id);
	cJSON_AddStringToObject(j, "resourceType", e->type);
	cJSON_AddStringToObject(j, "status", e->status);
	if (e->reason && *e->reason)
		cJSON_AddStringToObject(j, "reason", e->reason);
	if (total) {
		cJSON_AddNumberToObject(j, "done", (double)(done < total ? done : total));
		cJSON_AddNumberToObject(j, "total", (double)total);
	}
	out_json_print(j, events_json, 1);
	cJSON_Delete(j);
}

static void print_event(struct follow *f, const struct cfn_event *e)
{
	int own = is_stack_event(e);
	if (!own)
		track(&f->tr, e->logical_id, e->status);
	long long ms;
	char when[32] = "";
	if (out_parse_iso8601(e->timestamp, &ms) == 0)
		out_format_local(ms, 0, when, sizeof(when));
	out_progress_clear(&f->prog);
	size_t done = tracked_done(&f->tr), total = f->total;
	char count[48] = "";
	/* The stack's own *_COMPLETE means every resource is done (moto
	 * reports no per-resource events at all). */
	if (own && cfn_status_complete(e->status))
		done = total;
	if (total && (!own || done == total))
		snprintf(count, sizeof(count), "  [%zu/%zu]", done < total ? done : total, total);
	printf("  %-8s  %-28s  %-28s  %s%s\n", when, e->status, e->type, e->logical_id, count);
	if (events_json)
		event_json(e, done, total);
	if (e->reason && *e->reason && (!own || cfn_status_failed(e->status)))
		printf("            %s\n", e->reason);
	if (!own && cfn_status_failed(e->status) && strstr(e->status, "FAILED") && e->reason) {
		struct stack_outcome *out = f->out;
		out->failures = xrealloc(out->failures, (out->n_failures + 1) * sizeof(char *));
		out->failures[out->n_failures++] =
			xasprintf("%s (%s): %s", e->logical_id, e->type, e->reason);
	}
	snprintf(f->cur, sizeof(f->cur), "%s %s", e->logical_id, e->status);
}

/* Reads the stack (found: 0 it is there, 1 it is gone) and prints the
 * events since the last poll, oldest first. */
static int poll_events(struct follow *f, struct cfn_stack *s, int *found,
		       struct ivs_error *err)
{
	*found = cfn_describe_stack(f->c, f->stack, s, err);
	if (*found < 0)
		return -1;
	struct cfn_event *ev = NULL;
	size_t n = 0;
	if (cfn_stack_events(f->c, *found == 0 ? s->id : f->stack, f->last, 0, &ev, &n, err) < 0) {
		/* A stack deleted by name has no events to read any more. */
		if (*found == 0) {
			cfn_stack_free(s);
			return -1;
		}
		ev = NULL;
		n = 0;
	}
	for (size_t k = n; k-- > 0;)
		print_event(f, &ev[k]);
	fflush(stdout);
	if (n) {
		free(f->last);
		f->last = xstrdup(ev[0].id);
	}
	cfn_events_free(ev, n);
	return 0;
}

static void show_progress(struct follow *f, const char *status)
{
	long long secs = (out_now_ms() - f->started) / 1000;
	size_t done = tracked_done(&f->tr), total = f->total;
	if (total)
		out_progress_update(&f->prog, "%s [%zu/%zu] %s (%llds)", status,
				    done < total ? done : total, total, f->cur, secs);
	else
		out_progress_update(&f->prog, "%s %s (%llds)", status, f->cur, secs);
}

int stack_follow(struct aws_client *c, const char *stack, const char *after_id, size_t total,
		 long long timeout_ms, struct stack_outcome *out, struct ivs_error *err)
{
	memset(out, 0, sizeof(*out));
	struct follow f = { .c = c, .stack = stack, .total = total, .out = out };
	out_progress_init(&f.prog, stderr);
	f.last = xstrdup(after_id);
	f.started = out_now_ms();
	int rc = 0;
	for (;;) {
		struct cfn_stack s;
		int found;
		if ((rc = poll_events(&f, &s, &found, err)) < 0)
			break;
		char *status = xstrdup(found == 0 ? s.status : "DELETE_COMPLETE");
		if (found == 0)
			cfn_stack_free(&s);
		if (!cfn_status_in_progress(status)) {
			out_progress_clear(&f.prog);
			out->status = status;
			break;
		}
		show_progress(&f, status);
		if (timeout_ms > 0 && out_now_ms() - f.started > timeout_ms) {
			out_progress_clear(&f.prog);
			rc = ivs_error_set_kind(err, IVS_ERR_TIMEOUT, "TimedOut",
						"stack %s did not settle in time", stack);
			free(status);
			break;
		}
		if (cli_sleep(cli_poll_ms()) < 0) {
			out_progress_clear(&f.prog);
			out->interrupted = 1;
			out->status = status;
			break;
		}
		free(status);
	}
	free(f.last);
	tracker_free(&f.tr);
	if (rc < 0)
		stack_outcome_free(out);
	return rc;
}

void stack_outcome_free(struct stack_outcome *o)
{
	free(o->status);
	for (size_t i = 0; i < o->n_failures; i++)
		free(o->failures[i]);
	free(o->failures);
	memset(o, 0, sizeof(*o));
}

/* ---- the stack's state before a deploy ---- */

/* One operation on stack (its id), followed from its newest event until it
 * settles: a delete (delete_first), or whatever is already running. *final:
 * the status it settled in (caller frees). */
static int settle(struct aws_client *c, const char *stack, const char *id, int delete_first,
		  long long timeout_ms, char **final, struct ivs_error *err)
{
	char *after = NULL;
	*final = NULL;
	if (stack_newest_event_id(c, id, &after, err) < 0)
		return ivs_error_prefix(err, "reading the events of %s", stack);
	if (delete_first && cfn_delete_stack(c, id, err) < 0) {
		free(after);
		return ivs_error_prefix(err, "deleting the failed stack %s", stack);
	}
	struct stack_outcome o;
	int rc = stack_follow(c, id, after, 0, timeout_ms, &o, err);
	free(after);
	if (rc < 0)
		return -1;
	int stopped = o.interrupted;
	*final = o.status;
	o.status = NULL;
	stack_outcome_free(&o);
	if (stopped) {
		free(*final);
		*final = NULL;
		return interrupted(err);
	}
	return 0;
}

/* A ROLLBACK_COMPLETE stack holds nothing: delete it so it can be created again. */
static int remove_failed_stack(struct aws_client *c, const char *stack, struct cfn_stack *s,
			       int dry_run, struct ivs_error *err)
{
	if (dry_run) {
		cfn_stack_free(s);
		return ivs_error_set(err, "RollbackComplete",
				     "stack %s is in ROLLBACK_COMPLETE (its first create failed; it "
				     "holds no resources): `ivsvc deploy` deletes it and creates it "
				     "again", stack);
	}
	printf("Stack %s is in ROLLBACK_COMPLETE: its first create failed and it holds no "
	       "resources. Deleting it, then creating it again.\n", stack);
	char *id = xstrdup(s->id);
	cfn_stack_free(s);
	char *final = NULL;
	int rc = settle(c, stack, id, 1, 0, &final, err);
	free(id);
	if (rc == 0 && strcmp(final, "DELETE_COMPLETE") != 0)
		rc = ivs_error_set(err, "DeleteFailed",
				   "could not delete the failed stack %s (%s): see `ivsvc status`, "
				   "fix the cause and run `ivsvc destroy`", stack, final);
	free(final);
	return rc;
}

/* Another operation is running: wait (with progress) for it to finish. */
static int wait_for_other(struct aws_client *c, const char *stack, struct cfn_stack *s,
			  int dry_run, struct ivs_error *err)
{
	if (dry_run) {
		ivs_error_set(err, "Busy", "stack %s is busy (%s): try again when it settles "
			      "(`ivsvc status`)", stack, s->status);
		cfn_stack_free(s);
		return -1;
	}
	long long timeout = wait_timeout_ms();
	printf("Stack %s is busy (%s): another operation is running. Waiting for it to finish "
	       "before deploying (at most %lld min; Ctrl-C stops waiting).\n",
	       stack, s->status, timeout / 60000);
	fflush(stdout);
	char *id = xstrdup(s->id);
	cfn_stack_free(s);
	char *final = NULL;
	long long started = out_now_ms();
	int rc = settle(c, stack, id, 0, timeout, &final, err);
	free(id);
	free(final);
	if (rc < 0 && err->kind == IVS_ERR_TIMEOUT && out_now_ms() - started > timeout)
		ivs_error_set_kind(err, IVS_ERR_TIMEOUT, "TimedOut",
				   "stack %s is still busy after %lld min; not starting another "
				   "operation on top of it. Check `ivsvc status` and deploy again "
				   "once it settles", stack, timeout / 60000);
	return rc;
}

/* States that take no update: the command that gets the stack out of them. */
static int refuse_stuck(const char *stack, const struct cfn_stack *s, struct ivs_error *err)
{
	const char *st = s->status;
	if (strcmp(st, "UPDATE_ROLLBACK_FAILED") == 0)
		return ivs_error_set(err, "UpdateRollbackFailed",
				     "stack %s is in UPDATE_ROLLBACK_FAILED: an update failed and "
				     "rolling it back failed too, so it takes no update. Recover "
				     "with `aws cloudformation continue-update-rollback "
				     "--stack-name %s` (then `ivsvc deploy` again), or remove it "
				     "with `ivsvc destroy --stack-name %s`",
				     stack, stack, stack);
	if (cfn_status_failed(st) && strcmp(st, "UPDATE_ROLLBACK_COMPLETE") != 0 &&
	    strcmp(st, "IMPORT_ROLLBACK_COMPLETE") != 0)
		return ivs_error_set(err, "StackFailed",
				     "stack %s is in %s%s%s: it takes no update. Remove it with "
				     "`ivsvc destroy --stack-name %s`, then deploy again",
				     stack, st, s->status_reason ? " - " : "",
				     s->status_reason ? s->status_reason : "", stack);
	return 0;
}

int stack_prepare(struct aws_client *c, const char *stack, int dry_run, enum stack_start *start,
		  struct ivs_error *err)
{
	for (int round = 0; round < 5; round++) {
		struct cfn_stack s;
		int rc = cfn_describe_stack(c, stack, &s, err);
		if (rc < 0)
			return ivs_error_prefix(err, "reading stack %s", stack);
		/* REVIEW_IN_PROGRESS: made by a change set never executed, it has no resources. */
		if (rc == 1 || strcmp(s.status, "REVIEW_IN_PROGRESS") == 0) {
			if (rc == 0)
				cfn_stack_free(&s);
			*start = STACK_START_CREATE;
			return 0;
		}
		if (strcmp(s.status, "ROLLBACK_COMPLETE") == 0) {
			if (remove_failed_stack(c, stack, &s, dry_run, err) < 0)
				return -1;
			continue;
		}
		if (cfn_status_in_progress(s.status)) {
			if (wait_for_other(c, stack, &s, dry_run, err) < 0)
				return -1;
			continue; /* look again: it may have settled anywhere */
		}
		rc = refuse_stuck(stack, &s, err);
		cfn_stack_free(&s);
		if (rc < 0)
			return -1;
		*start = STACK_START_UPDATE;
		return 0;
	}
	return ivs_error_set(err, "Busy", "stack %s keeps changing state; try again later", stack);
}

/* ---- outputs ---- */

int stack_fill_outputs(struct aws_client *c, struct cfn_stack *s, struct ivs_error *err)
{
	if (s->n_outputs)
		return 0;
	struct cfn_resource *res = NULL;
	size_t n = 0;
	if (cfn_describe_stack_resources(c, s->id ? s->id : s->name, &res, &n, err) < 0)
		return -1;
	static const struct {
		const char *type, *output;
	} map[] = {
		{ "AWS::DynamoDB::Table", "TableName" },
		{ "AWS::Lambda::Function", "FunctionName" },
		{ "AWS::Events::Rule", "RuleName" },
		{ "AWS::Logs::LogGroup", "LogGroupName" },
	};
	for (size_t k = 0; k < sizeof(map) / sizeof(map[0]); k++)
		for (size_t i = 0; i < n; i++) {
			if (!res[i].type || !res[i].physical_id || strcmp(res[i].type, map[k].type))
				continue;
			s->outputs = xrealloc(s->outputs, (s->n_outputs + 1) * sizeof(*s->outputs));
			s->outputs[s->n_outputs].key = xstrdup(map[k].output);
			s->outputs[s->n_outputs].value = xstrdup(res[i].physical_id);
			s->n_outputs++;
			break;
		}
	cfn_resources_free(res, n);
	return 0;
}

void stack_print_outputs(const struct cfn_stack *s, FILE *out)
{
	if (!s->n_outputs)
		return;
	fprintf(out, "Outputs:\n");
	struct out_table t;
	out_table_init(&t, 2);
	for (size_t i = 0; i < s->n_outputs; i++) {
		const char *row[2] = { s->outputs[i].key, s->outputs[i].value };
		out_table_add(&t, row);
	}
	out_table_print(&t, out, 2);
	out_table_free(&t);
}

int stack_require(struct aws_client *c, const char *cmd, const char *stack,
		  int (*check)(const struct cfn_stack *), char **target)
{
	struct ivs_error err;
	struct cfn_stack s;
	int found = cfn_describe_stack(c, stack, &s, &err);
	*target = NULL;
	if (found == 0) {
		int rc = check(&s);
		*target = xstrdup(s.id ? s.id : stack);
		cfn_stack_free(&s);
		return rc;
	}
	if (found < 0)
		cli_report(&err);
	else
		cli_error("%s: stack %s does not exist in %s", cmd, stack, aws_client_region(c));
	return EXIT_FAILED;
}
