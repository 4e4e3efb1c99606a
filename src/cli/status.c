/*
 * status.c - `ivsvc status`: is the pipeline deployed and is it working?
 * The stack's status and outputs, the schedule rule's state, the function's
 * state and last update, and the newest count of every channel in the table
 * with its age, so a stalled pipeline shows as old points.
 *
 * A part that cannot be read (rule or function missing, no permission) is
 * reported and left null in --json; only a missing stack fails the command.
 * --follow first re-attaches to an operation in progress (status_follow.c).
 */
#include <stdlib.h>
#include <string.h>

#include "aws/events.h"
#include "aws/ivs.h"
#include "aws/lambdafn.h"
#include "app/table.h"
#include "deploy.h"
#include "output.h"

/* Live channels the PutMetadata quota fits in one tick: the handler's 153
 * calls/s (IVS's 155 less its bucket) over the function's timeout less its
 * 1.5 s margin. A tick with more live channels says so in its result
 * ("quotaFits", a QuotaExceeded error) and leaves the rest unsent. */
static long quota_fits(int timeout_s)
{
	return timeout_s > 2 ? (long)(153.0 * (timeout_s - 1.5)) : 0;
}

static void warn_part(const char *what, const char *name, const struct ivs_error *err)
{
	char line[900];
	cli_error("status: could not read the %s %s: %s", what, name ? name : "(unknown)",
		  ivs_error_format(err, line, sizeof(line)));
}

struct status_view {
	struct cfn_stack stack;
	struct events_rule rule;
	int have_rule;
	struct lambdafn_config fn;
	int have_fn;
	struct table_point *points;
	size_t n_points;
	int truncated, have_points;
	long long now_ms;
	long period_s;
};

/* Adds key: value when there is a value. */
static void add_string(cJSON *obj, const char *key, const char *value)
{
	if (value)
		cJSON_AddStringToObject(obj, key, value);
}

static cJSON *status_json(const struct status_view *v)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON *st = cJSON_AddObjectToObject(doc, "stack");
	cJSON_AddStringToObject(st, "name", v->stack.name);
	cJSON_AddStringToObject(st, "id", v->stack.id ? v->stack.id : "");
	cJSON_AddStringToObject(st, "status", v->stack.status);
	add_string(st, "statusReason", v->stack.status_reason);
	add_string(st, "updated", v->stack.updated);
	cJSON *outs = cJSON_AddObjectToObject(st, "outputs");
	for (size_t i = 0; i < v->stack.n_outputs; i++)
		cJSON_AddStringToObject(outs, v->stack.outputs[i].key, v->stack.outputs[i].value);
	if (v->have_rule) {
		cJSON *r = cJSON_AddObjectToObject(doc, "rule");
		cJSON_AddStringToObject(r, "name", v->rule.name);
		add_string(r, "state", v->rule.state);
		add_string(r, "schedule", v->rule.schedule);
	} else {
		cJSON_AddNullToObject(doc, "rule");
	}
	if (v->have_fn) {
		cJSON *f = cJSON_AddObjectToObject(doc, "function");
		cJSON_AddStringToObject(f, "name", v->fn.name);
		add_string(f, "state", v->fn.state);
		add_string(f, "lastUpdateStatus", v->fn.last_update_status);
		add_string(f, "lastModified", v->fn.last_modified);
		add_string(f, "runtime", v->fn.runtime);
		cJSON_AddNumberToObject(f, "memorySize", v->fn.memory_mb);
		cJSON_AddNumberToObject(f, "timeout", v->fn.timeout_s);
		cJSON_AddNumberToObject(f, "quotaFits", (double)quota_fits(v->fn.timeout_s));
	} else {
		cJSON_AddNullToObject(doc, "function");
	}
	cJSON *chs = cJSON_AddArrayToObject(doc, "channels");
	long long newest = -1;
	for (size_t i = 0; i < v->n_points; i++) {
		const struct table_point *p = &v->points[i];
		cJSON *c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "channel", p->channel);
		if (p->viewers >= 0)
			cJSON_AddNumberToObject(c, "viewers", (double)p->viewers);
		else
			cJSON_AddNullToObject(c, "viewers");
		if (p->time_ms >= 0) {
			char iso[40];
			out_format_utc(p->time_ms, iso, sizeof(iso));
			cJSON_AddStringToObject(c, "time", iso);
			cJSON_AddNumberToObject(c, "timeMs", (double)p->time_ms);
			cJSON_AddNumberToObject(c, "ageSeconds",
						(double)((v->now_ms - p->time_ms) / 1000));
			if (p->time_ms > newest)
				newest = p->time_ms;
		}
		cJSON_AddItemToArray(chs, c);
	}
	if (v->truncated)
		cJSON_AddTrueToObject(doc, "channelsTruncated");
	if (newest >= 0) {
		long long age = (v->now_ms - newest) / 1000;
		cJSON_AddNumberToObject(doc, "newestPointAgeSeconds", (double)age);
		cJSON_AddBoolToObject(doc, "stale", age > 2 * v->period_s + 60);
	}
	return doc;
}

static void status_text(const struct status_view *v)
{
	char when[40] = "", age[24] = "";
	long long ms;
	if (v->stack.updated && out_parse_iso8601(v->stack.updated, &ms) == 0) {
		out_format_local(ms, 1, when, sizeof(when));
		out_format_age((v->now_ms - ms) / 1000, age, sizeof(age));
	}
	printf("Stack     %s  %s", v->stack.name, v->stack.status);
	if (*when)
		printf("  (changed %s, %s ago)", when, age);
	printf("\n");
	if (v->stack.status_reason && *v->stack.status_reason)
		printf("          %s\n", v->stack.status_reason);
	stack_print_outputs(&v->stack, stdout);
	if (v->have_rule)
		printf("Schedule  %s  %s  (rule %s)\n", v->rule.schedule ? v->rule.schedule : "-",
		       v->rule.state ? v->rule.state : "-", v->rule.name);
	if (v->have_fn) {
		printf("Function  %s  %s", v->fn.name, v->fn.state ? v->fn.state : "-");
		if (v->fn.last_update_status)
			printf("  last update %s", v->fn.last_update_status);
		if (v->fn.last_modified)
			printf(" at %s", v->fn.last_modified);
		printf("  (%s, %d MB, %d s)\n", v->fn.runtime ? v->fn.runtime : "-", v->fn.memory_mb,
		       v->fn.timeout_s);
		printf("          PutMetadata quota fits %ld live channels a tick\n",
		       quota_fits(v->fn.timeout_s));
		if (v->fn.state_reason && *v->fn.state_reason)
			printf("          %s\n", v->fn.state_reason);
	}
	if (!v->have_points)
		return;
	if (!v->n_points) {
		printf("Latest counts: none yet (the table is empty; the first tick writes one "
		       "point per channel)\n");
		return;
	}
	printf("Latest counts:\n");
	struct out_table t;
	out_table_init(&t, 4);
	const char *head[4] = { "CHANNEL", "VIEWERS", "AT", "AGE" };
	out_table_add(&t, head);
	long long newest = -1;
	for (size_t i = 0; i < v->n_points; i++) {
		const struct table_point *p = &v->points[i];
		char viewers[24] = "-", at[40] = "-", pa[24] = "-";
		if (p->viewers >= 0)
			snprintf(viewers, sizeof(viewers), "%lld", p->viewers);
		if (p->time_ms >= 0) {
			out_format_local(p->time_ms, 1, at, sizeof(at));
			out_format_age((v->now_ms - p->time_ms) / 1000, pa, sizeof(pa));
			if (p->time_ms > newest)
				newest = p->time_ms;
		}
		const char *row[4] = { p->channel, viewers, at, pa };
		out_table_add(&t, row);
	}
	out_table_print(&t, stdout, 2);
	out_table_free(&t);
	if (v->truncated)
		printf("  (more channels may exist: the table was read only in part)\n");
	if (newest >= 0 && (v->now_ms - newest) / 1000 > 2 * v->period_s + 60) {
		char a[24];
		out_format_age((v->now_ms - newest) / 1000, a, sizeof(a));
		printf("Warning: the newest point is %s old but the schedule runs every %lds: the "
		       "pipeline looks stalled. See `ivsvc logs --since 30m --stack-name %s`.\n",
		       a, v->period_s, v->stack.name);
	}
}

/* Each channel's newest count in the table. */
static void read_counts(struct aws_client *c, const char *table, struct status_view *v)
{
	struct ivs_error err;
	struct table_read r = { .table = table };
	/* IVS names every channel, so none hides behind a long history that
	 * the bounded Scan cannot reach; without it, the Scan alone. */
	struct ivs_channel *chans = NULL;
	size_t nchans = 0;
	const char **arns = NULL;
	if (ivs_list_channels(c, &chans, &nchans, &err) == 0) {
		arns = xcalloc(nchans + 1, sizeof(*arns));
		for (size_t i = 0; i < nchans; i++)
			arns[i] = chans[i].arn;
		r.channels = arns;
		r.n_channels = nchans;
	} else {
		warn_part("IVS channel list", "(reading the table alone)", &err);
	}
	if (table_latest_points(c, &r, &v->points, &v->n_points, &v->truncated, &err) == 0) {
		v->have_points = 1;
		for (size_t i = 0; i < v->n_points; i++)
			if (v->points[i].malformed)
				cli_error("status: the newest item of %s in %s: %s",
					  v->points[i].channel, table, v->points[i].malformed);
	} else {
		warn_part("table", table, &err);
	}
	free(arns);
	ivs_channels_free(chans, nchans);
}

int cmd_status(struct cli_ctx *x)
{
	struct aws_client *c = x->client;
	const char *stack = x->cfg.stack_name;
	struct ivs_error err;
	struct status_view v;
	memset(&v, 0, sizeof(v));
	int rc;
	if (x->o.follow && (rc = status_follow(x)) >= 0)
		return rc; /* something was in progress: followed to its end */
	int found = cfn_describe_stack(c, stack, &v.stack, &err);
	if (found != 0) {
		if (found < 0)
			cli_report(&err);
		else
			cli_error("stack %s does not exist in %s; create it with `ivsvc deploy`",
				  stack, aws_client_region(c));
		return EXIT_FAILED;
	}
	if (stack_fill_outputs(c, &v.stack, &err) < 0)
		warn_part("stack resources of", stack, &err);
	const struct cfn_stack *s = &v.stack;
	const char *rule = cfn_kv_get(s->outputs, s->n_outputs, "RuleName");
	const char *fn = cfn_kv_get(s->outputs, s->n_outputs, "FunctionName");
	const char *table = cfn_kv_get(s->outputs, s->n_outputs, "TableName");
	if (rule && !(v.have_rule = events_describe_rule(c, rule, &v.rule, &err) == 0))
		warn_part("schedule rule", rule, &err);
	if (fn && !(v.have_fn = lambdafn_get_configuration(c, fn, &v.fn, &err) == 0))
		warn_part("function", fn, &err);
	if (table)
		read_counts(c, table, &v);
	v.now_ms = out_now_ms();
	v.period_s = stack_schedule_period(v.have_rule ? v.rule.schedule : NULL);
	if (x->o.json) {
		cJSON *doc = status_json(&v);
		out_json_print(doc, stdout, 0);
		cJSON_Delete(doc);
	} else {
		status_text(&v);
	}
	cfn_stack_free(&v.stack);
	if (v.have_rule)
		events_rule_free(&v.rule);
	if (v.have_fn)
		lambdafn_config_free(&v.fn);
	table_points_free(v.points, v.n_points);
	return EXIT_OK;
}
