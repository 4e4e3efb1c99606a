/*
 * tick.c - one run of the viewer-count function (see tick.h).
 *
 * Order of work, every phase concurrent inside itself (aws_ops_send):
 *   1. ListChannels and ListStreams, paged in lockstep.
 *   2. BatchWriteItem (this minute's items) and BatchGetItem (the live
 *      channels' previous WINDOW_MINUTES-1 minutes) in one batch: the reads
 *      do not need the writes, since this minute's count is already known.
 *      An item read back malformed is reported, not used.
 *   3. PutMetadata to each live channel through a token bucket at
 *      PUT_METADATA_RATE per second over the account. IVS also caps a
 *      channel at 5 calls per second; one put per channel per tick (plus
 *      the client's backed-off retries of a throttled put) stays far below.
 * Whatever the deadline cuts off is listed in the result's errors. Each
 * phase is one function here; what it computes without I/O is in plan.c.
 */
#include "tick.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/table.h"
#include "aws/ddb.h"
#include "aws/json.h"
#include "metadata.h"

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int is_code(const char *code, const char *want)
{
	size_t n = strlen(want);
	/* some services send "Code:namespace-url" */
	return strncmp(code, want, n) == 0 && (code[n] == '\0' || code[n] == ':');
}

/* One run, between its phases. The plan borrows the ARNs of the listings. */
struct tick_state {
	const struct handler_config *cfg;
	const struct tick_event *ev;
	struct tick_options opt;
	struct ivs_channel *ch;
	struct ivs_stream *st;
	size_t nch, nst;
	struct ivs_list_stats ls;
	struct tick_plan plan;
	cJSON *errors;
	size_t retries;
	size_t items_written, calls_write, calls_get;
	size_t sent, offline, put_calls;
	size_t unavailable;    /* live channels IVS gave no count for */
	size_t quota_fits;     /* puts the account rate allows in the tick's time */
	long long t0, t_list, t_ddb, t_end;
};

/* 1. what exists and what is live */
static int tick_list(struct aws_client *c, struct tick_state *s, struct ivs_error *err)
{
	if (ivs_list_channels_and_streams(c, &s->ch, &s->nch, &s->st, &s->nst, &s->ls,
					  s->opt.deadline_ms, err) < 0)
		return -1;
	s->t_list = mono_ms();
	tick_plan_build(s->ch, s->nch, s->st, s->nst, &s->plan);
	s->retries = s->ls.retries;
	return 0;
}

/* A live channel whose viewerCount IVS gave as -1 (the count request timed
 * out) gets no item and no put this minute: named in the errors, so the gap
 * is explained rather than shown as 0 viewers. */
static void report_unavailable(struct tick_state *s)
{
	for (size_t j = 0; j < s->plan.n_live; j++) {
		const struct tick_channel *ch = &s->plan.ch[s->plan.live[j]];
		if (ch->count >= 0)
			continue;
		s->unavailable++;
		tick_error_add(s->errors, ch->arn, "ListStreams", "ViewerCountUnavailable",
			       "viewer count unavailable (IVS answered -1): the minute is left "
			       "empty and no metadata sent");
	}
}

/* How many puts the account rate fits between the tick's start and its
 * deadline (a minute when there is none); more live channels than that
 * cannot all be sent: said in the errors, not found out at the deadline. */
static void check_quota(struct tick_state *s, double send_rate, long long start_wall_ms)
{
	long long ms = s->opt.deadline_ms ? s->opt.deadline_ms - start_wall_ms : 60000;
	double fits = ms > 0 ? send_rate * (double)ms / 1000.0 : 0;
	s->quota_fits = (size_t)fits;
	size_t want = s->plan.n_live - s->unavailable;
	if (want <= s->quota_fits)
		return;
	char msg[200];
	snprintf(msg, sizeof(msg), "%zu live channels, but PutMetadata's %.0f calls/s fit only "
		 "%zu in this tick's %lld ms: the rest are not sent", want, send_rate,
		 s->quota_fits, ms);
	tick_error_add(s->errors, NULL, "PutMetadata", "QuotaExceeded", msg);
}

/* What the batch could not write or read, into the result's errors. A
 * channel whose history could not be read still gets what was read: one
 * error for it, not one per minute. */
static void report_batch_failures(cJSON *errors, const struct ddb_batch *b)
{
	const cJSON *f;
	cJSON_ArrayForEach(f, b->failed_writes) {
		const cJSON *put = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(f, "request"), "PutRequest");
		tick_error_add(errors, table_item_channel(cJSON_GetObjectItemCaseSensitive(put, "Item")),
			       "BatchWriteItem", json_str(f, "code"), json_str(f, "message"));
	}
	const char *last_arn = NULL;
	cJSON_ArrayForEach(f, b->failed_keys) {
		const char *arn = table_item_channel(cJSON_GetObjectItemCaseSensitive(f, "key"));
		if (last_arn && arn && strcmp(last_arn, arn) == 0)
			continue;
		tick_error_add(errors, arn, "BatchGetItem", json_str(f, "code"), json_str(f, "message"));
		last_arn = arn;
	}
}

/* 2. this minute's items, and the previous minutes' for live channels, in
 * one batch: the reads do not need the writes, since this minute's count is
 * already known. Fills hist (see tick_history_fill). */
static void tick_table(struct aws_client *c, struct tick_state *s, long long *hist)
{
	struct tick_requests rq;
	tick_requests_build(&s->plan, s->ev->minute_ms, s->cfg->window_minutes,
			    tick_expires(s->ev->minute_ms, s->cfg->retention_days), &rq);
	struct ddb_batch batch = { .table = s->cfg->table, .writes = rq.writes,
				   .n_writes = rq.n_writes, .keys = rq.keys, .n_keys = rq.n_keys,
				   .projection = TABLE_ITEM_PROJECTION };
	struct ddb_batch_options bo = { .max_in_flight = s->opt.max_in_flight,
					.deadline_ms = s->opt.deadline_ms,
					.backoff_base_ms = s->opt.ddb_backoff_base_ms };
	struct ivs_error berr;
	ddb_batch_run(c, &batch, &bo, &berr);
	s->retries += batch.retries;
	s->calls_write = batch.calls_write;
	s->calls_get = batch.calls_get;
	s->items_written = rq.n_writes - (size_t)cJSON_GetArraySize(batch.failed_writes);
	report_batch_failures(s->errors, &batch);
	tick_history_fill(&s->plan, batch.items, s->ev->minute_ms, s->cfg->window_minutes, hist,
			  s->errors);
	ddb_batch_free(&batch);
	tick_requests_free(&rq);
	s->t_ddb = mono_ms();
}

/* A put's outcome: sent, gone offline, or an error. */
static void settle_put(struct tick_state *s, const char *arn, const struct aws_op *op)
{
	s->put_calls += (size_t)(op->attempts > 0 ? op->attempts : 0);
	if (op->attempts > 1)
		s->retries += (size_t)op->attempts - 1;
	if (op->rc == 0)
		s->sent++;
	else if (is_code(op->err.code, "ChannelNotBroadcasting"))
		s->offline++; /* the stream ended between the listing and the put */
	else
		tick_error_add(s->errors, arn, "PutMetadata", op->err.code, op->err.message);
}

/* 3. Timed Metadata to live channels only */
static void tick_metadata(struct aws_client *c, struct tick_state *s, const long long *hist)
{
	const struct tick_plan *p = &s->plan;
	const int W = s->cfg->window_minutes;
	struct aws_op *ops = xcalloc(p->n_live + 1, sizeof(*ops));
	struct aws_op **opp = xcalloc(p->n_live + 1, sizeof(*opp));
	const char **arn = xcalloc(p->n_live + 1, sizeof(*arn));
	struct buf payload = BUF_INIT;
	size_t n = 0;
	for (size_t j = 0; j < p->n_live; j++) {
		if (hist[j * (size_t)W] < 0)
			continue; /* no count this minute: nothing to send (report_unavailable) */
		tick_payload(hist + j * (size_t)W, W, s->cfg->format, s->ev->minute_iso, &payload);
		arn[n] = p->ch[p->live[j]].arn;
		ivs_put_metadata_op(&ops[n], arn[n], buf_cstr(&payload));
		opp[n] = &ops[n];
		n++;
	}
	buf_free(&payload);
	/* Paced evenly (not a full bucket of `rate` then its refill, which
	 * would put twice the rate into one second). */
	struct aws_send_options so = { .max_in_flight = s->opt.max_in_flight,
				       .deadline_ms = s->opt.deadline_ms };
	tick_put_pacing(s->cfg->put_metadata_rate, &so.rate_per_sec, &so.burst);
	if (n)
		aws_ops_send(c, opp, n, &so);
	for (size_t j = 0; j < n; j++) {
		settle_put(s, arn[j], &ops[j]);
		aws_op_free(&ops[j]);
	}
	free(arn);
	free(ops);
	free(opp);
	s->t_end = mono_ms();
}

/* The result object; takes s->errors. */
static cJSON *tick_result(struct tick_state *s)
{
	cJSON *result = cJSON_CreateObject();
	cJSON_AddStringToObject(result, "minute", s->ev->minute_iso);
	cJSON_AddNumberToObject(result, "channels", (double)s->plan.n);
	cJSON_AddNumberToObject(result, "live", (double)s->plan.n_live);
	cJSON_AddNumberToObject(result, "itemsWritten", (double)s->items_written);
	cJSON_AddNumberToObject(result, "metadataSent", (double)s->sent);
	cJSON_AddNumberToObject(result, "retries", (double)s->retries);
	cJSON_AddNumberToObject(result, "wentOffline", (double)s->offline);
	cJSON_AddNumberToObject(result, "countUnavailable", (double)s->unavailable);
	cJSON_AddNumberToObject(result, "quotaFits", (double)s->quota_fits);
	cJSON_AddItemToObject(result, "errors", s->errors);
	s->errors = NULL;
	cJSON_AddNumberToObject(result, "durationMs", (double)(s->t_end - s->t0));
	cJSON *req = cJSON_AddObjectToObject(result, "requests");
	cJSON_AddNumberToObject(req, "ivsList", (double)s->ls.requests);
	cJSON_AddNumberToObject(req, "ddbBatchWrite", (double)s->calls_write);
	cJSON_AddNumberToObject(req, "ddbBatchGet", (double)s->calls_get);
	cJSON_AddNumberToObject(req, "ivsPutMetadata", (double)s->put_calls);
	cJSON *ph = cJSON_AddObjectToObject(result, "phaseMs");
	cJSON_AddNumberToObject(ph, "list", (double)(s->t_list - s->t0));
	cJSON_AddNumberToObject(ph, "dynamodb", (double)(s->t_ddb - s->t_list));
	cJSON_AddNumberToObject(ph, "metadata", (double)(s->t_end - s->t_ddb));
	return result;
}

cJSON *tick_run(struct aws_client *c, const struct handler_config *cfg,
		const struct tick_event *ev, const struct tick_options *o, struct ivs_error *err)
{
	struct tick_state s = { .cfg = cfg, .ev = ev, .t0 = mono_ms() };
	if (o)
		s.opt = *o;
	if (!s.opt.max_in_flight)
		s.opt.max_in_flight = 64;
	long long start_wall = wall_ms();
	if (tick_list(c, &s, err) < 0)
		return NULL;
	s.errors = cJSON_CreateArray();
	report_unavailable(&s);
	double send_rate, burst;
	tick_put_pacing(cfg->put_metadata_rate, &send_rate, &burst);
	check_quota(&s, send_rate, start_wall);
	long long *hist = xcalloc(s.plan.n_live * (size_t)cfg->window_minutes + 1, sizeof(*hist));
	tick_table(c, &s, hist);
	tick_metadata(c, &s, hist);
	free(hist);
	cJSON *result = tick_result(&s);
	tick_plan_free(&s.plan);
	ivs_channels_free(s.ch, s.nch);
	ivs_streams_free(s.st, s.nst);
	return result;
}

char *tick_log_line(const cJSON *result, size_t max_errors)
{
	cJSON *copy = cJSON_Duplicate(result, 1);
	const cJSON *errors = cJSON_GetObjectItemCaseSensitive(result, "errors");
	size_t n = (size_t)cJSON_GetArraySize(errors);
	if (n > max_errors) {
		cJSON *kept = cJSON_CreateArray();
		size_t i = 0;
		const cJSON *e;
		cJSON_ArrayForEach(e, errors) {
			if (i++ == max_errors)
				break;
			cJSON_AddItemToArray(kept, cJSON_Duplicate(e, 1));
		}
		cJSON_ReplaceItemInObjectCaseSensitive(copy, "errors", kept);
		cJSON_AddNumberToObject(copy, "errorsOmitted", (double)(n - max_errors));
	}
	char *s = cJSON_PrintUnformatted(copy);
	cJSON_Delete(copy);
	return s;
}
