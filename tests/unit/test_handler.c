/*
 * test_handler.c - the handler's pure parts: the event's time (strict
 * ISO-8601, flooring to the minute), the metadata payload in both formats
 * and its 1 KB cap, the tick's plan from fixed listings, its table
 * requests, the history matrix (malformed items reported; far, negative and
 * odd numbers), settings from the environment, the work deadline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/table.h"
#include "aws/json.h"
#include "check.h"
#include "lambda/arnset.h"
#include "lambda/config.h"
#include "lambda/event.h"
#include "lambda/handler.h"
#include "lambda/metadata.h"
#include "lambda/tick.h"

static long long parse_ok(const char *s)
{
	struct ivs_error err;
	long long ms = 0;
	int rc = event_parse_iso8601(s, &ms, &err);
	CHECK_INTEQ(rc, 0);
	return ms;
}

static void parse_bad(const char *s)
{
	struct ivs_error err;
	ivs_error_clear(&err);
	long long ms = 12345;
	CHECK_INTEQ(event_parse_iso8601(s, &ms, &err), -1);
	CHECK_STREQ(err.code, "InvalidEvent");
	CHECK_INTEQ(ms, 12345);
}

static void test_iso8601(void)
{
	CHECK_INTEQ(parse_ok("2026-11-24T18:07:00Z"), 1795543620000LL);
	CHECK_INTEQ(parse_ok("2026-11-24T18:07:00.5Z"), 1795543620500LL);
	CHECK_INTEQ(parse_ok("2026-11-24T18:07:00.123456789Z"), 1795543620123LL);
	CHECK_INTEQ(parse_ok("2026-11-25T03:07:00+09:00"), 1795543620000LL);
	CHECK_INTEQ(parse_ok("2026-11-24T09:07:30-00:00"), 1795511250000LL);
	CHECK_INTEQ(parse_ok("2024-02-29T23:59:59Z"), 1709251199000LL);
	CHECK_INTEQ(parse_ok("1970-01-01T00:00:00Z"), 0);
	CHECK_INTEQ(parse_ok("1969-12-31T23:59:59Z"), -1000);
	CHECK_INTEQ(parse_ok("2000-01-01T00:00:00Z"), 946684800000LL);

	parse_bad("2026-02-29T00:00:00Z");   /* not a leap year */
	parse_bad("2100-02-29T00:00:00Z");   /* century, not leap */
	parse_bad("2026-13-01T00:00:00Z");
	parse_bad("2026-00-01T00:00:00Z");
	parse_bad("2026-04-31T00:00:00Z");
	parse_bad("2026-11-24T24:00:00Z");
	parse_bad("2026-11-24T18:60:00Z");
	parse_bad("2026-11-24T18:07:61Z");
	parse_bad("2026-11-24T18:07:00");    /* no zone */
	parse_bad("2026-11-24T18:07:00z");
	parse_bad("2026-11-24 18:07:00Z");
	parse_bad("2026-11-24T18:07Z");
	parse_bad("2026-11-24T18:07:00ZZ");
	parse_bad("2026-11-24T18:07:00.Z");
	parse_bad("2026-11-24T18:07:00+0900");
	parse_bad("2026-11-24T18:07:00+24:00");
	parse_bad("+2026-11-24T18:07:00Z");
	parse_bad("2026-1-24T18:07:00Z");
	parse_bad("");
	parse_bad(NULL);
}

static void test_minute(void)
{
	CHECK_INTEQ(event_floor_minute(1795543620000LL), 1795543620000LL);
	CHECK_INTEQ(event_floor_minute(1795543679999LL), 1795543620000LL);
	CHECK_INTEQ(event_floor_minute(1795543680000LL), 1795543680000LL);
	CHECK_INTEQ(event_floor_minute(-1), -60000);
	CHECK_INTEQ(event_floor_minute(0), 0);

	char iso[EVENT_ISO_LEN];
	event_format_iso8601(1795543620000LL, iso);
	CHECK_STREQ(iso, "2026-11-24T18:07:00Z");
	event_format_iso8601(1709251199999LL, iso);
	CHECK_STREQ(iso, "2024-02-29T23:59:59Z");
	event_format_iso8601(0, iso);
	CHECK_STREQ(iso, "1970-01-01T00:00:00Z");
	event_format_iso8601(-1000, iso);
	CHECK_STREQ(iso, "1969-12-31T23:59:59Z");

	struct tick_event ev;
	struct ivs_error err;
	const char *eb = "{\"version\":\"0\",\"id\":\"89d1a02d-5ec7-412e-82f5-13505f849b41\","
			 "\"detail-type\":\"Scheduled Event\",\"source\":\"aws.events\","
			 "\"account\":\"123456789012\",\"time\":\"2026-11-24T18:07:42Z\","
			 "\"region\":\"us-east-1\",\"resources\":[\"arn:aws:events:us-east-1:"
			 "123456789012:rule/IvsViewersCount\"],\"detail\":{}}";
	CHECK_INTEQ(event_parse(eb, strlen(eb), &ev, &err), 0);
	CHECK_INTEQ(ev.minute_ms, 1795543620000LL);
	CHECK_STREQ(ev.minute_iso, "2026-11-24T18:07:00Z");

	const char *bad[] = { "", "not json", "[]", "{}", "{\"time\":12}", "{\"time\":null}",
			      "{\"time\":\"yesterday\"}", "{\"time\":\"2026-11-24T18:07:00Z\"" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ivs_error_clear(&err);
		CHECK_INTEQ(event_parse(bad[i], strlen(bad[i]), &ev, &err), -1);
		CHECK_STREQ(err.code, "InvalidEvent");
	}
}

static void test_metadata(void)
{
	struct buf b = BUF_INIT;
	long long c[] = { 12, 10, 9, 7, 5 };
	CHECK_INTEQ(metadata_format(METADATA_TEXT, c, 5, "2026-11-24T18:07:00Z", 0, &b), 5);
	CHECK_STREQ(buf_cstr(&b), "12,10,9,7,5");
	CHECK_INTEQ(metadata_format(METADATA_JSON, c, 5, "2026-11-24T18:07:00Z", 0, &b), 5);
	CHECK_STREQ(buf_cstr(&b),
		    "{\"viewers\":12,\"history\":[12,10,9,7,5],\"at\":\"2026-11-24T18:07:00Z\"}");
	CHECK_INTEQ(metadata_format(METADATA_TEXT, c, 1, "x", 0, &b), 1);
	CHECK_STREQ(buf_cstr(&b), "12");
	long long zero[] = { 0 };
	CHECK_INTEQ(metadata_format(METADATA_JSON, zero, 1, "2026-11-24T18:07:00Z", 0, &b), 1);
	CHECK_STREQ(buf_cstr(&b), "{\"viewers\":0,\"history\":[0],\"at\":\"2026-11-24T18:07:00Z\"}");

	/* the 1 KB cap: 300 points of 7 digits cannot fit; the newest that do are kept */
	long long many[300];
	for (int i = 0; i < 300; i++)
		many[i] = 1000000 + i;
	for (int f = 0; f < 2; f++) {
		enum metadata_format fmt = f ? METADATA_JSON : METADATA_TEXT;
		size_t k = metadata_format(fmt, many, 300, "2026-11-24T18:07:00Z", 0, &b);
		CHECK(b.len <= METADATA_MAX_BYTES);
		CHECK(k < 300 && k > 100);
		struct buf more = BUF_INIT;
		metadata_format(fmt, many, k + 1, "2026-11-24T18:07:00Z", 100000, &more);
		CHECK(more.len > METADATA_MAX_BYTES); /* one more would not have fitted */
		/* newest first is kept: the payload starts with the newest count */
		CHECK(strstr(buf_cstr(&b), "1000000,1000001,") != NULL);
		buf_free(&more);
	}
	/* exactly at the cap: 128 points "1234567," is 8*128-1 = 1023 bytes */
	long long exact[129];
	for (int i = 0; i < 129; i++)
		exact[i] = 1234567;
	CHECK_INTEQ(metadata_format(METADATA_TEXT, exact, 128, "", 0, &b), 128);
	CHECK_INTEQ(b.len, 1023);
	CHECK_INTEQ(metadata_format(METADATA_TEXT, exact, 129, "", 0, &b), 128);
	/* a tiny cap keeps at least the newest point */
	CHECK_INTEQ(metadata_format(METADATA_TEXT, c, 5, "", 5, &b), 2);
	CHECK_STREQ(buf_cstr(&b), "12,10");
	CHECK_INTEQ(metadata_format(METADATA_TEXT, c, 5, "", 4, &b), 1);
	CHECK_STREQ(buf_cstr(&b), "12");

	enum metadata_format f;
	CHECK_INTEQ(metadata_format_parse("json", &f), 0);
	CHECK_INTEQ(f, METADATA_JSON);
	CHECK_INTEQ(metadata_format_parse("text", &f), 0);
	CHECK_INTEQ(f, METADATA_TEXT);
	CHECK_INTEQ(metadata_format_parse("JSON", &f), -1);
	buf_free(&b);
}

#define ARN(x) "arn:aws:ivs:us-east-1:123456789012:channel/" x

static void test_plan(void)
{
	struct ivs_channel ch[] = {
		{ ARN("c"), "c", NULL }, { ARN("a"), "a", NULL }, { ARN("b"), "b", NULL },
		{ ARN("a"), "a", NULL }, /* repeated across pages */
	};
	struct ivs_stream st[] = {
		{ ARN("b"), "LIVE", 7 },
		{ ARN("d"), "LIVE", 3 },    /* its channel was created while listing */
		{ ARN("a"), "OFFLINE", 9 }, /* not live: counts 0 */
	};
	struct tick_plan p;
	tick_plan_build(ch, 4, st, 3, &p);
	CHECK_INTEQ(p.n, 4);
	CHECK_INTEQ(p.n_live, 2);
	CHECK_STREQ(p.ch[0].arn, ARN("a"));
	CHECK_INTEQ(p.ch[0].live, 0);
	CHECK_INTEQ(p.ch[0].count, 0);
	CHECK_STREQ(p.ch[1].arn, ARN("b"));
	CHECK_INTEQ(p.ch[1].live, 1);
	CHECK_INTEQ(p.ch[1].count, 7);
	CHECK_STREQ(p.ch[2].arn, ARN("c"));
	CHECK_INTEQ(p.ch[2].live, 0);
	CHECK_STREQ(p.ch[3].arn, ARN("d"));
	CHECK_INTEQ(p.ch[3].count, 3);
	CHECK_INTEQ(p.live[0], 1);
	CHECK_INTEQ(p.live[1], 3);
	CHECK_INTEQ(tick_plan_find(&p, ARN("c")), 2);
	CHECK_INTEQ(tick_plan_find(&p, ARN("zz")), -1);

	/* the table requests: every channel's item, the live ones' previous minutes */
	const long long minute = 1795543620000LL;
	CHECK_INTEQ(tick_expires(minute, 0), 0);
	CHECK_INTEQ(tick_expires(minute, 7), 1795543620LL + 7 * 86400);
	struct tick_requests rq;
	tick_requests_build(&p, minute, 3, tick_expires(minute, 30), &rq);
	CHECK_INTEQ(rq.n_writes, 4);
	CHECK_INTEQ(rq.n_keys, 4);
	char *s = cJSON_PrintUnformatted(rq.writes[3]);
	CHECK_STREQ(s, "{\"PutRequest\":{\"Item\":{\"channel\":{\"S\":\"" ARN("d") "\"},"
		       "\"time\":{\"N\":\"1795543620000\"},\"count\":{\"N\":\"3\"},"
		       "\"expires\":{\"N\":\"1798135620\"}}}}");
	free(s);
	s = cJSON_PrintUnformatted(rq.keys[3]); /* live channel 1 (d), 2 minutes back */
	CHECK_STREQ(s, "{\"channel\":{\"S\":\"" ARN("d") "\"},\"time\":{\"N\":\"1795543500000\"}}");
	free(s);
	tick_requests_free(&rq);
	tick_requests_build(&p, minute, 1, 0, &rq); /* window 1: nothing to read back */
	CHECK_INTEQ(rq.n_writes, 4);
	CHECK_INTEQ(rq.n_keys, 0);
	tick_requests_free(&rq);

	/* the history from what BatchGetItem answered */
	const char *items_json =
		"["
		"{\"channel\":{\"S\":\"" ARN("b") "\"},\"time\":{\"N\":\"1795543560000\"},\"count\":{\"N\":\"5\"}},"
		"{\"channel\":{\"S\":\"" ARN("b") "\"},\"time\":{\"N\":\"1795543440000\"},\"count\":{\"N\":\"4\"}},"
		"{\"channel\":{\"S\":\"" ARN("d") "\"},\"time\":{\"N\":\"1795543560000\"},\"count\":{\"N\":\"2\"}},"
		/* ignored: an offline channel, outside the window, the tick's own
		 * minute, not minute-aligned, unknown channel, malformed */
		"{\"channel\":{\"S\":\"" ARN("c") "\"},\"time\":{\"N\":\"1795543560000\"},\"count\":{\"N\":\"1\"}},"
		"{\"channel\":{\"S\":\"" ARN("b") "\"},\"time\":{\"N\":\"1795543320000\"},\"count\":{\"N\":\"99\"}},"
		"{\"channel\":{\"S\":\"" ARN("b") "\"},\"time\":{\"N\":\"1795543620000\"},\"count\":{\"N\":\"98\"}},"
		"{\"channel\":{\"S\":\"" ARN("b") "\"},\"time\":{\"N\":\"1795543500001\"},\"count\":{\"N\":\"97\"}},"
		"{\"channel\":{\"S\":\"" ARN("zz") "\"},\"time\":{\"N\":\"1795543560000\"},\"count\":{\"N\":\"96\"}},"
		"{\"channel\":{\"S\":\"" ARN("d") "\"},\"time\":{\"N\":\"1795543500000\"},\"count\":{\"S\":\"x\"}}"
		"]";
	cJSON *items = cJSON_Parse(items_json);
	long long hist[2 * 5];
	cJSON *errors = cJSON_CreateArray();
	CHECK_INTEQ(tick_history_fill(&p, items, minute, 5, hist, errors), 3);
	long long want[10] = { 7, 5, -1, 4, -1, 3, 2, -1, -1, -1 };
	for (int i = 0; i < 10; i++)
		CHECK_INTEQ(hist[i], want[i]);
	/* the malformed item is reported, with its channel; the others are not */
	CHECK_INTEQ(cJSON_GetArraySize(errors), 1);
	const cJSON *e = cJSON_GetArrayItem(errors, 0);
	CHECK_STREQ(json_str(e, "channel"), ARN("d"));
	CHECK_STREQ(json_str(e, "op"), "BatchGetItem");
	CHECK_STREQ(json_str(e, "code"), "MalformedItem");
	CHECK(strstr(json_str(e, "message"), "\"count\"") != NULL);
	cJSON_Delete(errors);
	struct buf b = BUF_INIT;
	CHECK_INTEQ(tick_payload(hist, 5, METADATA_TEXT, "2026-11-24T18:07:00Z", &b), 3);
	CHECK_STREQ(buf_cstr(&b), "7,5,4");
	CHECK_INTEQ(tick_payload(hist + 5, 5, METADATA_JSON, "2026-11-24T18:07:00Z", &b), 2);
	CHECK_STREQ(buf_cstr(&b), "{\"viewers\":3,\"history\":[3,2],\"at\":\"2026-11-24T18:07:00Z\"}");
	/* window 1: only the tick's own count */
	long long h1[2];
	CHECK_INTEQ(tick_history_fill(&p, items, minute, 1, h1, NULL), 0);
	CHECK_INTEQ(h1[0], 7);
	CHECK_INTEQ(h1[1], 3);
	buf_free(&b);
	cJSON_Delete(items);
	tick_plan_free(&p);

	/* nothing at all */
	tick_plan_build(NULL, 0, NULL, 0, &p);
	CHECK_INTEQ(p.n, 0);
	CHECK_INTEQ(p.n_live, 0);
	tick_plan_free(&p);
}

static void test_log_line(void)
{
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "minute", "2026-11-24T18:07:00Z");
	cJSON *errors = cJSON_AddArrayToObject(r, "errors");
	for (int i = 0; i < 5; i++)
		cJSON_AddItemToArray(errors, cJSON_CreateNumber(i));
	char *s = tick_log_line(r, 2);
	CHECK_STREQ(s, "{\"minute\":\"2026-11-24T18:07:00Z\",\"errors\":[0,1],\"errorsOmitted\":3}");
	free(s);
	s = tick_log_line(r, 5);
	CHECK_STREQ(s, "{\"minute\":\"2026-11-24T18:07:00Z\",\"errors\":[0,1,2,3,4]}");
	free(s);
	cJSON_Delete(r);
}

static void test_config(void)
{
	struct handler_config cfg;
	struct ivs_error err;
	unsetenv("TABLE_NAME");
	unsetenv("WINDOW_MINUTES");
	unsetenv("METADATA_FORMAT");
	unsetenv("RETENTION_DAYS");
	unsetenv("PUT_METADATA_RATE");
	CHECK_INTEQ(handler_config_load(&cfg, &err), -1);
	CHECK_STREQ(err.code, "InvalidConfig");
	CHECK(strstr(err.message, "TABLE_NAME") != NULL);
	handler_config_free(&cfg);

	setenv("TABLE_NAME", "ViewerCounts", 1);
	CHECK_INTEQ(handler_config_load(&cfg, &err), 0);
	CHECK_STREQ(cfg.table, "ViewerCounts");
	CHECK_INTEQ(cfg.window_minutes, 5);
	CHECK_INTEQ(cfg.format, METADATA_TEXT);
	CHECK_INTEQ(cfg.retention_days, 0);
	CHECK(cfg.put_metadata_rate == 155);
	handler_config_free(&cfg);

	setenv("WINDOW_MINUTES", "10", 1);
	setenv("METADATA_FORMAT", "json", 1);
	setenv("RETENTION_DAYS", "30", 1);
	setenv("PUT_METADATA_RATE", "50.5", 1);
	CHECK_INTEQ(handler_config_load(&cfg, &err), 0);
	CHECK_INTEQ(cfg.window_minutes, 10);
	CHECK_INTEQ(cfg.format, METADATA_JSON);
	CHECK_INTEQ(cfg.retention_days, 30);
	CHECK(cfg.put_metadata_rate == 50.5);
	handler_config_free(&cfg);

	const char *bad[][2] = { { "WINDOW_MINUTES", "0" },   { "WINDOW_MINUTES", "61" },
				 { "WINDOW_MINUTES", "5m" },  { "METADATA_FORMAT", "xml" },
				 { "RETENTION_DAYS", "-1" },  { "PUT_METADATA_RATE", "0" },
				 { "PUT_METADATA_RATE", "fast" } };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *old = getenv(bad[i][0]) ? strdup(getenv(bad[i][0])) : NULL;
		setenv(bad[i][0], bad[i][1], 1);
		ivs_error_clear(&err);
		CHECK_INTEQ(handler_config_load(&cfg, &err), -1);
		CHECK(strstr(err.message, bad[i][0]) != NULL);
		handler_config_free(&cfg);
		if (old)
			setenv(bad[i][0], old, 1);
		else
			unsetenv(bad[i][0]);
		free(old);
	}
}

static void test_pacing(void)
{
	double r, b;
	tick_put_pacing(155, &r, &b);
	CHECK(b == 2 && r == 152); /* 3 a second of margin under IVS's 155 */
	tick_put_pacing(20, &r, &b);
	CHECK(b == 2 && r == 17);
	tick_put_pacing(5, &r, &b);
	CHECK(b == 1 && r == 5);
	tick_put_pacing(0.5, &r, &b);
	CHECK(b == 1 && r == 0.5);
}

static void test_deadline(void)
{
	const long long now = 1795543620000LL;
	CHECK_INTEQ(handler_work_deadline(0, now), 0);
	CHECK_INTEQ(handler_work_deadline(now + 60000, now), now + 60000 - HANDLER_DEADLINE_MARGIN_MS);
	CHECK_INTEQ(handler_work_deadline(now + 5000, now), now + 5000 - 1000); /* a fifth */
	CHECK_INTEQ(handler_work_deadline(now - 10, now), now - 10);           /* already past */
}

/* Regressions found reviewing the history matrix: item times far from the
 * tick's minute (no signed overflow), a minute before 1970 (negative times
 * are real keys), and numbers that are not whole in-range integers. */
#define REVIEW_ARN ARN("review")

/* One live channel (9 viewers) and the history read for it. */
struct one_live {
	struct tick_plan p;
	struct ivs_stream s;
	struct ivs_channel c;
	long long hist[5];
	int malformed;     /* items reported by the last fill */
};

static void one_live_init(struct one_live *f)
{
	f->c = (struct ivs_channel){ REVIEW_ARN, "review", NULL };
	f->s = (struct ivs_stream){ REVIEW_ARN, "LIVE", 9 };
	tick_plan_build(&f->c, 1, &f->s, 1, &f->p);
	f->malformed = -1;
}

/* The history from items_json; returns the items used. */
static size_t fill(struct one_live *f, const char *items_json, long long minute)
{
	cJSON *items = cJSON_Parse(items_json);
	CHECK(items != NULL);
	cJSON *errors = cJSON_CreateArray();
	size_t used = tick_history_fill(&f->p, items, minute, 5, f->hist, errors);
	f->malformed = cJSON_GetArraySize(errors);
	cJSON_Delete(errors);
	cJSON_Delete(items);
	return used;
}

/* `minute_ms - t` overflowed (UBSan: signed integer overflow) for an item
 * whose time is near LLONG_MAX when the minute is negative, or near
 * LLONG_MIN when it is positive. Such items are simply outside the window. */
static void test_history_far_times(void)
{
	struct one_live f;
	one_live_init(&f);
	CHECK_INTEQ(fill(&f,
			 "[{\"channel\":{\"S\":\"" REVIEW_ARN "\"},\"time\":{\"N\":\"9223372036854775807\"},"
			 "\"count\":{\"N\":\"5\"}}]",
			 -60000), 0);
	CHECK_INTEQ(f.malformed, 0);
	CHECK_INTEQ(fill(&f,
			 "[{\"channel\":{\"S\":\"" REVIEW_ARN "\"},\"time\":{\"N\":\"-9223372036854775808\"},"
			 "\"count\":{\"N\":\"5\"}}]",
			 1795543620000LL), 0);
	CHECK_INTEQ(f.malformed, 0);
	CHECK_INTEQ(f.hist[0], 9);
	for (int k = 1; k < 5; k++)
		CHECK_INTEQ(f.hist[k], -1);
	tick_plan_free(&f.p);
}

/* A tick for a minute before 1970 asks for keys with negative times (the
 * event parser and event_floor_minute accept them); the items answered for
 * those keys were dropped as "malformed", so the history was always empty. */
static void test_history_negative_minute(void)
{
	struct one_live f;
	one_live_init(&f);
	CHECK_INTEQ(fill(&f,
			 "[{\"channel\":{\"S\":\"" REVIEW_ARN "\"},\"time\":{\"N\":\"-120000\"},"
			 "\"count\":{\"N\":\"4\"}},"
			 "{\"channel\":{\"S\":\"" REVIEW_ARN "\"},\"time\":{\"N\":\"-60000\"},"
			 "\"count\":{\"N\":\"6\"}}]",
			 0), 2);
	CHECK_INTEQ(f.malformed, 0);
	CHECK_INTEQ(f.hist[0], 9);
	CHECK_INTEQ(f.hist[1], 6);
	CHECK_INTEQ(f.hist[2], 4);
	CHECK_INTEQ(f.hist[3], -1);
	tick_plan_free(&f.p);
}

/* Numbers that are not whole in-range integers are not counts: a count
 * beyond long long was clamped by strtoll to LLONG_MAX and sent as
 * 9223372036854775807 viewers. */
static void test_history_odd_numbers(void)
{
	struct one_live f;
	one_live_init(&f);
	const long long minute = 1795543620000LL;
	CHECK_INTEQ(fill(&f,
			 "["
			 "{\"channel\":{\"S\":\"" REVIEW_ARN "\"},\"time\":{\"N\":\"1795543560000\"},"
			 "\"count\":{\"N\":\"99999999999999999999\"}},"
			 "{\"channel\":{\"S\":\"" REVIEW_ARN "\"},\"time\":{\"N\":\"1795543500000\"},"
			 "\"count\":{\"N\":\"12.5\"}},"
			 "{\"channel\":{\"S\":\"" REVIEW_ARN "\"},\"time\":{\"N\":\"1795543440000\"},"
			 "\"count\":{\"N\":\"1e3\"}},"
			 "{\"channel\":{\"S\":\"" REVIEW_ARN "\"},\"time\":{\"N\":\"1795543380000\"},"
			 "\"count\":{\"N\":\"3\"}}"
			 "]",
			 minute), 1);
	CHECK_INTEQ(f.malformed, 3); /* each reported, none read as a count */
	CHECK_INTEQ(f.hist[0], 9);
	CHECK_INTEQ(f.hist[1], -1);
	CHECK_INTEQ(f.hist[2], -1);
	CHECK_INTEQ(f.hist[3], -1);
	CHECK_INTEQ(f.hist[4], 3);
	tick_plan_free(&f.p);
}

/* viewerCount -1 (IVS's count timed out): the channel is live, its count
 * -1, and it gets no item: never stored as 0. */
static void test_count_unavailable(void)
{
	struct ivs_channel ch[] = { { ARN("a"), "a", NULL }, { ARN("b"), "b", NULL } };
	struct ivs_stream st[] = { { ARN("a"), "LIVE", -1 }, { ARN("b"), "LIVE", 4 } };
	struct tick_plan p;
	tick_plan_build(ch, 2, st, 2, &p);
	CHECK_INTEQ(p.n_live, 2);
	CHECK_INTEQ(p.ch[0].count, -1);
	CHECK_INTEQ(p.ch[1].count, 4);
	struct tick_requests rq;
	tick_requests_build(&p, 1795543620000LL, 2, 0, &rq);
	CHECK_INTEQ(rq.n_writes, 1); /* b only */
	CHECK_STREQ(table_item_channel(cJSON_GetObjectItemCaseSensitive(
			    cJSON_GetObjectItemCaseSensitive(rq.writes[0], "PutRequest"), "Item")),
		    ARN("b"));
	CHECK_INTEQ(rq.n_keys, 2); /* both live channels' previous minute is still read */
	tick_requests_free(&rq);
	/* the history's own minute stays a gap, and an older gap is left out */
	long long hist[4];
	tick_history_fill(&p, NULL, 1795543620000LL, 2, hist, NULL);
	CHECK_INTEQ(hist[0], -1); /* a, this minute */
	CHECK_INTEQ(hist[1], -1); /* a, the minute before (no item read) */
	CHECK_INTEQ(hist[2], 4);  /* b, this minute */
	long long row[4] = { 12, -1, 9, 7 };
	struct buf out = BUF_INIT;
	CHECK_INTEQ(tick_payload(row, 4, METADATA_TEXT, "2026-11-24T18:07:00Z", &out), 3);
	CHECK_STREQ(buf_cstr(&out), "12,9,7");
	buf_free(&out);
	tick_plan_free(&p);
	/* a repeated stream entry with a count wins over the one without */
	struct ivs_stream st2[] = { { ARN("a"), "LIVE", -1 }, { ARN("a"), "LIVE", 5 } };
	tick_plan_build(ch, 1, st2, 2, &p);
	CHECK_INTEQ(p.n, 1);
	CHECK_INTEQ(p.ch[0].count, 5);
	tick_plan_free(&p);
}

/* One tick at a time: an event runs only when its minute is newer than the
 * newest one the process completed. */
static void test_skip(void)
{
	struct tick_event ev = { .minute_ms = 1795543620000LL };
	snprintf(ev.minute_iso, sizeof(ev.minute_iso), "2026-11-24T18:07:00Z");
	CHECK(handler_skip_result(&ev, HANDLER_NONE_DONE) == NULL);
	CHECK(handler_skip_result(&ev, ev.minute_ms - 60000) == NULL);
	cJSON *r = handler_skip_result(&ev, ev.minute_ms); /* the same minute again */
	CHECK(r != NULL);
	CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "skipped")));
	CHECK_STREQ(json_str(r, "newestCompleted"), "2026-11-24T18:07:00Z");
	CHECK_STREQ(json_str(r, "minute"), "2026-11-24T18:07:00Z");
	cJSON_Delete(r);
	r = handler_skip_result(&ev, ev.minute_ms + 60000); /* a late one */
	CHECK_STREQ(json_str(r, "newestCompleted"), "2026-11-24T18:08:00Z");
	CHECK_INTEQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "errors")), 0);
	cJSON_Delete(r);
}

/* IVS's errors carry their message in exceptionMessage: the error reads it,
 * not the raw body. */
static void test_ivs_error_message(void)
{
	struct ivs_error e;
	ivs_error_clear(&e);
	const char *body = "{\"exceptionMessage\":\"Request rate exceeded for ListStreams\"}";
	json_read_error(body, strlen(body), &e);
	CHECK_STREQ(e.message, "Request rate exceeded for ListStreams");
	ivs_error_clear(&e);
	body = "{\"message\":\"m\",\"exceptionMessage\":\"x\"}";
	json_read_error(body, strlen(body), &e);
	CHECK_STREQ(e.message, "m");
}

/* The streaming tick's set of ARNs: one copy each, found again after it
 * has grown. */
static void test_arnset(void)
{
	struct arnset set = { 0 };
	char arn[64];
	int added;
	for (int i = 0; i < 1000; i++) {
		snprintf(arn, sizeof(arn), "arn:aws:ivs:eu-west-1:1:channel/%d", i);
		arnset_add(&set, arn, &added);
		CHECK(added);
	}
	const char *first = arnset_add(&set, "arn:aws:ivs:eu-west-1:1:channel/7", &added);
	CHECK(!added);
	CHECK_INTEQ(set.n, 1000);
	CHECK(arnset_get(&set, "arn:aws:ivs:eu-west-1:1:channel/7") == first);
	CHECK(arnset_get(&set, "arn:aws:ivs:eu-west-1:1:channel/1000") == NULL);
	arnset_free(&set);
	CHECK(arnset_get(&set, "x") == NULL);
}

/* One group's BatchGetItem answer: used where it belongs, the rest ignored
 * or (malformed) reported. */
static void test_group_fill(void)
{
	const long long minute = 1795543620000LL; /* on a minute */
	const char *arn[2] = { "arn:a", "arn:b" };
	long long hist[6] = { 7, -1, -1, 9, -1, -1 };
	char json[600];
	snprintf(json, sizeof(json),
		 "[{\"channel\":{\"S\":\"arn:b\"},\"time\":{\"N\":\"%lld\"},\"count\":{\"N\":\"4\"}},"
		 "{\"channel\":{\"S\":\"arn:a\"},\"time\":{\"N\":\"%lld\"},\"count\":{\"N\":\"3\"}},"
		 "{\"channel\":{\"S\":\"arn:z\"},\"time\":{\"N\":\"%lld\"},\"count\":{\"N\":\"1\"}},"
		 "{\"channel\":{\"S\":\"arn:a\"},\"time\":{\"N\":\"%lld\"},\"count\":{\"N\":\"5\"}},"
		 "{\"channel\":{\"S\":\"arn:a\"},\"time\":{\"N\":\"%lld\"},\"count\":{\"N\":\"x\"}}]",
		 minute - 60000, minute - 120000, minute - 60000, minute - 180000, minute - 60000);
	cJSON *items = cJSON_Parse(json), *errors = cJSON_CreateArray();
	CHECK_INTEQ(tick_group_fill(arn, 2, items, minute, 3, hist, errors), 2);
	long long want[6] = { 7, -1, 3, 9, 4, -1 };
	for (int i = 0; i < 6; i++)
		CHECK_INTEQ(hist[i], want[i]);
	CHECK_INTEQ(cJSON_GetArraySize(errors), 1);
	CHECK_STREQ(cJSON_GetObjectItem(cJSON_GetArrayItem(errors, 0), "code")->valuestring,
		    "MalformedItem");
	cJSON_Delete(items);
	cJSON_Delete(errors);
}

int main(void)
{
	test_iso8601();
	test_minute();
	test_metadata();
	test_plan();
	test_log_line();
	test_config();
	test_pacing();
	test_deadline();
	test_history_far_times();
	test_history_negative_minute();
	test_history_odd_numbers();
	test_count_unavailable();
	test_skip();
	test_ivs_error_message();
	test_arnset();
	test_group_fill();
	return CHECK_DONE();
}
