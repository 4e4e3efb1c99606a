/*
 * handler.c - init and the invocation loop (see handler.h). Logs: one JSON
 * line per invocation on stdout (CloudWatch Logs keeps each as one event);
 * nothing secret is ever printed (errors carry codes and messages only).
 */
#include "handler.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "aws/client.h"
#include "config.h"
#include "event.h"
#include "runtime.h"
#include "tick.h"

/* Attempts per AWS call in the handler (see the client's creation below). */
#define HANDLER_MAX_ATTEMPTS 6

/* A log line holds at most this many errors (CloudWatch's event limit is
 * 256 KB)... */
#define LOG_MAX_ERRORS 100
/* ... and a response (about 250 bytes an error: well under Lambda's 6 MB). */
#define RESPONSE_MAX_ERRORS 5000

long long handler_work_deadline(long long lambda_deadline_ms, long long now_ms)
{
	if (lambda_deadline_ms <= 0)
		return 0;
	long long left = lambda_deadline_ms - now_ms;
	long long margin = HANDLER_DEADLINE_MARGIN_MS;
	if (left / 5 < margin)
		margin = left > 0 ? left / 5 : 0;
	return lambda_deadline_ms - margin;
}

static long long wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void log_json(cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);
	fprintf(stdout, "%s\n", s);
	fflush(stdout);
	free(s);
}

static void log_failure(const char *request_id, const struct ivs_error *e)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "level", "error");
	if (request_id)
		cJSON_AddStringToObject(o, "requestId", request_id);
	cJSON_AddStringToObject(o, "errorType", e->code[0] ? e->code : "Error");
	cJSON_AddStringToObject(o, "errorMessage", e->message);
	log_json(o);
	cJSON_Delete(o);
}

static int init_failed(struct runtime *rt, const struct ivs_error *e)
{
	struct ivs_error perr;
	log_failure(NULL, e);
	if (runtime_fail(rt, NULL, e->code[0] ? e->code : "Runtime.InitError", e->message, &perr) < 0)
		fprintf(stderr, "ivsvc-handler: could not report the init error: %s\n", perr.message);
	return 1;
}

cJSON *handler_skip_result(const struct tick_event *ev, long long newest_done_ms)
{
	if (newest_done_ms == HANDLER_NONE_DONE || ev->minute_ms > newest_done_ms)
		return NULL;
	char done_iso[EVENT_ISO_LEN];
	event_format_iso8601(newest_done_ms, done_iso);
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "minute", ev->minute_iso);
	cJSON_AddTrueToObject(r, "skipped");
	cJSON_AddStringToObject(r, "newestCompleted", done_iso);
	cJSON_AddStringToObject(r, "reason", "this process already completed this minute or a "
					     "newer one: a late or repeated event is not run "
					     "beside the newer minute");
	cJSON_AddItemToObject(r, "errors", cJSON_CreateArray());
	return r;
}

/* One invocation: parse, tick (unless the minute is not newer than
 * *newest_done, the newest minute this process completed), answer. */
static void invoke(struct runtime *rt, struct aws_client *c, const struct handler_config *cfg,
		   const struct runtime_invocation *inv, long long *newest_done)
{
	struct ivs_error err, perr;
	ivs_error_clear(&err);
	if (inv->trace_id[0])
		setenv("_X_AMZN_TRACE_ID", inv->trace_id, 1);
	else
		unsetenv("_X_AMZN_TRACE_ID");

	struct tick_event ev;
	cJSON *result = NULL;
	if (event_parse(inv->event.data ? inv->event.data : "", inv->event.len, &ev, &err) == 0) {
		/* Lambda's deadline and the client's are both this host's clock. */
		struct tick_options to = {
			.deadline_ms = handler_work_deadline(inv->deadline_ms, wall_ms())
		};
		result = handler_skip_result(&ev, *newest_done);
		if (!result && (result = tick_run(c, cfg, &ev, &to, &err)) != NULL)
			*newest_done = ev.minute_ms;
	}
	if (!result) {
		log_failure(inv->request_id, &err);
		if (runtime_fail(rt, inv->request_id, err.code[0] ? err.code : "Error", err.message,
				 &perr) < 0)
			fprintf(stderr, "ivsvc-handler: could not report the error: %s\n", perr.message);
		return;
	}
	char *line = tick_log_line(result, LOG_MAX_ERRORS);
	fprintf(stdout, "%s\n", line);
	fflush(stdout);
	free(line);
	/* Lambda refuses responses over 6 MB: every error is in the log line's
	 * count, the response keeps the first RESPONSE_MAX_ERRORS. */
	char *body = tick_log_line(result, RESPONSE_MAX_ERRORS);
	if (runtime_respond(rt, inv->request_id, body, strlen(body), &perr) < 0) {
		fprintf(stderr, "ivsvc-handler: could not send the response: %s\n", perr.message);
		/* Say so on /error, or the invocation waits for its timeout. */
		if (runtime_fail(rt, inv->request_id, "ResponseNotAccepted", perr.message, &perr) < 0)
			fprintf(stderr, "ivsvc-handler: could not report the error: %s\n",
				perr.message);
	}
	free(body);
	cJSON_Delete(result);
}

int handler_main(void)
{
	const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
	struct runtime *rt = NULL;
	struct ivs_error err;
	ivs_error_clear(&err);
	if (runtime_new(api, &rt, &err) < 0) {
		fprintf(stderr, "ivsvc-handler: %s\n", err.message);
		return 1;
	}
	struct handler_config cfg;
	if (handler_config_load(&cfg, &err) < 0) {
		int rc = init_failed(rt, &err);
		handler_config_free(&cfg);
		runtime_free(rt);
		return rc;
	}
	/* One client for the process: connections and credentials are reused
	 * across invocations while the sandbox lives. Calls are kept short so a
	 * stuck connection cannot eat the invocation's time. */
	struct aws_client_options co = { .connect_timeout_ms = 2000, .timeout_ms = 10000 };
	/* A tick whose listing fails loses its whole minute, and every call is
	 * bounded by the invocation's deadline anyway: allow more attempts than
	 * the SDKs' 3, unless AWS_MAX_ATTEMPTS says otherwise. */
	const char *attempts = getenv("AWS_MAX_ATTEMPTS");
	if (!attempts || !*attempts)
		co.max_attempts = HANDLER_MAX_ATTEMPTS;
	struct aws_client *c = NULL;
	if (aws_client_new(&co, &c, &err) < 0) {
		int rc = init_failed(rt, &err);
		handler_config_free(&cfg);
		runtime_free(rt);
		return rc;
	}

	int rc = 0, unreachable = 0;
	long long newest_done = HANDLER_NONE_DONE;
	for (;;) {
		struct runtime_invocation inv;
		if (runtime_next(rt, &inv, &err) < 0) {
			runtime_invocation_free(&inv);
			/* The Runtime API only goes away when the sandbox does. */
			if (++unreachable >= 3) {
				fprintf(stderr, "ivsvc-handler: giving up: %s\n", err.message);
				rc = 1;
				break;
			}
			struct timespec ts = { 0, 100 * 1000000L };
			nanosleep(&ts, NULL);
			continue;
		}
		unreachable = 0;
		invoke(rt, c, &cfg, &inv, &newest_done);
		runtime_invocation_free(&inv);
	}
	aws_client_free(c);
	handler_config_free(&cfg);
	runtime_free(rt);
	return rc;
}
