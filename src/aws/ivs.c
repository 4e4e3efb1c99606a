/*
 * ivs.c - the Amazon IVS calls we use (see ivs.h).
 *
 * Owns: the listings of ListChannels / ListStreams. A listing holds its
 * pager (pager.h) and what it has gathered; two listings can advance in
 * lockstep (one aws_ops_send round per page) so listing channels and
 * streams together costs the round trips of the longer list, not the sum.
 */
#include "ivs.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "pager.h"

/* The largest page both operations accept (botocore: maxResults 1..100). */
#define IVS_PAGE_SIZE 100

/* ListChannels and ListStreams are limited to 5 calls/s each per account
 * (not adjustable); the handler's listing sends at most IVS_LIST_RATE a
 * second of each, one page every 1000/IVS_LIST_RATE ms (a bucket of one),
 * so no one-second window holds more than 4 of ours and an `ivsvc status`
 * run at the same time still has its call. */
#define IVS_LIST_RATE 4

enum listing_kind { LIST_CHANNELS, LIST_STREAMS };

/* One listing in progress: its pager and what it has gathered. */
struct listing {
	enum listing_kind kind;
	struct aws_pager pager;
	size_t attempts;    /* requests sent, retries included */
	long long next_ms;  /* monotonic ms before which no page may be sent (paced) */
	struct ivs_channel *ch;
	struct ivs_stream *st;
	size_t n, cap;
};

static void listing_init(struct listing *l, enum listing_kind kind)
{
	memset(l, 0, sizeof(*l));
	l->kind = kind;
	aws_pager_init(&l->pager, kind == LIST_CHANNELS ? "IVS ListChannels" : "IVS ListStreams",
		       "nextToken", 0);
}

static void listing_build_op(const struct listing *l, struct aws_op *op)
{
	cJSON *body = cJSON_CreateObject();
	cJSON_AddNumberToObject(body, "maxResults", IVS_PAGE_SIZE);
	const char *token = aws_pager_token(&l->pager);
	if (token)
		cJSON_AddStringToObject(body, "nextToken", token);
	if (l->kind == LIST_CHANNELS)
		restjson_op_init(op, &AWS_SVC_IVS, "ListChannels", "POST", "/ListChannels", body);
	else
		restjson_op_init(op, &AWS_SVC_IVS, "ListStreams", "POST", "/ListStreams", body);
	cJSON_Delete(body);
}

static void listing_grow(struct listing *l)
{
	if (l->n < l->cap)
		return;
	l->cap = l->cap ? l->cap * 2 : 128;
	if (l->kind == LIST_CHANNELS)
		l->ch = xrealloc(l->ch, l->cap * sizeof(*l->ch));
	else
		l->st = xrealloc(l->st, l->cap * sizeof(*l->st));
}

static int take_channel(struct listing *l, const cJSON *e, struct ivs_error *err)
{
	const char *arn = json_str(e, "arn");
	if (!arn)
		return ivs_error_bad_response(err, "IVS ListChannels answered a channel without "
					      "an arn");
	const char *name = json_str(e, "name");
	listing_grow(l);
	struct ivs_channel *c = &l->ch[l->n++];
	c->arn = xstrdup(arn);
	c->name = xstrdup(name ? name : "");
	c->playback_url = NULL;
	return 0;
}

static int take_stream(struct listing *l, const cJSON *e, struct ivs_error *err)
{
	const char *arn = json_str(e, "channelArn");
	if (!arn)
		return ivs_error_bad_response(err, "IVS ListStreams answered a stream without a "
					      "channelArn");
	/* ListStreams lists live streams; a missing state means live. */
	const char *state = json_str(e, "state");
	/* -1 (or no count at all): IVS's count request timed out; kept as -1 so
	 * no one stores or shows a number IVS did not give */
	double viewers = json_num(e, "viewerCount", -1);
	listing_grow(l);
	struct ivs_stream *s = &l->st[l->n++];
	s->channel_arn = xstrdup(arn);
	s->state = xstrdup(state ? state : "LIVE");
	/* a Long near 2^63-1 parses to 2^63, beyond long long */
	s->viewer_count = viewers >= 0x1p63 ? LLONG_MAX : viewers >= 0 ? (long long)viewers : -1;
	return 0;
}

/* Takes one page's answer: appends its entries, moves the pager on. */
static int listing_take(struct listing *l, const cJSON *page, struct ivs_error *err)
{
	const char *what = l->kind == LIST_CHANNELS ? "channels" : "streams";
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(page, what);
	if (arr && !cJSON_IsArray(arr))
		return ivs_error_bad_response(err, "%s answered '%s' that is not a list",
					      l->pager.what, what);
	const cJSON *e;
	cJSON_ArrayForEach(e, arr) {
		int rc = l->kind == LIST_CHANNELS ? take_channel(l, e, err)
						  : take_stream(l, e, err);
		if (rc < 0)
			return -1;
	}
	return aws_pager_next(&l->pager, json_str(page, "nextToken"), err);
}

static void listing_free(struct listing *l)
{
	aws_pager_free(&l->pager);
	if (l->kind == LIST_CHANNELS)
		ivs_channels_free(l->ch, l->n);
	else
		ivs_streams_free(l->st, l->n);
	l->ch = NULL;
	l->st = NULL;
	l->n = 0;
}

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until every listing about to send may send (each operation has its
 * own bucket), then books each one's next slot. Each slot is counted from
 * the send, so a slow answer never lets two pages out closer together. */
static void round_pace(struct listing *const *who, size_t k)
{
	long long now = mono_ms(), until = now;
	for (size_t i = 0; i < k; i++)
		if (who[i]->next_ms > until)
			until = who[i]->next_ms;
	if (until > now) {
		long long ms = until - now;
		struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		now = mono_ms();
	}
	for (size_t i = 0; i < k; i++)
		who[i]->next_ms = now + 1000 / IVS_LIST_RATE;
}

/* Sends one round: the next page of each unfinished listing, concurrently
 * when there are two (or a deadline), paced when `paced`. Returns how many
 * were sent. */
static size_t round_send(struct aws_client *c, struct listing *lv, size_t nl, int paced,
			 long long deadline_ms, struct aws_op ops[2], struct listing *who[2])
{
	struct aws_op *opp[2];
	size_t k = 0;
	for (size_t i = 0; i < nl; i++) {
		if (lv[i].pager.done)
			continue;
		listing_build_op(&lv[i], &ops[k]);
		opp[k] = &ops[k];
		who[k++] = &lv[i];
	}
	if (paced && k)
		round_pace(who, k);
	if (k == 1 && !deadline_ms)
		aws_op_send(c, &ops[0], NULL);
	else if (k)
		aws_ops_send(c, opp, k, &(struct aws_send_options){ .max_in_flight = 2,
								  .deadline_ms = deadline_ms });
	return k;
}

/* Advances every listing (at most 2) to its end, one round per page. */
static int listings_run(struct aws_client *c, struct listing *lv, size_t nl, int paced,
			long long deadline_ms, struct ivs_error *err)
{
	struct aws_op ops[2];
	struct listing *who[2];
	size_t k;
	while ((k = round_send(c, lv, nl, paced, deadline_ms, ops, who)) > 0) {
		int rc = 0;
		for (size_t i = 0; i < k; i++) {
			who[i]->attempts += (size_t)(ops[i].attempts > 0 ? ops[i].attempts : 0);
			if (rc == 0 && ops[i].rc < 0) {
				*err = ops[i].err;
				rc = -1;
			}
			cJSON *page = rc == 0 ? json_op_result(&ops[i], err) : NULL;
			if (rc == 0 && (!page || listing_take(who[i], page, err) < 0))
				rc = -1;
			cJSON_Delete(page);
			aws_op_free(&ops[i]);
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* One listing to its end; on failure err is prefixed with what. */
static int list_one(struct aws_client *c, enum listing_kind kind, struct listing *l,
		    const char *what, struct ivs_error *err)
{
	listing_init(l, kind);
	int rc = listings_run(c, l, 1, 0, 0, err);
	aws_pager_free(&l->pager);
	if (rc < 0) {
		listing_free(l);
		return ivs_error_prefix(err, "listing IVS %s", what);
	}
	return 0;
}

int ivs_list_channels(struct aws_client *c, struct ivs_channel **out, size_t *n,
		      struct ivs_error *err)
{
	struct listing l;
	int rc = list_one(c, LIST_CHANNELS, &l, "channels", err);
	*out = l.ch;
	*n = l.n;
	return rc;
}

int ivs_list_streams(struct aws_client *c, struct ivs_stream **out, size_t *n,
		     struct ivs_error *err)
{
	struct listing l;
	int rc = list_one(c, LIST_STREAMS, &l, "streams", err);
	*out = l.st;
	*n = l.n;
	return rc;
}

int ivs_list_channels_and_streams(struct aws_client *c, struct ivs_channel **ch, size_t *nch,
				  struct ivs_stream **st, size_t *nst, struct ivs_list_stats *stats,
				  long long deadline_ms, struct ivs_error *err)
{
	struct listing l[2];
	listing_init(&l[0], LIST_CHANNELS);
	listing_init(&l[1], LIST_STREAMS);
	int rc = listings_run(c, l, 2, 1, deadline_ms, err);
	if (stats) {
		stats->pages = l[0].pager.pages + l[1].pager.pages;
		stats->requests = l[0].attempts + l[1].attempts;
		/* a failed page is not among the pages taken, but its attempts count */
		size_t ok_attempts = stats->pages;
		stats->retries = stats->requests > ok_attempts ? stats->requests - ok_attempts : 0;
	}
	aws_pager_free(&l[0].pager);
	aws_pager_free(&l[1].pager);
	if (rc < 0) {
		listing_free(&l[0]);
		listing_free(&l[1]);
		rc = ivs_error_prefix(err, "listing IVS channels and streams");
	}
	*ch = l[0].ch;
	*nch = l[0].n;
	*st = l[1].st;
	*nst = l[1].n;
	return rc;
}

/* POST /<operation> with a body of n string members: kv is key, value, ... */
static void string_body_op(struct aws_op *op, const char *operation, const char *const *kv,
			   size_t n)
{
	cJSON *body = cJSON_CreateObject();
	for (size_t i = 0; i < n; i++)
		cJSON_AddStringToObject(body, kv[2 * i], kv[2 * i + 1]);
	char path[64];
	snprintf(path, sizeof(path), "/%s", operation);
	restjson_op_init(op, &AWS_SVC_IVS, operation, "POST", path, body);
	cJSON_Delete(body);
}

int ivs_get_channel(struct aws_client *c, const char *arn, struct ivs_channel *out,
		    struct ivs_error *err)
{
	memset(out, 0, sizeof(*out));
	const char *kv[] = { "arn", arn };
	struct aws_op op;
	string_body_op(&op, "GetChannel", kv, 1);
	cJSON *resp = NULL;
	if (json_op_call(c, &op, &resp, err) < 0)
		return ivs_error_prefix(err, "IVS GetChannel %s", arn);
	const cJSON *chan = cJSON_GetObjectItemCaseSensitive(resp, "channel");
	const char *got = json_str(chan, "arn");
	if (!got) {
		cJSON_Delete(resp);
		return ivs_error_bad_response(err, "IVS GetChannel %s answered no channel", arn);
	}
	out->arn = xstrdup(got);
	out->name = xstrdup(json_str(chan, "name") ? json_str(chan, "name") : "");
	out->playback_url = xstrdup(json_str(chan, "playbackUrl"));
	cJSON_Delete(resp);
	return 0;
}

void ivs_put_metadata_op(struct aws_op *op, const char *channel_arn, const char *metadata)
{
	const char *kv[] = { "channelArn", channel_arn, "metadata", metadata };
	string_body_op(op, "PutMetadata", kv, 2);
}

void ivs_channel_free(struct ivs_channel *ch)
{
	if (!ch)
		return;
	char *s[] = { ch->arn, ch->name, ch->playback_url };
	free_strings(s, 3);
	memset(ch, 0, sizeof(*ch));
}

void ivs_channels_free(struct ivs_channel *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ivs_channel_free(&v[i]);
	free(v);
}

void ivs_streams_free(struct ivs_stream *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].channel_arn);
		free(v[i].state);
	}
	free(v);
}
