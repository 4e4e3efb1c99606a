/*
 * tick.c - one run of the viewer-count function (see tick.h), as one
 * streaming pipeline (flow.h) over one scheduler: the listings' pages
 * (flow_list.c) hand their channels on to the table (flow_ddb.c) and, once
 * a group's window is read, to PutMetadata (flow_put.c), all at once, so the tick
 * costs about the longest of them rather than their sum.
 *
 * PutMetadata goes through one lane for the whole tick: tick_put_pacing's
 * rate, never more than that many in any one second (IVS counts per
 * second), and a retry at least FLOW_PUT_RETRY_MIN_MS after the attempt
 * before, so a channel never sees more than IVS's 5 a second. Whatever the
 * deadline cuts off is listed in the result's errors.
 */
#include "tick.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flow.h"

/* Distinct channels: those listed, and live ones the channel list missed
 * (created while listing: they have viewers). */
static size_t channels_seen(const struct flow *f)
{
	size_t n = f->listed.n;
	for (size_t i = 0; i < f->live.cap; i++)
		if (f->live.slot[i] && !arnset_get(&f->listed, f->live.slot[i]))
			n++;
	return n;
}

/* The result object; takes f->errors. */
static cJSON *tick_result(struct flow *f)
{
	cJSON *result = cJSON_CreateObject();
	cJSON_AddStringToObject(result, "minute", f->ev->minute_iso);
	cJSON_AddNumberToObject(result, "channels", (double)channels_seen(f));
	cJSON_AddNumberToObject(result, "live", (double)f->live.n);
	cJSON_AddNumberToObject(result, "itemsWritten", (double)f->items_written);
	cJSON_AddNumberToObject(result, "metadataSent", (double)f->sent);
	cJSON_AddNumberToObject(result, "retries", (double)f->retries);
	cJSON_AddNumberToObject(result, "wentOffline", (double)f->offline);
	cJSON_AddNumberToObject(result, "countUnavailable", (double)f->unavailable);
	cJSON_AddNumberToObject(result, "quotaFits", (double)f->quota_fits);
	cJSON_AddItemToObject(result, "errors", f->errors);
	f->errors = NULL;
	cJSON_AddNumberToObject(result, "durationMs", (double)(f->t_end - f->t0));
	cJSON *req = cJSON_AddObjectToObject(result, "requests");
	cJSON_AddNumberToObject(req, "ivsList", (double)f->list_requests);
	cJSON_AddNumberToObject(req, "ddbBatchWrite", (double)f->calls_write);
	cJSON_AddNumberToObject(req, "ddbBatchGet", (double)f->calls_get);
	cJSON_AddNumberToObject(req, "ivsPutMetadata", (double)f->put_calls);
	/* the pipeline's milestones, from the tick's start */
	cJSON *ph = cJSON_AddObjectToObject(result, "phaseMs");
	cJSON_AddNumberToObject(ph, "firstPut", (double)(f->sent ? f->t_first_put - f->t0 : 0));
	cJSON_AddNumberToObject(ph, "listed", (double)(f->t_list - f->t0));
	cJSON_AddNumberToObject(ph, "afterListed", (double)(f->t_end - f->t_list));
	return result;
}

static void flow_free(struct flow *f)
{
	arnset_free(&f->listed);
	arnset_free(&f->live);
	free(f->maybe_off);
	if (f->group)
		flow_group_free(f->group);
	for (size_t i = 0; i < f->nw; i++)
		cJSON_Delete(f->wbuf[i]);
	aws_pager_free(&f->ls[0].pager);
	aws_pager_free(&f->ls[1].pager);
	aws_sched_free(f->sch);
	cJSON_Delete(f->errors);
}

/* The listing's error, with what was done before it came. */
static void list_failed(struct flow *f, struct ivs_error *err)
{
	*err = f->list_err;
	size_t len = strlen(err->message);
	snprintf(err->message + len, sizeof(err->message) - len,
		 " (before it: %zu items written, %zu metadata sent)", f->items_written, f->sent);
}

cJSON *tick_run(struct aws_client *c, const struct handler_config *cfg,
		const struct tick_event *ev, const struct tick_options *o, struct ivs_error *err)
{
	struct flow f = { .c = c, .cfg = cfg, .ev = ev, .t0 = flow_now_ms(),
			  .start_wall = flow_wall_ms() };
	if (o)
		f.opt = *o;
	if (!f.opt.max_in_flight)
		f.opt.max_in_flight = 64;
	ivs_error_clear(&f.list_err);
	f.expires_s = tick_expires(ev->minute_ms, cfg->retention_days);
	f.errors = cJSON_CreateArray();
	f.sch = aws_sched_new(c, f.opt.max_in_flight, f.opt.deadline_ms);
	double burst;
	tick_put_pacing(cfg->put_metadata_rate, &f.put_rate, &burst);
	struct aws_lane_options lo = { .rate_per_sec = f.put_rate, .burst = burst,
				       .window_max = f.put_rate >= 1 ? (size_t)f.put_rate : 1,
				       .min_retry_ms = FLOW_PUT_RETRY_MIN_MS };
	f.lane_put = aws_sched_lane(f.sch, &lo);
	flow_list_start(&f);
	aws_sched_run(f.sch);
	f.t_end = flow_now_ms();
	cJSON *result = NULL;
	if (f.list_err.code[0] || f.list_err.message[0])
		list_failed(&f, err);
	else
		result = tick_result(&f);
	flow_free(&f);
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
