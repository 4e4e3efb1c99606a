/*
 * tick.c - one run of the viewer-count function (see tick.h).
 *
 * Order of work, every phase concurrent inside itself (aws_ops_send):
 *   1. ListChannels and ListStreams, paged in lockstep.
 *   2. BatchWriteItem (this minute's items) and BatchGetItem (the live
 *      channels' previous WINDOW_MINUTES-1 minutes) in one batch: the reads
 *      do not need the writes, since this minute's count is already known.
 *   3. PutMetadata to each live channel through a token bucket at
 *      PUT_METADATA_RATE per second over the account. IVS also caps a
 *      channel at 5 calls per second; one put per channel per tick (plus
 *      the client's backed-off retries of a throttled put) stays far below.
 * Whatever the deadline cuts off is listed in the result's errors.
 */
#include "tick.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/ddb.h"
#include "aws/json.h"
#include "metadata.h"

static const char *attr_s(const cJSON *item, const char *name)
{
	return json_str(cJSON_GetObjectItemCaseSensitive(item, name), "S");
}

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void add_error(cJSON *errors, const char *arn, const char *op, const char *code,
		      const char *message)
{
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "channel", arn ? arn : "");
	cJSON_AddStringToObject(e, "op", op);
	cJSON_AddStringToObject(e, "code", code && *code ? code : "Error");
	cJSON_AddStringToObject(e, "message", message ? message : "");
	cJSON_AddItemToArray(errors, e);
}

/* The ARN a failed DynamoDB entry was for. */
static const char *failed_arn(const cJSON *f, int is_key)
{
	if (is_key)
		return attr_s(cJSON_GetObjectItemCaseSensitive(f, "key"), "channel");
	const cJSON *req = cJSON_GetObjectItemCaseSensitive(f, "request");
	const cJSON *put = cJSON_GetObjectItemCaseSensitive(req, "PutRequest");
	return attr_s(cJSON_GetObjectItemCaseSensitive(put, "Item"), "channel");
}

static int is_code(const char *code, const char *want)
{
	size_t n = strlen(want);
	/* some services send "Code:namespace-url" */
	return strncmp(code, want, n) == 0 && (code[n] == '\0' || code[n] == ':');
}

cJSON *tick_run(struct aws_client *c, const struct handler_config *cfg,
		const struct tick_event *ev, const struct tick_options *o, struct ivs_error *err)
{
	long long t0 = mono_ms();
	struct tick_options opt = { 0 };
	if (o)
		opt = *o;
	if (!opt.max_in_flight)
		opt.max_in_flight = 64;
	const int W = cfg->window_minutes;

	/* 1. what exists and what is live */
	struct ivs_channel *ch = NULL;
	struct ivs_stream *st = NULL;
	size_t nch = 0, nst = 0;
	struct ivs_list_stats ls = { 0 };
	if (ivs_list_channels_and_streams(c, &ch, &nch, &st, &nst, &ls, opt.deadline_ms,
					  err) < 0)
		return NULL;
	long long t_list = mono_ms();
	struct tick_plan plan;
	tick_plan_build(ch, nch, st, nst, &plan);

	cJSON *result = cJSON_CreateObject();
	cJSON *errors = cJSON_CreateArray();
	size_t retries = ls.retries;

	/* 2. this minute's items, and the previous minutes' for live channels */
	long long expires = tick_expires(ev->minute_ms, cfg->retention_days);
	cJSON **writes = xcalloc(plan.n + 1, sizeof(*writes));
	for (size_t i = 0; i < plan.n; i++)
		writes[i] = tick_put_request(plan.ch[i].arn, ev->minute_ms, plan.ch[i].count, expires);
	size_t nkeys = plan.n_live * (size_t)(W - 1);
	cJSON **keys = xcalloc(nkeys + 1, sizeof(*keys));
	size_t kk = 0;
	for (size_t j = 0; j < plan.n_live; j++)
		for (int k = 1; k < W; k++)
			keys[kk++] = tick_key(plan.ch[plan.live[j]].arn,
					      ev->minute_ms - (long long)k * 60000);
	struct ddb_batch batch = { .table = cfg->table, .writes = writes, .n_writes = plan.n,
				   .keys = keys, .n_keys = nkeys, .projection = "channel,time,count" };
	struct ddb_batch_options bo = { .max_in_flight = opt.max_in_flight,
					.deadline_ms = opt.deadline_ms,
					.backoff_base_ms = opt.ddb_backoff_base_ms };
	struct ivs_error berr;
	ddb_batch_run(c, &batch, &bo, &berr);
	retries += batch.retries;
	size_t failed_w = (size_t)cJSON_GetArraySize(batch.failed_writes);
	const cJSON *f;
	cJSON_ArrayForEach(f, batch.failed_writes)
		add_error(errors, failed_arn(f, 0), "BatchWriteItem", json_str(f, "code"),
			  json_str(f, "message"));
	/* a channel whose history could not be read still gets what was read */
	char *last_arn = NULL;
	cJSON_ArrayForEach(f, batch.failed_keys) {
		const char *arn = failed_arn(f, 1);
		if (last_arn && arn && strcmp(last_arn, arn) == 0)
			continue; /* one error per channel, not per minute */
		add_error(errors, arn, "BatchGetItem", json_str(f, "code"), json_str(f, "message"));
		free(last_arn);
		last_arn = xstrdup(arn);
	}
	free(last_arn);
	long long *hist = xcalloc(plan.n_live * (size_t)W + 1, sizeof(*hist));
	tick_history_fill(&plan, batch.items, ev->minute_ms, W, hist);
	long long t_ddb = mono_ms();

	/* 3. Timed Metadata to live channels only */
	struct aws_op *ops = xcalloc(plan.n_live + 1, sizeof(*ops));
	struct aws_op **opp = xcalloc(plan.n_live + 1, sizeof(*opp));
	struct buf payload = BUF_INIT;
	for (size_t j = 0; j < plan.n_live; j++) {
		tick_payload(hist + j * (size_t)W, W, cfg->format, ev->minute_iso, &payload);
		ivs_put_metadata_op(&ops[j], plan.ch[plan.live[j]].arn, buf_cstr(&payload));
		opp[j] = &ops[j];
	}
	buf_free(&payload);
	/* Paced evenly (not a full bucket of `rate` then its refill, which
	 * would put twice the rate into one second). */
	struct aws_send_options so = { .max_in_flight = opt.max_in_flight,
				       .deadline_ms = opt.deadline_ms };
	tick_put_pacing(cfg->put_metadata_rate, &so.rate_per_sec, &so.burst);
	if (plan.n_live)
		aws_ops_send(c, opp, plan.n_live, &so);
	size_t sent = 0, offline = 0, put_calls = 0;
	for (size_t j = 0; j < plan.n_live; j++) {
		struct aws_op *op = &ops[j];
		put_calls += (size_t)(op->attempts > 0 ? op->attempts : 0);
		if (op->attempts > 1)
			retries += (size_t)op->attempts - 1;
		if (op->rc == 0)
			sent++;
		else if (is_code(op->err.code, "ChannelNotBroadcasting"))
			offline++; /* the stream ended between the listing and the put */
		else
			add_error(errors, plan.ch[plan.live[j]].arn, "PutMetadata", op->err.code,
				  op->err.message);
		aws_op_free(op);
	}
	free(ops);
	free(opp);
	long long t_end = mono_ms();

	cJSON_AddStringToObject(result, "minute", ev->minute_iso);
	cJSON_AddNumberToObject(result, "channels", (double)plan.n);
	cJSON_AddNumberToObject(result, "live", (double)plan.n_live);
	cJSON_AddNumberToObject(result, "itemsWritten", (double)(plan.n - failed_w));
	cJSON_AddNumberToObject(result, "metadataSent", (double)sent);
	cJSON_AddNumberToObject(result, "retries", (double)retries);
	cJSON_AddNumberToObject(result, "wentOffline", (double)offline);
	cJSON_AddItemToObject(result, "errors", errors);
	cJSON_AddNumberToObject(result, "durationMs", (double)(t_end - t0));
	cJSON *req = cJSON_AddObjectToObject(result, "requests");
	cJSON_AddNumberToObject(req, "ivsList", (double)ls.requests);
	cJSON_AddNumberToObject(req, "ddbBatchWrite", (double)batch.calls_write);
	cJSON_AddNumberToObject(req, "ddbBatchGet", (double)batch.calls_get);
	cJSON_AddNumberToObject(req, "ivsPutMetadata", (double)put_calls);
	cJSON *ph = cJSON_AddObjectToObject(result, "phaseMs");
	cJSON_AddNumberToObject(ph, "list", (double)(t_list - t0));
	cJSON_AddNumberToObject(ph, "dynamodb", (double)(t_ddb - t_list));
	cJSON_AddNumberToObject(ph, "metadata", (double)(t_end - t_ddb));

	free(hist);
	ddb_batch_free(&batch);
	for (size_t i = 0; i < plan.n; i++)
		cJSON_Delete(writes[i]);
	for (size_t i = 0; i < nkeys; i++)
		cJSON_Delete(keys[i]);
	free(writes);
	free(keys);
	tick_plan_free(&plan);
	ivs_channels_free(ch, nch);
	ivs_streams_free(st, nst);
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
