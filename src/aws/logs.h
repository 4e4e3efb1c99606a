/*
 * logs.h - CloudWatch Logs FilterLogEvents (JSON 1.1, "Logs_20140328"),
 * every page, for `ivsvc logs`.
 *
 * Owns: the events it returns (logs_events_free).
 */
#ifndef IVS_LOGS_H
#define IVS_LOGS_H

#include <stddef.h>

#include "client.h"

struct logs_event {
	char *id;
	char *stream;
	char *message;
	long long timestamp;      /* ms since the epoch */
	long long ingestion_time;
};

struct logs_filter {
	const char *group;
	long long start_ms;       /* inclusive; 0: none */
	long long end_ms;         /* inclusive; 0: none */
	const char *pattern;      /* NULL: every event */
	size_t max_pages;         /* 0: 1000 */
};

/* Appends every matching event, over all pages, to *v (n and cap updated),
 * sorted oldest first by timestamp (stable for equal times). */
int logs_filter_events(struct aws_client *c, const struct logs_filter *f, struct logs_event **v,
		       size_t *n, struct ivs_error *err);
void logs_events_free(struct logs_event *v, size_t n);

#endif
