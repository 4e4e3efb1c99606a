/*
 * logs.c - CloudWatch Logs FilterLogEvents with pagination (see logs.h).
 */
#include "logs.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "pager.h"

static int by_time(const void *a, const void *b)
{
	const struct logs_event *x = a, *y = b;
	if (x->timestamp != y->timestamp)
		return x->timestamp < y->timestamp ? -1 : 1;
	return 0;
}

/* The request for one page. */
static cJSON *filter_request(const struct logs_filter *f, const char *token)
{
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
	return req;
}

static void take_events(const cJSON *page, struct logs_event **v, size_t *n, size_t *cap)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(page, "events")) {
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 64;
			*v = xrealloc(*v, *cap * sizeof(**v));
		}
		struct logs_event *le = &(*v)[(*n)++];
		const char *id = json_str(e, "eventId"), *msg = json_str(e, "message");
		le->id = xstrdup(id ? id : "");
		le->stream = xstrdup(json_str(e, "logStreamName"));
		le->message = xstrdup(msg ? msg : "");
		le->timestamp = (long long)json_num(e, "timestamp", 0);
		le->ingestion_time = (long long)json_num(e, "ingestionTime", 0);
	}
}

int logs_filter_events(struct aws_client *c, const struct logs_filter *f, struct logs_event **v,
		       size_t *n, struct ivs_error *err)
{
	size_t start = *n, cap = *n;
	size_t max_pages = f->max_pages ? f->max_pages : 1000;
	struct aws_pager pager;
	aws_pager_init(&pager, "CloudWatch Logs FilterLogEvents", "nextToken", 0);
	int rc = 0;
	/* max_pages is how much the caller wants to read, not a loop guard: past
	 * it the listing is cut short, not failed. */
	while (rc == 0 && !pager.done && pager.pages < max_pages) {
		cJSON *req = filter_request(f, aws_pager_token(&pager));
		cJSON *resp = NULL;
		rc = json_call(c, &AWS_SVC_LOGS, "1.1", "Logs_20140328", "FilterLogEvents", req,
			       &resp, err);
		cJSON_Delete(req);
		if (rc == 0) {
			take_events(resp, v, n, &cap);
			rc = aws_pager_next(&pager, json_str(resp, "nextToken"), err);
		}
		cJSON_Delete(resp);
	}
	aws_pager_free(&pager);
	if (rc < 0)
		return -1;
	/* Pages come per stream in some orders; the reader wants one timeline. */
	if (*n > start) /* none: *v may be NULL, which qsort must not get */
		qsort(*v + start, *n - start, sizeof(**v), by_time);
	return 0;
}

void logs_events_free(struct logs_event *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *s[] = { v[i].id, v[i].stream, v[i].message };
		free_strings(s, 3);
	}
	free(v);
}
