/*
 * plan.h - the tick's pure steps, tested without a network (plan.c):
 * joining listings into one entry per channel, the table's items and keys,
 * the history matrix from what BatchGetItem answered, each live channel's
 * payload, the PutMetadata pacing and the result's error entries. The
 * streaming tick (flow.h) uses them a page and a group at a time.
 *
 * Owns: struct tick_plan's arrays (tick_plan_free); struct tick_requests'
 * items (tick_requests_free).
 */
#ifndef IVS_LAMBDA_PLAN_H
#define IVS_LAMBDA_PLAN_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "aws/buf.h"
#include "aws/ivs.h"
#include "metadata.h"

struct tick_channel {
	const char *arn;   /* borrowed from the listings */
	long long count;   /* the live stream's viewerCount; 0 when offline; -1 when
			      IVS gave none (its count timed out): no item, no put */
	int live;
};

struct tick_plan {
	struct tick_channel *ch; /* sorted by ARN, each ARN once */
	size_t n;
	size_t n_live;
	size_t *live;            /* indexes into ch of the live channels, in ARN order */
};

/* Joins the listings: one entry per distinct channel ARN (a listing that
 * repeats a channel across pages gives one item, since BatchWriteItem refuses
 * duplicate keys), live when a LIVE stream names it. A live stream whose
 * channel is missing from the channel list (created while listing) is kept:
 * it has viewers. */
void tick_plan_build(const struct ivs_channel *ch, size_t nch, const struct ivs_stream *st,
		     size_t nst, struct tick_plan *out);
void tick_plan_free(struct tick_plan *p);
/* Index in p->ch of arn, or -1. */
long tick_plan_find(const struct tick_plan *p, const char *arn);

/* Epoch seconds an item expires at; 0 when retention_days is 0 (keep). */
long long tick_expires(long long minute_ms, int retention_days);

/* The tick's table requests: one put per channel for the minute (none for a
 * channel whose count is -1), and the
 * keys of each live channel's previous window-1 minutes (live channel j's
 * minute k at keys[j * (window - 1) + k - 1]). Items and keys are built by
 * app/table.h. */
struct tick_requests {
	cJSON **writes;
	size_t n_writes;
	cJSON **keys;
	size_t n_keys;
};
void tick_requests_build(const struct tick_plan *p, long long minute_ms, int window,
			 long long expires_s, struct tick_requests *out);
void tick_requests_free(struct tick_requests *r);

/* Appends {"channel","op","code","message"} to the result's errors (arn NULL:
 * ""; code empty: "Error"). Returns the entry. */
cJSON *tick_error_add(cJSON *errors, const char *arn, const char *op, const char *code,
		      const char *message);

/* History matrix: hist[j * window + k] is live channel j's count k minutes
 * before the tick (k = 0 the tick's own), or -1 when that minute has no item.
 * Fills k = 0 from the plan and k >= 1 from items (BatchGetItem answers);
 * items for unknown channels or minutes outside the window are ignored, a
 * malformed item (app/table.h) is left out and, when errors is not NULL,
 * reported there (op "BatchGetItem", code "MalformedItem"). Returns the
 * number of items used. */
size_t tick_history_fill(const struct tick_plan *p, const cJSON *items, long long minute_ms,
			 int window, long long *hist, cJSON *errors);
/* The same for a group of n live channels (arn[j] is row j of hist, whose
 * k = 0 the caller has filled and k >= 1 set to -1): what one BatchGetItem
 * answered. Returns the number of items used. */
size_t tick_group_fill(const char *const *arn, size_t n, const cJSON *items,
		       long long minute_ms, int window, long long *hist, cJSON *errors);
/* Live channel j's payload (present minutes, newest first) into out.
 * Returns the number of points sent. */
size_t tick_payload(const long long *hist_row, int window, enum metadata_format f,
		    const char *minute_iso, struct buf *out);

/* The PutMetadata token bucket for an account rate of `rate` calls/s, such
 * that no one-second window ever holds more than `rate` calls (IVS counts
 * per second): burst + send_rate <= rate. A bucket of 2 absorbs the
 * scheduler's millisecond wake-ups (with a bucket of 1 each late wake-up
 * loses its fraction of a token: measured 139/s instead of 155/s); below 20/s
 * a bucket of 1 at the full rate. */
void tick_put_pacing(double rate, double *send_rate, double *burst);

struct tick_options {
	long long deadline_ms;        /* epoch ms, local clock; 0: none */
	size_t max_in_flight;         /* 0: 64 */
	double ddb_backoff_base_ms;   /* 0: 50 */
};

#endif
