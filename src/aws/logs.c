/*
 * logs.c - CloudWatch Logs FilterLogEvents with pagination (see logs.h).
 */
#include "logs.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"

static int by_time(const void *a, const void *b)
{
	const struct logs_event *x = a, *y = b;
	if (x->timestamp != y->timestamp)
		return x->timestamp < y->timestamp ? -1 : 1;
	return 0;
}

int logs_filter_events(struct aws_client *c, const struct logs_filter *f, struct logs_event **v,
		       size_t *n, struct ivs_error *err)
{
	size_t start = *n, cap = *n;
	char *token = NULL;
	size_t max_pages = f->max_pages ? f->max_pages : 1000;
	int rc = 0;
	for (size_t page = 0; page < max_pages; page++) {
		cJSON *req = cJSON_CreateObject();
		cJSON_AddStringToObject(req, "logGroupName", f->group);
		if (f->start_ms > 0)
			cJSON_AddNumberToObject(req, "startTime", (double)f->start_ms);
		if (f->end_ms > 0)
			cJSON_AddNumberToObject(req, "endTime", (double)f->end_ms);
		if (f->pattern && *f->pattern)
			cJSON_AddStringToObject(req, "filterPattern", f->pattern);
		if (token)
			cJSON_AddStringToObject(req, "nextToken", token);
		free(token);
		token = NULL;
		cJSON *resp = NULL;
		rc = json_call(c, &AWS_SVC_LOGS, "1.1", "Logs_20140328", "FilterLogEvents", req,
			       &resp, err);
		cJSON_Delete(req);
		if (rc < 0)
			break;
		const cJSON *events = cJSON_GetObjectItemCaseSensitive(resp, "events");
		const cJSON *e;
		cJSON_ArrayForEach(e, events) {
			if (*n == cap) {
				cap = cap ? cap * 2 : 64;
				*v = xrealloc(*v, cap * sizeof(**v));
			}
			struct logs_event *le = &(*v)[(*n)++];
			le->id = xstrdup(json_str(e, "eventId"));
			le->stream = xstrdup(json_str(e, "logStreamName"));
			le->message = xstrdup(json_str(e, "message"));
			if (!le->id)
				le->id = xstrdup("");
			if (!le->message)
				le->message = xstrdup("");
			le->timestamp = (long long)json_num(e, "timestamp", 0);
			le->ingestion_time = (long long)json_num(e, "ingestionTime", 0);
		}
		const char *next = json_str(resp, "nextToken");
		token = next && *next ? xstrdup(next) : NULL;
		cJSON_Delete(resp);
		if (!token)
			break;
	}
	free(token);
	if (rc < 0)
		return -1;
	/* Pages come per stream in some orders; the reader wants one timeline. */
	qsort(*v + start, *n - start, sizeof(**v), by_time);
	return 0;
}

void logs_events_free(struct logs_event *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].id);
		free(v[i].stream);
		free(v[i].message);
	}
	free(v);
}
