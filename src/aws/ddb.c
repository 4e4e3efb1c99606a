/*
 * ddb.c - DynamoDB BatchWriteItem / BatchGetItem in concurrent chunks with
 * UnprocessedItems / UnprocessedKeys retried (see ddb.h).
 *
 * Owns: the pending lists between rounds. Every round sends the pending
 * writes and the pending reads together in one aws_ops_send, so a table
 * that throttles part of a batch costs one more round, not a serial tail.
 */
#include "ddb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"

static size_t chunk_ops(const char *table, cJSON *const *v, size_t n, size_t per_call,
			int is_get, const char *projection, struct aws_op **ops)
{
	size_t nops = (n + per_call - 1) / per_call;
	*ops = nops ? xcalloc(nops, sizeof(**ops)) : NULL;
	for (size_t k = 0; k < nops; k++) {
		size_t from = k * per_call, to = from + per_call < n ? from + per_call : n;
		cJSON *body = cJSON_CreateObject();
		cJSON *ri = cJSON_AddObjectToObject(body, "RequestItems");
		cJSON *list = cJSON_CreateArray();
		for (size_t i = from; i < to; i++)
			cJSON_AddItemToArray(list, cJSON_Duplicate(v[i], 1));
		if (!is_get) {
			cJSON_AddItemToObject(ri, table, list);
		} else {
			cJSON *t = cJSON_AddObjectToObject(ri, table);
			cJSON_AddItemToObject(t, "Keys", list);
			if (projection && *projection) {
				struct buf expr = BUF_INIT;
				cJSON *names = cJSON_AddObjectToObject(t, "ExpressionAttributeNames");
				const char *p = projection;
				for (int i = 0; p && *p; i++) {
					const char *end = strchr(p, ',');
					size_t len = end ? (size_t)(end - p) : strlen(p);
					char ph[16];
					snprintf(ph, sizeof(ph), "#p%d", i);
					char *attr = xstrndup(p, len);
					cJSON_AddStringToObject(names, ph, attr);
					free(attr);
					buf_printf(&expr, "%s%s", i ? "," : "", ph);
					p = end ? end + 1 : NULL;
				}
				cJSON_AddStringToObject(t, "ProjectionExpression", buf_cstr(&expr));
				buf_free(&expr);
			}
		}
		json_op_init(&(*ops)[k], &AWS_SVC_DYNAMODB, "1.0", DDB_TARGET,
			     is_get ? "BatchGetItem" : "BatchWriteItem", body);
		cJSON_Delete(body);
	}
	return nops;
}

size_t ddb_batch_write_ops(const char *table, cJSON *const *requests, size_t n,
			   struct aws_op **ops)
{
	return chunk_ops(table, requests, n, DDB_BATCH_WRITE_MAX, 0, NULL, ops);
}

size_t ddb_batch_get_ops(const char *table, cJSON *const *keys, size_t n, const char *projection,
			 struct aws_op **ops)
{
	return chunk_ops(table, keys, n, DDB_BATCH_GET_MAX, 1, projection, ops);
}

/* A growable list of owned cJSON nodes. */
struct nodes {
	cJSON **v;
	size_t n, cap;
};

static void nodes_push(struct nodes *l, cJSON *node)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = node;
}

static void nodes_clear(struct nodes *l)
{
	for (size_t i = 0; i < l->n; i++)
		cJSON_Delete(l->v[i]);
	l->n = 0;
}

static void fail_entry(cJSON *list, const char *what, cJSON *node, const char *code,
		       const char *message)
{
	cJSON *f = cJSON_CreateObject();
	cJSON_AddItemToObject(f, what, node);
	cJSON_AddStringToObject(f, "code", code);
	cJSON_AddStringToObject(f, "message", message);
	cJSON_AddItemToArray(list, f);
}

/* The local wall clock: deadlines are in it (see aws_send_options). */
static long long ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(double ms)
{
	if (ms <= 0)
		return;
	struct timespec ts = { (time_t)(ms / 1000), (long)((long long)(ms * 1e6) % 1000000000LL) };
	while (nanosleep(&ts, &ts) < 0)
		;
}

/* Takes the pending entries a successful call answered as unprocessed. */
static void take_unprocessed(const cJSON *list, struct nodes *next)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, list)
		nodes_push(next, cJSON_Duplicate(e, 1));
}

/* One chunk's outcome. is_get: the chunk read keys. */
static void settle_op(struct ddb_batch *b, struct aws_op *op, cJSON *const *sent, size_t nsent,
		      int is_get, int may_retry, struct nodes *next, struct ivs_error *first)
{
	if (is_get)
		b->calls_get += (size_t)(op->attempts > 0 ? op->attempts : 0);
	else
		b->calls_write += (size_t)(op->attempts > 0 ? op->attempts : 0);
	if (op->attempts > 1)
		b->retries += (size_t)op->attempts - 1;

	struct ivs_error perr;
	cJSON *res = op->rc == 0 ? json_op_result(op, &perr) : NULL;
	if (!res) {
		const struct ivs_error *e = op->rc == 0 ? &perr : &op->err;
		int again = may_retry && e->retryable && strcmp(e->code, "DeadlineExceeded") != 0;
		for (size_t i = 0; i < nsent; i++) {
			if (again)
				nodes_push(next, cJSON_Duplicate(sent[i], 1));
			else
				fail_entry(is_get ? b->failed_keys : b->failed_writes,
					   is_get ? "key" : "request", cJSON_Duplicate(sent[i], 1),
					   e->code[0] ? e->code : "Error", e->message);
		}
		if (!again && !first->code[0])
			*first = *e;
		return;
	}
	if (is_get) {
		cJSON *resp = cJSON_GetObjectItemCaseSensitive(res, "Responses");
		cJSON *items = cJSON_GetObjectItemCaseSensitive(resp, b->table);
		cJSON *it;
		cJSON_ArrayForEach(it, items)
			cJSON_AddItemToArray(b->items, cJSON_Duplicate(it, 1));
		cJSON *un = cJSON_GetObjectItemCaseSensitive(res, "UnprocessedKeys");
		take_unprocessed(cJSON_GetObjectItemCaseSensitive(
					 cJSON_GetObjectItemCaseSensitive(un, b->table), "Keys"),
				 next);
	} else {
		cJSON *un = cJSON_GetObjectItemCaseSensitive(res, "UnprocessedItems");
		take_unprocessed(cJSON_GetObjectItemCaseSensitive(un, b->table), next);
	}
	cJSON_Delete(res);
}

int ddb_batch_run(struct aws_client *c, struct ddb_batch *b, const struct ddb_batch_options *o,
		  struct ivs_error *err)
{
	struct ddb_batch_options d = { 0 };
	if (o)
		d = *o;
	if (!d.max_in_flight)
		d.max_in_flight = 64;
	if (d.backoff_base_ms <= 0)
		d.backoff_base_ms = 50;
	if (d.backoff_max_ms <= 0)
		d.backoff_max_ms = 2000;
	if (d.max_rounds <= 0)
		d.max_rounds = 20;

	b->items = cJSON_CreateArray();
	b->failed_writes = cJSON_CreateArray();
	b->failed_keys = cJSON_CreateArray();
	b->calls_write = b->calls_get = b->retries = b->rounds = 0;

	struct ivs_error first;
	ivs_error_clear(&first);
	struct nodes w = { 0 }, k = { 0 }, wn = { 0 }, kn = { 0 };
	for (size_t i = 0; i < b->n_writes; i++)
		nodes_push(&w, cJSON_Duplicate(b->writes[i], 1));
	for (size_t i = 0; i < b->n_keys; i++)
		nodes_push(&k, cJSON_Duplicate(b->keys[i], 1));

	while (w.n || k.n) {
		struct aws_op *wops = NULL, *kops = NULL;
		size_t nw = ddb_batch_write_ops(b->table, w.v, w.n, &wops);
		size_t nk = ddb_batch_get_ops(b->table, k.v, k.n, b->projection, &kops);
		struct aws_op **all = xcalloc(nw + nk, sizeof(*all));
		for (size_t i = 0; i < nw; i++)
			all[i] = &wops[i];
		for (size_t i = 0; i < nk; i++)
			all[nw + i] = &kops[i];
		if (b->rounds > 0)
			b->retries += nw + nk;
		b->rounds++;
		struct aws_send_options so = { .max_in_flight = d.max_in_flight,
					       .deadline_ms = d.deadline_ms };
		aws_ops_send(c, all, nw + nk, &so);
		int may_retry = b->rounds < (size_t)d.max_rounds;
		for (size_t i = 0; i < nw; i++) {
			size_t from = i * DDB_BATCH_WRITE_MAX;
			size_t cnt = w.n - from < DDB_BATCH_WRITE_MAX ? w.n - from : DDB_BATCH_WRITE_MAX;
			settle_op(b, &wops[i], w.v + from, cnt, 0, may_retry, &wn, &first);
			aws_op_free(&wops[i]);
		}
		for (size_t i = 0; i < nk; i++) {
			size_t from = i * DDB_BATCH_GET_MAX;
			size_t cnt = k.n - from < DDB_BATCH_GET_MAX ? k.n - from : DDB_BATCH_GET_MAX;
			settle_op(b, &kops[i], k.v + from, cnt, 1, may_retry, &kn, &first);
			aws_op_free(&kops[i]);
		}
		free(all);
		free(wops);
		free(kops);
		nodes_clear(&w);
		nodes_clear(&k);
		struct nodes t = w;
		w = wn;
		wn = t;
		t = k;
		k = kn;
		kn = t;
		if (!w.n && !k.n)
			break;

		/* Exponential backoff with jitter (half fixed, half random), as
		 * DynamoDB asks for unprocessed entries. */
		double cap = d.backoff_base_ms * (double)(1LL << (b->rounds < 20 ? b->rounds : 20));
		if (cap > d.backoff_max_ms)
			cap = d.backoff_max_ms;
		double wait = cap / 2 + (cap / 2) * ((double)rand() / RAND_MAX);
		const char *why = NULL;
		if (b->rounds >= (size_t)d.max_rounds)
			why = "still unprocessed after the last retry round";
		else if (d.deadline_ms && ms_now() + (long long)wait >= d.deadline_ms)
			why = "still unprocessed when the deadline came";
		if (why) {
			for (size_t i = 0; i < w.n; i++) {
				fail_entry(b->failed_writes, "request", w.v[i], "Unprocessed", why);
				w.v[i] = NULL;
			}
			for (size_t i = 0; i < k.n; i++) {
				fail_entry(b->failed_keys, "key", k.v[i], "Unprocessed", why);
				k.v[i] = NULL;
			}
			if (!first.code[0])
				ivs_error_set(&first, "Unprocessed", "DynamoDB batch: %zu writes and %zu reads %s",
					      w.n, k.n, why);
			w.n = k.n = 0;
			break;
		}
		sleep_ms(wait);
	}
	nodes_clear(&w);
	nodes_clear(&k);
	free(w.v);
	free(k.v);
	free(wn.v);
	free(kn.v);

	if (cJSON_GetArraySize(b->failed_writes) || cJSON_GetArraySize(b->failed_keys)) {
		if (err)
			*err = first;
		return -1;
	}
	return 0;
}

void ddb_batch_free(struct ddb_batch *b)
{
	cJSON_Delete(b->items);
	cJSON_Delete(b->failed_writes);
	cJSON_Delete(b->failed_keys);
	b->items = b->failed_writes = b->failed_keys = NULL;
}
