/*
 * ops.c - the concurrent sender (see client.h): a scheduler one can feed
 * ops into while it runs (aws_sched_*), every op with its own retries
 * (attempt_prepare / attempt_judge, as the synchronous sender), at most
 * max_in_flight transfers at once, pacing lanes and a deadline; and
 * aws_ops_send, one batch of ops through one such scheduler.
 *
 * Owns: the scheduler, its lanes, and per op added the node that tracks it
 * until its callback (the op itself stays the caller's).
 */
#include "client.h"

#include "attempt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_MAX_IN_FLIGHT 64
#define MAX_LANES 8

/* One op added and not yet settled. */
struct sched_op {
	struct op_track t;
	char *url;                    /* the URL of the attempt in flight */
	int lane;
	unsigned long long seq;       /* order added: ties go first-come */
	aws_sched_done_fn *done;
	void *user;
};

/* Min-heap of the ops waiting to be (re)sent, by ready time then order. */
struct wait_heap {
	struct sched_op **v;
	size_t n, cap;
};

/* A pacing lane: GCRA (a token bucket of `burst` at `rate`, counted in
 * microseconds so millisecond wake-ups lose nothing), and optionally at most
 * window_max sends in any second (a ring of the last window_max send
 * times): the guarantee a per-second quota needs, whatever the wake-ups. */
struct lane {
	double interval_us;           /* 0: unpaced */
	double tolerance_us;
	double tat_us;                /* theoretical time of the next send */
	long long *ring;
	size_t cap, head, count;
	long long min_retry_ms;
	struct wait_heap heap;
};

struct aws_sched {
	struct aws_client *c;
	struct lane lanes[MAX_LANES];
	int n_lanes;
	size_t max_in_flight, in_flight, pending, failed;
	long long deadline_ms;        /* wall clock; 0: none */
	unsigned long long seq;
};

static long long mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int heap_less(const struct sched_op *a, const struct sched_op *b)
{
	return a->t.ready_at < b->t.ready_at ||
	       (a->t.ready_at == b->t.ready_at && a->seq < b->seq);
}

static void heap_push(struct wait_heap *h, struct sched_op *o)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 64;
		h->v = xrealloc(h->v, h->cap * sizeof(*h->v));
	}
	size_t i = h->n++;
	h->v[i] = o;
	while (i > 0 && heap_less(h->v[i], h->v[(i - 1) / 2])) {
		struct sched_op *tmp = h->v[i];
		h->v[i] = h->v[(i - 1) / 2];
		h->v[(i - 1) / 2] = tmp;
		i = (i - 1) / 2;
	}
}

static struct sched_op *heap_pop(struct wait_heap *h)
{
	struct sched_op *top = h->v[0];
	h->v[0] = h->v[--h->n];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < h->n && heap_less(h->v[l], h->v[m]))
			m = l;
		if (r < h->n && heap_less(h->v[r], h->v[m]))
			m = r;
		if (m == i)
			break;
		struct sched_op *tmp = h->v[i];
		h->v[i] = h->v[m];
		h->v[m] = tmp;
		i = m;
	}
	return top;
}

/* When (µs, monotonic) lane l may send next; 0: now. */
static long long lane_next_us(const struct lane *l)
{
	long long at = 0;
	if (l->interval_us > 0)
		at = (long long)ceil(l->tat_us - l->tolerance_us);
	if (l->cap && l->count == l->cap && l->ring[l->head] + 1000000 > at)
		at = l->ring[l->head] + 1000000;
	return at;
}

static void lane_book(struct lane *l, long long now_us)
{
	if (l->interval_us > 0)
		l->tat_us = (l->tat_us > (double)now_us ? l->tat_us : (double)now_us) +
			    l->interval_us;
	if (!l->cap)
		return;
	/* ring[head] is the oldest of the last cap sends */
	if (l->count < l->cap) {
		l->ring[(l->head + l->count++) % l->cap] = now_us;
	} else {
		l->ring[l->head] = now_us;
		l->head = (l->head + 1) % l->cap;
	}
}

/* The op has settled: its node goes, then the caller hears of it (the
 * callback may add ops, or free this one). */
static void finish(struct aws_sched *s, struct sched_op *o)
{
	struct aws_op *op = o->t.op;
	aws_sched_done_fn *done = o->done;
	void *user = o->user;
	free(o->url);
	free(o);
	s->pending--;
	if (op->rc != 0)
		s->failed++;
	if (done)
		done(s, op, user);
}

static void fail_deadline(struct aws_sched *s, struct sched_op *o)
{
	struct aws_op *op = o->t.op;
	char label[160];
	op_label(op, label, sizeof(label));
	char last[sizeof(op->err.message)];
	snprintf(last, sizeof(last), "%s", op->err.message);
	if (op->resp.timed_out)
		/* Cut off in flight: the service may have done it all the same. */
		ivs_error_set_kind(&op->err, IVS_ERR_TIMEOUT, "DeadlineExceeded",
				   "%s: deadline exceeded while the call was in flight; it may "
				   "have taken effect", label);
	else if (last[0])
		ivs_error_set_kind(&op->err, IVS_ERR_TIMEOUT, "DeadlineExceeded",
				   "%s: deadline exceeded before the call could finish (last "
				   "error: %.400s)", label, last);
	else
		ivs_error_set_kind(&op->err, IVS_ERR_TIMEOUT, "DeadlineExceeded",
				   "%s: deadline exceeded before the call could finish", label);
	op->rc = -1;
	finish(s, o);
}

/* Acts on a verdict about an attempt: done, failed, or back in its lane
 * after its backoff (unless that would pass the deadline). */
static void settle(struct aws_sched *s, struct sched_op *o, enum verdict v, long long delay)
{
	free(o->url);
	o->url = NULL;
	if (v != VERDICT_RETRY) {
		finish(s, o);
		return;
	}
	struct lane *l = &s->lanes[o->lane];
	if (delay < l->min_retry_ms)
		delay = l->min_retry_ms;
	if (s->deadline_ms && clock_wall_ms() + delay >= s->deadline_ms) {
		fail_deadline(s, o);
		return;
	}
	o->t.ready_at = clock_mono_ms() + delay;
	heap_push(&l->heap, o);
}

static void on_transfer_done(void *user, void *ctx)
{
	struct aws_sched *s = ctx;
	struct sched_op *o = user;
	s->in_flight--;
	long long delay;
	enum verdict v = attempt_judge(s->c, &o->t, o->url, &delay);
	settle(s, o, v, delay);
}

/* Starts op o's next attempt. */
static void start_one(struct aws_sched *s, struct sched_op *o, long long wall)
{
	struct aws_op *op = o->t.op;
	struct attempt a;
	if (attempt_prepare(s->c, op, &a, &op->err) < 0) {
		op->rc = -1;
		finish(s, o);
		return;
	}
	if (s->deadline_ms) {
		long long left = s->deadline_ms - wall;
		if (left < 1)
			left = 1;
		if (left < s->c->timeout_ms)
			a.req.timeout_ms = (long)left;
	}
	op->attempts++;
	/* The URL is kept for the error message; http copies the rest of the
	 * request, and the body belongs to the op. */
	o->url = a.url;
	a.url = NULL;
	if (http_multi_start(s->c->http, &a.req, &op->resp, o) == 0) {
		s->in_flight++;
	} else {
		long long delay;
		enum verdict v = attempt_judge(s->c, &o->t, o->url, &delay);
		settle(s, o, v, delay);
	}
	attempt_free(&a);
}

/* Starts every op that is ready, as far as the window and the lanes allow;
 * the lanes in their order, so an unpaced lane is not held up by a paced one. */
static void start_ready(struct aws_sched *s, long long wall)
{
	for (int i = 0; i < s->n_lanes; i++) {
		struct lane *l = &s->lanes[i];
		while (s->in_flight < s->max_in_flight && l->heap.n &&
		       l->heap.v[0]->t.ready_at <= clock_mono_ms()) {
			long long now = mono_us();
			if (lane_next_us(l) > now)
				break;
			lane_book(l, now);
			start_one(s, heap_pop(&l->heap), wall);
		}
	}
}

/* How long to wait for transfers before the next op is due (ms). */
static long long next_wait(const struct aws_sched *s, long long wall)
{
	long long wait = 1000;
	if (s->in_flight < s->max_in_flight) {
		long long now_ms = clock_mono_ms(), now_us = mono_us();
		for (int i = 0; i < s->n_lanes; i++) {
			const struct lane *l = &s->lanes[i];
			if (!l->heap.n)
				continue;
			long long until = l->heap.v[0]->t.ready_at - now_ms;
			long long pace = (lane_next_us(l) - now_us + 999) / 1000;
			if (pace > until)
				until = pace;
			if (until < wait)
				wait = until < 0 ? 0 : until;
		}
	}
	if (s->deadline_ms && s->deadline_ms - wall < wait)
		wait = s->deadline_ms - wall < 0 ? 0 : s->deadline_ms - wall;
	return wait;
}

struct aws_sched *aws_sched_new(struct aws_client *c, size_t max_in_flight,
				long long deadline_ms)
{
	struct aws_sched *s = xcalloc(1, sizeof(*s));
	s->c = c;
	s->max_in_flight = max_in_flight ? max_in_flight : DEFAULT_MAX_IN_FLIGHT;
	s->deadline_ms = deadline_ms;
	s->n_lanes = 1; /* lane 0: unpaced */
	return s;
}

int aws_sched_lane(struct aws_sched *s, const struct aws_lane_options *o)
{
	if (s->n_lanes == MAX_LANES)
		return 0; /* more lanes than any caller needs: unpaced */
	struct lane *l = &s->lanes[s->n_lanes];
	memset(l, 0, sizeof(*l));
	if (o->rate_per_sec > 0) {
		double burst = o->burst >= 1 ? o->burst : 1;
		l->interval_us = 1e6 / o->rate_per_sec;
		l->tolerance_us = (burst - 1) * l->interval_us;
	}
	if (o->window_max) {
		l->cap = o->window_max;
		l->ring = xcalloc(l->cap, sizeof(*l->ring));
	}
	l->min_retry_ms = o->min_retry_ms;
	return s->n_lanes++;
}

void aws_sched_add(struct aws_sched *s, struct aws_op *op, int lane, long long delay_ms,
		   aws_sched_done_fn *done, void *user)
{
	struct sched_op *o = xcalloc(1, sizeof(*o));
	o->t.op = op;
	o->t.ready_at = clock_mono_ms() + (delay_ms > 0 ? delay_ms : 0);
	o->lane = lane >= 0 && lane < s->n_lanes ? lane : 0;
	o->seq = s->seq++;
	o->done = done;
	o->user = user;
	op_reset_results(op);
	s->pending++;
	heap_push(&s->lanes[o->lane].heap, o);
}

/* At the deadline every op still waiting fails (those in flight are cut by
 * their request's timeout). */
static void fail_waiting(struct aws_sched *s)
{
	for (int i = 0; i < s->n_lanes; i++)
		while (s->lanes[i].heap.n)
			fail_deadline(s, heap_pop(&s->lanes[i].heap));
}

void aws_sched_run(struct aws_sched *s)
{
	http_multi_set_max_connections(s->c->http, s->max_in_flight);
	while (s->pending) {
		long long wall = clock_wall_ms();
		if (s->deadline_ms && wall >= s->deadline_ms)
			fail_waiting(s);
		start_ready(s, wall);
		if (!s->pending)
			break;
		http_multi_run(s->c->http, next_wait(s, wall), on_transfer_done, s);
	}
}

size_t aws_sched_failed(const struct aws_sched *s)
{
	return s->failed;
}

size_t aws_sched_pending(const struct aws_sched *s)
{
	return s->pending;
}

void aws_sched_free(struct aws_sched *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->n_lanes; i++) {
		struct wait_heap *h = &s->lanes[i].heap;
		for (size_t k = 0; k < h->n; k++) {
			free(h->v[k]->url);
			free(h->v[k]);
		}
		free(h->v);
		free(s->lanes[i].ring);
	}
	free(s);
}

size_t aws_ops_send(struct aws_client *c, struct aws_op **ops, size_t n,
		    const struct aws_send_options *o)
{
	struct aws_send_options none = { 0 };
	if (!n)
		return 0;
	if (!o)
		o = &none;
	struct aws_sched *s = aws_sched_new(c, o->max_in_flight, o->deadline_ms);
	int lane = 0;
	if (o->rate_per_sec > 0) {
		struct aws_lane_options lo = { .rate_per_sec = o->rate_per_sec, .burst = o->burst };
		if (lo.burst <= 0)
			lo.burst = o->rate_per_sec > 1 ? o->rate_per_sec : 1;
		lane = aws_sched_lane(s, &lo);
	}
	for (size_t i = 0; i < n; i++)
		aws_sched_add(s, ops[i], lane, 0, NULL, NULL);
	aws_sched_run(s);
	size_t failed = aws_sched_failed(s);
	aws_sched_free(s);
	return failed;
}
