/*
 * flow_put.c - the tick's PutMetadata (see flow.h): a group's payloads once
 * its window is read, one put per live channel through the tick's put
 * lane. ChannelNotBroadcasting (the stream ended since the listing) counts
 * as gone offline; any other failure is named with its channel.
 */
#include "flow.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/ivs.h"

long long flow_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long flow_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int is_code(const char *code, const char *want)
{
	size_t n = strlen(want);
	/* some services send "Code:namespace-url" */
	return strncmp(code, want, n) == 0 && (code[n] == '\0' || code[n] == ':');
}

/* One live channel's put. */
struct put {
	struct flow *f;
	struct flow_group *g;
	size_t j;
	struct aws_op op;
};

void flow_group_free(struct flow_group *g)
{
	free(g->hist);
	free(g);
}

/* A put's outcome: sent, gone offline, or an error. */
static void on_put(struct aws_sched *s, struct aws_op *op, void *user)
{
	(void)s;
	struct put *p = user;
	struct flow *f = p->f;
	struct flow_group *g = p->g;
	f->put_calls += (size_t)(op->attempts > 0 ? op->attempts : 0);
	if (op->attempts > 1)
		f->retries += (size_t)op->attempts - 1;
	if (op->rc == 0) {
		if (!f->sent++)
			f->t_first_put = flow_now_ms();
	} else if (is_code(op->err.code, "ChannelNotBroadcasting")) {
		f->offline++; /* the stream ended between the listing and the put */
	} else {
		tick_error_add(f->errors, g->arn[p->j], "PutMetadata", op->err.code,
			       op->err.message);
	}
	aws_op_free(op);
	free(p);
	f->in_work--;
	if (--g->puts_left == 0)
		flow_group_free(g);
	flow_list_resume(f);
}

void flow_group_puts(struct flow *f, struct flow_group *g)
{
	const int w = f->cfg->window_minutes;
	struct buf payload = BUF_INIT;
	g->puts_left = g->n;
	for (size_t j = 0; j < g->n; j++) {
		tick_payload(g->hist + j * (size_t)w, w, f->cfg->format, f->ev->minute_iso, &payload);
		struct put *p = xcalloc(1, sizeof(*p));
		p->f = f;
		p->g = g;
		p->j = j;
		ivs_put_metadata_op(&p->op, g->arn[j], buf_cstr(&payload));
		aws_sched_add(f->sch, &p->op, f->lane_put, 0, on_put, p);
	}
	buf_free(&payload);
	if (!g->n)
		flow_group_free(g);
}

