/*
 * invoke.c - `ivsvc invoke`: runs the deployed function once now, as its
 * schedule would (Lambda Invoke, RequestResponse, with the scheduled event
 * for the current minute or --minute's), and prints the tick's summary and
 * the log tail, like `sam remote invoke`; and deploy's last step
 * (cli_verify_deploy), which does the same and names what to fix when the
 * new version does not work.
 *
 * Owns: the event it sends and what it reads back (struct invoke_run).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "aws/events.h"
#include "aws/lambdafn.h"
#include "aws/logs.h"
#include "deploy.h"
#include "output.h"

struct invoke_run {
	char *function;           /* the stack's FunctionName output */
	char minute[32];          /* "2026-11-24T18:07:00Z" */
	struct lambdafn_invocation inv;
	cJSON *answer;            /* the payload parsed; NULL when not JSON */
	int scheduled;            /* seen in the log (--verify wait), not invoked */
};

static void invoke_run_free(struct invoke_run *r)
{
	free(r->function);
	lambdafn_invocation_free(&r->inv);
	cJSON_Delete(r->answer);
}

/* The minute of epoch ms, as EventBridge writes an event's time. */
static void minute_iso(long long ms, char *out, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:00Z", &tm);
}

/* The account in an ARN ("arn:aws:svc:region:account:..."); "" when none. */
static void arn_account(const char *arn, char *out, size_t n)
{
	out[0] = '\0';
	for (int field = 0; arn && field < 4; field++)
		if ((arn = strchr(arn, ':')))
			arn++;
	if (!arn)
		return;
	size_t len = strcspn(arn, ":");
	snprintf(out, n, "%.*s", (int)(len < n ? len : n - 1), arn);
}

/* The event EventBridge sends a schedule rule's target. */
static char *scheduled_event(const struct cfn_stack *s, const char *region, const char *minute)
{
	char account[32];
	arn_account(s->id, account, sizeof(account));
	const char *rule = cfn_kv_get(s->outputs, s->n_outputs, "RuleName");
	cJSON *ev = cJSON_CreateObject();
	cJSON_AddStringToObject(ev, "version", "0");
	cJSON_AddStringToObject(ev, "id", "ivsvc-invoke");
	cJSON_AddStringToObject(ev, "detail-type", "Scheduled Event");
	cJSON_AddStringToObject(ev, "source", "aws.events");
	cJSON_AddStringToObject(ev, "account", account);
	cJSON_AddStringToObject(ev, "time", minute);
	cJSON_AddStringToObject(ev, "region", region);
	cJSON *res = cJSON_AddArrayToObject(ev, "resources");
	if (rule) {
		char *arn = xasprintf("arn:aws:events:%s:%s:rule/%s", region, account, rule);
		cJSON_AddItemToArray(res, cJSON_CreateString(arn));
		free(arn);
	}
	cJSON_AddObjectToObject(ev, "detail");
	char *text = cJSON_PrintUnformatted(ev);
	cJSON_Delete(ev);
	return text;
}

/* Finds the stack's function and invokes it once. Prints why not and
 * returns the exit code when it could not be called. */
static int invoke_once(struct cli_ctx *x, const char *stack, long long at_ms,
		       struct invoke_run *r)
{
	struct aws_client *c = x->client;
	struct ivs_error err;
	struct cfn_stack s;
	memset(r, 0, sizeof(*r));
	int found = cfn_describe_stack(c, stack, &s, &err);
	if (found != 0) {
		if (found < 0)
			cli_report(&err);
		else
			cli_error("stack %s does not exist in %s; create it with `ivsvc deploy`", stack,
				  aws_client_region(c));
		return EXIT_FAILED;
	}
	if (stack_fill_outputs(c, &s, &err) < 0)
		cli_report(&err);
	r->function = xstrdup(cfn_kv_get(s.outputs, s.n_outputs, "FunctionName"));
	minute_iso(at_ms, r->minute, sizeof(r->minute));
	char *event = r->function ? scheduled_event(&s, aws_client_region(c), r->minute) : NULL;
	cfn_stack_free(&s);
	if (!r->function) {
		cli_error("stack %s has no function (no FunctionName output, no ViewersFunction "
			  "resource): is it an ivsvc stack?", stack);
		return EXIT_FAILED;
	}
	int rc = lambdafn_invoke(c, r->function, event, &r->inv, &err);
	free(event);
	if (rc < 0) {
		ivs_error_prefix(&err, "invoking function %s", r->function);
		cli_report(&err);
		return cli_exit_code(&err);
	}
	r->answer = cJSON_ParseWithLength(r->inv.payload, r->inv.payload_len);
	return EXIT_OK;
}

static double num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : "";
}

/* Prints text indented, one line at a time, control bytes made visible. */
static void print_indented(const char *text, FILE *out)
{
	const char *p = text;
	while (p && *p) {
		size_t len = strcspn(p, "\n");
		fputs("  ", out);
		for (size_t i = 0; i < len; i++) {
			unsigned char ch = (unsigned char)p[i];
			fputc(ch < 0x20 && ch != '\t' ? '?' : ch, out);
		}
		fputc('\n', out);
		p += len + (p[len] == '\n');
	}
}

static void print_summary(const struct invoke_run *r, FILE *out)
{
	const cJSON *a = r->answer;
	if (r->scheduled)
		fprintf(out, "Scheduled run of %s for %s\n", r->function, r->minute);
	else
		fprintf(out, "Invoked %s (%s) for %s\n", r->function,
			r->inv.executed_version ? r->inv.executed_version : "$LATEST", r->minute);
	if (r->inv.function_error) {
		fprintf(out, "  the function failed (%s):", r->inv.function_error);
		if (*str(a, "errorType"))
			fprintf(out, " %s: %s\n", str(a, "errorType"), str(a, "errorMessage"));
		else /* not Lambda's error object: what the service said instead */
			print_indented(r->inv.payload, out);
		return;
	}
	fprintf(out, "  channels %.0f  live %.0f  items written %.0f  metadata sent %.0f  "
		     "retries %.0f  went offline %.0f  (%.0f ms)\n",
		num(a, "channels"), num(a, "live"), num(a, "itemsWritten"),
		num(a, "metadataSent"), num(a, "retries"), num(a, "wentOffline"),
		num(a, "durationMs"));
	const cJSON *errors = cJSON_GetObjectItemCaseSensitive(a, "errors");
	int n = cJSON_GetArraySize(errors);
	if (n > 0)
		fprintf(out, "  errors (%d):\n", n);
	const cJSON *e;
	cJSON_ArrayForEach(e, errors)
		fprintf(out, "    %s  %s  %s: %s\n", *str(e, "channel") ? str(e, "channel") : "-",
			str(e, "op"), str(e, "code"), str(e, "message"));
}

static void print_json(const struct invoke_run *r)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "functionName", r->function);
	cJSON_AddStringToObject(doc, "minute", r->minute);
	if (r->inv.executed_version)
		cJSON_AddStringToObject(doc, "executedVersion", r->inv.executed_version);
	if (r->inv.function_error)
		cJSON_AddStringToObject(doc, "functionError", r->inv.function_error);
	else
		cJSON_AddNullToObject(doc, "functionError");
	if (r->answer)
		cJSON_AddItemToObject(doc, "result", cJSON_Duplicate(r->answer, 1));
	else
		cJSON_AddStringToObject(doc, "result", r->inv.payload ? r->inv.payload : "");
	if (r->inv.log_tail)
		cJSON_AddStringToObject(doc, "logTail", r->inv.log_tail);
	else
		cJSON_AddNullToObject(doc, "logTail");
	out_json_print(doc, stdout, 0);
	cJSON_Delete(doc);
}

int cmd_invoke_check(struct cli_ctx *x)
{
	long long ms;
	if (x->o.minute && out_parse_iso8601(x->o.minute, &ms) < 0) {
		cli_error("invoke: --minute '%s' is not a time like 2026-11-24T18:07:00Z",
			  x->o.minute);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int cmd_invoke(struct cli_ctx *x)
{
	long long at_ms = out_now_ms();
	if (x->o.minute)
		out_parse_iso8601(x->o.minute, &at_ms); /* cmd_invoke_check judged it */
	struct invoke_run r;
	int rc = invoke_once(x, x->cfg.stack_name, at_ms, &r);
	if (rc == EXIT_OK) {
		if (x->o.json) {
			print_json(&r);
		} else {
			print_summary(&r, stdout);
			printf("Log tail:\n");
			print_indented(r.inv.log_tail ? r.inv.log_tail : "(none returned)", stdout);
		}
		rc = r.inv.function_error ? EXIT_FAILED : EXIT_OK;
	}
	invoke_run_free(&r);
	return rc;
}

/* ---- deploy's proof ---- */

static int has(const char *s, const char *needle)
{
	return s && strstr(s, needle) != NULL;
}

static int denied(const char *code)
{
	return has(code, "AccessDenied") || has(code, "NotAuthorized") ||
	       has(code, "Unauthorized");
}

/* What one failure (an error's op, code and message) means to the user;
 * NULL: nothing the deploy did wrong. */
static const char *cause_of(const char *op, const char *code, const char *msg)
{
	int table_op = has(op, "BatchWriteItem") || has(op, "BatchGetItem") ||
		       has(msg, "dynamodb:") || has(msg, "table");
	if (has(code, "Runtime."))
		return "the package cannot start: check --handler-zip (or rebuild ivsvc) and "
		       "`ivsvc logs`";
	if (denied(code))
		return table_op ? "the role cannot use the table: check the stack's FunctionRole "
				  "policy (dynamodb:BatchWriteItem, BatchGetItem)"
				: "the role cannot call IVS: check the stack's FunctionRole policy "
				  "(ivs:ListChannels, ListStreams, PutMetadata)";
	if (has(code, "ResourceNotFound") && table_op)
		return "the table is missing: it was deleted outside the stack; "
		       "`ivsvc destroy` and `ivsvc deploy` recreate it (its history is gone)";
	return NULL;
}

/* NULL when the tick proves the new version works; else why not. */
static const char *diagnose(const struct invoke_run *r)
{
	const cJSON *a = r->answer;
	if (r->inv.function_error) {
		const char *why = cause_of(NULL, str(a, "errorType"), str(a, "errorMessage"));
		return why ? why : "the function failed: see the log tail above and `ivsvc logs`";
	}
	if (!cJSON_IsObject(a) || num(a, "channels") < 0)
		return "the function answered something that is not a tick's summary: is the "
		       "package an ivsvc handler?";
	const cJSON *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(a, "errors")) {
		const char *why = cause_of(str(e, "op"), str(e, "code"), str(e, "message"));
		if (why)
			return why;
	}
	/* Other errors (a put throttled past its retries) may pass with the
	 * next tick; a count not stored is the pipeline not working. */
	if (num(a, "itemsWritten") < num(a, "channels"))
		return "the tick did not store every channel's count: see the errors above and "
		       "`ivsvc logs`";
	return NULL;
}

/* deploy --json's "verify": how, whether it works, the tick and the cause. */
static cJSON *verify_json(const char *mode, const struct invoke_run *r, const char *why)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "mode", mode);
	cJSON_AddBoolToObject(j, "ok", why == NULL);
	if (r && r->function)
		cJSON_AddStringToObject(j, "functionName", r->function);
	if (r && r->minute[0])
		cJSON_AddStringToObject(j, "minute", r->minute);
	if (r && r->answer)
		cJSON_AddItemToObject(j, "result", cJSON_Duplicate(r->answer, 1));
	else
		cJSON_AddNullToObject(j, "result");
	if (why)
		cJSON_AddStringToObject(j, "cause", why);
	else
		cJSON_AddNullToObject(j, "cause");
	return j;
}

/* The tick's summary judged: EXIT_OK when it proves the new version works. */
static int judge_tick(const struct invoke_run *r, const char *mode, cJSON **result)
{
	print_summary(r, stdout);
	const char *why = diagnose(r);
	if (result)
		*result = verify_json(mode, r, why);
	if (!why) {
		printf("Verified: the new version runs.\n");
		return EXIT_OK;
	}
	if (!r->scheduled) {
		printf("Log tail:\n");
		print_indented(r->inv.log_tail ? r->inv.log_tail : "(none returned)", stdout);
	}
	cli_error("deploy: the stack is deployed but the function does not work: %s", why);
	return EXIT_FAILED;
}

int cli_verify_deploy(struct cli_ctx *x, const char *stack, cJSON **result)
{
	printf("Verifying: invoking the function once (--no-verify skips this)\n");
	fflush(stdout);
	struct invoke_run r;
	int rc = invoke_once(x, stack, out_now_ms(), &r);
	if (rc != EXIT_OK) {
		cli_error("deploy: the stack is deployed but could not be verified (see above)");
		if (result)
			*result = verify_json("invoke", &r, "the function could not be invoked");
		invoke_run_free(&r);
		return EXIT_FAILED;
	}
	rc = judge_tick(&r, "invoke", result);
	invoke_run_free(&r);
	return rc;
}

/* ---- --verify wait: the next scheduled run ---- */

long stack_schedule_period(const char *schedule)
{
	long n = 0;
	char unit[16] = "";
	if (!schedule || sscanf(schedule, "rate(%ld %15[a-z]", &n, unit) != 2 || n <= 0)
		return 60;
	if (strncmp(unit, "minute", 6) == 0)
		return n * 60;
	if (strncmp(unit, "hour", 4) == 0)
		return n * 3600;
	if (strncmp(unit, "day", 3) == 0)
		return n * 86400;
	return 60;
}

/* The stack's function and log group, and how long to wait for its next run. */
static int wait_target(struct cli_ctx *x, const char *stack, struct invoke_run *r, char **group,
		       long long *limit_ms)
{
	struct ivs_error err;
	struct cfn_stack s;
	int found = cfn_describe_stack(x->client, stack, &s, &err);
	if (found != 0) {
		if (found < 0)
			cli_report(&err);
		return EXIT_FAILED;
	}
	if (stack_fill_outputs(x->client, &s, &err) < 0)
		cli_report(&err);
	const char *fn = cfn_kv_get(s.outputs, s.n_outputs, "FunctionName");
	const char *lg = cfn_kv_get(s.outputs, s.n_outputs, "LogGroupName");
	const char *rule = cfn_kv_get(s.outputs, s.n_outputs, "RuleName");
	r->function = fn ? xstrdup(fn) : xasprintf("%s-viewers", stack);
	*group = lg ? xstrdup(lg) : xasprintf("/aws/lambda/%s-viewers", stack);
	struct events_rule er;
	long period = 60;
	if (rule && events_describe_rule(x->client, rule, &er, &err) == 0) {
		period = stack_schedule_period(er.schedule);
		events_rule_free(&er);
	}
	cfn_stack_free(&s);
	const char *v = getenv("IVSVC_VERIFY_WAIT_S");
	long long secs = v && *v ? strtoll(v, NULL, 10) : 0;
	*limit_ms = (secs > 0 ? secs : period + 60) * 1000LL;
	return EXIT_OK;
}

/* The first tick result line (the handler's JSON summary) among v. */
static int find_tick(const struct logs_event *v, size_t n, struct invoke_run *r)
{
	for (size_t i = 0; i < n; i++) {
		const char *m = v[i].message ? v[i].message : "";
		m += strspn(m, " \t");
		cJSON *doc = *m == '{' ? cJSON_Parse(m) : NULL;
		if (cJSON_IsObject(doc) && cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(doc, "channels"))) {
			r->answer = doc;
			minute_iso(v[i].timestamp, r->minute, sizeof(r->minute));
			return 1;
		}
		cJSON_Delete(doc);
	}
	return 0;
}

int cli_verify_wait(struct cli_ctx *x, const char *stack, long long since_ms, cJSON **result)
{
	struct invoke_run r;
	memset(&r, 0, sizeof(r));
	r.scheduled = 1;
	char *group = NULL;
	long long limit;
	if (wait_target(x, stack, &r, &group, &limit) != EXIT_OK) {
		cli_error("deploy: the stack is deployed but could not be verified (see above)");
		invoke_run_free(&r);
		return EXIT_FAILED;
	}
	printf("Verifying: waiting for the next scheduled run in %s (at most %llds; "
	       "--verify invoke runs it now)\n", group, limit / 1000);
	fflush(stdout);
	long long deadline = out_now_ms() + limit;
	int found = 0, rc = EXIT_FAILED;
	while (!found && out_now_ms() < deadline && cli_sleep(cli_poll_ms()) == 0) {
		struct logs_filter f = { .group = group, .start_ms = since_ms };
		struct logs_event *v = NULL;
		size_t n = 0;
		struct ivs_error err;
		if (logs_filter_events(x->client, &f, &v, &n, &err) == 0) /* no group yet: wait */
			found = find_tick(v, n, &r);
		logs_events_free(v, n);
	}
	if (found) {
		rc = judge_tick(&r, "wait", result);
	} else if (cli_interrupted) {
		rc = EXIT_INTERRUPTED;
	} else {
		const char *why = "no scheduled run was seen in time: is the rule enabled? see "
				  "`ivsvc status` and `ivsvc logs`";
		cli_error("deploy: the stack is deployed but %s", why);
		if (result)
			*result = verify_json("wait", &r, why);
	}
	free(group);
	invoke_run_free(&r);
	return rc;
}
