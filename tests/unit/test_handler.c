/*
 * test_handler.c - the handler's pure parts: the event's time (strict
 * ISO-8601, flooring to the minute), the metadata payload in both formats
 * and its 1 KB cap, the tick's plan from fixed listings, items and keys,
 * the history matrix, settings from the environment, the work deadline.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
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

	/* items and keys */
	const long long minute = 1795543620000LL;
	CHECK_INTEQ(tick_expires(minute, 0), 0);
	CHECK_INTEQ(tick_expires(minute, 7), 1795543620LL + 7 * 86400);
	cJSON *req = tick_put_request(ARN("b"), minute, 7, 0);
	char *s = cJSON_PrintUnformatted(req);
	CHECK_STREQ(s, "{\"PutRequest\":{\"Item\":{\"channel\":{\"S\":\"" ARN("b") "\"},"
		       "\"time\":{\"N\":\"1795543620000\"},\"count\":{\"N\":\"7\"}}}}");
	free(s);
	cJSON_Delete(req);
	req = tick_put_request(ARN("b"), minute, 0, tick_expires(minute, 30));
	s = cJSON_PrintUnformatted(req);
	CHECK_STREQ(s, "{\"PutRequest\":{\"Item\":{\"channel\":{\"S\":\"" ARN("b") "\"},"
		       "\"time\":{\"N\":\"1795543620000\"},\"count\":{\"N\":\"0\"},"
		       "\"expires\":{\"N\":\"1798135620\"}}}}");
	free(s);
	cJSON_Delete(req);
	cJSON *key = tick_key(ARN("d"), minute - 60000);
	s = cJSON_PrintUnformatted(key);
	CHECK_STREQ(s, "{\"channel\":{\"S\":\"" ARN("d") "\"},\"time\":{\"N\":\"1795543560000\"}}");
	free(s);
	cJSON_Delete(key);

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
	CHECK_INTEQ(tick_history_fill(&p, items, minute, 5, hist), 3);
	long long want[10] = { 7, 5, -1, 4, -1, 3, 2, -1, -1, -1 };
	for (int i = 0; i < 10; i++)
		CHECK_INTEQ(hist[i], want[i]);
	struct buf b = BUF_INIT;
	CHECK_INTEQ(tick_payload(hist, 5, METADATA_TEXT, "2026-11-24T18:07:00Z", &b), 3);
	CHECK_STREQ(buf_cstr(&b), "7,5,4");
	CHECK_INTEQ(tick_payload(hist + 5, 5, METADATA_JSON, "2026-11-24T18:07:00Z", &b), 2);
	CHECK_STREQ(buf_cstr(&b), "{\"viewers\":3,\"history\":[3,2],\"at\":\"2026-11-24T18:07:00Z\"}");
	/* window 1: only the tick's own count */
	long long h1[2];
	CHECK_INTEQ(tick_history_fill(&p, items, minute, 1, h1), 0);
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
	CHECK(b == 2 && r == 153); /* at most 155 in any second */
	tick_put_pacing(20, &r, &b);
	CHECK(b == 2 && r == 18);
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
	return CHECK_DONE();
}
