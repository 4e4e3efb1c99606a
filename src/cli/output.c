/*
 * output.c - durations, times, tables, the progress line and JSON printing
 * for the subcommands (see output.h).
 */
#include "output.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws/buf.h"

int out_parse_duration(const char *s, long long *ms)
{
	if (!s || !*s)
		return -1;
	long long total = 0;
	const char *p = s;
	while (*p) {
		if (!isdigit((unsigned char)*p))
			return -1;
		long long v = 0;
		while (isdigit((unsigned char)*p)) {
			v = v * 10 + (*p - '0');
			if (v > 1000000000LL)
				return -1;
			p++;
		}
		long long unit;
		if (strncmp(p, "ms", 2) == 0) {
			unit = 1;
			p += 2;
		} else if (*p == 's') {
			unit = 1000;
			p++;
		} else if (*p == 'm') {
			unit = 60 * 1000;
			p++;
		} else if (*p == 'h') {
			unit = 3600 * 1000;
			p++;
		} else if (*p == 'd') {
			unit = 86400LL * 1000;
			p++;
		} else if (*p == '\0' && p != s && total == 0) {
			unit = 1000; /* a bare number: seconds */
		} else {
			return -1;
		}
		total += v * unit;
	}
	*ms = total;
	return 0;
}

void out_format_age(long long seconds, char *buf, size_t n)
{
	if (seconds < 0)
		seconds = 0;
	if (seconds < 60)
		snprintf(buf, n, "%llds", seconds);
	else if (seconds < 3600)
		snprintf(buf, n, "%lldm", seconds / 60);
	else if (seconds < 86400)
		snprintf(buf, n, "%lldh%02lldm", seconds / 3600, (seconds % 3600) / 60);
	else
		snprintf(buf, n, "%lldd%02lldh", seconds / 86400, (seconds % 86400) / 3600);
}

int out_parse_iso8601(const char *s, long long *ms)
{
	if (!s)
		return -1;
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return -1;
	long long frac = 0;
	if (*p == '.') {
		p++;
		int digits = 0;
		while (isdigit((unsigned char)*p)) {
			if (digits < 3) {
				frac = frac * 10 + (*p - '0');
				digits++;
			}
			p++;
		}
		while (digits++ < 3)
			frac *= 10;
	}
	long long offset = 0;
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1;
		int hh, mm;
		if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2)
			return -1;
		offset = sign * (hh * 3600LL + mm * 60LL);
		p += 6;
	}
	if (*p != '\0')
		return -1;
	time_t t = timegm(&tm);
	*ms = ((long long)t - offset) * 1000 + frac;
	return 0;
}

void out_format_local(long long epoch_ms, int with_date, char *buf, size_t n)
{
	time_t t = (time_t)(epoch_ms / 1000);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(buf, n, with_date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm);
}

void out_format_utc(long long epoch_ms, char *buf, size_t n)
{
	time_t t = (time_t)(epoch_ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	char base[32];
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, n, "%s.%03lldZ", base, epoch_ms % 1000);
}

long long out_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void out_table_init(struct out_table *t, size_t ncols)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
}

void out_table_add(struct out_table *t, const char *const *row)
{
	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 8;
		t->cells = xrealloc(t->cells, t->cap * t->ncols * sizeof(char *));
	}
	for (size_t c = 0; c < t->ncols; c++)
		t->cells[t->nrows * t->ncols + c] = xstrdup(row[c] ? row[c] : "-");
	t->nrows++;
}

void out_table_print(const struct out_table *t, FILE *out, int indent)
{
	size_t *width = xcalloc(t->ncols, sizeof(size_t));
	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			size_t w = strlen(t->cells[r * t->ncols + c]);
			if (w > width[c])
				width[c] = w;
		}
	struct buf line = BUF_INIT;
	for (size_t r = 0; r < t->nrows; r++) {
		buf_reset(&line);
		buf_printf(&line, "%*s", indent, "");
		for (size_t c = 0; c < t->ncols; c++) {
			const char *cell = t->cells[r * t->ncols + c];
			if (c + 1 == t->ncols)
				buf_puts(&line, cell);
			else
				buf_printf(&line, "%-*s  ", (int)width[c], cell);
		}
		/* Empty trailing cells leave padding nobody wants to see. */
		while (line.len && line.data[line.len - 1] == ' ')
			line.data[--line.len] = '\0';
		fprintf(out, "%s\n", buf_cstr(&line));
	}
	buf_free(&line);
	free(width);
}

void out_table_free(struct out_table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

void out_progress_init(struct out_progress *p, FILE *out)
{
	p->out = out;
	p->tty = isatty(fileno(out));
	p->shown = 0;
}

void out_progress_update(struct out_progress *p, const char *fmt, ...)
{
	if (!p->tty)
		return;
	va_list ap;
	va_start(ap, fmt);
	fputs("\r", p->out);
	vfprintf(p->out, fmt, ap);
	fputs("\033[K", p->out);
	va_end(ap);
	fflush(p->out);
	p->shown = 1;
}

void out_progress_clear(struct out_progress *p)
{
	if (!p->shown)
		return;
	fputs("\r\033[K", p->out);
	fflush(p->out);
	p->shown = 0;
}

void out_json_print(const cJSON *doc, FILE *out, int compact)
{
	char *s = compact ? cJSON_PrintUnformatted(doc) : cJSON_Print(doc);
	if (!s)
		return;
	fprintf(out, "%s\n", s);
	free(s);
	fflush(out);
}

char *out_chomp(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}
