/*
 * cost.c - `ivsvc cost`: what the pipeline costs a month in its region, as
 * a table: Lambda requests and compute (the schedule x the measured or
 * assumed duration x memory), DynamoDB writes, reads and storage (channels
 * asked from IVS x the window), CloudWatch Logs ingestion and storage, and
 * IVS timed metadata as IVS's pricing states it.
 *
 * Every figure that is not measured is an assumption printed with the
 * estimate; prices come from prices.c, and a region missing there gives
 * quantities without prices (said, not guessed).
 *
 * Owns: struct cost_model and its lines.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "aws/ivs.h"
#include "aws/logs.h"
#include "cli.h"
#include "follow.h"
#include "output.h"
#include "prices.h"

#define MONTH_MINUTES (730.0 * 60)       /* AWS prices a month as 730 hours */
#define GIB (1024.0 * 1024 * 1024)
#define ASSUMED_BILLED_MS 1000.0
#define ASSUMED_LOG_BYTES 1200.0         /* START, END, REPORT and one tick line */
#define LOG_EVENT_OVERHEAD 26.0          /* CloudWatch meters 26 bytes more an event */
#define DDB_ITEM_OVERHEAD 100.0          /* DynamoDB stores 100 bytes more an item */
#define MEASURE_MS (60 * 60 * 1000LL)    /* REPORT lines of the last hour */

struct cost_line {
	const char *key;          /* JSON name */
	const char *label;
	double qty;
	const char *unit;
	double price;             /* USD per `per` units; < 0: no price */
	double per;
	const char *price_unit;   /* "per 1M requests" */
	char note[160];
};

struct cost_model {
	const char *stack, *region;
	const struct region_prices *p;
	long period_s;
	int window, memory_mb, data_days, log_days;
	double channels, arn_len, billed_ms, log_bytes, ticks;
	struct buf notes;         /* one assumption or measurement a line */
	struct cost_line lines[8];
	size_t n;
};

static void note(struct cost_model *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct cost_model *m, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&m->notes, fmt, ap);
	va_end(ap);
	buf_putc(&m->notes, '\n');
}

/* ivsvc.yaml's value, else the template's Default, else dflt. */
static const char *setting(struct cli_ctx *x, enum config_param p, const char *dflt)
{
	if (x->cfg.params[p])
		return x->cfg.params[p];
	const char *name = config_param_template_name(p);
	for (size_t i = 0; i < x->tmpl.n_params; i++)
		if (strcmp(x->tmpl.params[i].name, name) == 0 && x->tmpl.params[i].default_value)
			return x->tmpl.params[i].default_value;
	return dflt;
}

static long period_of(const char *schedule)
{
	long n = 0;
	char unit[16] = "";
	if (sscanf(schedule, "rate(%ld %15[a-z]", &n, unit) != 2 || n <= 0)
		return 60;
	return n * (unit[0] == 'h' ? 3600 : unit[0] == 'd' ? 86400 : 60);
}

/* Billed durations and log bytes of the function's last runs. */
static void measure_runs(struct cost_model *m, struct aws_client *c, const char *group)
{
	struct logs_filter f = { .group = group, .max_pages = 20 };
	f.start_ms = out_now_ms() - MEASURE_MS;
	struct logs_event *v = NULL;
	size_t n = 0, reports = 0;
	double billed = 0, bytes = 0;
	struct ivs_error err;
	if (logs_filter_events(c, &f, &v, &n, &err) < 0) {
		char line[700];
		note(m, "could not read log group %s (%s)", group,
		     ivs_error_format(&err, line, sizeof(line)));
	}
	for (size_t i = 0; i < n; i++) {
		const char *b = strstr(v[i].message, "Billed Duration: ");
		bytes += (double)strlen(v[i].message) + LOG_EVENT_OVERHEAD;
		if (strncmp(v[i].message, "REPORT ", 7) == 0 && b) {
			billed += atof(b + 17);
			reports++;
		}
	}
	logs_events_free(v, n);
	if (reports) {
		m->billed_ms = billed / (double)reports;
		m->log_bytes = bytes / (double)reports;
		note(m, "duration: measured, %zu REPORT lines in the last hour of %s: mean billed "
			"%.0f ms; %.0f log bytes a run", reports, group, m->billed_ms, m->log_bytes);
	}
}

/* The stack's runs when it exists, the number of channels from IVS. */
static void gather(struct cost_model *m, struct aws_client *c)
{
	struct ivs_error err;
	char line[700];
	struct cfn_stack s;
	m->billed_ms = -1;
	int found = cfn_describe_stack(c, m->stack, &s, &err);
	if (found == 0) {
		char *group = NULL;
		if (stack_fill_outputs(c, &s, &err) == 0)
			group = xstrdup(cfn_kv_get(s.outputs, s.n_outputs, "LogGroupName"));
		cfn_stack_free(&s);
		measure_runs(m, c, group ? group : "/aws/lambda/(unknown)");
		free(group);
	} else if (found < 0) {
		note(m, "could not read stack %s (%s)", m->stack,
		     ivs_error_format(&err, line, sizeof(line)));
	}
	if (m->billed_ms < 0) {
		m->billed_ms = ASSUMED_BILLED_MS;
		m->log_bytes = ASSUMED_LOG_BYTES;
		note(m, "duration: assumed %.0f ms billed and %.0f log bytes a run (no runs of stack "
			"%s measured)", ASSUMED_BILLED_MS, ASSUMED_LOG_BYTES, m->stack);
	}
	struct ivs_channel *ch = NULL;
	size_t n = 0;
	m->arn_len = 55;
	if (ivs_list_channels(c, &ch, &n, &err) == 0) {
		double len = 0;
		for (size_t i = 0; i < n; i++)
			len += (double)strlen(ch[i].arn);
		if (n)
			m->arn_len = len / (double)n;
		m->channels = (double)n;
		note(m, "channels: %zu (IVS ListChannels in %s), all counted as live for reads and "
			"metadata: an upper bound", n, m->region);
		ivs_channels_free(ch, n);
	} else {
		m->channels = 1;
		note(m, "channels: assumed 1: IVS ListChannels failed (%s)",
		     ivs_error_format(&err, line, sizeof(line)));
	}
}

static struct cost_line *add(struct cost_model *m, const char *key, const char *label, double qty,
			     const char *unit, double price, double per, const char *price_unit)
{
	struct cost_line *l = &m->lines[m->n++];
	*l = (struct cost_line){ key, label, qty, unit, m->p ? price : -1, per, price_unit, "" };
	return l;
}

/* DynamoDB's size of one item: attribute names and values, plus its overhead. */
static double item_bytes(const struct cost_model *m)
{
	double b = 7 + m->arn_len + 4 + 8 + 5 + 4 + DDB_ITEM_OVERHEAD;
	return m->data_days > 0 ? b + 7 + 6 : b;
}

static void price_lines(struct cost_model *m)
{
	const struct region_prices *p = m->p;
	struct region_prices none = { 0 };
	if (!p)
		p = &none;
	double ticks = m->ticks = MONTH_MINUTES * 60 / (double)m->period_s;
	double gb_s = ticks * m->billed_ms / 1000 * m->memory_mb / 1024.0;
	add(m, "lambdaRequests", "Lambda requests", ticks, "requests", p->lambda_requests_m, 1e6,
	    "per 1M requests");
	snprintf(add(m, "lambdaCompute", "Lambda compute", gb_s, "GB-s", p->lambda_gb_s, 1,
		     "per GB-s")->note, 160, "%.0f runs x %.0f ms x %d MB", ticks, m->billed_ms,
		 m->memory_mb);
	snprintf(add(m, "dynamodbWrites", "DynamoDB writes", ticks * m->channels, "WRU",
		     p->ddb_wru_m, 1e6, "per 1M WRU")->note, 160,
		 "channels (%.0f) x 1 item a run", m->channels);
	snprintf(add(m, "dynamodbReads", "DynamoDB reads",
		     ticks * m->channels * (m->window - 1) * 0.5, "RRU", p->ddb_rru_m, 1e6,
		     "per 1M RRU")->note, 160,
		 "%.0f live x %d earlier minutes, eventually consistent", m->channels,
		 m->window - 1);
	double growth = ticks * m->channels * item_bytes(m) / GIB;
	double kept = m->data_days > 0 ? growth * m->data_days * 1440.0 / MONTH_MINUTES : growth;
	struct cost_line *st = add(m, "dynamodbStorage", "DynamoDB storage", kept, "GB-month",
				   p->ddb_storage_gb, 1, "per GB-month");
	if (m->data_days > 0)
		snprintf(st->note, 160, "steady: %d days kept", m->data_days);
	else
		snprintf(st->note, 160, "month 1; grows %.4g GB a month", growth);
	double logs = ticks * m->log_bytes / GIB;
	snprintf(add(m, "logsIngestion", "CloudWatch Logs ingestion", logs, "GB", p->logs_ingest_gb,
		     1, "per GB")->note, 160, "%.0f bytes a run", m->log_bytes);
	double logs_kept = m->log_days > 0 ? logs * m->log_days * 1440.0 / MONTH_MINUTES : logs;
	snprintf(add(m, "logsStorage", "CloudWatch Logs storage", logs_kept, "GB-month",
		     p->logs_storage_gb, 1, "per GB-month")->note, 160, "%d days kept",
		 m->log_days);
	struct cost_line *md = add(m, "ivsTimedMetadata", "IVS timed metadata", ticks * m->channels,
				   "PutMetadata calls", 0, 1, "no charge listed");
	snprintf(md->note, 160, "see the note below");
	if (m->p)
		note(m, "storage: without data_retention_days the table grows %.4g GB a month (USD "
			"%.4f more each month); data_retention_days: 30 keeps it at %.4g GB", growth,
		     growth * p->ddb_storage_gb, growth * 30 * 1440.0 / MONTH_MINUTES);
	else
		note(m, "storage: without data_retention_days the table grows %.4g GB a month; "
			"data_retention_days: 30 keeps it at %.4g GB", growth,
		     growth * 30 * 1440.0 / MONTH_MINUTES);
}

static double line_usd(const struct cost_line *l)
{
	return l->price < 0 ? NAN : l->qty / l->per * l->price;
}

/* "0.0000166667 per GB-s": decimals, never an exponent. */
static void format_price(double price, const char *unit, char *out, size_t n)
{
	char num[40];
	snprintf(num, sizeof(num), "%.10f", price);
	size_t len = strlen(num);
	while (len > 1 && num[len - 1] == '0' && num[len - 2] != '.')
		num[--len] = '\0';
	snprintf(out, n, "%s %s", num, unit);
}

static void print_text(const struct cost_model *m)
{
	printf("Monthly estimate for stack %s in %s (%.0f runs: one every %lds)\n", m->stack,
	       m->region, m->ticks, m->period_s);
	struct out_table t;
	out_table_init(&t, 5);
	const char *head[5] = { "ITEM", "QUANTITY", "PRICE (USD)", "USD/MONTH", "HOW" };
	out_table_add(&t, head);
	double total = 0;
	for (size_t i = 0; i < m->n; i++) {
		const struct cost_line *l = &m->lines[i];
		char qty[64], price[64], usd[32];
		snprintf(qty, sizeof(qty), "%.6g %s", l->qty, l->unit);
		if (l->price < 0)
			snprintf(price, sizeof(price), "-");
		else if (l->price == 0)
			snprintf(price, sizeof(price), "%s", l->price_unit);
		else
			format_price(l->price, l->price_unit, price, sizeof(price));
		snprintf(usd, sizeof(usd), l->price < 0 ? "-" : "%.2f", line_usd(l));
		total += l->price < 0 ? 0 : line_usd(l);
		const char *row[5] = { l->label, qty, price, usd, l->note };
		out_table_add(&t, row);
	}
	char sum[32];
	snprintf(sum, sizeof(sum), m->p ? "%.2f" : "unknown", total);
	const char *last[5] = { "Total", "", "", sum, "free tiers not subtracted" };
	out_table_add(&t, last);
	out_table_print(&t, stdout, 2);
	out_table_free(&t);
	if (!m->p)
		printf("No prices for %s in ivsvc's table (it has %s): quantities only.\n",
		       m->region, prices_regions());
	printf("Prices written down %s from %s.\n", PRICES_READ, PRICES_SOURCE);
	printf("IVS timed metadata: %s.\n", PRICES_IVS_METADATA);
	printf("%s", buf_cstr(&m->notes));
}

static void print_json(const struct cost_model *m)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "stack", m->stack);
	cJSON_AddStringToObject(doc, "region", m->region);
	cJSON_AddNumberToObject(doc, "runsPerMonth", m->ticks);
	cJSON_AddBoolToObject(doc, "pricesKnown", m->p != NULL);
	cJSON_AddStringToObject(doc, "pricesRead", PRICES_READ);
	cJSON_AddStringToObject(doc, "pricesSource", PRICES_SOURCE);
	cJSON_AddStringToObject(doc, "ivsTimedMetadata", PRICES_IVS_METADATA);
	cJSON *lines = cJSON_AddArrayToObject(doc, "lines");
	double total = 0;
	for (size_t i = 0; i < m->n; i++) {
		const struct cost_line *l = &m->lines[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "item", l->key);
		cJSON_AddNumberToObject(o, "quantity", l->qty);
		cJSON_AddStringToObject(o, "unit", l->unit);
		if (l->price < 0) {
			cJSON_AddNullToObject(o, "unitPrice");
			cJSON_AddNullToObject(o, "usd");
		} else {
			cJSON_AddNumberToObject(o, "unitPrice", l->price);
			cJSON_AddNumberToObject(o, "usd", line_usd(l));
			total += line_usd(l);
		}
		cJSON_AddStringToObject(o, "priceUnit", l->price_unit);
		cJSON_AddStringToObject(o, "how", l->note);
		cJSON_AddItemToArray(lines, o);
	}
	if (m->p)
		cJSON_AddNumberToObject(doc, "totalUsd", total);
	else
		cJSON_AddNullToObject(doc, "totalUsd");
	cJSON *notes = cJSON_AddArrayToObject(doc, "assumptions");
	char *all = xstrdup(buf_cstr(&m->notes));
	for (char *save = NULL, *s = strtok_r(all, "\n", &save); s; s = strtok_r(NULL, "\n", &save))
		cJSON_AddItemToArray(notes, cJSON_CreateString(s));
	free(all);
	out_json_print(doc, stdout, 0);
	cJSON_Delete(doc);
}

int cmd_cost(struct cli_ctx *x)
{
	struct cost_model m = { .stack = x->cfg.stack_name };
	m.region = aws_client_region(x->client);
	m.p = prices_for(m.region);
	m.period_s = period_of(setting(x, CONFIG_SCHEDULE, "rate(1 minute)"));
	m.window = atoi(setting(x, CONFIG_WINDOW_MINUTES, "5"));
	m.memory_mb = atoi(setting(x, CONFIG_MEMORY, "256"));
	m.data_days = atoi(setting(x, CONFIG_DATA_RETENTION_DAYS, "0"));
	m.log_days = atoi(setting(x, CONFIG_LOG_RETENTION_DAYS, "14"));
	if (m.window < 1)
		m.window = 1;
	gather(&m, x->client);
	price_lines(&m);
	if (x->o.json)
		print_json(&m);
	else
		print_text(&m);
	buf_free(&m.notes);
	return EXIT_OK;
}
