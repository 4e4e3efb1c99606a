/*
 * flow_list.c - the tick's listings (see flow.h): ListChannels and
 * ListStreams, each a chain of pages through its own lane of the scheduler
 * (FLOW_LIST_RATE a second, never more in any one second), each page's
 * channels handed on as it arrives. A listing that fails stops both: the
 * work already handed on settles, and the tick answers the listing's error.
 */
#include "flow.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/table.h"
#include "aws/json.h"

/* The largest page both operations accept (botocore: maxResults 1..100). */
#define FLOW_PAGE_SIZE 100

struct list_page {
	struct flow *f;
	int kind;
	struct aws_op op;
};

static void on_page(struct aws_sched *s, struct aws_op *op, void *user);

static void list_send(struct flow *f, int kind)
{
	struct flow_listing *l = &f->ls[kind];
	struct list_page *lp = xcalloc(1, sizeof(*lp));
	lp->f = f;
	lp->kind = kind;
	cJSON *body = cJSON_CreateObject();
	cJSON_AddNumberToObject(body, "maxResults", FLOW_PAGE_SIZE);
	const char *token = aws_pager_token(&l->pager);
	if (token)
		cJSON_AddStringToObject(body, "nextToken", token);
	if (kind == FLOW_CHANNELS)
		restjson_op_init(&lp->op, &AWS_SVC_IVS, "ListChannels", "POST", "/ListChannels", body);
	else
		restjson_op_init(&lp->op, &AWS_SVC_IVS, "ListStreams", "POST", "/ListStreams", body);
	cJSON_Delete(body);
	l->in_flight = 1;
	aws_sched_add(f->sch, &lp->op, l->lane, 0, on_page, lp);
}

void flow_list_start(struct flow *f)
{
	static const char *const what[2] = { "IVS ListChannels", "IVS ListStreams" };
	for (int k = 0; k < 2; k++) {
		struct aws_lane_options lo = { .rate_per_sec = FLOW_LIST_RATE, .burst = 1,
					       .window_max = FLOW_LIST_RATE };
		aws_pager_init(&f->ls[k].pager, what[k], "nextToken", 0);
		f->ls[k].lane = aws_sched_lane(f->sch, &lo);
	}
	/* ListStreams first: the live channels are what the puts wait for */
	list_send(f, FLOW_STREAMS);
	list_send(f, FLOW_CHANNELS);
}

static int listing_over(const struct flow_listing *l)
{
	return l->failed || l->pager.done;
}

/* A channel named live: its item now, its read and put in the page's group.
 * Named again (a listing that repeats across pages): the first naming
 * stands, since its item and put may already be on their way. */
static void take_live(struct flow *f, const char *arn, long long count)
{
	int added;
	const char *own = arnset_add(&f->live, arn, &added);
	if (!added)
		return;
	if (count < 0) {
		/* IVS's count timed out (-1): no item, no put, said in the errors so
		 * the gap is explained rather than shown as 0 viewers */
		f->unavailable++;
		tick_error_add(f->errors, arn, "ListStreams", "ViewerCountUnavailable",
			       "viewer count unavailable (IVS answered -1): the minute is left "
			       "empty and no metadata sent");
		return;
	}
	flow_write(f, table_put_request(arn, f->ev->minute_ms, count, f->expires_s));
	if (!f->group) {
		f->group = xcalloc(1, sizeof(*f->group));
	}
	struct flow_group *g = f->group;
	g->arn[g->n] = own;
	g->count[g->n++] = count;
	f->in_work++;
	int w = f->cfg->window_minutes;
	size_t per_read = w > 1 ? DDB_BATCH_GET_MAX / (size_t)(w - 1) : FLOW_GROUP_MAX;
	if (g->n == FLOW_GROUP_MAX || g->n >= per_read) {
		f->group = NULL;
		flow_group_read(f, g);
	}
}

static void zero_item(struct flow *f, const char *arn)
{
	flow_write(f, table_put_request(arn, f->ev->minute_ms, 0, f->expires_s));
}

static void take_channel(struct flow *f, const char *arn)
{
	int added;
	const char *own = arnset_add(&f->listed, arn, &added);
	if (!added || arnset_get(&f->live, arn))
		return;
	if (f->ls[FLOW_STREAMS].pager.done) {
		zero_item(f, own);
		return;
	}
	if (f->n_off == f->cap_off) {
		f->cap_off = f->cap_off ? f->cap_off * 2 : 256;
		f->maybe_off = xrealloc(f->maybe_off, f->cap_off * sizeof(*f->maybe_off));
	}
	f->maybe_off[f->n_off++] = own;
}

/* One entry of a page. */
static int take_entry(struct flow *f, int kind, const cJSON *e, struct ivs_error *err)
{
	const char *arn = json_str(e, kind == FLOW_CHANNELS ? "arn" : "channelArn");
	if (!arn)
		return ivs_error_bad_response(err, "IVS %s answered an entry without its %s",
					      kind == FLOW_CHANNELS ? "ListChannels" : "ListStreams",
					      kind == FLOW_CHANNELS ? "arn" : "channelArn");
	if (kind == FLOW_CHANNELS) {
		take_channel(f, arn);
		return 0;
	}
	/* ListStreams lists live streams; a missing state means live */
	const char *state = json_str(e, "state");
	if (state && strcmp(state, "LIVE") != 0)
		return 0;
	/* -1 (or no count at all): IVS's count request timed out */
	double v = json_num(e, "viewerCount", -1);
	/* a Long near 2^63-1 parses to 2^63, beyond long long */
	take_live(f, arn, v >= 0x1p63 ? LLONG_MAX : v >= 0 ? (long long)v : -1);
	return 0;
}

static int take_page(struct flow *f, int kind, const cJSON *page, struct ivs_error *err)
{
	const char *what = kind == FLOW_CHANNELS ? "channels" : "streams";
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(page, what);
	if (arr && !cJSON_IsArray(arr))
		return ivs_error_bad_response(err, "%s answered '%s' that is not a list",
					      f->ls[kind].pager.what, what);
	const cJSON *e;
	cJSON_ArrayForEach(e, arr)
		if (take_entry(f, kind, e, err) < 0)
			return -1;
	if (f->group) {
		/* the page's last group goes now, not when the next page comes */
		struct flow_group *g = f->group;
		f->group = NULL;
		flow_group_read(f, g);
	}
	flow_writes_flush(f, 0);
	return aws_pager_next(&f->ls[kind].pager, json_str(page, "nextToken"), err);
}

/* How many puts the account rate fits between the tick's start and its
 * deadline (a minute when there is none); more live channels than that
 * cannot all be sent: said in the errors, not found out at the deadline. */
static void check_quota(struct flow *f)
{
	long long ms = f->opt.deadline_ms ? f->opt.deadline_ms - f->start_wall : 60000;
	double fits = ms > 0 ? f->put_rate * (double)ms / 1000.0 : 0;
	f->quota_fits = (size_t)fits;
	size_t want = f->live.n - f->unavailable;
	if (want <= f->quota_fits)
		return;
	char msg[200];
	snprintf(msg, sizeof(msg), "%zu live channels, but PutMetadata's %.0f calls/s fit only "
		 "%zu in this tick's %lld ms: the rest are not sent", want, f->put_rate,
		 f->quota_fits, ms);
	tick_error_add(f->errors, NULL, "PutMetadata", "QuotaExceeded", msg);
}

/* A listing has ended (or failed): what waited on it goes. Once
 * ListStreams has ended, the channels listed meanwhile and still not live
 * are offline; if it failed, who is offline is unknown and none is written. */
static void listing_ended(struct flow *f, int kind)
{
	if (kind == FLOW_STREAMS) {
		if (!f->ls[kind].failed) {
			for (size_t i = 0; i < f->n_off; i++)
				if (!arnset_get(&f->live, f->maybe_off[i]))
					zero_item(f, f->maybe_off[i]);
			check_quota(f);
		}
		free(f->maybe_off);
		f->maybe_off = NULL;
		f->n_off = f->cap_off = 0;
	}
	if (listing_over(&f->ls[0]) && listing_over(&f->ls[1])) {
		f->t_list = flow_now_ms();
		flow_writes_flush(f, 1);
	}
}

/* A page failed (after the client's retries) or made no sense: both
 * listings stop; the first such error is the tick's. */
static void list_fail(struct flow *f, int kind, const struct ivs_error *e)
{
	if (!f->list_err.code[0] && !f->list_err.message[0]) {
		f->list_err = *e;
		ivs_error_prefix(&f->list_err, "listing IVS channels and streams");
	}
	f->ls[kind].failed = 1;
	int other = 1 - kind;
	if (!listing_over(&f->ls[other]) && !f->ls[other].in_flight) {
		f->ls[other].failed = 1; /* was waiting: it will not go on */
		listing_ended(f, other);
	}
	listing_ended(f, kind);
}

static void list_next(struct flow *f, int kind)
{
	struct flow_listing *l = &f->ls[kind];
	if (f->ls[1 - kind].failed) {
		l->failed = 1;
		listing_ended(f, kind);
	} else if (l->pager.done) {
		listing_ended(f, kind);
	} else if (kind == FLOW_STREAMS && f->in_work > FLOW_LIVE_AHEAD) {
		l->waiting = 1; /* flow_list_resume sends it */
	} else {
		list_send(f, kind);
	}
}

static void on_page(struct aws_sched *s, struct aws_op *op, void *user)
{
	(void)s;
	struct list_page *lp = user;
	struct flow *f = lp->f;
	int kind = lp->kind;
	f->ls[kind].in_flight = 0;
	f->list_requests += (size_t)(op->attempts > 0 ? op->attempts : 0);
	if (op->attempts > 1)
		f->retries += (size_t)op->attempts - 1;
	struct ivs_error err;
	ivs_error_clear(&err);
	cJSON *page = op->rc == 0 ? json_op_result(op, &err) : NULL;
	int rc = page ? take_page(f, kind, page, &err) : -1;
	if (op->rc != 0)
		err = op->err;
	cJSON_Delete(page);
	aws_op_free(op);
	free(lp);
	if (rc < 0)
		list_fail(f, kind, &err);
	else
		list_next(f, kind);
}

void flow_list_resume(struct flow *f)
{
	struct flow_listing *l = &f->ls[FLOW_STREAMS];
	if (l->waiting && f->in_work <= FLOW_LIVE_AHEAD) {
		l->waiting = 0;
		list_next(f, FLOW_STREAMS);
	}
}
