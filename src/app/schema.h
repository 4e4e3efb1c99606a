/*
 * schema.h - the viewer-count table's names, in one place: the handler
 * writes and reads its items with them, `ivsvc status` reads them, and
 * templates/stack.yaml declares the same key (channel HASH, time RANGE) and
 * TTL attribute (expires).
 *
 * One item per channel per minute:
 *   channel  S  the channel's ARN                        partition key
 *   time     N  epoch ms of the minute (minute-aligned)  sort key
 *   count    N  viewers in that minute; 0 when offline
 *   expires  N  epoch s the item expires at; only with a retention (TTL)
 */
#ifndef IVS_APP_SCHEMA_H
#define IVS_APP_SCHEMA_H

#define TABLE_KEY "channel"
#define TABLE_SORT_KEY "time"
#define TABLE_COUNT "count"
#define TABLE_EXPIRES "expires"

/* Other count names `ivsvc status` has always accepted, tried after
 * TABLE_COUNT (the handler writes only TABLE_COUNT). */
#define TABLE_COUNT_ALIASES "viewerCount", "viewers"

#endif
