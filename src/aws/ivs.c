/*
 * ivs.c - the Amazon IVS calls we use (see ivs.h).
 *
 * Owns: the pagination of ListChannels / ListStreams. A "pager" holds one
 * listing's next token and what it has gathered; several pagers can advance
 * in lockstep (one aws_ops_send round per page) so listing channels and
 * streams together costs the round trips of the longer list, not the sum.
 */
#include "ivs.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* The largest page both operations accept (botocore: maxResults 1..100). */
#define IVS_PAGE_SIZE 100
/* A listing that has not ended after this many pages is looping (a token
 * that never runs out): 100,000 pages is 10 million channels. */
#define IVS_MAX_PAGES 100000

enum pager_kind { PAGER_CHANNELS, PAGER_STREAMS };

struct pager {
	enum pager_kind kind;
	char *token;        /* NULL before the first page and after the last */
	int done;
	size_t pages;
	size_t attempts;    /* requests sent, retries included */
	/* results */
	struct ivs_channel *ch;
	struct ivs_stream *st;
	size_t n, cap;
};

static void pager_build_op(const struct pager *p, struct aws_op *op)
{
	cJSON *body = cJSON_CreateObject();
	cJSON_AddNumberToObject(body, "maxResults", IVS_PAGE_SIZE);
	if (p->token)
		cJSON_AddStringToObject(body, "nextToken", p->token);
	if (p->kind == PAGER_CHANNELS)
		restjson_op_init(op, &AWS_SVC_IVS, "ListChannels", "POST", "/ListChannels", body);
	else
		restjson_op_init(op, &AWS_SVC_IVS, "ListStreams", "POST", "/ListStreams", body);
	cJSON_Delete(body);
}

static void pager_grow(struct pager *p)
{
	if (p->n < p->cap)
		return;
	p->cap = p->cap ? p->cap * 2 : 128;
	if (p->kind == PAGER_CHANNELS)
		p->ch = xrealloc(p->ch, p->cap * sizeof(*p->ch));
	else
		p->st = xrealloc(p->st, p->cap * sizeof(*p->st));
}

/* Takes one page's answer: appends its entries, moves the token on. */
static int pager_take(struct pager *p, const cJSON *page, struct ivs_error *err)
{
	const char *what = p->kind == PAGER_CHANNELS ? "channels" : "streams";
	const char *op = p->kind == PAGER_CHANNELS ? "ListChannels" : "ListStreams";
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(page, what);
	if (arr && !cJSON_IsArray(arr))
		return ivs_error_set(err, "BadResponse", "IVS %s answered '%s' that is not a list",
				     op, what);
	const cJSON *e;
	cJSON_ArrayForEach(e, arr) {
		if (p->kind == PAGER_CHANNELS) {
			const char *arn = json_str(e, "arn");
			if (!arn)
				return ivs_error_set(err, "BadResponse",
						     "IVS ListChannels answered a channel without an arn");
			pager_grow(p);
			struct ivs_channel *c = &p->ch[p->n++];
			c->arn = xstrdup(arn);
			c->name = xstrdup(json_str(e, "name") ? json_str(e, "name") : "");
			c->playback_url = NULL;
		} else {
			const char *arn = json_str(e, "channelArn");
			if (!arn)
				return ivs_error_set(err, "BadResponse",
						     "IVS ListStreams answered a stream without a channelArn");
			/* ListStreams lists live streams; a missing state means live. */
			const char *state = json_str(e, "state");
			double viewers = json_num(e, "viewerCount", 0);
			pager_grow(p);
			struct ivs_stream *s = &p->st[p->n++];
			s->channel_arn = xstrdup(arn);
			s->state = xstrdup(state ? state : "LIVE");
			/* a Long near 2^63-1 parses to 2^63, beyond long long */
			s->viewer_count = viewers >= 0x1p63 ? LLONG_MAX
					  : viewers > 0 ? (long long)viewers : 0;
		}
	}
	const char *next = json_str(page, "nextToken");
	if (next && *next) {
		if (p->token && strcmp(p->token, next) == 0)
			return ivs_error_set(err, "BadResponse",
					     "IVS %s answered the same nextToken twice; stopping", op);
		free(p->token);
		p->token = xstrdup(next);
	} else {
		free(p->token);
		p->token = NULL;
		p->done = 1;
	}
	if (++p->pages >= IVS_MAX_PAGES && !p->done)
		return ivs_error_set(err, "BadResponse", "IVS %s did not end after %d pages", op,
				     IVS_MAX_PAGES);
	return 0;
}

static void pager_free(struct pager *p)
{
	free(p->token);
	if (p->kind == PAGER_CHANNELS)
		ivs_channels_free(p->ch, p->n);
	else
		ivs_streams_free(p->st, p->n);
	memset(p, 0, sizeof(*p));
}

/* Advances every pager to its end: one round per page, the pages of
 * different pagers sent concurrently. */
static int pagers_run(struct aws_client *c, struct pager *pv, size_t np, long long deadline_ms,
		      struct ivs_error *err)
{
	struct aws_op ops[2];
	struct aws_op *opp[2];
	if (np > 2)
		return ivs_error_set(err, "Internal", "pagers_run: at most 2 pagers");
	for (;;) {
		size_t k = 0;
		struct pager *who[2];
		for (size_t i = 0; i < np; i++) {
			if (pv[i].done)
				continue;
			pager_build_op(&pv[i], &ops[k]);
			opp[k] = &ops[k];
			who[k++] = &pv[i];
		}
		if (k == 0)
			return 0;
		if (k == 1 && !deadline_ms)
			aws_op_send(c, &ops[0], NULL);
		else
			aws_ops_send(c, opp, k, &(struct aws_send_options){ .max_in_flight = 2,
									  .deadline_ms = deadline_ms });
		int rc = 0;
		for (size_t i = 0; i < k; i++) {
			who[i]->attempts += (size_t)(ops[i].attempts > 0 ? ops[i].attempts : 0);
			if (rc == 0 && ops[i].rc < 0) {
				*err = ops[i].err;
				rc = -1;
			}
			if (rc == 0) {
				cJSON *page = json_op_result(&ops[i], err);
				if (!page)
					rc = -1;
				else if (pager_take(who[i], page, err) < 0)
					rc = -1;
				cJSON_Delete(page);
			}
			aws_op_free(&ops[i]);
		}
		if (rc < 0)
			return -1;
	}
}

int ivs_list_channels(struct aws_client *c, struct ivs_channel **out, size_t *n,
		      struct ivs_error *err)
{
	*out = NULL;
	*n = 0;
	struct pager p = { .kind = PAGER_CHANNELS };
	if (pagers_run(c, &p, 1, 0, err) < 0) {
		pager_free(&p);
		return ivs_error_prefix(err, "listing IVS channels");
	}
	*out = p.ch;
	*n = p.n;
	return 0;
}

int ivs_list_streams(struct aws_client *c, struct ivs_stream **out, size_t *n,
		     struct ivs_error *err)
{
	*out = NULL;
	*n = 0;
	struct pager p = { .kind = PAGER_STREAMS };
	if (pagers_run(c, &p, 1, 0, err) < 0) {
		pager_free(&p);
		return ivs_error_prefix(err, "listing IVS streams");
	}
	*out = p.st;
	*n = p.n;
	return 0;
}

int ivs_list_channels_and_streams(struct aws_client *c, struct ivs_channel **ch, size_t *nch,
				  struct ivs_stream **st, size_t *nst, struct ivs_list_stats *stats,
				  long long deadline_ms, struct ivs_error *err)
{
	*ch = NULL;
	*st = NULL;
	*nch = *nst = 0;
	struct pager p[2] = { { .kind = PAGER_CHANNELS }, { .kind = PAGER_STREAMS } };
	int rc = pagers_run(c, p, 2, deadline_ms, err);
	if (stats) {
		stats->pages = p[0].pages + p[1].pages;
		stats->requests = p[0].attempts + p[1].attempts;
		/* a failed page is not among the pages taken, but its attempts count */
		size_t ok_attempts = stats->pages;
		stats->retries = stats->requests > ok_attempts ? stats->requests - ok_attempts : 0;
	}
	if (rc < 0) {
		pager_free(&p[0]);
		pager_free(&p[1]);
		return ivs_error_prefix(err, "listing IVS channels and streams");
	}
	*ch = p[0].ch;
	*nch = p[0].n;
	*st = p[1].st;
	*nst = p[1].n;
	return 0;
}

int ivs_get_channel(struct aws_client *c, const char *arn, struct ivs_channel *out,
		    struct ivs_error *err)
{
	memset(out, 0, sizeof(*out));
	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "arn", arn);
	cJSON *resp = NULL;
	int rc = restjson_call(c, &AWS_SVC_IVS, "GetChannel", "POST", "/GetChannel", body, &resp,
			       err);
	cJSON_Delete(body);
	if (rc < 0)
		return ivs_error_prefix(err, "IVS GetChannel %s", arn);
	const cJSON *chan = cJSON_GetObjectItemCaseSensitive(resp, "channel");
	const char *got = json_str(chan, "arn");
	if (!got) {
		cJSON_Delete(resp);
		return ivs_error_set(err, "BadResponse", "IVS GetChannel %s answered no channel", arn);
	}
	out->arn = xstrdup(got);
	out->name = xstrdup(json_str(chan, "name") ? json_str(chan, "name") : "");
	out->playback_url = xstrdup(json_str(chan, "playbackUrl"));
	cJSON_Delete(resp);
	return 0;
}

void ivs_put_metadata_op(struct aws_op *op, const char *channel_arn, const char *metadata)
{
	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "channelArn", channel_arn);
	cJSON_AddStringToObject(body, "metadata", metadata);
	restjson_op_init(op, &AWS_SVC_IVS, "PutMetadata", "POST", "/PutMetadata", body);
	cJSON_Delete(body);
}

void ivs_channel_free(struct ivs_channel *ch)
{
	if (!ch)
		return;
	free(ch->arn);
	free(ch->name);
	free(ch->playback_url);
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
