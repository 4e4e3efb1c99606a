/*
 * logs.c - `ivsvc logs`: the function's log events, oldest first, in local
 * time; --follow keeps polling every 2 s until Ctrl-C.
 *
 * Following never repeats or skips an event: CloudWatch Logs may make an
 * event visible after newer ones (ingestion lags), so each poll asks again
 * from FOLLOW_OVERLAP_MS before the newest timestamp printed and drops the
 * events already printed, by event id.
 */
#include <stdlib.h>
#include <string.h>

#include "aws/logs.h"
#include "cli.h"
#include "follow.h"
#include "output.h"

#define FOLLOW_POLL_MS 2000
#define FOLLOW_OVERLAP_MS (2 * 60 * 1000LL)

struct seen {
	long long from;           /* nothing older is printed (--since) */
	long long ts;             /* newest timestamp printed */
	char **ids;               /* ids printed within FOLLOW_OVERLAP_MS of ts */
	long long *times;         /* their timestamps */
	size_t n, cap;
};

/* Among the first n ids (those of earlier polls: one poll has no repeats). */
static int seen_has(const struct seen *s, size_t n, long long ts, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (s->times[i] == ts && strcmp(s->ids[i], id) == 0)
			return 1;
	return 0;
}

static void seen_clear(struct seen *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->ids[i]);
	s->n = 0;
}

static void seen_add(struct seen *s, long long ts, const char *id)
{
	if (ts > s->ts)
		s->ts = ts;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->ids = xrealloc(s->ids, s->cap * sizeof(char *));
		s->times = xrealloc(s->times, s->cap * sizeof(long long));
	}
	s->times[s->n] = ts;
	s->ids[s->n++] = xstrdup(id);
}

/* Forgets the ids too old for the next poll to return. */
static void seen_prune(struct seen *s, long long from)
{
	size_t k = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (s->times[i] < from) {
			free(s->ids[i]);
			continue;
		}
		s->times[k] = s->times[i];
		s->ids[k++] = s->ids[i];
	}
	s->n = k;
}

static void print_event(const struct logs_event *e, int json)
{
	if (json) {
		char iso[40];
		out_format_utc(e->timestamp, iso, sizeof(iso));
		cJSON *j = cJSON_CreateObject();
		cJSON_AddNumberToObject(j, "timestamp", (double)e->timestamp);
		cJSON_AddStringToObject(j, "time", iso);
		cJSON_AddStringToObject(j, "logStream", e->stream ? e->stream : "");
		cJSON_AddStringToObject(j, "eventId", e->id);
		char *msg = xstrdup(e->message);
		cJSON_AddStringToObject(j, "message", out_chomp(msg));
		free(msg);
		out_json_print(j, stdout, 1);
		cJSON_Delete(j);
		return;
	}
	char when[40];
	out_format_local(e->timestamp, 1, when, sizeof(when));
	char *msg = xstrdup(e->message);
	printf("%s  %s\n", when, out_chomp(msg));
	free(msg);
}

/* Prints the events not printed yet; returns how many. */
static size_t print_new(const struct logs_event *v, size_t n, struct seen *s, int json)
{
	size_t printed = 0, known = s->n;
	for (size_t i = 0; i < n; i++) {
		const struct logs_event *e = &v[i];
		if (e->timestamp < s->from || seen_has(s, known, e->timestamp, e->id))
			continue;
		print_event(e, json);
		seen_add(s, e->timestamp, e->id);
		printed++;
	}
	fflush(stdout);
	return printed;
}

static char *log_group_for(struct aws_client *c, const char *stack)
{
	struct cfn_stack s;
	struct ivs_error err;
	char *group = NULL;
	if (cfn_describe_stack(c, stack, &s, &err) == 0) {
		if (stack_fill_outputs(c, &s, &err) == 0)
			group = xstrdup(cfn_kv_get(s.outputs, s.n_outputs, "LogGroupName"));
		cfn_stack_free(&s);
	}
	return group ? group : xasprintf("/aws/lambda/%s-viewers", stack);
}

static int logs(const struct cli_opts *o, struct aws_client *c, const char *stack,
		long long since_ms)
{
	char *group = log_group_for(c, stack);
	struct logs_filter f = { .group = group, .pattern = o->filter };
	struct seen seen = { 0 };
	f.start_ms = out_now_ms() - since_ms;
	seen.ts = seen.from = f.start_ms;
	int rc = EXIT_OK, warned = 0;
	for (;;) {
		struct logs_event *v = NULL;
		size_t n = 0;
		struct ivs_error err;
		if (logs_filter_events(c, &f, &v, &n, &err) < 0) {
			if (err.kind == IVS_ERR_NOT_FOUND) {
				if (!o->follow) {
					cli_error("log group %s does not exist: is stack %s deployed "
						  "(`ivsvc status`)?", group, stack);
					rc = EXIT_FAILED;
					break;
				}
				if (!warned)
					cli_error("log group %s does not exist yet; waiting for it "
						  "(Ctrl-C to stop)", group);
				warned = 1;
			} else if (!o->follow || cli_interrupted) {
				cli_report(&err);
				rc = cli_interrupted ? EXIT_OK : EXIT_FAILED;
				break;
			} else {
				cli_report(&err); /* a passing error: keep following */
			}
		} else {
			print_new(v, n, &seen, o->json);
		}
		logs_events_free(v, n);
		if (!o->follow || cli_sleep(FOLLOW_POLL_MS) < 0)
			break;
		long long overlap = seen.ts - FOLLOW_OVERLAP_MS;
		f.start_ms = overlap > seen.from ? overlap : seen.from;
		seen_prune(&seen, f.start_ms);
	}
	seen_clear(&seen);
	free(seen.ids);
	free(seen.times);
	free(group);
	return rc;
}

#define DEFAULT_SINCE_MS (10 * 60 * 1000LL)

int cmd_logs_check(struct cli_ctx *x)
{
	long long since_ms;
	const char *since = x->o.since;
	if (since && (out_parse_duration(since, &since_ms) < 0 || since_ms <= 0)) {
		cli_error("logs: --since '%s' is not a duration like 30s, 10m, 2h or 1d", since);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int cmd_logs(struct cli_ctx *x)
{
	long long since_ms = DEFAULT_SINCE_MS;
	if (x->o.since)
		out_parse_duration(x->o.since, &since_ms); /* cmd_logs_check judged it */
	return logs(&x->o, x->client, x->cfg.stack_name, since_ms);
}
