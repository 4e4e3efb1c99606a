/*
 * ddb.c - DynamoDB: the attribute value codec, single calls, and
 * BatchWriteItem / BatchGetItem in concurrent chunks with UnprocessedItems /
 * UnprocessedKeys retried (see ddb.h).
 *
 * Paged reads (ddb_pages_run) go in rounds too: each round sends the next
 * page of up to max_in_flight unfinished requests at once.
 *
 * Owns: the pending lists between rounds. Every round sends the pending
 * writes and the pending reads together in one aws_ops_send, so a table
 * that throttles part of a batch costs one more round, not a serial tail.
 */
#include "ddb.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "pager.h"

/* The attribute's value as JSON for a message, cut to a readable length. */
static void malformed(struct ivs_error *err, const char *name, const cJSON *attr,
		      const char *want)
{
	if (!err)
		return;
	char *v = cJSON_PrintUnformatted(attr);
	ivs_error_set_kind(err, IVS_ERR_BAD_RESPONSE, "MalformedItem",
			   "attribute \"%s\" is %.80s%s, not %s", name, v ? v : "?",
			   v && strlen(v) > 80 ? "..." : "", want);
	free(v);
}

static const cJSON *attr_of(const cJSON *item, const char *name, struct ivs_error *err)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(item, name);
	if (!a && err)
		ivs_error_set_kind(err, IVS_ERR_BAD_RESPONSE, "MalformedItem",
				   "item has no attribute \"%s\"", name);
	return a;
}

int ddb_attr_string(const cJSON *item, const char *name, const char **out,
		    struct ivs_error *err)
{
	const cJSON *a = attr_of(item, name, err);
	if (!a)
		return DDB_ATTR_ABSENT;
	const char *s = json_str(a, "S");
	if (!s) {
		malformed(err, name, a, "a string ({\"S\": ...})");
		return -1;
	}
	*out = s;
	return 0;
}

/* Whole numbers only, written plainly: strtoll alone would take " 5",
 * "+5", "5.5" (as 5) and clamp "1e30"-sized digits to LLONG_MAX. */
static int parse_whole(const char *s, long long *v)
{
	const char *d = *s == '-' ? s + 1 : s;
	if (*d < '0' || *d > '9')
		return -1;
	char *end;
	errno = 0;
	*v = strtoll(s, &end, 10);
	return *end || errno ? -1 : 0;
}

int ddb_attr_integer(const cJSON *item, const char *name, long long min, long long max,
		     long long *out, struct ivs_error *err)
{
	const cJSON *a = attr_of(item, name, err);
	if (!a)
		return DDB_ATTR_ABSENT;
	const char *s = json_str(a, "N");
	long long v;
	if (!s || parse_whole(s, &v) < 0 || v < min || v > max) {
		char want[96];
		snprintf(want, sizeof(want), "a whole number in [%lld, %lld]", min, max);
		malformed(err, name, a, want);
		return -1;
	}
	*out = v;
	return 0;
}

void ddb_attr_add_string(cJSON *item, const char *name, const char *value)
{
	cJSON_AddStringToObject(cJSON_AddObjectToObject(item, name), "S", value);
}

void ddb_attr_add_integer(cJSON *item, const char *name, long long value)
{
	char num[24];
	snprintf(num, sizeof(num), "%lld", value);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(item, name), "N", num);
}

void ddb_op_init(struct aws_op *op, const char *operation, const cJSON *body)
{
	json_op_init(op, &AWS_SVC_DYNAMODB, "1.0", DDB_TARGET, operation, body);
}

int ddb_call(struct aws_client *c, const char *operation, const cJSON *body, cJSON **out,
	     struct ivs_error *err)
{
	return json_call(c, &AWS_SVC_DYNAMODB, "1.0", DDB_TARGET, operation, body, out, err);
}

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
		ddb_op_init(&(*ops)[k], is_get ? "BatchGetItem" : "BatchWriteItem", body);
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

/* The entries still to send: the batch's at first, then what came back
 * unprocessed (or failed retryably). Owned copies. */
struct pending {
	struct nodes writes, keys;
};

static void pending_free(struct pending *p)
{
	nodes_clear(&p->writes);
	nodes_clear(&p->keys);
	free(p->writes.v);
	free(p->keys.v);
	memset(p, 0, sizeof(*p));
}

static struct ddb_batch_options batch_options(const struct ddb_batch_options *o)
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
	return d;
}

/* Settles the chunks sent from `sent` (per_call entries a chunk), frees the
 * ops, and keeps what is to be sent again in next. */
static void settle_chunks(struct ddb_batch *b, struct aws_op *ops, size_t nops,
			  const struct nodes *sent, size_t per_call, int is_get, int may_retry,
			  struct nodes *next, struct ivs_error *first)
{
	for (size_t i = 0; i < nops; i++) {
		size_t from = i * per_call;
		size_t cnt = sent->n - from < per_call ? sent->n - from : per_call;
		settle_op(b, &ops[i], sent->v + from, cnt, is_get, may_retry, next, first);
		aws_op_free(&ops[i]);
	}
	free(ops);
}

/* One round: every pending write and read in one aws_ops_send; *p becomes
 * what is left for the next round. */
static void send_round(struct aws_client *c, struct ddb_batch *b,
		       const struct ddb_batch_options *d, struct pending *p,
		       struct ivs_error *first)
{
	struct aws_op *wops = NULL, *kops = NULL;
	size_t nw = ddb_batch_write_ops(b->table, p->writes.v, p->writes.n, &wops);
	size_t nk = ddb_batch_get_ops(b->table, p->keys.v, p->keys.n, b->projection, &kops);
	struct aws_op **all = xcalloc(nw + nk + 1, sizeof(*all));
	for (size_t i = 0; i < nw; i++)
		all[i] = &wops[i];
	for (size_t i = 0; i < nk; i++)
		all[nw + i] = &kops[i];
	if (b->rounds > 0)
		b->retries += nw + nk;
	b->rounds++;
	struct aws_send_options so = { .max_in_flight = d->max_in_flight,
				       .deadline_ms = d->deadline_ms };
	aws_ops_send(c, all, nw + nk, &so);
	free(all);
	int may_retry = b->rounds < (size_t)d->max_rounds;
	struct pending next = { 0 };
	settle_chunks(b, wops, nw, &p->writes, DDB_BATCH_WRITE_MAX, 0, may_retry, &next.writes,
		      first);
	settle_chunks(b, kops, nk, &p->keys, DDB_BATCH_GET_MAX, 1, may_retry, &next.keys, first);
	pending_free(p);
	*p = next;
}

/* The wait before the next round: exponential backoff with jitter (half
 * fixed, half random), as DynamoDB asks for unprocessed entries. Returns
 * why there is no next round, or NULL. */
static const char *next_round_wait(const struct ddb_batch *b, const struct ddb_batch_options *d,
				   double *wait)
{
	double cap = d->backoff_base_ms * (double)(1LL << (b->rounds < 20 ? b->rounds : 20));
	if (cap > d->backoff_max_ms)
		cap = d->backoff_max_ms;
	*wait = cap / 2 + (cap / 2) * ((double)rand() / RAND_MAX);
	if (b->rounds >= (size_t)d->max_rounds)
		return "still unprocessed after the last retry round";
	if (d->deadline_ms && ms_now() + (long long)*wait >= d->deadline_ms)
		return "still unprocessed when the deadline came";
	return NULL;
}

/* Lists every pending entry as failed, for `why`. */
static void give_up(struct ddb_batch *b, struct pending *p, const char *why,
		    struct ivs_error *first)
{
	for (size_t i = 0; i < p->writes.n; i++) {
		fail_entry(b->failed_writes, "request", p->writes.v[i], "Unprocessed", why);
		p->writes.v[i] = NULL;
	}
	for (size_t i = 0; i < p->keys.n; i++) {
		fail_entry(b->failed_keys, "key", p->keys.v[i], "Unprocessed", why);
		p->keys.v[i] = NULL;
	}
	if (!first->code[0])
		ivs_error_set(first, "Unprocessed", "DynamoDB batch: %zu writes and %zu reads %s",
			      p->writes.n, p->keys.n, why);
	p->writes.n = p->keys.n = 0;
}

int ddb_batch_run(struct aws_client *c, struct ddb_batch *b, const struct ddb_batch_options *o,
		  struct ivs_error *err)
{
	struct ddb_batch_options d = batch_options(o);
	b->items = cJSON_CreateArray();
	b->failed_writes = cJSON_CreateArray();
	b->failed_keys = cJSON_CreateArray();
	b->calls_write = b->calls_get = b->retries = b->rounds = 0;

	struct ivs_error first;
	ivs_error_clear(&first);
	struct pending p = { 0 };
	for (size_t i = 0; i < b->n_writes; i++)
		nodes_push(&p.writes, cJSON_Duplicate(b->writes[i], 1));
	for (size_t i = 0; i < b->n_keys; i++)
		nodes_push(&p.keys, cJSON_Duplicate(b->keys[i], 1));
	while (p.writes.n || p.keys.n) {
		send_round(c, b, &d, &p, &first);
		if (!p.writes.n && !p.keys.n)
			break;
		double wait;
		const char *why = next_round_wait(b, &d, &wait);
		if (why) {
			give_up(b, &p, why, &first);
			break;
		}
		sleep_ms(wait);
	}
	pending_free(&p);

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

/* ---- paged reads ---- */

struct page_stream {
	struct aws_pager pager;   /* LastEvaluatedKey, printed, is its token */
	cJSON *start_key;         /* ExclusiveStartKey of the next page; NULL: first page */
};

/* Takes one answered page of stream s: its items to on_page, its
 * LastEvaluatedKey kept for the next. */
static int take_page(struct ddb_pages *p, size_t s, struct page_stream *st, struct aws_op *op,
		     struct ivs_error *err)
{
	if (op->attempts > 1)
		p->retries += (size_t)op->attempts - 1;
	if (op->rc < 0) {
		*err = op->err;
		return -1;
	}
	cJSON *res = json_op_result(op, err);
	if (!res)
		return -1;
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(res, "Items");
	p->pages++;
	p->items += (size_t)cJSON_GetArraySize(items);
	p->counted += (size_t)json_num(res, "Count", 0);
	int rc = p->on_page(p->user, s, items, err);
	cJSON *last = cJSON_DetachItemFromObjectCaseSensitive(res, "LastEvaluatedKey");
	cJSON_Delete(res);
	char *token = last ? cJSON_PrintUnformatted(last) : NULL;
	if (rc == 0)
		rc = aws_pager_next(&st->pager, token, err);
	free(token);
	cJSON_Delete(st->start_key);
	st->start_key = rc == 0 ? last : NULL;
	if (rc < 0)
		cJSON_Delete(last);
	return rc;
}

/* One round: the next page of up to max_in_flight unfinished streams,
 * from *cursor on (so every stream gets its turn). */
static int pages_round(struct aws_client *c, struct ddb_pages *p, struct page_stream *st,
		       size_t *cursor, struct ivs_error *err)
{
	size_t k = p->max_in_flight ? p->max_in_flight : 8;
	struct aws_op *ops = xcalloc(k, sizeof(*ops));
	struct aws_op **all = xcalloc(k, sizeof(*all));
	size_t *which = xcalloc(k, sizeof(*which)), n = 0;
	for (size_t i = 0; i < p->n && n < k; i++) {
		size_t s = (*cursor + i) % p->n;
		if (st[s].pager.done)
			continue;
		cJSON *body = cJSON_Duplicate(p->requests[s], 1);
		if (st[s].start_key)
			cJSON_AddItemToObject(body, "ExclusiveStartKey",
					      cJSON_Duplicate(st[s].start_key, 1));
		ddb_op_init(&ops[n], p->operation, body);
		cJSON_Delete(body);
		all[n] = &ops[n];
		which[n++] = s;
	}
	*cursor = n ? (which[n - 1] + 1) % p->n : *cursor;
	aws_ops_send(c, all, n, NULL);
	int rc = 0;
	/* in stream order, so the same table gives the same output */
	for (size_t i = 0; i < n; i++) {
		if (rc == 0 && take_page(p, which[i], &st[which[i]], &ops[i], err) < 0)
			rc = -1;
		aws_op_free(&ops[i]);
	}
	free(which);
	free(all);
	free(ops);
	return n ? rc : 1;
}

int ddb_pages_run(struct aws_client *c, struct ddb_pages *p, struct ivs_error *err)
{
	struct page_stream *st = xcalloc(p->n ? p->n : 1, sizeof(*st));
	p->pages = p->items = p->counted = p->retries = 0;
	for (size_t i = 0; i < p->n; i++)
		aws_pager_init(&st[i].pager, p->operation, "LastEvaluatedKey", 0);
	size_t cursor = 0;
	int rc;
	for (;;) {
		if (p->stop && *p->stop) {
			rc = ivs_error_set_kind(err, IVS_ERR_INTERRUPTED, "Interrupted",
						"DynamoDB %s: interrupted after %zu pages", p->operation,
						p->pages);
			break;
		}
		rc = pages_round(c, p, st, &cursor, err);
		if (rc != 0)
			break;
	}
	for (size_t i = 0; i < p->n; i++) {
		aws_pager_free(&st[i].pager);
		cJSON_Delete(st[i].start_key);
	}
	free(st);
	return rc < 0 ? -1 : 0;
}
