/*
 * table.c - the newest point per channel from the viewer-count table (see
 * table.h): a bounded key-only Scan, then one Query per channel.
 */
#include "table.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"

#define DDB_PREFIX "DynamoDB_20120810"

/* A number attribute ({"N": "123"}) as an integer; -1 when absent. */
static long long attr_number(const cJSON *item, const char *name)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(item, name);
	const char *n = json_str(a, "N");
	return n ? strtoll(n, NULL, 10) : -1;
}

static int has_channel(char **v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
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
		cJSON_AddStringToObject(names, "#k", r->key);
		cJSON_AddNumberToObject(req, "Limit", 1000);
		if (start_key)
			cJSON_AddItemToObject(req, "ExclusiveStartKey", start_key);
		start_key = NULL;
		cJSON *resp = NULL;
		int rc = json_call(c, &AWS_SVC_DYNAMODB, "1.0", DDB_PREFIX, "Scan", req, &resp, err);
		cJSON_Delete(req);
		if (rc < 0)
			return -1;
		const cJSON *item;
		cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(resp, "Items")) {
			scanned++;
			const char *ch = json_str(cJSON_GetObjectItemCaseSensitive(item, r->key), "S");
			if (!ch || has_channel(*out, *n, ch))
				continue;
			if (*n == max_channels) {
				*truncated = 1;
				continue;
			}
			if (*n == cap) {
				cap = cap ? cap * 2 : 16;
				*out = xrealloc(*out, cap * sizeof(char *));
			}
			(*out)[(*n)++] = xstrdup(ch);
		}
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

static int newest_point(struct aws_client *c, const struct table_read *r, const char *channel,
			struct table_point *p, struct ivs_error *err)
{
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "TableName", r->table);
	cJSON_AddStringToObject(req, "KeyConditionExpression", "#k = :k");
	cJSON *names = cJSON_AddObjectToObject(req, "ExpressionAttributeNames");
	cJSON_AddStringToObject(names, "#k", r->key);
	cJSON *values = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
	cJSON *v = cJSON_AddObjectToObject(values, ":k");
	cJSON_AddStringToObject(v, "S", channel);
	cJSON_AddFalseToObject(req, "ScanIndexForward");
	cJSON_AddNumberToObject(req, "Limit", 1);
	cJSON *resp = NULL;
	int rc = json_call(c, &AWS_SVC_DYNAMODB, "1.0", DDB_PREFIX, "Query", req, &resp, err);
	cJSON_Delete(req);
	if (rc < 0)
		return -1;
	const cJSON *item = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(resp, "Items"), 0);
	p->channel = xstrdup(channel);
	p->time_ms = -1;
	p->viewers = -1;
	if (item) {
		long long t = attr_number(item, r->sort_key);
		/* Seconds and milliseconds are both in use; 1e11 s is the year 5138. */
		p->time_ms = t >= 0 && t < 100000000000LL ? t * 1000 : t;
		for (const char *const *a = r->count_attrs; a && *a && p->viewers < 0; a++)
			p->viewers = attr_number(item, *a);
	}
	cJSON_Delete(resp);
	return 0;
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
	char **channels = NULL;
	size_t nch = 0;
	if (scan_channels(c, r, &channels, &nch, truncated, err) < 0)
		return -1;
	int rc = 0;
	if (nch)
		*out = xcalloc(nch, sizeof(**out));
	for (size_t i = 0; i < nch && rc == 0; i++) {
		if (newest_point(c, r, channels[i], &(*out)[*n], err) < 0)
			rc = -1;
		else
			(*n)++;
	}
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
	for (size_t i = 0; i < n; i++)
		free(v[i].channel);
	free(v);
}
