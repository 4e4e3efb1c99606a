/*
 * flow_ddb.c - the tick's table work (see flow.h): this minute's items in
 * BatchWriteItem chunks of 25 as the listings hand them on, and each live
 * group's window in one BatchGetItem. What DynamoDB answers unprocessed,
 * or a chunk that failed retryably after the client's own retries, is sent
 * again after a backoff (half fixed, half random, doubling from the base to
 * 2 s; at most FLOW_DDB_ROUNDS times, never past the deadline); whatever is
 * left is named in the tick's errors with its channel, never dropped.
 */
#include "flow.h"

#include <stdlib.h>
#include <string.h>

#include "app/table.h"
#include "aws/json.h"

#define FLOW_DDB_ROUNDS 20
#define FLOW_DDB_BACKOFF_MS 50.0
#define FLOW_DDB_BACKOFF_MAX_MS 2000.0

/* One BatchWriteItem or BatchGetItem call and what it carries. */
struct chunk {
	struct flow *f;
	struct flow_group *g; /* a read: the group it is for; NULL: a write */
	size_t n;             /* entries sent */
	int round;
	struct aws_op op;
};

static void on_chunk(struct aws_sched *s, struct aws_op *op, void *user);

static void chunk_send(struct flow *f, struct flow_group *g, cJSON *const *v, size_t n,
		       int round, long long delay_ms)
{
	struct chunk *k = xcalloc(1, sizeof(*k));
	k->f = f;
	k->g = g;
	k->n = n;
	k->round = round;
	struct aws_op *ops = NULL;
	/* n is at most one call's worth: one op, moved into the chunk */
	if (g)
		ddb_batch_get_ops(f->cfg->table, v, n, TABLE_ITEM_PROJECTION, &ops);
	else
		ddb_batch_write_ops(f->cfg->table, v, n, &ops);
	k->op = ops[0];
	free(ops);
	if (g)
		g->reads_left++;
	aws_sched_add(f->sch, &k->op, 0, delay_ms, on_chunk, k);
}

void flow_write(struct flow *f, cJSON *request)
{
	f->wbuf[f->nw++] = request;
	if (f->nw == DDB_BATCH_WRITE_MAX)
		flow_writes_flush(f, 0);
}

void flow_writes_flush(struct flow *f, int all)
{
	if (!f->nw || (!all && f->nw < DDB_BATCH_WRITE_MAX))
		return;
	chunk_send(f, NULL, f->wbuf, f->nw, 0, 0);
	for (size_t i = 0; i < f->nw; i++)
		cJSON_Delete(f->wbuf[i]);
	f->nw = 0;
}

void flow_group_read(struct flow *f, struct flow_group *g)
{
	const int w = f->cfg->window_minutes;
	g->hist = xcalloc(g->n * (size_t)w + 1, sizeof(*g->hist));
	for (size_t j = 0; j < g->n; j++) {
		g->hist[j * (size_t)w] = g->count[j];
		for (int k = 1; k < w; k++)
			g->hist[j * (size_t)w + (size_t)k] = -1;
	}
	if (w <= 1) {
		flow_group_puts(f, g); /* nothing to read back */
		return;
	}
	size_t nk = g->n * (size_t)(w - 1), kk = 0;
	cJSON **keys = xcalloc(nk, sizeof(*keys));
	for (size_t j = 0; j < g->n; j++)
		for (int k = 1; k < w; k++)
			keys[kk++] = table_key(g->arn[j], f->ev->minute_ms - (long long)k * 60000);
	chunk_send(f, g, keys, nk, 0, 0);
	for (size_t i = 0; i < nk; i++)
		cJSON_Delete(keys[i]);
	free(keys);
}

/* Names each entry's channel in the errors (a read's keys: once a channel). */
static void fail_entries(struct flow *f, int is_get, const cJSON *arr, const char *code,
			 const char *message)
{
	const char *last = NULL;
	const cJSON *e;
	cJSON_ArrayForEach(e, arr) {
		const cJSON *item = is_get ? e : cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(e, "PutRequest"), "Item");
		const char *arn = table_item_channel(item);
		if (is_get && last && arn && strcmp(last, arn) == 0)
			continue;
		tick_error_add(f->errors, arn, is_get ? "BatchGetItem" : "BatchWriteItem", code,
			       message);
		last = arn;
	}
}

/* Sends arr's entries again after the round's backoff, or names them. */
static void again_or_fail(struct flow *f, const struct chunk *k, const cJSON *arr,
			  const char *code, const char *message)
{
	double cap = (f->opt.ddb_backoff_base_ms > 0 ? f->opt.ddb_backoff_base_ms
						     : FLOW_DDB_BACKOFF_MS) *
		     (double)(1LL << (k->round < 20 ? k->round : 20));
	if (cap > FLOW_DDB_BACKOFF_MAX_MS)
		cap = FLOW_DDB_BACKOFF_MAX_MS;
	long long wait = (long long)(cap / 2 + (cap / 2) * ((double)rand() / RAND_MAX));
	const char *why = NULL;
	if (k->round + 1 >= FLOW_DDB_ROUNDS)
		why = "still unprocessed after the last retry round";
	else if (f->opt.deadline_ms && flow_wall_ms() + wait >= f->opt.deadline_ms)
		why = "still unprocessed when the deadline came";
	if (why) {
		fail_entries(f, k->g != NULL, arr, code ? code : "Unprocessed", code ? message : why);
		return;
	}
	size_t n = (size_t)cJSON_GetArraySize(arr), i = 0;
	cJSON **v = xcalloc(n + 1, sizeof(*v));
	cJSON *e;
	cJSON_ArrayForEach(e, arr)
		v[i++] = e;
	f->retries++; /* a call sent again, as the client's retries count */
	chunk_send(f, k->g, v, n, k->round + 1, wait);
	free(v);
}

/* The entries a chunk sent, from its own body. */
static cJSON *sent_entries(const struct chunk *k, cJSON **owner)
{
	*owner = cJSON_Parse(buf_cstr(&k->op.body));
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(*owner, "RequestItems"), k->f->cfg->table);
	return k->g ? cJSON_GetObjectItemCaseSensitive(t, "Keys") : (cJSON *)t;
}

/* A successful answer: the items read into the group; what is unprocessed. */
static const cJSON *take_answer(struct chunk *k, const cJSON *res)
{
	struct flow *f = k->f;
	const char *table = f->cfg->table;
	if (!k->g) {
		const cJSON *un = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(res, "UnprocessedItems"), table);
		f->items_written += k->n - (size_t)cJSON_GetArraySize(un);
		return un;
	}
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(res, "Responses"), table);
	tick_group_fill(k->g->arn, k->g->n, items, f->ev->minute_ms, f->cfg->window_minutes,
			k->g->hist, f->errors);
	return cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(res, "UnprocessedKeys"), table),
		"Keys");
}

static void on_chunk(struct aws_sched *s, struct aws_op *op, void *user)
{
	(void)s;
	struct chunk *k = user;
	struct flow *f = k->f;
	size_t att = (size_t)(op->attempts > 0 ? op->attempts : 0);
	*(k->g ? &f->calls_get : &f->calls_write) += att;
	if (att > 1)
		f->retries += att - 1;
	struct ivs_error perr;
	ivs_error_clear(&perr);
	cJSON *res = op->rc == 0 ? json_op_result(op, &perr) : NULL, *owner = NULL;
	if (res) {
		const cJSON *un = take_answer(k, res);
		if (cJSON_GetArraySize(un))
			again_or_fail(f, k, un, NULL, NULL);
	} else {
		const struct ivs_error *e = op->rc == 0 ? &perr : &op->err;
		const cJSON *sent = sent_entries(k, &owner);
		const char *code = e->code[0] ? e->code : "Error";
		if (e->retryable && strcmp(e->code, "DeadlineExceeded") != 0)
			again_or_fail(f, k, sent, code, e->message);
		else
			fail_entries(f, k->g != NULL, sent, code, e->message);
	}
	cJSON_Delete(res);
	cJSON_Delete(owner);
	struct flow_group *g = k->g;
	aws_op_free(op);
	free(k);
	if (g && --g->reads_left == 0)
		flow_group_puts(f, g);
}
