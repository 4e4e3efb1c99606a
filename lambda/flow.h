/*
 * flow.h - inside the tick (tick.c): one streaming pipeline over one
 * scheduler (aws_sched, client.h). Each ListStreams page's live channels go
 * on at once, in groups, to their item (BatchWriteItem, buffered to 25),
 * their window read (one BatchGetItem per group) and, once read, their
 * PutMetadata, while the next pages are listed; ListChannels' channels that
 * are not live get a zero item. Not for other callers.
 *
 * Offline: a channel is offline only if no ListStreams page names it, which
 * is known once ListStreams has ended. A channel a ListChannels page names
 * before then, not (yet) seen live, waits in a list of ARNs; when
 * ListStreams ends, those still not live get their zero item, and later
 * ListChannels pages' not-live channels get theirs at once. A zero written
 * any earlier could land after (and over) the live count.
 *
 * Memory: the two sets of ARNs (a hundred bytes a channel), and only the
 * groups in flight: ListStreams waits for its next page while more than
 * FLOW_LIVE_AHEAD live channels are between their page and their put.
 *
 * Owns: everything in struct flow (flow_free); each group, chunk and put
 * from its creation to its last op's callback.
 */
#ifndef IVS_LAMBDA_FLOW_H
#define IVS_LAMBDA_FLOW_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "arnset.h"
#include "aws/client.h"
#include "aws/ddb.h"
#include "aws/pager.h"
#include "config.h"
#include "event.h"
#include "plan.h"

/* Live channels listed and not yet through their put, past which the next
 * ListStreams page waits: 3 pages, about 2 s of puts at 155/s, so the puts
 * never run dry (a page with its reads takes well under a second). */
#define FLOW_LIVE_AHEAD 300
#define FLOW_GROUP_MAX 100
/* A put's retry waits at least this long: with one put per channel a tick,
 * a channel never sees more than IVS's 5 calls a second. */
#define FLOW_PUT_RETRY_MIN_MS 250
/* ListChannels / ListStreams pages a second, each (IVS allows 5 per account:
 * one is left for an `ivsvc status` run meanwhile). */
#define FLOW_LIST_RATE 4

enum { FLOW_CHANNELS, FLOW_STREAMS };

/* Live channels whose history is read with one BatchGetItem. */
struct flow_group {
	size_t n;
	const char *arn[FLOW_GROUP_MAX]; /* borrowed from the flow's live set */
	long long count[FLOW_GROUP_MAX];
	long long *hist;                 /* n rows of window (tick_history_fill's layout) */
	size_t reads_left, puts_left;
};

struct flow_listing {
	struct aws_pager pager;
	int lane;
	int in_flight, waiting, failed;
};

struct flow {
	struct aws_client *c;
	struct aws_sched *sch;
	const struct handler_config *cfg;
	const struct tick_event *ev;
	struct tick_options opt;
	long long expires_s;
	int lane_put;
	double put_rate;
	long long start_wall;
	struct flow_listing ls[2];
	struct arnset listed, live;
	const char **maybe_off;          /* listed, not live, before ListStreams ended */
	size_t n_off, cap_off;
	struct flow_group *group;        /* filling from the current ListStreams page */
	cJSON *wbuf[DDB_BATCH_WRITE_MAX];
	size_t nw;
	size_t in_work;                  /* live channels between their page and their put */
	cJSON *errors;
	struct ivs_error list_err;
	/* what the result counts */
	size_t unavailable, quota_fits, items_written, sent, offline;
	size_t list_requests, calls_write, calls_get, put_calls, retries;
	long long t0, t_list, t_first_put, t_end; /* monotonic ms */
};

/* Monotonic and wall-clock milliseconds (flow_put.c). */
long long flow_now_ms(void);
long long flow_wall_ms(void);

/* flow_list.c: the listings */
void flow_list_start(struct flow *f);
/* A put settled: lets a waiting ListStreams page go when the work has drained. */
void flow_list_resume(struct flow *f);

/* flow_ddb.c: the table. flow_write takes the request; flush sends what is
 * buffered (all of it when `all`, else full chunks only). */
void flow_write(struct flow *f, cJSON *request);
void flow_writes_flush(struct flow *f, int all);
/* Reads g's window, then calls flow_group_puts. */
void flow_group_read(struct flow *f, struct flow_group *g);

/* flow_put.c: g's puts (then g goes). */
void flow_group_puts(struct flow *f, struct flow_group *g);
void flow_group_free(struct flow_group *g);

#endif
