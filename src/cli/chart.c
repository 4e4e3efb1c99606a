/*
 * chart.c - the terminal chart of `ivsvc history` (see chart.h): one block
 * per channel, a sparkline as wide as the window has buckets.
 */
#include "chart.h"

#include <string.h>
#include <time.h>

/* "2024-05-01 14:03" in local time. */
static void local_minute(long long ms, char *buf, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%d %H:%M", &tm);
}

void chart_sparkline(const struct history_series *s, struct buf *out)
{
	static const char *const blocks[8] = { "\u2581", "\u2582", "\u2583", "\u2584",
					       "\u2585", "\u2586", "\u2587", "\u2588" };
	for (size_t i = 0; i < s->width; i++) {
		double v = history_series_value(s, i);
		if (v < 0) {
			buf_putc(out, ' ');
			continue;
		}
		int level = s->max > 0 ? (int)(v * 7.0 / (double)s->max + 0.5) : 0;
		buf_puts(out, blocks[level < 0 ? 0 : level > 7 ? 7 : level]);
	}
}

/* A name from IVS goes to the terminal: no control characters. */
static void put_clean(FILE *out, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, out);
}

void chart_print(FILE *out, const struct chart_line *l)
{
	const struct history_series *s = l->s;
	if (l->name && *l->name) {
		put_clean(out, l->name);
		fputs("  ", out);
	}
	put_clean(out, l->arn);
	fputc('\n', out);
	if (!s->points) {
		fputs("  no data in the window\n", out);
		return;
	}
	struct buf line = BUF_INIT;
	chart_sparkline(s, &line);
	fprintf(out, "  |%s|\n", buf_cstr(&line));
	buf_free(&line);
	char first[32], last[32], peak[32];
	local_minute(s->from_ms, first, sizeof(first));
	local_minute(history_series_time(s, s->width - 1), last, sizeof(last));
	local_minute(s->peak_ms, peak, sizeof(peak));
	/* the last minute's label ends under the chart's right edge */
	int pad = (int)s->width + 2 - (int)strlen(first) - (int)strlen(last);
	fprintf(out, "  %s%*s%s\n", first, pad > 1 ? pad : 1, "", last);
	fprintf(out, "  min %lld  max %lld  avg %.1f  peak %lld at %s  (%lld minutes with data",
		s->min, s->max, (double)s->sum / (double)s->points, s->max, peak, s->points);
	if (s->bucket_ms > HISTORY_MINUTE_MS)
		fprintf(out, ", %lld a column", s->bucket_ms / HISTORY_MINUTE_MS);
	fputs(")\n", out);
}
