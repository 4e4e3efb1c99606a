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
 * deploy and diff print the estimate's change before asking (cost.h): the
 * same model priced twice, with the stack's parameters and with ivsvc.yaml's.
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
#include "cost.h"
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
	enum price_field field;   /* which check confirms the price */
	char note[160];
};

struct cost_model {
	const char *stack, *region;
	const struct region_prices *p;
	long period_s;
	int window, memory_mb, data_days, log_days;
	double channels, arn_len, billed_ms, log_bytes, ticks, growth;
	struct buf notes;         /* one assumption or measurement a line */
	struct cost_line lines[10];
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

/* With s: the stack's parameter; else ivsvc.yaml's value; then the
 * template's Default, else dflt. */
static const char *setting(const struct cli_ctx *x, const struct cfn_stack *s,
			   enum config_param p, const char *dflt)
{
	const char *name = config_param_template_name(p);
	const char *v = s ? cfn_kv_get(s->params, s->n_params, name) : x->cfg.params[p];
	if (v)
		return v;
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

/* The stack's runs when it exists, the number of channels from IVS.
 * Returns 1 when the stack exists (s filled, the caller frees it), else 0. */
static int gather(struct cost_model *m, struct aws_client *c, struct cfn_stack *s)
{
	struct ivs_error err;
	char line[700];
	m->billed_ms = -1;
	int found = cfn_describe_stack(c, m->stack, s, &err);
	if (found == 0 && strcmp(s->status, "REVIEW_IN_PROGRESS") == 0) {
		cfn_stack_free(s); /* made for a first change set: nothing runs yet */
		found = 1;
	}
	if (found == 0) {
		char *group = NULL;
		if (stack_fill_outputs(c, s, &err) == 0)
			group = xstrdup(cfn_kv_get(s->outputs, s->n_outputs, "LogGroupName"));
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
	return found == 0;
}

static struct cost_line *add(struct cost_model *m, enum price_field field, const char *key,
			     const char *label, double qty, const char *unit, double price,
			     double per, const char *price_unit)
{
	struct cost_line *l = &m->lines[m->n++];
	*l = (struct cost_line){ key, label, qty, unit, m->p ? price : -1, per, price_unit, field,
				 "" };
	return l;
}

/* DynamoDB's size of one item: attribute names and values, plus its overhead. */
static double item_bytes(const struct cost_model *m)
{
	double b = 7 + m->arn_len + 4 + 8 + 5 + 4 + DDB_ITEM_OVERHEAD;
	return m->data_days > 0 ? b + 7 + 6 : b;
}

/* The storage note: growth with and without data_retention_days. */
static void storage_note(struct cost_model *m, double price)
{
	double g = m->growth, kept30 = g * 30 * 1440.0 / MONTH_MINUTES;
	char usd[64] = "";
	if (m->p)
		snprintf(usd, sizeof(usd), " (USD %.4f more each month)", g * price);
	if (m->data_days > 0)
		note(m, "storage: data_retention_days %d keeps the table at %.4g GB; without it "
			"the table would grow %.4g GB a month%s", m->data_days,
		     g * m->data_days * 1440.0 / MONTH_MINUTES, g, usd);
	else
		note(m, "storage: without data_retention_days the table grows %.4g GB a month%s; "
			"data_retention_days: 30 would keep it at %.4g GB", g, usd, kept30);
}

static void price_lines(struct cost_model *m)
{
	const struct region_prices *p = m->p;
	struct region_prices none = { 0 };
	if (!p)
		p = &none;
	double ticks = m->ticks = MONTH_MINUTES * 60 / (double)m->period_s;
	double gb_s = ticks * m->billed_ms / 1000 * m->memory_mb / 1024.0;
	add(m, PRICE_LAMBDA_REQUESTS, "lambdaRequests", "Lambda requests", ticks, "requests",
	    p->lambda_requests_m, 1e6, "per 1M requests");
	snprintf(add(m, PRICE_LAMBDA_GB_S, "lambdaCompute", "Lambda compute", gb_s, "GB-s",
		     p->lambda_gb_s, 1, "per GB-s")->note, 160, "%.0f runs x %.0f ms x %d MB",
		 ticks, m->billed_ms, m->memory_mb);
	snprintf(add(m, PRICE_DDB_WRU, "dynamodbWrites", "DynamoDB writes", ticks * m->channels,
		     "WRU", p->ddb_wru_m, 1e6, "per 1M WRU")->note, 160,
		 "channels (%.0f) x 1 item a run", m->channels);
	snprintf(add(m, PRICE_DDB_RRU, "dynamodbReads", "DynamoDB reads",
		     ticks * m->channels * (m->window - 1) * 0.5, "RRU", p->ddb_rru_m, 1e6,
		     "per 1M RRU")->note, 160,
		 "%.0f live x %d earlier minutes, eventually consistent", m->channels,
		 m->window - 1);
	double growth = m->growth = ticks * m->channels * item_bytes(m) / GIB;
	double kept = m->data_days > 0 ? growth * m->data_days * 1440.0 / MONTH_MINUTES : growth;
	struct cost_line *st = add(m, PRICE_DDB_STORAGE, "dynamodbStorage", "DynamoDB storage",
				   kept, "GB-month", p->ddb_storage_gb, 1, "per GB-month");
	if (m->data_days > 0)
		snprintf(st->note, 160, "steady: %d days kept", m->data_days);
	else
		snprintf(st->note, 160, "month 1; grows %.4g GB a month", growth);
	double logs = ticks * m->log_bytes / GIB;
	snprintf(add(m, PRICE_LOGS_INGEST, "logsIngestion", "CloudWatch Logs ingestion", logs, "GB",
		     p->logs_ingest_gb, 1, "per GB")->note, 160, "%.0f bytes a run", m->log_bytes);
	double logs_kept = m->log_days > 0 ? logs * m->log_days * 1440.0 / MONTH_MINUTES : logs;
	snprintf(add(m, PRICE_LOGS_STORAGE, "logsStorage", "CloudWatch Logs storage", logs_kept,
		     "GB-month", p->logs_storage_gb, 1, "per GB-month")->note, 160,
		 "%d days kept", m->log_days);
	snprintf(add(m, PRICE_EVENTS_SCHEDULED, "eventsSchedule", "EventBridge schedule", ticks,
		     "events", 0, 1, "taken as no charge")->note, 160,
		 "scheduled rule events, not custom events");
	snprintf(add(m, PRICE_IVS_METADATA, "ivsTimedMetadata", "IVS timed metadata",
		     ticks * m->channels, "PutMetadata calls", 0, 1, "no charge listed")->note, 160,
		 "see the note below");
	storage_note(m, p->ddb_storage_gb);
}

static double line_usd(const struct cost_line *l)
{
	return l->price < 0 ? NAN : l->qty / l->per * l->price;
}

static double total_usd(const struct cost_model *m)
{
	double total = 0;
	for (size_t i = 0; i < m->n; i++)
		total += m->lines[i].price < 0 ? 0 : line_usd(&m->lines[i]);
	return total;
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

/* The check's number in the source list (1-based), 0 when unverified. */
static size_t source_no(const struct cost_model *m, const struct cost_line *l)
{
	size_t n;
	const struct price_check *all = prices_checks(&n);
	const struct price_check *c = prices_check(m->region, l->field);
	return c ? (size_t)(c - all) + 1 : 0;
}

/* The sources the lines cite, numbered as source_no() does. */
static void print_sources(const struct cost_model *m)
{
	size_t n;
	const struct price_check *all = prices_checks(&n);
	unsigned used = 0;
	for (size_t i = 0; i < m->n; i++) {
		size_t no = source_no(m, &m->lines[i]);
		if (no)
			used |= 1u << (no - 1);
	}
	if (used)
		printf("Prices checked against (CHECKED column):\n");
	for (size_t i = 0; i < n; i++)
		if (used & (1u << i))
			printf("  [%zu] %s, read %s (%s): %s\n", i + 1, all[i].url, all[i].read,
			       all[i].kind, all[i].says);
}

static void print_text(const struct cost_model *m)
{
	printf("Monthly estimate for stack %s in %s (%.0f runs: one every %lds)\n", m->stack,
	       m->region, m->ticks, m->period_s);
	struct out_table t;
	out_table_init(&t, 6);
	const char *head[6] = { "ITEM", "QUANTITY", "PRICE (USD)", "USD/MONTH", "CHECKED", "HOW" };
	out_table_add(&t, head);
	for (size_t i = 0; i < m->n; i++) {
		const struct cost_line *l = &m->lines[i];
		char qty[64], price[64], usd[32], chk[16];
		snprintf(qty, sizeof(qty), "%.6g %s", l->qty, l->unit);
		if (l->price < 0)
			snprintf(price, sizeof(price), "-");
		else if (l->price == 0)
			snprintf(price, sizeof(price), "%s", l->price_unit);
		else
			format_price(l->price, l->price_unit, price, sizeof(price));
		snprintf(usd, sizeof(usd), l->price < 0 ? "-" : "%.2f", line_usd(l));
		size_t no = source_no(m, l);
		snprintf(chk, sizeof(chk), no ? "[%zu]" : "UNVERIFIED", no);
		const char *row[6] = { l->label, qty, price, usd, l->price < 0 ? "-" : chk, l->note };
		out_table_add(&t, row);
	}
	char sum[32];
	snprintf(sum, sizeof(sum), m->p ? "%.2f" : "unknown", total_usd(m));
	const char *last[6] = { "Total", "", "", sum, "", "free tiers not subtracted" };
	out_table_add(&t, last);
	out_table_print(&t, stdout, 2);
	out_table_free(&t);
	if (!m->p)
		printf("No prices for %s in ivsvc's table (it has %s): quantities only.\n",
		       m->region, prices_regions());
	else
		print_sources(m);
	printf("Prices last gone over %s; UNVERIFIED ones were not found on any page read.\n",
	       PRICES_READ);
	printf("IVS timed metadata: %s.\n", PRICES_IVS_METADATA);
	printf("%s", buf_cstr(&m->notes));
}

static cJSON *check_json(const struct price_check *c)
{
	if (!c)
		return cJSON_CreateNull();
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "kind", c->kind);
	cJSON_AddStringToObject(o, "url", c->url);
	cJSON_AddStringToObject(o, "read", c->read);
	cJSON_AddStringToObject(o, "says", c->says);
	return o;
}

/* The model as JSON: its settings, lines and total. */
static cJSON *model_json(const struct cost_model *m)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddNumberToObject(doc, "runsPerMonth", m->ticks);
	cJSON *set = cJSON_AddObjectToObject(doc, "settings");
	cJSON_AddNumberToObject(set, "periodSeconds", (double)m->period_s);
	cJSON_AddNumberToObject(set, "memoryMb", m->memory_mb);
	cJSON_AddNumberToObject(set, "windowMinutes", m->window);
	cJSON_AddNumberToObject(set, "dataRetentionDays", m->data_days);
	cJSON_AddNumberToObject(set, "logRetentionDays", m->log_days);
	cJSON_AddNumberToObject(doc, "storageGrowthGbPerMonth", m->growth);
	cJSON *lines = cJSON_AddArrayToObject(doc, "lines");
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
		}
		cJSON_AddStringToObject(o, "priceUnit", l->price_unit);
		cJSON_AddItemToObject(o, "checked", check_json(prices_check(m->region, l->field)));
		cJSON_AddStringToObject(o, "how", l->note);
		cJSON_AddItemToArray(lines, o);
	}
	if (m->p)
		cJSON_AddNumberToObject(doc, "totalUsd", total_usd(m));
	else
		cJSON_AddNullToObject(doc, "totalUsd");
	return doc;
}

/* What every estimate carries: region, price table facts, assumptions. */
static void add_common(cJSON *doc, const struct cost_model *m)
{
	cJSON_AddStringToObject(doc, "stack", m->stack);
	cJSON_AddStringToObject(doc, "region", m->region);
	cJSON_AddBoolToObject(doc, "pricesKnown", m->p != NULL);
	cJSON_AddStringToObject(doc, "pricesRead", PRICES_READ);
	cJSON_AddStringToObject(doc, "ivsTimedMetadata", PRICES_IVS_METADATA);
	cJSON *unv = cJSON_AddArrayToObject(doc, "unverified");
	for (size_t i = 0; m->p && i < m->n; i++)
		if (!prices_check(m->region, m->lines[i].field))
			cJSON_AddItemToArray(unv, cJSON_CreateString(m->lines[i].key));
	cJSON *notes = cJSON_AddArrayToObject(doc, "assumptions");
	char *all = xstrdup(buf_cstr(&m->notes));
	for (char *save = NULL, *s = strtok_r(all, "\n", &save); s; s = strtok_r(NULL, "\n", &save))
		cJSON_AddItemToArray(notes, cJSON_CreateString(s));
	free(all);
}

static void print_json(const struct cost_model *m)
{
	cJSON *doc = model_json(m);
	add_common(doc, m);
	out_json_print(doc, stdout, 0);
	cJSON_Delete(doc);
}

/* The settings from ivsvc.yaml (s NULL) or the stack's parameters. */
static void configure(struct cost_model *m, const struct cli_ctx *x, const struct cfn_stack *s)
{
	m->period_s = period_of(setting(x, s, CONFIG_SCHEDULE, "rate(1 minute)"));
	m->window = atoi(setting(x, s, CONFIG_WINDOW_MINUTES, "5"));
	m->memory_mb = atoi(setting(x, s, CONFIG_MEMORY, "256"));
	m->data_days = atoi(setting(x, s, CONFIG_DATA_RETENTION_DAYS, "0"));
	m->log_days = atoi(setting(x, s, CONFIG_LOG_RETENTION_DAYS, "14"));
	if (m->window < 1)
		m->window = 1;
}

static void model_init(struct cost_model *m, const struct cli_ctx *x)
{
	*m = (struct cost_model){ .stack = x->cfg.stack_name };
	m->region = aws_client_region(x->client);
	m->p = prices_for(m->region);
	configure(m, x, NULL);
}

int cmd_cost(struct cli_ctx *x)
{
	struct cost_model m;
	struct cfn_stack s;
	model_init(&m, x);
	if (gather(&m, x->client, &s))
		cfn_stack_free(&s);
	price_lines(&m);
	if (x->o.json)
		print_json(&m);
	else
		print_text(&m);
	buf_free(&m.notes);
	return EXIT_OK;
}

/* "Lambda compute: 0.18 -> 0.36 (+0.18)" for each line that moves. */
static void print_change_text(const struct cost_model *next, const struct cost_model *now)
{
	double t1 = total_usd(next);
	if (!next->p)
		printf("Monthly cost: no prices for %s in ivsvc's table (it has %s)\n",
		       next->region, prices_regions());
	else if (!now)
		printf("Monthly cost in %s: USD %.2f once deployed (no stack now); free tiers not "
		       "subtracted\n", next->region, t1);
	else
		printf("Monthly cost in %s: USD %.2f now, USD %.2f after this change (%+.2f); free "
		       "tiers not subtracted\n", next->region, total_usd(now), t1,
		       t1 - total_usd(now));
	for (size_t i = 0; next->p && now && i < next->n; i++) {
		double a = line_usd(&now->lines[i]), b = line_usd(&next->lines[i]);
		if (fabs(b - a) >= 0.005)
			printf("  %s: %.2f -> %.2f (%+.2f)\n", next->lines[i].label, a, b, b - a);
	}
	char *all = xstrdup(buf_cstr(&next->notes));
	for (char *save = NULL, *s = strtok_r(all, "\n", &save); s; s = strtok_r(NULL, "\n", &save))
		printf("  %s\n", s);
	free(all);
	size_t unverified = 0;
	for (size_t i = 0; next->p && i < next->n; i++)
		unverified += !prices_check(next->region, next->lines[i].field);
	if (unverified)
		printf("  prices: %zu of %zu UNVERIFIED; `ivsvc cost` shows which and the sources\n",
		       unverified, next->n);
}

void cost_print_change(const struct cli_ctx *x, cJSON *into)
{
	struct cost_model next, now;
	struct cfn_stack s;
	model_init(&next, x);
	int have = gather(&next, x->client, &s);
	if (have) {
		now = next;
		buf_init(&now.notes);
		configure(&now, x, &s);
		cfn_stack_free(&s);
		if (now.memory_mb != next.memory_mb && next.billed_ms != ASSUMED_BILLED_MS)
			note(&next, "duration: kept at the measured %.0f ms for %d MB (measured at %d "
				"MB)", next.billed_ms, next.memory_mb, now.memory_mb);
		price_lines(&now);
	}
	price_lines(&next);
	cJSON *doc = cJSON_CreateObject();
	add_common(doc, &next);
	cJSON_AddItemToObject(doc, "now", have ? model_json(&now) : cJSON_CreateNull());
	cJSON_AddItemToObject(doc, "new", model_json(&next));
	if (have && next.p)
		cJSON_AddNumberToObject(doc, "changeUsd", total_usd(&next) - total_usd(&now));
	else
		cJSON_AddNullToObject(doc, "changeUsd");
	if (into) {
		cJSON_AddItemToObject(into, "cost", doc);
	} else if (x->o.json) {
		cJSON *line = cJSON_CreateObject();
		cJSON_AddItemToObject(line, "cost", doc);
		out_json_print(line, stdout, 1);
		cJSON_Delete(line);
	} else {
		print_change_text(&next, have ? &now : NULL);
		cJSON_Delete(doc);
	}
	fflush(stdout);
	if (have)
		buf_free(&now.notes);
	buf_free(&next.notes);
}
