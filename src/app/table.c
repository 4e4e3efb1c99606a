/*
 * table.c - the viewer-count table (see table.h): its items through ddb.h's
 * codec, and the newest point per channel from the caller's channels and a
 * bounded key-only Scan, then one Query per channel, all at once.
 */
#include "app/table.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "aws/ddb.h"
#include "aws/json.h"

cJSON *table_key(const char *channel, long long time_ms)
{
	cJSON *k = cJSON_CreateObject();
	ddb_attr_add_string(k, TABLE_KEY, channel);
	ddb_attr_add_integer(k, TABLE_SORT_KEY, time_ms);
	return k;
}

cJSON *table_put_request(const char *channel, long long time_ms, long long count,
			 long long expires_s)
{
	cJSON *item = table_key(channel, time_ms);
	ddb_attr_add_integer(item, TABLE_COUNT, count);
	if (expires_s > 0)
		ddb_attr_add_integer(item, TABLE_EXPIRES, expires_s);
	cJSON *req = cJSON_CreateObject();
	cJSON_AddItemToObject(cJSON_AddObjectToObject(req, "PutRequest"), "Item", item);
	return req;
}

int table_item_read(const cJSON *item, struct table_item *out, struct ivs_error *err)
{
	/* times before 1970 are real keys (a tick for such a minute asks for them) */
	if (ddb_attr_string(item, TABLE_KEY, &out->channel, err) != 0 ||
	    ddb_attr_integer(item, TABLE_SORT_KEY, LLONG_MIN, LLONG_MAX, &out->time_ms, err) != 0 ||
	    ddb_attr_integer(item, TABLE_COUNT, 0, LLONG_MAX, &out->count, err) != 0)
		return -1;
	return 0;
}

const char *table_item_channel(const cJSON *item)
{
	const char *channel = NULL;
	ddb_attr_string(item, TABLE_KEY, &channel, NULL);
	return channel;
}

static int has_channel(char **v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

/* One Scan page's new channels into *out; *truncated when max_channels is
 * reached. Returns the number of items the page held. */
static size_t scan_page_channels(const cJSON *resp, size_t max_channels, char ***out,
				 size_t *n, size_t *cap, int *truncated)
{
	size_t items = 0;
	const cJSON *item;
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(resp, "Items")) {
		items++;
		const char *ch = table_item_channel(item);
		if (!ch || has_channel(*out, *n, ch))
			continue;
		if (*n == max_channels) {
			*truncated = 1;
			continue;
		}
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 16;
			*out = xrealloc(*out, *cap * sizeof(char *));
		}
		(*out)[(*n)++] = xstrdup(ch);
	}
	return items;
}

static int scan_channels(struct aws_client *c, const struct table_read *r, char ***out,
			 size_t *n, int *truncated, struct ivs_error *err)
{
	size_t max_items = r->max_scan_items ? r->max_scan_items : 5000;
	size_t max_channels = r->max_channels ? r->max_channels : 200;
	size_t scanned = 0, cap = 0;
	cJSON *start_key = NULL;
	*out = NULL;
	*n = 0;
	*truncated = 0;
	for (;;) {
		cJSON *req = cJSON_CreateObject();
		cJSON_AddStringToObject(req, "TableName", r->table);
		cJSON_AddStringToObject(req, "ProjectionExpression", "#k");
		cJSON *names = cJSON_AddObjectToObject(req, "ExpressionAttributeNames");
		cJSON_AddStringToObject(names, "#k", TABLE_KEY);
		cJSON_AddNumberToObject(req, "Limit", 1000);
		if (start_key)
			cJSON_AddItemToObject(req, "ExclusiveStartKey", start_key);
		start_key = NULL;
		cJSON *resp = NULL;
		int rc = ddb_call(c, "Scan", req, &resp, err);
		cJSON_Delete(req);
		if (rc < 0)
			return -1;
		scanned += scan_page_channels(resp, max_channels, out, n, &cap, truncated);
		cJSON *last = cJSON_DetachItemFromObjectCaseSensitive(resp, "LastEvaluatedKey");
		cJSON_Delete(resp);
		if (!last)
			break;
		if (scanned >= max_items) {
			cJSON_Delete(last);
			*truncated = 1;
			break;
		}
		start_key = last;
	}
	return 0;
}

static void newest_point_op(struct aws_op *op, const struct table_read *r, const char *channel)
{
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "TableName", r->table);
	cJSON_AddStringToObject(req, "KeyConditionExpression", "#k = :k");
	cJSON *names = cJSON_AddObjectToObject(req, "ExpressionAttributeNames");
	cJSON_AddStringToObject(names, "#k", TABLE_KEY);
	cJSON *values = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
	ddb_attr_add_string(values, ":k", channel);
	cJSON_AddFalseToObject(req, "ScanIndexForward");
	cJSON_AddNumberToObject(req, "Limit", 1);
	ddb_op_init(op, "Query", req);
	cJSON_Delete(req);
}

static void point_note(struct table_point *p, const struct ivs_error *e)
{
	if (!p->malformed)
		p->malformed = xstrdup(e->message);
}

/* The point an item gives. Status is lenient only where tables differ:
 * the time may be in seconds, the count may be missing or under an older
 * name. What is there is read strictly; what cannot be read is left -1 and
 * said in p->malformed. */
static void point_from_item(const cJSON *item, struct table_point *p)
{
	static const char *const counts[] = { TABLE_COUNT, TABLE_COUNT_ALIASES, NULL };
	struct ivs_error e;
	long long t;
	if (ddb_attr_integer(item, TABLE_SORT_KEY, LLONG_MIN, LLONG_MAX, &t, &e) == 0)
		/* Seconds and milliseconds are both in use; 1e11 s is the year 5138. */
		p->time_ms = t >= 0 && t < 100000000000LL ? t * 1000 : t;
	else
		point_note(p, &e);
	for (const char *const *a = counts; *a; a++) {
		int rc = ddb_attr_integer(item, *a, 0, LLONG_MAX, &p->viewers, &e);
		if (rc < 0)
			point_note(p, &e);
		if (rc != DDB_ATTR_ABSENT)
			break; /* a missing count is no error: the next name may be there */
	}
}

static int newest_point_read(const struct aws_op *op, const char *channel,
			     struct table_point *p, struct ivs_error *err)
{
	cJSON *resp = json_op_result(op, err);
	if (!resp)
		return -1;
	const cJSON *item = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(resp, "Items"), 0);
	p->channel = xstrdup(channel);
	p->time_ms = -1;
	p->viewers = -1;
	p->malformed = NULL;
	if (item)
		point_from_item(item, p);
	cJSON_Delete(resp);
	return 0;
}

/* The newest point of each channel, the Queries sent together. */
static int newest_points(struct aws_client *c, const struct table_read *r, char **channels,
			 size_t nch, struct table_point *out, size_t *n, struct ivs_error *err)
{
	struct aws_op *ops = xcalloc(nch ? nch : 1, sizeof(*ops));
	struct aws_op **ptrs = xcalloc(nch ? nch : 1, sizeof(*ptrs));
	for (size_t i = 0; i < nch; i++) {
		newest_point_op(&ops[i], r, channels[i]);
		ptrs[i] = &ops[i];
	}
	struct aws_send_options so = { .max_in_flight = 16 };
	aws_ops_send(c, ptrs, nch, &so);
	int rc = 0;
	for (size_t i = 0; i < nch; i++) {
		if (rc == 0 && ops[i].rc < 0) {
			*err = ops[i].err;
			rc = -1;
		} else if (rc == 0 && newest_point_read(&ops[i], channels[i], &out[*n], err) == 0) {
			(*n)++;
		} else {
			rc = -1;
		}
		aws_op_free(&ops[i]);
	}
	free(ops);
	free(ptrs);
	return rc;
}

static int by_channel(const void *a, const void *b)
{
	return strcmp(((const struct table_point *)a)->channel,
		      ((const struct table_point *)b)->channel);
}

int table_latest_points(struct aws_client *c, const struct table_read *r,
			struct table_point **out, size_t *n, int *truncated,
			struct ivs_error *err)
{
	*out = NULL;
	*n = 0;
	char **scanned = NULL;
	size_t nscanned = 0;
	if (scan_channels(c, r, &scanned, &nscanned, truncated, err) < 0)
		return -1;
	/* The known channels first, then what only the table remembers. */
	size_t nch = 0;
	char **channels = xcalloc(r->n_channels + nscanned + 1, sizeof(char *));
	for (size_t i = 0; i < r->n_channels; i++)
		if (!has_channel(channels, nch, r->channels[i]))
			channels[nch++] = xstrdup(r->channels[i]);
	for (size_t i = 0; i < nscanned; i++) {
		if (!has_channel(channels, nch, scanned[i]))
			channels[nch++] = scanned[i];
		else
			free(scanned[i]);
	}
	free(scanned);
	if (r->channels)
		*truncated = 0; /* every channel that exists was asked for by name */
	if (nch)
		*out = xcalloc(nch, sizeof(**out));
	int rc = newest_points(c, r, channels, nch, *out, n, err);
	for (size_t i = 0; i < nch; i++)
		free(channels[i]);
	free(channels);
	if (rc < 0) {
		table_points_free(*out, *n);
		*out = NULL;
		*n = 0;
		return -1;
	}
	if (*n)
		qsort(*out, *n, sizeof(**out), by_channel);
	return 0;
}

void table_points_free(struct table_point *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].channel);
		free(v[i].malformed);
	}
	free(v);
}
