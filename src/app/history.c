/*
 * history.c - the viewer-count history (see history.h): the Query and Scan
 * requests for a window, each page's items read strictly (table.h) into
 * rows, and the bucketed series the charts draw.
 */
#include "app/history.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/table.h"
#include "aws/ddb.h"

/* The window's names and values, shared by the Query and the Scan. */
static cJSON *window_request(const struct history_read *r, int with_window)
{
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "TableName", r->table);
	if (r->count_only) {
		/* DynamoDB refuses names an expression does not use */
		cJSON_AddStringToObject(req, "Select", "COUNT");
		if (with_window)
			cJSON_AddStringToObject(cJSON_AddObjectToObject(req, "ExpressionAttributeNames"),
						"#t", TABLE_SORT_KEY);
	} else {
		cJSON_AddStringToObject(req, "ProjectionExpression", "#k, #t, #n");
		cJSON *names = cJSON_AddObjectToObject(req, "ExpressionAttributeNames");
		cJSON_AddStringToObject(names, "#k", TABLE_KEY);
		cJSON_AddStringToObject(names, "#t", TABLE_SORT_KEY);
		cJSON_AddStringToObject(names, "#n", TABLE_COUNT);
	}
	if (r->page_items)
		cJSON_AddNumberToObject(req, "Limit", (double)r->page_items);
	if (with_window) {
		cJSON *values = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
		ddb_attr_add_integer(values, ":a", r->from_ms);
		ddb_attr_add_integer(values, ":b", r->to_ms);
	}
	return req;
}

static cJSON *query_request(const struct history_read *r, const char *channel)
{
	cJSON *req = window_request(r, 1);
	cJSON_AddStringToObject(req, "KeyConditionExpression", "#k = :c AND #t BETWEEN :a AND :b");
	ddb_attr_add_string(cJSON_GetObjectItemCaseSensitive(req, "ExpressionAttributeValues"),
			    ":c", channel);
	return req;
}

static cJSON *scan_request(const struct history_read *r, size_t segment, size_t segments)
{
	/* the whole history needs no filter: every item passes it anyway */
	int windowed = r->from_ms > LLONG_MIN || r->to_ms < LLONG_MAX;
	cJSON *req = window_request(r, windowed);
	if (windowed)
		cJSON_AddStringToObject(req, "FilterExpression", "#t BETWEEN :a AND :b");
	cJSON_AddNumberToObject(req, "Segment", (double)segment);
	cJSON_AddNumberToObject(req, "TotalSegments", (double)segments);
	return req;
}

const char *history_read_channel(const struct history_read *r, size_t i)
{
	if (i < r->n_channels)
		return r->channels[i];
	return i - r->n_channels < r->n_extra ? r->extra[i - r->n_channels] : NULL;
}

/* A Scan row's channel index: a listed channel's, else an extra one's
 * (added the first time it is seen). */
static size_t scan_channel_index(struct history_read *r, const char *arn)
{
	for (size_t i = 0; i < r->n_channels; i++)
		if (strcmp(r->channels[i], arn) == 0)
			return i;
	for (size_t i = 0; i < r->n_extra; i++)
		if (strcmp(r->extra[i], arn) == 0)
			return r->n_channels + i;
	r->extra = xrealloc(r->extra, (r->n_extra + 1) * sizeof(*r->extra));
	r->extra[r->n_extra] = xstrdup(arn);
	return r->n_channels + r->n_extra++;
}

static int on_page(void *user, size_t stream, const cJSON *items, struct ivs_error *err)
{
	struct history_read *r = user;
	const cJSON *it;
	r->pages++;
	if (r->count_only)
		items = NULL; /* counted by DynamoDB ("Count"), whatever else it sends */
	cJSON_ArrayForEach(it, items) {
		struct table_item ti;
		struct ivs_error bad;
		if (table_item_read(it, &ti, &bad) < 0) {
			if (!r->malformed++)
				snprintf(r->first_malformed, sizeof(r->first_malformed), "%s",
					 bad.message);
			continue;
		}
		struct history_row row = { ti.channel, r->all ? scan_channel_index(r, ti.channel)
							      : stream,
					   ti.time_ms, ti.count };
		if (r->on_row(r->user, &row, err) < 0)
			return -1;
		r->rows++;
	}
	if (r->on_page)
		r->on_page(r->user, r);
	return 0;
}

int history_read_run(struct aws_client *c, struct history_read *r, struct ivs_error *err)
{
	size_t n = r->all ? (r->segments ? r->segments : 4) : r->n_channels;
	cJSON **reqs = xcalloc(n ? n : 1, sizeof(*reqs));
	for (size_t i = 0; i < n; i++)
		reqs[i] = r->all ? scan_request(r, i, n) : query_request(r, r->channels[i]);
	r->rows = r->malformed = r->pages = 0;
	r->first_malformed[0] = '\0';
	struct ddb_pages p = { .operation = r->all ? "Scan" : "Query", .requests = reqs, .n = n,
			       .max_in_flight = r->max_in_flight, .on_page = on_page, .user = r,
			       .stop = r->stop };
	int rc = ddb_pages_run(c, &p, err);
	r->counted = p.counted;
	for (size_t i = 0; i < n; i++)
		cJSON_Delete(reqs[i]);
	free(reqs);
	if (rc < 0)
		ivs_error_prefix(err, "reading table %s", r->table);
	return rc;
}

void history_read_free(struct history_read *r)
{
	for (size_t i = 0; i < r->n_extra; i++)
		free(r->extra[i]);
	free(r->extra);
	r->extra = NULL;
	r->n_extra = 0;
}

/* ---- series ---- */

static long long floor_minute(long long ms)
{
	long long m = ms / HISTORY_MINUTE_MS;
	if (ms < 0 && m * HISTORY_MINUTE_MS != ms)
		m--;
	return m * HISTORY_MINUTE_MS;
}

void history_series_init(struct history_series *s, long long from_ms, long long to_ms,
			 size_t width)
{
	memset(s, 0, sizeof(*s));
	s->from_ms = floor_minute(from_ms);
	s->to_ms = to_ms < s->from_ms ? s->from_ms : to_ms;
	long long minutes = (s->to_ms - s->from_ms) / HISTORY_MINUTE_MS + 1;
	if (width < 1)
		width = 1;
	/* whole minutes a bucket, so a bucket never falls between two points */
	long long per = (minutes + (long long)width - 1) / (long long)width;
	s->bucket_ms = per * HISTORY_MINUTE_MS;
	s->width = (size_t)((minutes + per - 1) / per);
	s->b = xcalloc(s->width, sizeof(*s->b));
	s->peak_ms = -1;
}

void history_series_add(struct history_series *s, long long time_ms, long long count)
{
	if (time_ms < s->from_ms || time_ms > s->to_ms)
		return;
	size_t i = (size_t)((time_ms - s->from_ms) / s->bucket_ms);
	if (i >= s->width)
		return;
	struct history_bucket *b = &s->b[i];
	if (!b->n || count > b->max)
		b->max = count;
	b->n++;
	b->sum += count;
	if (!s->points || count < s->min)
		s->min = count;
	if (!s->points || count > s->max || (count == s->max && time_ms < s->peak_ms)) {
		s->max = count;
		s->peak_ms = time_ms;
	}
	s->points++;
	s->sum += count;
}

double history_series_value(const struct history_series *s, size_t i)
{
	if (i >= s->width || !s->b[i].n)
		return -1;
	return (double)s->b[i].sum / (double)s->b[i].n;
}

long long history_series_time(const struct history_series *s, size_t i)
{
	return s->from_ms + (long long)i * s->bucket_ms;
}

void history_series_free(struct history_series *s)
{
	free(s->b);
	s->b = NULL;
	s->width = 0;
}

void history_format_minute(long long time_ms, char *buf, size_t n)
{
	time_t t = (time_t)(floor_minute(time_ms) / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
