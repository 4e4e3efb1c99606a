/*
 * history.c - `ivsvc history`: the viewer-count history of some channels
 * (each --channel, else every channel IVS lists) or of the whole table
 * (--all), as a chart per channel in the terminal, as rows (--format
 * csv|json) streamed as the pages arrive, or as an SVG file (--svg).
 *
 * Memory does not grow with the table: rows go out as they are read, and a
 * chart keeps width-many buckets per channel (app/history.h). Also lends
 * destroy the table's summary and its export (history.h).
 */
#include "history.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "app/history.h"
#include "aws/ivs.h"
#include "chart.h"
#include "cli.h"
#include "follow.h"
#include "output.h"

#define SVG_BUCKETS 600

enum row_format { ROWS_NONE, ROWS_CSV, ROWS_JSON };

/* Rows out: CSV with a header, or one JSON array written as it goes. */
struct row_writer {
	FILE *out;
	enum row_format format;
	size_t rows;
};

static void csv_field(FILE *out, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static void rows_begin(struct row_writer *w)
{
	w->rows = 0;
	fputs(w->format == ROWS_JSON ? "[" : "channel,channel_name,minute,count\n", w->out);
}

static void rows_put(struct row_writer *w, const char *arn, const char *name, long long time_ms,
		     long long count)
{
	char minute[32];
	history_format_minute(time_ms, minute, sizeof(minute));
	if (w->format == ROWS_CSV) {
		csv_field(w->out, arn);
		fputc(',', w->out);
		csv_field(w->out, name ? name : "");
		fprintf(w->out, ",%s,%lld\n", minute, count);
	} else {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "channel", arn);
		cJSON_AddStringToObject(o, "channelName", name ? name : "");
		cJSON_AddStringToObject(o, "minute", minute);
		cJSON_AddNumberToObject(o, "count", (double)count);
		char *s = cJSON_PrintUnformatted(o);
		fprintf(w->out, "%s\n%s", w->rows ? "," : "", s);
		free(s);
		cJSON_Delete(o);
	}
	w->rows++;
}

/* Returns -1 when anything written failed to reach the file. */
static int rows_end(struct row_writer *w)
{
	if (w->format == ROWS_JSON)
		fputs(w->rows ? "\n]\n" : "]\n", w->out);
	return fflush(w->out) != 0 || ferror(w->out) ? -1 : 0;
}

/* One run of the command (or of an export). */
struct hist {
	struct history_read r;
	const struct ivs_channel *ivs;    /* IVS's channels, for names */
	size_t n_ivs;
	struct row_writer w;
	struct history_series *chart, *svg; /* per channel index, grown as Scan finds more */
	size_t n_series, chart_width;     /* chart_width 0: no terminal chart */
	int want_svg;
	struct out_progress prog;
	/* destroy's summary */
	struct history_summary *sum;
};

/* The name IVS gives arn, or NULL. */
static const char *ivs_name(const struct hist *h, const char *arn)
{
	for (size_t i = 0; i < h->n_ivs; i++)
		if (strcmp(h->ivs[i].arn, arn) == 0)
			return h->ivs[i].name;
	return NULL;
}

static void series_grow(struct hist *h, size_t upto)
{
	if (upto <= h->n_series || (!h->chart_width && !h->want_svg))
		return;
	h->chart = xrealloc(h->chart, upto * sizeof(*h->chart));
	h->svg = xrealloc(h->svg, upto * sizeof(*h->svg));
	for (size_t i = h->n_series; i < upto; i++) {
		history_series_init(&h->chart[i], h->r.from_ms, h->r.to_ms,
				    h->chart_width ? h->chart_width : 1);
		history_series_init(&h->svg[i], h->r.from_ms, h->r.to_ms,
				    h->want_svg ? SVG_BUCKETS : 1);
	}
	h->n_series = upto;
}

static int on_row(void *user, const struct history_row *row, struct ivs_error *err)
{
	struct hist *h = user;
	(void)err;
	if (h->w.format != ROWS_NONE)
		rows_put(&h->w, row->channel, ivs_name(h, row->channel), row->time_ms, row->count);
	if (h->sum) {
		struct history_summary *s = h->sum;
		s->items++;
		if (s->first_ms < 0 || row->time_ms < s->first_ms)
			s->first_ms = row->time_ms;
		if (row->time_ms > s->last_ms)
			s->last_ms = row->time_ms;
	}
	series_grow(h, row->channel_index + 1);
	if (row->channel_index < h->n_series) {
		history_series_add(&h->chart[row->channel_index], row->time_ms, row->count);
		history_series_add(&h->svg[row->channel_index], row->time_ms, row->count);
	}
	return 0;
}

static void on_page(void *user, const struct history_read *r)
{
	struct hist *h = user;
	out_progress_update(&h->prog, "history: %zu rows read (%zu pages)", r->rows, r->pages);
}

static void hist_free(struct hist *h)
{
	for (size_t i = 0; i < h->n_series; i++) {
		history_series_free(&h->chart[i]);
		history_series_free(&h->svg[i]);
	}
	free(h->chart);
	free(h->svg);
	history_read_free(&h->r);
}

/* Reads, with the progress line on stderr; reports a malformed item. */
static int hist_run(struct aws_client *c, struct hist *h, struct ivs_error *err)
{
	out_progress_init(&h->prog, stderr);
	h->r.on_row = on_row;
	h->r.on_page = on_page;
	h->r.user = h;
	h->r.stop = &cli_interrupted;
	/* small pages for tests, to go through many LastEvaluatedKeys on a small table */
	const char *page = getenv("IVSVC_PAGE_ITEMS");
	h->r.page_items = page && atoi(page) > 0 ? (size_t)atoi(page) : 0;
	int rc = history_read_run(c, &h->r, err);
	out_progress_clear(&h->prog);
	if (h->r.malformed)
		cli_error("history: %zu items of %s could not be read and were left out; the "
			  "first: %s", h->r.malformed, h->r.table, h->r.first_malformed);
	return rc;
}

/* ---- the command ---- */

/* A duration ago ("24h") or an ISO 8601 time. */
static int parse_when(const char *s, long long now, long long *ms)
{
	long long d;
	if (out_parse_duration(s, &d) == 0) {
		*ms = now - d;
		return 0;
	}
	return out_parse_iso8601(s, ms);
}

static enum row_format format_of(const char *s)
{
	return !s ? ROWS_NONE : strcmp(s, "csv") == 0 ? ROWS_CSV : ROWS_JSON;
}

/* The window: --since (default 24h ago) to --until (default now); rows of
 * --all with neither are the whole history. */
static int parse_window(const struct cli_opts *o, long long now, long long *from,
			long long *to)
{
	*from = now - 24 * 3600 * 1000LL;
	*to = now;
	if (o->all && o->format && !o->since && !o->until) {
		*from = LLONG_MIN;
		*to = LLONG_MAX;
		return 0;
	}
	if (o->since && parse_when(o->since, now, from) < 0) {
		cli_error("history: --since '%s' is neither a duration (24h) nor ISO 8601", o->since);
		return -1;
	}
	if (o->until && parse_when(o->until, now, to) < 0) {
		cli_error("history: --until '%s' is neither a duration (1h) nor ISO 8601", o->until);
		return -1;
	}
	if (*from > *to) {
		cli_error("history: --since is after --until");
		return -1;
	}
	return 0;
}

int cmd_history_check(struct cli_ctx *x)
{
	const struct cli_opts *o = &x->o;
	long long from, to;
	if (o->format && strcmp(o->format, "csv") != 0 && strcmp(o->format, "json") != 0) {
		cli_error("history: --format is csv or json, not '%s'", o->format);
		return EXIT_USAGE;
	}
	if (o->all && o->n_channels) {
		cli_error("history: --all reads every channel; leave out --channel");
		return EXIT_USAGE;
	}
	return parse_window(o, out_now_ms(), &from, &to) < 0 ? EXIT_USAGE : EXIT_OK;
}

/* --table, else the stack's TableName output. NULL after saying why. */
static char *find_table(struct cli_ctx *x)
{
	if (x->o.table)
		return xstrdup(x->o.table);
	struct ivs_error err;
	struct cfn_stack s;
	int found = cfn_describe_stack(x->client, x->cfg.stack_name, &s, &err);
	if (found != 0) {
		if (found < 0)
			cli_report(&err);
		else
			cli_error("history: stack %s does not exist in %s; name a table with --table",
				  x->cfg.stack_name, aws_client_region(x->client));
		return NULL;
	}
	char *table = NULL;
	if (stack_fill_outputs(x->client, &s, &err) < 0)
		cli_report(&err);
	else if (!(table = (char *)cfn_kv_get(s.outputs, s.n_outputs, "TableName")))
		cli_error("history: stack %s has no TableName output; name a table with --table",
			  x->cfg.stack_name);
	table = table ? xstrdup(table) : NULL;
	cfn_stack_free(&s);
	return table;
}

/* Appends the channels --channel names (an ARN, or every channel IVS
 * gives that name). -1 after saying which name is unknown. */
static int add_named(struct hist *h, const char *region, const char *want, const char ***v,
		     size_t *n)
{
	/* *v has room for every --channel and every IVS channel (pick_channels) */
	if (strncmp(want, "arn:", 4) == 0) {
		(*v)[(*n)++] = want;
		return 0;
	}
	size_t before = *n;
	for (size_t i = 0; i < h->n_ivs; i++)
		if (strcmp(h->ivs[i].name, want) == 0)
			(*v)[(*n)++] = h->ivs[i].arn;
	if (*n > before)
		return 0;
	cli_error("history: no channel named '%s' in %s (IVS lists %zu channels there)", want,
		  region, h->n_ivs);
	return -1;
}

/* The channels to Query (h->r.channels), or --all. Returns EXIT_OK or the
 * exit code after saying why. */
static int pick_channels(struct cli_ctx *x, struct hist *h, const char ***v)
{
	const struct cli_opts *o = &x->o;
	struct ivs_error err;
	struct ivs_channel *ivs = NULL;
	int listed = ivs_list_channels(x->client, &ivs, &h->n_ivs, &err) == 0;
	h->ivs = ivs;
	if (!listed) {
		h->n_ivs = 0;
		cli_error("history: could not list the IVS channels (names left out): %s",
			  err.message);
	}
	h->r.all = o->all || (!o->n_channels && !listed);
	if (h->r.all)
		return EXIT_OK;
	/* a name may stand for several channels, each at most once a --channel */
	size_t n = 0, cap = (size_t)o->n_channels * (h->n_ivs + 1) + h->n_ivs + 1;
	*v = xcalloc(cap, sizeof(**v));
	for (int i = 0; i < o->n_channels; i++)
		if (add_named(h, aws_client_region(x->client), o->channels[i], v, &n) < 0)
			return EXIT_USAGE;
	for (size_t i = 0; !o->n_channels && i < h->n_ivs; i++)
		(*v)[n++] = h->ivs[i].arn;
	h->r.channels = *v;
	h->r.n_channels = n;
	return EXIT_OK;
}

static size_t terminal_columns(void)
{
	struct winsize ws;
	const char *env = getenv("COLUMNS");
	if (env && atoi(env) > 0)
		return (size_t)atoi(env);
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

/* The charts, in channel order: the terminal's, or the SVG file. */
static int draw(struct cli_ctx *x, struct hist *h, int terminal)
{
	struct chart_line *lines = xcalloc(h->n_series + 1, sizeof(*lines));
	for (size_t i = 0; i < h->n_series; i++) {
		lines[i].arn = history_read_channel(&h->r, i);
		lines[i].name = ivs_name(h, lines[i].arn);
		lines[i].s = terminal ? &h->chart[i] : &h->svg[i];
		if (terminal)
			chart_print(stdout, &lines[i]);
	}
	int rc = EXIT_OK;
	if (!terminal) {
		FILE *f = fopen(x->o.svg, "w");
		struct buf title = BUF_INIT;
		buf_printf(&title, "Viewers per minute, table %s", h->r.table);
		if (f)
			chart_svg(f, lines, h->n_series, buf_cstr(&title));
		if (!f || fclose(f) != 0) {
			cli_error("history: could not write %s", x->o.svg);
			rc = EXIT_FAILED;
		}
		buf_free(&title);
	}
	free(lines);
	return rc;
}

int cmd_history(struct cli_ctx *x)
{
	struct hist h;
	memset(&h, 0, sizeof(h));
	const char **chans = NULL;
	struct ivs_error err;
	int rc = EXIT_FAILED;
	h.r.table = find_table(x);
	if (h.r.table && (rc = pick_channels(x, &h, &chans)) == EXIT_OK) {
		parse_window(&x->o, out_now_ms(), &h.r.from_ms, &h.r.to_ms);
		h.w.out = stdout;
		h.w.format = format_of(x->o.format);
		h.want_svg = x->o.svg != NULL;
		if (h.w.format == ROWS_NONE)
			h.chart_width = terminal_columns() > 14 ? terminal_columns() - 4 : 10;
		series_grow(&h, h.r.n_channels);
		if (h.w.format != ROWS_NONE)
			rows_begin(&h.w);
		rc = hist_run(x->client, &h, &err) < 0 ? cli_exit_code(&err) : EXIT_OK;
		if (rc != EXIT_OK)
			cli_report(&err);
		if (h.w.format != ROWS_NONE && rows_end(&h.w) < 0 && rc == EXIT_OK) {
			cli_error("history: writing the rows failed");
			rc = EXIT_FAILED;
		}
		if (rc == EXIT_OK && h.chart_width && !h.n_series)
			printf("no channels to show (IVS lists none and the table has no rows in "
			       "the window)\n");
		if (rc == EXIT_OK && h.chart_width)
			rc = draw(x, &h, 1);
		if (rc == EXIT_OK && h.want_svg)
			rc = draw(x, &h, 0);
	}
	free((char *)h.r.table);
	free(chans);
	hist_free(&h);
	ivs_channels_free((struct ivs_channel *)h.ivs, h.n_ivs);
	return rc;
}

/* ---- for destroy: what goes, and a copy first ---- */

int history_summary(struct aws_client *c, const char *table, struct history_summary *out,
		    struct ivs_error *err)
{
	struct hist h;
	memset(&h, 0, sizeof(h));
	memset(out, 0, sizeof(*out));
	out->first_ms = out->last_ms = -1;
	h.sum = out;
	h.r.table = table;
	h.r.all = 1;
	h.r.from_ms = LLONG_MIN;
	h.r.to_ms = LLONG_MAX;
	int rc = hist_run(c, &h, err);
	out->channels = h.r.n_extra;
	out->malformed = h.r.malformed;
	hist_free(&h);
	return rc;
}

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);
	return n >= t && strcmp(s + n - t, tail) == 0;
}

/* The rows up to to_ms into f, names from IVS when it answers. */
static int export_rows(struct aws_client *c, const char *table, FILE *f, int json,
		       long long to_ms, size_t *rows, struct ivs_error *err)
{
	struct hist h;
	memset(&h, 0, sizeof(h));
	struct ivs_channel *ivs = NULL;
	struct ivs_error ignored;
	if (ivs_list_channels(c, &ivs, &h.n_ivs, &ignored) < 0)
		h.n_ivs = 0;
	h.ivs = ivs;
	h.r.table = table;
	h.r.all = 1;
	h.r.from_ms = LLONG_MIN;
	h.r.to_ms = to_ms;
	h.w.out = f;
	h.w.format = json ? ROWS_JSON : ROWS_CSV;
	rows_begin(&h.w);
	int rc = hist_run(c, &h, err);
	int werr = rows_end(&h.w);
	*rows = h.w.rows;
	if (rc == 0 && h.r.malformed)
		rc = ivs_error_set_kind(err, IVS_ERR_BAD_RESPONSE, "MalformedItem",
					"%zu items could not be read (%s)", h.r.malformed,
					h.r.first_malformed);
	if (rc == 0 && werr < 0)
		rc = ivs_error_set_kind(err, IVS_ERR_BAD_INPUT, "ExportFailed",
					"writing the rows failed");
	hist_free(&h);
	ivs_channels_free(ivs, h.n_ivs);
	return rc;
}

int history_export(struct aws_client *c, const char *table, const char *path, size_t *rows,
		   struct ivs_error *err)
{
	/* written beside, renamed when complete: a failed export leaves no
	 * file that looks like one */
	struct buf tmp = BUF_INIT;
	buf_printf(&tmp, "%s.part", path);
	FILE *f = fopen(buf_cstr(&tmp), "w");
	long long now = out_now_ms();
	*rows = 0;
	int rc = f ? export_rows(c, table, f, ends_with(path, ".json"), now, rows, err)
		   : ivs_error_set_kind(err, IVS_ERR_BAD_INPUT, "ExportFailed", "cannot write %s",
					buf_cstr(&tmp));
	if (f && fclose(f) != 0 && rc == 0)
		rc = ivs_error_set_kind(err, IVS_ERR_BAD_INPUT, "ExportFailed",
					"writing %s failed", buf_cstr(&tmp));
	/* the table's own count over the same window, read separately */
	struct history_read count = { .table = table, .all = 1, .count_only = 1,
				      .from_ms = LLONG_MIN, .to_ms = now, .on_row = on_row };
	count.page_items = getenv("IVSVC_PAGE_ITEMS") ? (size_t)atoi(getenv("IVSVC_PAGE_ITEMS")) : 0;
	if (rc == 0 && (rc = history_read_run(c, &count, err)) == 0 && count.counted != *rows)
		rc = ivs_error_set_kind(err, IVS_ERR_BAD_RESPONSE, "CountMismatch",
					"wrote %zu rows but the table counts %zu items (did the "
					"schedule write meanwhile?)", *rows, count.counted);
	history_read_free(&count);
	if (rc == 0 && rename(buf_cstr(&tmp), path) != 0)
		rc = ivs_error_set_kind(err, IVS_ERR_BAD_INPUT, "ExportFailed",
					"cannot rename %s to %s", buf_cstr(&tmp), path);
	if (rc < 0 && f)
		remove(buf_cstr(&tmp));
	buf_free(&tmp);
	return rc;
}

static int print_summary(struct aws_client *c, const char *table)
{
	struct history_summary s;
	struct ivs_error err;
	if (history_summary(c, table, &s, &err) < 0) {
		cli_report(&err);
		return cli_exit_code(&err);
	}
	if (!s.items) {
		printf("The table %s holds no viewer counts.\n", table);
		return EXIT_OK;
	}
	char first[40], last[40];
	out_format_local(s.first_ms, 1, first, sizeof(first));
	out_format_local(s.last_ms, 1, last, sizeof(last));
	printf("The table %s holds %zu viewer counts of %zu channels, the first minute %s, "
	       "the last %s (local time)%s.\n",
	       table, s.items, s.channels, first, last,
	       s.malformed ? ", and items that could not be read" : "");
	return EXIT_OK;
}

static int export_for_destroy(struct aws_client *c, const char *table, const char *path)
{
	size_t rows = 0;
	struct ivs_error err;
	if (!table) {
		cli_error("the stack names no table to export to %s; nothing was deleted", path);
		return EXIT_FAILED;
	}
	if (history_export(c, table, path, &rows, &err) < 0) {
		ivs_error_prefix(&err, "exporting table %s to %s; nothing was deleted", table, path);
		cli_report(&err);
		return cli_exit_code(&err) == EXIT_USAGE ? EXIT_FAILED : cli_exit_code(&err);
	}
	printf("Exported %zu viewer counts to %s (the table's count agrees).\n", rows, path);
	return EXIT_OK;
}

int history_before_destroy(struct aws_client *c, const char *table, const char *export_path)
{
	/* the summary is for the reader; not reading it does not stop destroy */
	if (table)
		print_summary(c, table);
	int rc = export_path ? export_for_destroy(c, table, export_path) : EXIT_OK;
	fflush(stdout);
	return rc;
}
