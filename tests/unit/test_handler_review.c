/*
 * test_handler_review.c - regressions found reviewing the handler: the
 * history matrix with item times far from the tick's minute (no signed
 * overflow) and with a minute before 1970 (negative times are real keys),
 * and DynamoDB numbers that are not whole in-range integers.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lambda/tick.h"

#define ARN "arn:aws:ivs:us-east-1:123456789012:channel/review"

static void one_live_plan(struct tick_plan *p, struct ivs_stream *s, struct ivs_channel *c)
{
	*c = (struct ivs_channel){ ARN, "review", NULL };
	*s = (struct ivs_stream){ ARN, "LIVE", 9 };
	tick_plan_build(c, 1, s, 1, p);
}

static size_t fill(const struct tick_plan *p, const char *items_json, long long minute,
		   long long hist[5])
{
	cJSON *items = cJSON_Parse(items_json);
	CHECK(items != NULL);
	size_t used = tick_history_fill(p, items, minute, 5, hist);
	cJSON_Delete(items);
	return used;
}

/* `minute_ms - t` overflowed (UBSan: signed integer overflow) for an item
 * whose time is near LLONG_MAX when the minute is negative, or near
 * LLONG_MIN when it is positive. Such items are simply outside the window. */
static void test_history_far_times(void)
{
	struct tick_plan p;
	struct ivs_stream s;
	struct ivs_channel c;
	one_live_plan(&p, &s, &c);
	long long hist[5];
	CHECK_INTEQ(fill(&p,
			 "[{\"channel\":{\"S\":\"" ARN "\"},\"time\":{\"N\":\"9223372036854775807\"},"
			 "\"count\":{\"N\":\"5\"}}]",
			 -60000, hist), 0);
	CHECK_INTEQ(fill(&p,
			 "[{\"channel\":{\"S\":\"" ARN "\"},\"time\":{\"N\":\"-9223372036854775808\"},"
			 "\"count\":{\"N\":\"5\"}}]",
			 1795543620000LL, hist), 0);
	CHECK_INTEQ(hist[0], 9);
	for (int k = 1; k < 5; k++)
		CHECK_INTEQ(hist[k], -1);
	tick_plan_free(&p);
}

/* A tick for a minute before 1970 asks for keys with negative times (the
 * event parser and event_floor_minute accept them); the items answered for
 * those keys were dropped as "malformed", so the history was always empty. */
static void test_history_negative_minute(void)
{
	struct tick_plan p;
	struct ivs_stream s;
	struct ivs_channel c;
	one_live_plan(&p, &s, &c);
	long long hist[5];
	CHECK_INTEQ(fill(&p,
			 "[{\"channel\":{\"S\":\"" ARN "\"},\"time\":{\"N\":\"-120000\"},"
			 "\"count\":{\"N\":\"4\"}},"
			 "{\"channel\":{\"S\":\"" ARN "\"},\"time\":{\"N\":\"-60000\"},"
			 "\"count\":{\"N\":\"6\"}}]",
			 0, hist), 2);
	CHECK_INTEQ(hist[0], 9);
	CHECK_INTEQ(hist[1], 6);
	CHECK_INTEQ(hist[2], 4);
	CHECK_INTEQ(hist[3], -1);
	tick_plan_free(&p);
}

/* Numbers that are not whole in-range integers are not counts: a count
 * beyond long long was clamped by strtoll to LLONG_MAX and sent as
 * 9223372036854775807 viewers. */
static void test_history_odd_numbers(void)
{
	struct tick_plan p;
	struct ivs_stream s;
	struct ivs_channel c;
	one_live_plan(&p, &s, &c);
	long long hist[5];
	const long long minute = 1795543620000LL;
	CHECK_INTEQ(fill(&p,
			 "["
			 "{\"channel\":{\"S\":\"" ARN "\"},\"time\":{\"N\":\"1795543560000\"},"
			 "\"count\":{\"N\":\"99999999999999999999\"}},"
			 "{\"channel\":{\"S\":\"" ARN "\"},\"time\":{\"N\":\"1795543500000\"},"
			 "\"count\":{\"N\":\"12.5\"}},"
			 "{\"channel\":{\"S\":\"" ARN "\"},\"time\":{\"N\":\"1795543440000\"},"
			 "\"count\":{\"N\":\"1e3\"}},"
			 "{\"channel\":{\"S\":\"" ARN "\"},\"time\":{\"N\":\"1795543380000\"},"
			 "\"count\":{\"N\":\"3\"}}"
			 "]",
			 minute, hist), 1);
	CHECK_INTEQ(hist[0], 9);
	CHECK_INTEQ(hist[1], -1);
	CHECK_INTEQ(hist[2], -1);
	CHECK_INTEQ(hist[3], -1);
	CHECK_INTEQ(hist[4], 3);
	tick_plan_free(&p);
}

int main(void)
{
	test_history_far_times();
	test_history_negative_minute();
	test_history_odd_numbers();
	return CHECK_DONE();
}
