/*
 * history.h - the viewer-count history as rows and as charts' series: every
 * item of some channels in a time window (a Query per channel, several at
 * once) or of the whole table (a parallel Scan), handed over row by row as
 * the pages arrive, so any table size costs the same memory.
 *
 * A series is one channel's window cut into at most `width` buckets (none
 * narrower than a minute): each bucket keeps the points' count, sum and
 * maximum, so a chart costs width buckets per channel, not a point per
 * minute. A bucket no point fell into is a gap (no data), never a zero.
 *
 * Owns: the series (history_series_free); nothing of the rows it hands over.
 */
#ifndef IVS_APP_HISTORY_H
#define IVS_APP_HISTORY_H

#include <stddef.h>

#include "aws/client.h"

#define HISTORY_MINUTE_MS 60000LL

struct history_row {
	const char *channel;      /* the ARN (borrowed for the call) */
	size_t channel_index;     /* into history_read.channels; for Scan rows of other channels, n_channels + k */
	long long time_ms;
	long long count;
};

/* A row; 0 to go on, -1 (err filled) to stop. */
typedef int history_row_fn(void *user, const struct history_row *row, struct ivs_error *err);

struct history_read {
	/* input */
	const char *table;
	/* Query each of these channels (ARNs). all: Scan the whole table
	 * instead; rows of channels not listed here get indexes from
	 * n_channels on, in the order first seen (history_read_extra names them). */
	const char *const *channels;
	size_t n_channels;
	int all;
	int count_only;           /* with all: Select COUNT, no rows (see `counted`) */
	long long from_ms, to_ms; /* inclusive window on the sort key */
	size_t segments;          /* Scan: 0: 4 */
	size_t max_in_flight;     /* 0: 8 */
	size_t page_items;        /* Limit a page; 0: DynamoDB's (1 MB a page) */
	history_row_fn *on_row;
	void *user;
	volatile int *stop;       /* e.g. the CLI's Ctrl-C flag; may be NULL */
	/* called after each page (progress); may be NULL */
	void (*on_page)(void *user, const struct history_read *r);

	/* output */
	size_t rows;              /* handed to on_row */
	size_t malformed;         /* items skipped as malformed (first_malformed says why) */
	char first_malformed[640];
	size_t pages;
	size_t counted;           /* the items DynamoDB counted (every item read, or count_only's) */
	char **extra;             /* Scan: channels beyond `channels`, in index order */
	size_t n_extra;
};

int history_read_run(struct aws_client *c, struct history_read *r, struct ivs_error *err);
/* The ARN of row index i (channels[i], or extra[i - n_channels]). */
const char *history_read_channel(const struct history_read *r, size_t i);
void history_read_free(struct history_read *r);

struct history_bucket {
	long long n;              /* points in the bucket; 0: a gap */
	long long sum, max;
};

struct history_series {
	long long from_ms, to_ms; /* the window (minute-aligned start, inclusive end) */
	long long bucket_ms;      /* each bucket's span, a whole number of minutes */
	size_t width;
	struct history_bucket *b;
	/* over every point */
	long long points, min, max, sum;
	long long peak_ms;        /* the first minute the maximum was reached */
};

/* width buckets at most; fewer when the window has fewer minutes. */
void history_series_init(struct history_series *s, long long from_ms, long long to_ms,
			 size_t width);
/* A point outside the window is ignored. */
void history_series_add(struct history_series *s, long long time_ms, long long count);
/* Bucket i's average, or -1 for a gap. */
double history_series_value(const struct history_series *s, size_t i);
/* The first minute of bucket i. */
long long history_series_time(const struct history_series *s, size_t i);
void history_series_free(struct history_series *s);

/* "2024-05-01T12:03:00Z" (a minute's UTC time, ISO 8601; n >= 21). */
void history_format_minute(long long time_ms, char *buf, size_t n);

#endif
