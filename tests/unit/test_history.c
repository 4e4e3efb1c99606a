/*
 * test_history.c - the history's series (src/app/history.c) and how the
 * CLI draws them (src/cli/chart.c, svg.c): buckets never narrower than a
 * minute, gaps kept apart from zeros, min/max/average/peak, the sparkline's
 * characters, the SVG's one path per channel broken at gaps.
 */
#include <stdlib.h>
#include <string.h>

#include "app/history.h"
#include "check.h"
#include "cli/chart.h"

#define T0 1789999980000LL /* a whole minute */
#define MIN HISTORY_MINUTE_MS

static void test_minute_buckets(void)
{
	struct history_series s;
	/* 10 minutes in 80 columns: one bucket a minute, not 8 a minute */
	history_series_init(&s, T0 + 30000, T0 + 9 * MIN, 80);
	CHECK_INTEQ(s.from_ms, T0);
	CHECK_INTEQ(s.width, 10);
	CHECK_INTEQ(s.bucket_ms, MIN);
	history_series_add(&s, T0, 4);
	history_series_add(&s, T0 + 1 * MIN, 0); /* a real zero */
	history_series_add(&s, T0 + 5 * MIN, 8);
	history_series_add(&s, T0 + 6 * MIN, 8);
	history_series_add(&s, T0 + 10 * MIN, 99); /* after the window: ignored */
	history_series_add(&s, T0 - MIN, 99);      /* before it: ignored */
	CHECK_INTEQ(s.points, 4);
	CHECK_INTEQ(s.min, 0);
	CHECK_INTEQ(s.max, 8);
	CHECK_INTEQ(s.sum, 20);
	CHECK_INTEQ(s.peak_ms, T0 + 5 * MIN); /* the first minute of the maximum */
	CHECK(history_series_value(&s, 0) == 4.0);
	CHECK(history_series_value(&s, 1) == 0.0);
	CHECK(history_series_value(&s, 2) < 0); /* gap, not zero */
	CHECK_INTEQ(history_series_time(&s, 5), T0 + 5 * MIN);

	struct buf line = BUF_INIT;
	chart_sparkline(&s, &line);
	/* 4 of 8 -> level 4 (U+2585), 0 -> U+2581, gaps blank, 8 -> U+2588 */
	CHECK_STREQ(buf_cstr(&line), "\u2585\u2581   \u2588\u2588   ");
	buf_free(&line);
	history_series_free(&s);
}

static void test_wide_window(void)
{
	struct history_series s;
	/* a day in 100 columns: 15 minutes a bucket, 96 buckets */
	history_series_init(&s, T0, T0 + 24 * 60 * MIN - 1, 100);
	CHECK_INTEQ(s.bucket_ms, 15 * MIN);
	CHECK_INTEQ(s.width, 96);
	history_series_add(&s, T0 + 14 * MIN, 10);
	history_series_add(&s, T0 + 3 * MIN, 20);
	CHECK(history_series_value(&s, 0) == 15.0); /* the bucket's average */
	CHECK(history_series_value(&s, 1) < 0);
	CHECK_INTEQ(s.peak_ms, T0 + 3 * MIN);
	history_series_free(&s);
}

static void test_minute_format(void)
{
	char buf[32];
	history_format_minute(T0 + 59999, buf, sizeof(buf));
	CHECK_STREQ(buf, "2026-09-21T14:13:00Z");
	history_format_minute(-1, buf, sizeof(buf)); /* floors, not towards zero */
	CHECK_STREQ(buf, "1969-12-31T23:59:00Z");
}

static size_t count_of(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void test_svg(void)
{
	struct history_series a, b;
	history_series_init(&a, T0, T0 + 9 * MIN, 600);
	history_series_init(&b, T0, T0 + 9 * MIN, 600);
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 5)
			history_series_add(&a, T0 + i * MIN, i);
	history_series_add(&b, T0 + 2 * MIN, 50);
	struct chart_line v[2] = { { "one & <two>", "arn:1", &a }, { NULL, "arn:2", &b } };
	char *doc = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&doc, &len);
	chart_svg(f, v, 2, "t");
	fclose(f);
	CHECK_INTEQ(count_of(doc, "<path "), 2);
	CHECK(strstr(doc, "one &amp; &lt;two&gt; (max 9)") != NULL);
	CHECK(strstr(doc, ">arn:2 (max 50)<") != NULL);
	/* a's line breaks at its gap: two subpaths */
	const char *pa = strstr(doc, "data-channel=\"arn:1\"");
	CHECK(pa != NULL);
	if (pa) {
		const char *end = strstr(pa, "/>");
		size_t moves = 0;
		for (const char *p = pa; p < end; p++)
			moves += *p == 'M';
		CHECK_INTEQ(moves, 2);
	}
	CHECK_INTEQ(count_of(doc, "class=\"x-label\""), 6);
	CHECK_INTEQ(count_of(doc, "class=\"y-label\""), 5);
	CHECK(strstr(doc, ">50</text>") != NULL); /* the top of the viewer axis */
	free(doc);
	history_series_free(&a);
	history_series_free(&b);
}

int main(void)
{
	test_minute_buckets();
	test_wide_window();
	test_minute_format();
	test_svg();
	return CHECK_DONE();
}
