/*
 * table.h - reading the viewer-count table for `ivsvc status`: the newest
 * point of every channel.
 *
 * The table is keyed (channel S, time N): one item per channel per tick.
 * The channels come from the caller (IVS's list) and from a Scan that reads
 * only the key attribute and stops after max_scan_items, so a long history
 * costs a bounded read. The newest point of each channel then comes from a
 * Query (newest first, Limit 1), all Queries at once.
 *
 * Owns: the points it returns (table_points_free).
 */
#ifndef IVS_TABLE_H
#define IVS_TABLE_H

#include <stddef.h>

#include "client.h"

struct table_point {
	char *channel;
	long long time_ms;        /* the sort key as ms since the epoch (seconds are scaled) */
	long long viewers;        /* -1 when the item has no count attribute */
};

struct table_read {
	const char *table;
	const char *key;          /* partition key name: "channel" */
	const char *sort_key;     /* sort key name: "time" */
	const char *const *count_attrs; /* tried in order: {"viewerCount", "viewers", NULL} */
	size_t max_scan_items;    /* 0: 5,000 */
	size_t max_channels;      /* 0: 200 */
	/* The channels that exist (IVS ListChannels), or NULL. Each is looked up
	 * whatever the Scan reaches, so a long history cannot hide one; the
	 * Scan then only adds channels that have points but are gone from IVS,
	 * and *truncated stays 0. */
	const char *const *channels;
	size_t n_channels;
};

/* *truncated is set when the Scan stopped before the table's end (channels
 * seen only later are missing). */
int table_latest_points(struct aws_client *c, const struct table_read *r,
			struct table_point **out, size_t *n, int *truncated,
			struct ivs_error *err);
void table_points_free(struct table_point *v, size_t n);

#endif
