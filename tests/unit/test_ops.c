/*
 * test_ops.c - the scheduler under aws_ops_send (src/aws/ops.c): ops added
 * from a callback while it runs, a lane's rate and its per-second cap. Every
 * call goes to a closed loopback port (refused at once, one attempt), so
 * what is timed is the scheduler's pacing alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "aws/client.h"
#include "check.h"

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct aws_client *closed_client(void)
{
	struct aws_creds creds = { 0 };
	creds.access_key_id = "AKIDEXAMPLE";
	creds.secret_access_key = "secret";
	struct aws_client_options o = { .region = "eu-west-1", .creds = &creds, .max_attempts = 1 };
	struct aws_client *c = NULL;
	struct ivs_error err;
	if (aws_client_new(&o, &c, &err) < 0) {
		fprintf(stderr, "aws_client_new: %s\n", err.message);
		exit(1);
	}
	return c;
}

#define N_OPS 12

struct seen {
	long long t0;
	long long at[N_OPS];
	size_t n;
	struct aws_op extra[3];
	int lane;
};

static void record(struct aws_sched *s, struct aws_op *op, void *user)
{
	(void)s;
	(void)op;
	struct seen *v = user;
	if (v->n < N_OPS)
		v->at[v->n] = now_ms() - v->t0;
	v->n++;
}

/* The first op to settle adds three more, from inside the run. */
static void add_more(struct aws_sched *s, struct aws_op *op, void *user)
{
	struct seen *v = user;
	record(s, op, user);
	if (v->n != 1)
		return;
	for (int i = 0; i < 3; i++) {
		aws_op_init(&v->extra[i], &AWS_SVC_STS, "GetCallerIdentity", "POST");
		aws_sched_add(s, &v->extra[i], v->lane, 0, record, v);
	}
}

static void test_added_while_running(struct aws_client *c)
{
	struct seen v = { .t0 = now_ms() };
	struct aws_op op;
	aws_op_init(&op, &AWS_SVC_STS, "GetCallerIdentity", "POST");
	struct aws_sched *s = aws_sched_new(c, 4, 0);
	aws_sched_add(s, &op, 0, 0, add_more, &v);
	aws_sched_run(s);
	CHECK_INTEQ(v.n, 4);
	CHECK_INTEQ(aws_sched_failed(s), 4);
	CHECK_INTEQ(aws_sched_pending(s), 0);
	CHECK_STREQ(v.extra[2].err.code, "NetworkError");
	aws_sched_free(s);
	aws_op_free(&op);
	for (int i = 0; i < 3; i++)
		aws_op_free(&v.extra[i]);
}

/* A fast lane capped at 5 a second: sends 6-10 wait for the second after
 * sends 1-5, 11-12 for the one after. */
static void test_window_cap(struct aws_client *c)
{
	struct seen v = { .t0 = now_ms() };
	struct aws_op ops[N_OPS];
	struct aws_sched *s = aws_sched_new(c, 64, 0);
	struct aws_lane_options lo = { .rate_per_sec = 1000, .burst = 100, .window_max = 5 };
	int lane = aws_sched_lane(s, &lo);
	CHECK(lane > 0);
	for (int i = 0; i < N_OPS; i++) {
		aws_op_init(&ops[i], &AWS_SVC_STS, "GetCallerIdentity", "POST");
		aws_sched_add(s, &ops[i], lane, 0, record, &v);
	}
	aws_sched_run(s);
	CHECK_INTEQ(v.n, N_OPS);
	CHECK(v.at[4] < 900);
	CHECK(v.at[5] >= 1000 && v.at[9] < 1900);
	CHECK(v.at[10] >= 2000 && v.at[11] < 2900);
	aws_sched_free(s);
	for (int i = 0; i < N_OPS; i++)
		aws_op_free(&ops[i]);
}

/* 20 a second, a bucket of one: 6 sends take at least 5 intervals of 50 ms;
 * and aws_ops_send paces the same way. */
static void test_rate(struct aws_client *c)
{
	struct aws_op ops[6], *opp[6];
	for (int i = 0; i < 6; i++) {
		aws_op_init(&ops[i], &AWS_SVC_STS, "GetCallerIdentity", "POST");
		opp[i] = &ops[i];
	}
	long long t0 = now_ms();
	struct aws_send_options so = { .rate_per_sec = 20, .burst = 1 };
	CHECK_INTEQ(aws_ops_send(c, opp, 6, &so), 6);
	long long took = now_ms() - t0;
	CHECK(took >= 245 && took < 1000);
	for (int i = 0; i < 6; i++) {
		CHECK_INTEQ(ops[i].attempts, 1);
		aws_op_free(&ops[i]);
	}
}

int main(void)
{
	setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1", 1);
	setenv("AWS_CONFIG_FILE", "/dev/null", 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null", 1);
	unsetenv("AWS_PROFILE");
	unsetenv("AWS_MAX_ATTEMPTS");
	struct aws_client *c = closed_client();
	test_added_while_running(c);
	test_window_cap(c);
	test_rate(c);
	aws_client_free(c);
	return CHECK_DONE();
}
