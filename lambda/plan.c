/*
 * plan.c - the tick's pure steps (see tick.h): joining the listings into
 * one entry per channel, the table's items and keys (built by app/table.c),
 * the history matrix from what BatchGetItem answered (read by app/table.c,
 * malformed items reported), each live channel's payload, and the result's
 * error entries.
 */
#include "plan.h"

#include <stdlib.h>
#include <string.h>

#include "app/table.h"
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
							st[i].viewer_count >= 0 ? st[i].viewer_count : -1, 1 };
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

cJSON *tick_error_add(cJSON *errors, const char *arn, const char *op, const char *code,
		     const char *message)
{
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "channel", arn ? arn : "");
	cJSON_AddStringToObject(e, "op", op);
	cJSON_AddStringToObject(e, "code", code && *code ? code : "Error");
	cJSON_AddStringToObject(e, "message", message ? message : "");
	cJSON_AddItemToArray(errors, e);
	return e;
}

void tick_requests_build(const struct tick_plan *p, long long minute_ms, int window,
			 long long expires_s, struct tick_requests *out)
{
	/* a live channel whose count IVS did not give leaves its minute empty */
	out->n_writes = 0;
	out->writes = xcalloc(p->n + 1, sizeof(*out->writes));
	for (size_t i = 0; i < p->n; i++)
		if (p->ch[i].count >= 0)
			out->writes[out->n_writes++] = table_put_request(p->ch[i].arn, minute_ms,
									 p->ch[i].count, expires_s);
	out->n_keys = window > 1 ? p->n_live * (size_t)(window - 1) : 0;
	out->keys = xcalloc(out->n_keys + 1, sizeof(*out->keys));
	size_t kk = 0;
	for (size_t j = 0; j < p->n_live && window > 1; j++)
		for (int k = 1; k < window; k++)
			out->keys[kk++] = table_key(p->ch[p->live[j]].arn,
						    minute_ms - (long long)k * 60000);
}

void tick_requests_free(struct tick_requests *r)
{
	for (size_t i = 0; i < r->n_writes; i++)
		cJSON_Delete(r->writes[i]);
	for (size_t i = 0; i < r->n_keys; i++)
		cJSON_Delete(r->keys[i]);
	free(r->writes);
	free(r->keys);
	memset(r, 0, sizeof(*r));
}

size_t tick_history_fill(const struct tick_plan *p, const cJSON *items, long long minute_ms,
			 int window, long long *hist, cJSON *errors)
{
	const char **arn = xcalloc(p->n_live + 1, sizeof(*arn));
	for (size_t j = 0; j < p->n_live; j++) {
		arn[j] = p->ch[p->live[j]].arn;
		hist[j * (size_t)window] = p->ch[p->live[j]].count;
		for (int k = 1; k < window; k++)
			hist[j * (size_t)window + (size_t)k] = -1;
	}
	size_t used = tick_group_fill(arn, p->n_live, items, minute_ms, window, hist, errors);
	free(arn);
	return used;
}

size_t tick_group_fill(const char *const *arn, size_t n, const cJSON *items,
		       long long minute_ms, int window, long long *hist, cJSON *errors)
{
	size_t used = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, items) {
		struct table_item ti;
		struct ivs_error e;
		if (table_item_read(it, &ti, &e) < 0) {
			if (errors)
				tick_error_add(errors, table_item_channel(it), "BatchGetItem", e.code,
					       e.message);
			continue;
		}
		/* bounds first, so minute_ms - t cannot overflow */
		long long t = ti.time_ms;
		if (t >= minute_ms || t < minute_ms - (long long)(window - 1) * 60000 ||
		    (minute_ms - t) % 60000 != 0)
			continue;
		size_t j = 0;
		while (j < n && strcmp(arn[j], ti.channel) != 0)
			j++;
		if (j == n)
			continue;
		hist[j * (size_t)window + (size_t)((minute_ms - t) / 60000)] = ti.count;
		used++;
	}
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
		*send_rate = rate - 3;
	} else {
		*burst = 1;
		*send_rate = rate;
	}
}
