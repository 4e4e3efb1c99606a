/*
 * ops.c - the concurrent sender aws_ops_send (see client.h): every op with
 * its own retries (attempt_prepare / attempt_judge, as the synchronous
 * sender), at most max_in_flight transfers at once, an optional token-bucket
 * rate and a deadline.
 *
 * Owns: the scheduler of one aws_ops_send call: a min-heap of the ops
 * waiting to be (re)sent and, per op, the URL of its attempt in flight.
 */
#include "client.h"

#include "attempt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_IN_FLIGHT 64

/* Min-heap of ops waiting to be (re)sent, by ready time then index, so the
 * first sends go out in the caller's order. */
struct wait_heap {
	size_t *v;
	size_t n;
	struct op_track *tracks;
};

static int heap_less(const struct wait_heap *h, size_t a, size_t b)
{
	long long ra = h->tracks[a].ready_at, rb = h->tracks[b].ready_at;
	return ra < rb || (ra == rb && a < b);
}

static void heap_swap(struct wait_heap *h, size_t i, size_t j)
{
	size_t tmp = h->v[i];
	h->v[i] = h->v[j];
	h->v[j] = tmp;
}

static void heap_push(struct wait_heap *h, size_t idx)
{
	size_t i = h->n++;
	h->v[i] = idx;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!heap_less(h, h->v[i], h->v[p]))
			break;
		heap_swap(h, i, p);
		i = p;
	}
}

static size_t heap_pop(struct wait_heap *h)
{
	size_t top = h->v[0];
	h->v[0] = h->v[--h->n];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < h->n && heap_less(h, h->v[l], h->v[m]))
			m = l;
		if (r < h->n && heap_less(h, h->v[r], h->v[m]))
			m = r;
		if (m == i)
			break;
		heap_swap(h, i, m);
		i = m;
	}
	return top;
}

struct scheduler {
	struct aws_client *c;
	struct op_track *tracks;
	char **urls;                  /* per op, the URL of the attempt in flight */
	struct wait_heap heap;
	size_t n, in_flight, done, failed;
	size_t max_in_flight;
	long long deadline_ms;        /* wall clock; 0: none */
	double rate, burst, tokens;   /* token bucket; rate 0: unlimited */
	long long refilled_at;        /* monotonic ms */
};

static void fail_deadline(struct scheduler *s, struct op_track *t)
{
	char label[160];
	op_label(t->op, label, sizeof(label));
	char last[sizeof(t->op->err.message)];
	snprintf(last, sizeof(last), "%s", t->op->err.message);
	struct ivs_error *e = &t->op->err;
	if (t->op->resp.timed_out)
		/* Cut off in flight: the service may have done it all the same. */
		ivs_error_set_kind(e, IVS_ERR_TIMEOUT, "DeadlineExceeded",
				   "%s: deadline exceeded while the call was in flight; it may "
				   "have taken effect", label);
	else if (last[0])
		ivs_error_set_kind(e, IVS_ERR_TIMEOUT, "DeadlineExceeded",
				   "%s: deadline exceeded before the call could finish (last "
				   "error: %.400s)", label, last);
	else
		ivs_error_set_kind(e, IVS_ERR_TIMEOUT, "DeadlineExceeded",
				   "%s: deadline exceeded before the call could finish", label);
	t->op->rc = -1;
	s->done++;
	s->failed++;
}

/* Acts on a verdict about op idx's attempt: done, failed, or back in the
 * heap after its backoff (unless that would pass the deadline). */
static void settle(struct scheduler *s, size_t idx, enum verdict v, long long delay)
{
	struct op_track *t = &s->tracks[idx];
	free(s->urls[idx]);
	s->urls[idx] = NULL;
	if (v != VERDICT_RETRY) {
		s->done++;
		s->failed += v != VERDICT_OK;
		return;
	}
	if (s->deadline_ms && clock_wall_ms() + delay >= s->deadline_ms) {
		fail_deadline(s, t);
		return;
	}
	t->ready_at = clock_mono_ms() + delay;
	heap_push(&s->heap, idx);
}

static void on_transfer_done(void *user, void *ctx)
{
	struct scheduler *s = ctx;
	struct op_track *t = user;
	size_t idx = (size_t)(t - s->tracks);
	s->in_flight--;
	long long delay;
	enum verdict v = attempt_judge(s->c, t, s->urls[idx], &delay);
	settle(s, idx, v, delay);
}

/* Starts op idx's next attempt. */
static void start_one(struct scheduler *s, size_t idx, long long wall)
{
	struct op_track *t = &s->tracks[idx];
	struct attempt a;
	if (attempt_prepare(s->c, t->op, &a, &t->op->err) < 0) {
		t->op->rc = -1;
		s->done++;
		s->failed++;
		return;
	}
	if (s->deadline_ms) {
		long long left = s->deadline_ms - wall;
		if (left < 1)
			left = 1;
		if (left < s->c->timeout_ms)
			a.req.timeout_ms = (long)left;
	}
	t->op->attempts++;
	if (s->rate > 0)
		s->tokens -= 1.0;
	/* The URL is kept for the error message; http copies the rest of the
	 * request, and the body belongs to the op. */
	s->urls[idx] = a.url;
	a.url = NULL;
	if (http_multi_start(s->c->http, &a.req, &t->op->resp, t) == 0) {
		s->in_flight++;
	} else {
		long long delay;
		enum verdict v = attempt_judge(s->c, t, s->urls[idx], &delay);
		settle(s, idx, v, delay);
	}
	attempt_free(&a);
}

/* Starts every op that is ready, as far as the window and the rate allow. */
static void start_ready(struct scheduler *s, long long now, long long wall)
{
	if (s->rate > 0) {
		s->tokens += (double)(now - s->refilled_at) * s->rate / 1000.0;
		if (s->tokens > s->burst)
			s->tokens = s->burst;
		s->refilled_at = now;
	}
	while (s->in_flight < s->max_in_flight && s->heap.n &&
	       s->tracks[s->heap.v[0]].ready_at <= now && (s->rate <= 0 || s->tokens >= 1.0))
		start_one(s, heap_pop(&s->heap), wall);
}

/* How long to wait for transfers before the next op is due (ms). */
static long long next_wait(const struct scheduler *s, long long now, long long wall)
{
	long long wait = 1000;
	if (s->heap.n && s->in_flight < s->max_in_flight) {
		long long until = s->tracks[s->heap.v[0]].ready_at - now;
		if (s->rate > 0 && s->tokens < 1.0) {
			long long refill = (long long)ceil((1.0 - s->tokens) * 1000.0 / s->rate);
			if (refill > until)
				until = refill;
		}
		if (until < wait)
			wait = until < 0 ? 0 : until;
	}
	if (s->deadline_ms && s->deadline_ms - wall < wait)
		wait = s->deadline_ms - wall < 0 ? 0 : s->deadline_ms - wall;
	return wait;
}

static void scheduler_init(struct scheduler *s, struct aws_client *c, struct aws_op **ops,
			   size_t n, const struct aws_send_options *o)
{
	memset(s, 0, sizeof(*s));
	s->c = c;
	s->n = n;
	s->max_in_flight = o->max_in_flight ? o->max_in_flight : DEFAULT_MAX_IN_FLIGHT;
	s->rate = o->rate_per_sec > 0 ? o->rate_per_sec : 0;
	s->burst = o->burst > 0 ? o->burst : (s->rate > 1 ? s->rate : 1);
	s->tokens = s->burst;
	s->deadline_ms = o->deadline_ms;
	s->tracks = xcalloc(n, sizeof(*s->tracks));
	s->urls = xcalloc(n, sizeof(*s->urls));
	s->heap.v = xcalloc(n, sizeof(*s->heap.v));
	s->heap.tracks = s->tracks;
	long long now = clock_mono_ms();
	s->refilled_at = now;
	for (size_t i = 0; i < n; i++) {
		s->tracks[i].op = ops[i];
		s->tracks[i].ready_at = now;
		op_reset_results(ops[i]);
		heap_push(&s->heap, i);
	}
}

static void scheduler_free(struct scheduler *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->urls[i]);
	free(s->urls);
	free(s->heap.v);
	free(s->tracks);
}

size_t aws_ops_send(struct aws_client *c, struct aws_op **ops, size_t n,
		    const struct aws_send_options *o)
{
	struct aws_send_options none = { 0 };
	if (!n)
		return 0;
	struct scheduler s;
	scheduler_init(&s, c, ops, n, o ? o : &none);
	http_multi_set_max_connections(c->http, s.max_in_flight);
	while (s.done < n) {
		long long now = clock_mono_ms(), wall = clock_wall_ms();
		if (s.deadline_ms && wall >= s.deadline_ms) {
			while (s.heap.n)
				fail_deadline(&s, &s.tracks[heap_pop(&s.heap)]);
		}
		start_ready(&s, now, wall);
		if (s.done >= n)
			break;
		http_multi_run(c->http, next_wait(&s, now, wall), on_transfer_done, &s);
	}
	size_t failed = s.failed;
	scheduler_free(&s);
	return failed;
}
