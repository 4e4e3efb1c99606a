/*
 * ddb.h - DynamoDB (JSON 1.0, target "DynamoDB_20120810"): the attribute
 * value codec, any single call (ddb_call), and BatchWriteItem /
 * BatchGetItem in concurrent chunks.
 *
 * The codec is the one place an attribute value ({"S": ...}, {"N": ...}) is
 * read or written. Reading is strict, the same for every caller: a number is
 * a whole number written plainly ("-12"; not "12.5", "1e3", "+1") within the
 * caller's range; anything else is reported with the attribute's name and
 * value (code "MalformedItem"), never read as 0.
 *
 * A struct ddb_batch carries write requests and keys to read for one table;
 * ddb_batch_run sends them in chunks (25 writes, 100 keys a call), all chunks
 * concurrently, and sends UnprocessedItems / UnprocessedKeys again with
 * backoff until they are done or the deadline nears. Whatever is left is
 * listed (with the reason), never dropped.
 *
 * A struct ddb_pages reads several paged requests (a Query per channel, or
 * the segments of a parallel Scan) to their ends, a bounded number at once,
 * handing each page's items to the caller as it arrives: memory is one page
 * per request in flight, whatever the table holds.
 *
 * Owns: the cJSON results inside struct ddb_batch (ddb_batch_free); nothing
 * of ddb_pages_run's after it returns.
 */
#ifndef IVS_DDB_H
#define IVS_DDB_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "client.h"

#define DDB_TARGET "DynamoDB_20120810"
#define DDB_BATCH_WRITE_MAX 25   /* BatchWriteItem: at most 25 requests a call */
#define DDB_BATCH_GET_MAX 100    /* BatchGetItem: at most 100 keys a call */

/* The codec's answer when an item has no such attribute (err says which). */
#define DDB_ATTR_ABSENT 1

/* item[name] as a string: 0 with *out borrowed from item; DDB_ATTR_ABSENT;
 * -1 when the attribute is not {"S": string}. err may be NULL. */
int ddb_attr_string(const cJSON *item, const char *name, const char **out,
		    struct ivs_error *err);
/* item[name] as a whole number within [min, max]: 0 with *out;
 * DDB_ATTR_ABSENT; -1 when it is not {"N": whole number in range}. *out is
 * left alone unless 0 is returned. err may be NULL. */
int ddb_attr_integer(const cJSON *item, const char *name, long long min, long long max,
		     long long *out, struct ivs_error *err);
/* Add {"S": value} / {"N": "<value>"} to item as name. */
void ddb_attr_add_string(cJSON *item, const char *name, const char *value);
void ddb_attr_add_integer(cJSON *item, const char *name, long long value);

/* One DynamoDB operation ("Scan", "Query", ...) with a JSON body. */
void ddb_op_init(struct aws_op *op, const char *operation, const cJSON *body);
/* init + send + parse; *out (may be NULL) receives the response. */
int ddb_call(struct aws_client *c, const char *operation, const cJSON *body, cJSON **out,
	     struct ivs_error *err);

/* Builds one op per chunk of DDB_BATCH_WRITE_MAX write requests
 * ({"PutRequest":{"Item":...}} or {"DeleteRequest":{"Key":...}}) taken from
 * requests[0..n). Returns the number of ops written to *ops (caller frees
 * each with aws_op_free, then the array). */
size_t ddb_batch_write_ops(const char *table, cJSON *const *requests, size_t n,
			   struct aws_op **ops);
/* The same for BatchGetItem with DDB_BATCH_GET_MAX keys a call. projection:
 * NULL for whole items, or comma-separated attribute names (reserved words
 * are fine: they are sent as #p0, #p1, ...). */
size_t ddb_batch_get_ops(const char *table, cJSON *const *keys, size_t n, const char *projection,
			 struct aws_op **ops);

struct ddb_batch {
	/* input (borrowed; the arrays' items are not modified) */
	const char *table;
	cJSON *const *writes;    /* write requests */
	size_t n_writes;
	cJSON *const *keys;      /* keys to read, each {"attr":{"S":...},...} */
	size_t n_keys;
	const char *projection;  /* for the reads; NULL: whole items */

	/* output */
	cJSON *items;            /* array of the items read */
	cJSON *failed_writes;    /* array of {"request":..., "code":..., "message":...} */
	cJSON *failed_keys;      /* array of {"key":..., "code":..., "message":...} */
	size_t calls_write;      /* BatchWriteItem calls sent (each attempt counts) */
	size_t calls_get;        /* BatchGetItem calls sent */
	size_t retries;          /* client retries + calls re-sent for unprocessed entries */
	size_t rounds;
};

struct ddb_batch_options {
	size_t max_in_flight;     /* 0: 64 */
	long long deadline_ms;    /* epoch ms, local clock (as aws_send_options); 0: none */
	double backoff_base_ms;   /* between rounds for unprocessed entries; 0: 50 */
	double backoff_max_ms;    /* 0: 2,000 */
	int max_rounds;           /* 0: 20 */
};

/* Runs the batch. Returns 0 when everything was written and read; -1 when
 * something was left (failed_writes / failed_keys say what; err the first
 * reason). Item order in b->items is unspecified. */
int ddb_batch_run(struct aws_client *c, struct ddb_batch *b, const struct ddb_batch_options *o,
		  struct ivs_error *err);
void ddb_batch_free(struct ddb_batch *b);

/* One page of request `stream`'s items (a cJSON array, borrowed for the
 * call). Returns 0 to go on, -1 (err filled) to stop everything. */
typedef int ddb_page_fn(void *user, size_t stream, const cJSON *items, struct ivs_error *err);

struct ddb_pages {
	/* input */
	const char *operation;    /* "Query" or "Scan" */
	cJSON *const *requests;   /* request bodies (borrowed; ExclusiveStartKey is added per page) */
	size_t n;
	size_t max_in_flight;     /* requests read at once; 0: 8 */
	ddb_page_fn *on_page;
	void *user;
	volatile int *stop;       /* set (e.g. by Ctrl-C): stop after the pages in flight; may be NULL */

	/* output */
	size_t pages;             /* pages taken */
	size_t items;             /* items handed to on_page */
	size_t counted;           /* the pages' "Count"s summed (what Select COUNT counts) */
	size_t retries;           /* client retries */
};

/* Reads every request to its end (LastEvaluatedKey, guarded by pager.h
 * against a key that repeats). Pages of one request reach on_page in
 * order; pages of different requests interleave. Returns 0, or -1 with err
 * (a failed call, on_page's error, or code "Interrupted" after *stop). */
int ddb_pages_run(struct aws_client *c, struct ddb_pages *p, struct ivs_error *err);

#endif
