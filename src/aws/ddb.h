/*
 * ddb.h - the DynamoDB calls the handler uses (JSON 1.0, target
 * "DynamoDB_20120810"): BatchWriteItem and BatchGetItem.
 *
 * A struct ddb_batch carries write requests and keys to read for one table;
 * ddb_batch_run sends them in chunks (25 writes, 100 keys a call), all chunks
 * concurrently, and sends UnprocessedItems / UnprocessedKeys again with
 * backoff until they are done or the deadline nears. Whatever is left is
 * listed (with the reason), never dropped.
 *
 * Owns: the cJSON results inside struct ddb_batch (ddb_batch_free).
 */
#ifndef IVS_DDB_H
#define IVS_DDB_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "client.h"

#define DDB_TARGET "DynamoDB_20120810"
#define DDB_BATCH_WRITE_MAX 25   /* BatchWriteItem: at most 25 requests a call */
#define DDB_BATCH_GET_MAX 100    /* BatchGetItem: at most 100 keys a call */

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

#endif
