/*
 * table.h - the viewer-count table (names in schema.h): its items, built
 * and read only here, and the newest point of every channel for
 * `ivsvc status`.
 *
 * Items are read strictly (ddb.h's codec): an item without a channel, a
 * time or a count, or with a count that is not a whole number >= 0, is
 * malformed and said to be, never read as 0.
 *
 * The newest points: the channels come from the caller (IVS's list) and from
 * a Scan that reads only the key attribute and stops after max_scan_items,
 * so a long history costs a bounded read. The newest point of each channel
 * then comes from a Query (newest first, Limit 1), all Queries at once.
 *
 * Owns: the points it returns (table_points_free); the cJSON it builds (the
 * caller's).
 */
#ifndef IVS_APP_TABLE_H
#define IVS_APP_TABLE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "app/schema.h"
#include "aws/client.h"

/* What the handler reads back: the attributes of an item it wrote. */
#define TABLE_ITEM_PROJECTION TABLE_KEY "," TABLE_SORT_KEY "," TABLE_COUNT

/* An item as the handler writes it. */
struct table_item {
	const char *channel;      /* borrowed from the cJSON item */
	long long time_ms;
	long long count;
};

/* {"channel":{"S":..},"time":{"N":..}} */
cJSON *table_key(const char *channel, long long time_ms);
/* {"PutRequest":{"Item":{"channel":..,"time":..,"count":..[,"expires":..]}}};
 * expires_s 0: no expires attribute (kept forever). */
cJSON *table_put_request(const char *channel, long long time_ms, long long count,
			 long long expires_s);
/* Reads an item: channel, time and count must all be there, the count a
 * whole number >= 0. Returns 0, or -1 with err (code "MalformedItem": which
 * attribute, what it held). */
int table_item_read(const cJSON *item, struct table_item *out, struct ivs_error *err);
/* The channel a key or item is for, or NULL. */
const char *table_item_channel(const cJSON *item);

struct table_point {
	char *channel;
	long long time_ms;        /* the sort key as ms since the epoch (seconds are scaled); -1: none */
	long long viewers;        /* -1 when the item has no (readable) count */
	char *malformed;          /* why the newest item could not be read in full, or NULL */
};

struct table_read {
	const char *table;
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
