/*
 * plan.c - the tick's pure steps (see tick.h): joining the listings into
 * one entry per channel, the table's items and keys, the history matrix
 * from what BatchGetItem answered, and each live channel's payload.
 */
#include "tick.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metadata.h"

static int cmp_channel(const void *a, const void *b)
{
	const struct tick_channel *x = a, *y = b;
	int c = strcmp(x->arn, y->arn);
	if (c)
		return c;
	return y->live - x->live;
}

void tick_plan_build(const struct ivs_channel *ch, size_t nch, const struct ivs_stream *st,
		     size_t nst, struct tick_plan *out)
{
	memset(out, 0, sizeof(*out));
	struct tick_channel *v = xcalloc(nch + nst + 1, sizeof(*v));
	size_t n = 0;
	for (size_t i = 0; i < nch; i++)
		v[n++] = (struct tick_channel){ ch[i].arn, 0, 0 };
	for (size_t i = 0; i < nst; i++)
		if (!st[i].state || strcmp(st[i].state, "LIVE") == 0)
			v[n++] = (struct tick_channel){ st[i].channel_arn,
							st[i].viewer_count > 0 ? st[i].viewer_count : 0, 1 };
	qsort(v, n, sizeof(*v), cmp_channel);
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (m && strcmp(v[m - 1].arn, v[i].arn) == 0) {
			/* same channel again: live if any entry is, the larger count */
			if (v[i].live) {
				v[m - 1].live = 1;
				if (v[i].count > v[m - 1].count)
					v[m - 1].count = v[i].count;
			}
			continue;
		}
		v[m++] = v[i];
	}
	out->ch = v;
	out->n = m;
	out->live = xcalloc(m + 1, sizeof(*out->live));
	for (size_t i = 0; i < m; i++)
		if (v[i].live)
			out->live[out->n_live++] = i;
}

void tick_plan_free(struct tick_plan *p)
{
	free(p->ch);
	free(p->live);
	memset(p, 0, sizeof(*p));
}

long tick_plan_find(const struct tick_plan *p, const char *arn)
{
	size_t lo = 0, hi = p->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(p->ch[mid].arn, arn);
		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

long long tick_expires(long long minute_ms, int retention_days)
{
	if (retention_days <= 0)
		return 0;
	return minute_ms / 1000 + (long long)retention_days * 86400;
}

static void add_n(cJSON *obj, const char *name, long long v)
{
	char num[32];
	snprintf(num, sizeof(num), "%lld", v);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(obj, name), "N", num);
}

cJSON *tick_key(const char *arn, long long minute_ms)
{
	cJSON *k = cJSON_CreateObject();
	cJSON_AddStringToObject(cJSON_AddObjectToObject(k, "channel"), "S", arn);
	add_n(k, "time", minute_ms);
	return k;
}

cJSON *tick_put_request(const char *arn, long long minute_ms, long long count,
			long long expires_s)
{
	cJSON *item = tick_key(arn, minute_ms);
	add_n(item, "count", count);
	if (expires_s > 0)
		add_n(item, "expires", expires_s);
	cJSON *req = cJSON_CreateObject();
	cJSON_AddItemToObject(cJSON_AddObjectToObject(req, "PutRequest"), "Item", item);
	return req;
}

/* Reads {"N":"123"} as an integer into *v; -1 when absent or not a whole
 * number within long long (negative numbers are fine: pre-1970 times). */
static int attr_n(const cJSON *item, const char *name, long long *v)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(item, name), "N");
	const char *s = cJSON_IsString(n) ? n->valuestring : NULL;
	if (!s || !*s)
		return -1;
	char *end;
	errno = 0;
	*v = strtoll(s, &end, 10);
	return *end || errno ? -1 : 0;
}

static const char *attr_s(const cJSON *item, const char *name)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(item, name), "S");
	return cJSON_IsString(s) ? s->valuestring : NULL;
}

size_t tick_history_fill(const struct tick_plan *p, const cJSON *items, long long minute_ms,
			 int window, long long *hist)
{
	/* live index of each channel, for the items' lookup */
	long *live_of = xcalloc(p->n + 1, sizeof(*live_of));
	for (size_t i = 0; i < p->n; i++)
		live_of[i] = -1;
	for (size_t j = 0; j < p->n_live; j++) {
		live_of[p->live[j]] = (long)j;
		hist[j * (size_t)window] = p->ch[p->live[j]].count;
		for (int k = 1; k < window; k++)
			hist[j * (size_t)window + (size_t)k] = -1;
	}
	size_t used = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, items) {
		const char *arn = attr_s(it, "channel");
		long long t, count;
		if (!arn || attr_n(it, "time", &t) < 0 || attr_n(it, "count", &count) < 0 ||
		    count < 0)
			continue;
		/* bounds first, so minute_ms - t cannot overflow */
		if (t >= minute_ms || t < minute_ms - (long long)(window - 1) * 60000 ||
		    (minute_ms - t) % 60000 != 0)
			continue;
		long long k = (minute_ms - t) / 60000;
		long i = tick_plan_find(p, arn);
		if (i < 0 || live_of[i] < 0)
			continue;
		hist[(size_t)live_of[i] * (size_t)window + (size_t)k] = count;
		used++;
	}
	free(live_of);
	return used;
}

size_t tick_payload(const long long *row, int window, enum metadata_format f,
		    const char *minute_iso, struct buf *out)
{
	long long pts[64] = { 0 };
	long long *v = window <= 64 ? pts : xmalloc((size_t)window * sizeof(*v));
	size_t n = 0;
	for (int k = 0; k < window; k++)
		if (row[k] >= 0)
			v[n++] = row[k];
	size_t sent = metadata_format(f, v, n, minute_iso, METADATA_MAX_BYTES, out);
	if (v != pts)
		free(v);
	return sent;
}

void tick_put_pacing(double rate, double *send_rate, double *burst)
{
	if (rate >= 20) {
		*burst = 2;
		*send_rate = rate - 2;
	} else {
		*burst = 1;
		*send_rate = rate;
	}
}
