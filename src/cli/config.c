/*
 * config.c - reading and checking ivsvc.yaml (see config.h).
 *
 * The top level must be a mapping of known keys; every value is checked for
 * its type and range here, so a typo fails before any AWS call with the
 * file and line to fix ("ivsvc.yaml:7: unknown key 'windw_minutes'").
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <yaml.h>

#include "aws/buf.h"
#include "aws/region.h"
#include "regionlist.h"

static const struct {
	const char *key;
	const char *parameter;
} param_names[CONFIG_NPARAMS] = {
	[CONFIG_SCHEDULE] = { "schedule", "ScheduleExpression" },
	[CONFIG_WINDOW_MINUTES] = { "window_minutes", "WindowMinutes" },
	[CONFIG_METADATA_FORMAT] = { "metadata_format", "MetadataFormat" },
	[CONFIG_LOG_RETENTION_DAYS] = { "log_retention_days", "LogRetentionDays" },
	[CONFIG_DATA_RETENTION_DAYS] = { "data_retention_days", "DataRetentionDays" },
	[CONFIG_MEMORY] = { "memory", "MemorySize" },
	[CONFIG_TIMEOUT_SECONDS] = { "timeout_seconds", "TimeoutSeconds" },
	[CONFIG_PUT_METADATA_RATE] = { "put_metadata_rate", "PutMetadataRate" },
	[CONFIG_ARCHITECTURE] = { "architecture", "Architecture" },
};

const char *config_param_key(enum config_param p)
{
	return param_names[p].key;
}

const char *config_param_template_name(enum config_param p)
{
	return param_names[p].parameter;
}

/* What CloudWatch Logs accepts as RetentionInDays. */
static const long log_retention_values[] = { 1,   3,   5,   7,   14,   30,   60,   90,
					     120, 150, 180, 365, 400,  545,  731,  1096,
					     1827, 2192, 2557, 2922, 3288, 3653 };

struct parser {
	const char *name;
	yaml_parser_t yp;
	yaml_event_t ev;
	int have_ev;
	struct ivs_error *err;
	int saw_region;           /* region: or regions: given (only one may be) */
};

static int fail(struct parser *p, size_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct parser *p, size_t line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ivs_error_set_kind(p->err, IVS_ERR_BAD_INPUT, "BadConfig", "%s:%zu: %s", p->name, line, msg);
}

static int next_event(struct parser *p)
{
	if (p->have_ev)
		yaml_event_delete(&p->ev);
	p->have_ev = 0;
	if (!yaml_parser_parse(&p->yp, &p->ev)) {
		size_t line = p->yp.problem_mark.line + 1;
		if (p->yp.context)
			return fail(p, line, "not valid YAML: %s %s", p->yp.problem, p->yp.context);
		return fail(p, line, "not valid YAML: %s", p->yp.problem ? p->yp.problem : "?");
	}
	p->have_ev = 1;
	if (p->ev.type == YAML_ALIAS_EVENT)
		return fail(p, p->ev.start_mark.line + 1, "YAML aliases are not supported here");
	return 0;
}

static size_t ev_line(const struct parser *p)
{
	return p->ev.start_mark.line + 1;
}

static const char *event_kind(yaml_event_type_t t)
{
	switch (t) {
	case YAML_MAPPING_START_EVENT:
		return "a mapping";
	case YAML_SEQUENCE_START_EVENT:
		return "a list";
	default:
		return "something else";
	}
}

/* A plain (unquoted) scalar that YAML reads as null. */
static int scalar_is_null(const yaml_event_t *ev)
{
	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	const char *v = (const char *)ev->data.scalar.value;
	return !*v || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
	       strcmp(v, "NULL") == 0;
}

/* The current event must be a scalar with a value; returns it (borrowed). */
static const char *expect_scalar(struct parser *p, const char *key)
{
	if (p->ev.type != YAML_SCALAR_EVENT) {
		fail(p, ev_line(p), "%s must be a single value, not %s", key,
		     event_kind(p->ev.type));
		return NULL;
	}
	if (scalar_is_null(&p->ev)) {
		fail(p, ev_line(p), "%s needs a value", key);
		return NULL;
	}
	return (const char *)p->ev.data.scalar.value;
}

static int parse_int(struct parser *p, const char *key, long min, long max, long *out)
{
	const char *v = expect_scalar(p, key);
	if (!v)
		return -1;
	if (p->ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return fail(p, ev_line(p), "%s must be a number, not the string \"%s\"", key, v);
	const char *s = v;
	if (*s == '+')
		s++;
	int digits = 0;
	for (const char *q = s; *q; q++) {
		if (!isdigit((unsigned char)*q))
			return fail(p, ev_line(p), "%s must be a whole number, got '%s'", key, v);
		digits++;
	}
	if (!digits || digits > 9)
		return fail(p, ev_line(p), "%s must be a whole number between %ld and %ld, got '%s'",
			    key, min, max, v);
	long n = strtol(s, NULL, 10);
	if (n < min || n > max)
		return fail(p, ev_line(p), "%s must be between %ld and %ld, got %ld", key, min, max,
			    n);
	*out = n;
	return 0;
}

int config_stack_name_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 128 || !isalpha((unsigned char)s[0]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return 0;
	return 1;
}

static int valid_bucket(const char *s)
{
	size_t n = strlen(s);
	if (n < 3 || n > 63 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '.')
			return 0;
	return 1;
}

static int set_string(char **slot, const char *v)
{
	free(*slot);
	*slot = xstrdup(v);
	return 0;
}

static int parse_tags(struct parser *p, struct ivs_config *cfg)
{
	if (p->ev.type == YAML_SCALAR_EVENT && scalar_is_null(&p->ev))
		return 0; /* "tags:" with nothing: no tags */
	if (p->ev.type != YAML_MAPPING_START_EVENT)
		return fail(p, ev_line(p), "tags must be a mapping of name: value, not %s",
			    p->ev.type == YAML_SCALAR_EVENT ? "a single value"
							    : event_kind(p->ev.type));
	for (;;) {
		if (next_event(p) < 0)
			return -1;
		if (p->ev.type == YAML_MAPPING_END_EVENT)
			return 0;
		if (p->ev.type != YAML_SCALAR_EVENT)
			return fail(p, ev_line(p), "a tag's name must be a single value");
		const char *k = (const char *)p->ev.data.scalar.value;
		size_t line = ev_line(p);
		if (!*k || strlen(k) > 128)
			return fail(p, line, "a tag's name must be 1 to 128 characters");
		if (strncmp(k, "aws:", 4) == 0)
			return fail(p, line, "tag '%s': names starting with 'aws:' are reserved", k);
		for (size_t i = 0; i < cfg->n_tags; i++)
			if (strcmp(cfg->tags[i].key, k) == 0)
				return fail(p, line, "tag '%s' is given twice", k);
		char *key = xstrdup(k);
		if (next_event(p) < 0) {
			free(key);
			return -1;
		}
		if (p->ev.type != YAML_SCALAR_EVENT) {
			fail(p, ev_line(p), "tag '%s' must have a single value, not %s", key,
			     event_kind(p->ev.type));
			free(key);
			return -1;
		}
		const char *v = scalar_is_null(&p->ev) ? "" : (const char *)p->ev.data.scalar.value;
		if (strlen(v) > 256) {
			fail(p, ev_line(p), "tag '%s': a value is at most 256 characters", key);
			free(key);
			return -1;
		}
		cfg->tags = xrealloc(cfg->tags, (cfg->n_tags + 1) * sizeof(*cfg->tags));
		cfg->tags[cfg->n_tags].key = key;
		cfg->tags[cfg->n_tags].value = xstrdup(v);
		cfg->n_tags++;
	}
}

void config_set_region_list(struct ivs_config *cfg, char **v, size_t n)
{
	regionlist_free(cfg->regions, cfg->n_regions);
	cfg->regions = NULL;
	cfg->n_regions = 0;
	free(cfg->region);
	cfg->region = NULL;
	if (n == 1) {
		cfg->region = v[0];
		free(v);
	} else if (n > 1) {
		cfg->regions = v;
		cfg->n_regions = n;
	} else {
		free(v);
	}
}

/* regions: [us-east-1, ap-northeast-1] */
static int parse_regions(struct parser *p, struct ivs_config *cfg)
{
	if (p->ev.type != YAML_SEQUENCE_START_EVENT)
		return fail(p, ev_line(p), "regions must be a list, e.g. [us-east-1, eu-west-1]");
	char **v = NULL;
	size_t n = 0;
	for (;;) {
		if (next_event(p) < 0)
			break;
		if (p->ev.type == YAML_SEQUENCE_END_EVENT) {
			if (n) {
				config_set_region_list(cfg, v, n);
				return 0;
			}
			fail(p, ev_line(p), "regions needs at least one region");
			break;
		}
		const char *r = expect_scalar(p, "a region in regions");
		const char *why = r ? regionlist_problem(v, n, r) : NULL;
		if (!r || why) {
			if (why)
				fail(p, ev_line(p), "region '%s' %s", r, why);
			break;
		}
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = xstrdup(r);
	}
	regionlist_free(v, n);
	return -1;
}

/* The checks of the settings that are one string: 0, or fail(). */
static int check_stack_name(struct parser *p, const char *v)
{
	if (config_stack_name_valid(v))
		return 0;
	return fail(p, ev_line(p), "stack_name '%s' is not a stack name: a letter, then letters, "
		    "digits and '-', at most 128", v);
}

static int check_region(struct parser *p, const char *v)
{
	if (p->saw_region++)
		return fail(p, ev_line(p), "give region or regions, not both");
	if (region_valid(v))
		return 0;
	return fail(p, ev_line(p), "region '%s' is not a region name like eu-west-1", v);
}

static int check_bucket(struct parser *p, const char *v)
{
	if (valid_bucket(v))
		return 0;
	return fail(p, ev_line(p), "asset_bucket '%s' is not an S3 bucket name", v);
}

static int check_schedule(struct parser *p, const char *v)
{
	size_t len = strlen(v);
	if ((strncmp(v, "rate(", 5) == 0 || strncmp(v, "cron(", 5) == 0) && len >= 7 &&
	    v[len - 1] == ')')
		return 0;
	return fail(p, ev_line(p), "schedule must be rate(...) or cron(...), e.g. \"rate(1 "
		    "minute)\"; got '%s'", v);
}

static int check_metadata_format(struct parser *p, const char *v)
{
	if (strcmp(v, "text") == 0 || strcmp(v, "json") == 0)
		return 0;
	return fail(p, ev_line(p), "metadata_format must be text or json, got '%s'", v);
}

static int check_architecture(struct parser *p, const char *v)
{
	if (strcmp(v, "x86_64") == 0 || strcmp(v, "arm64") == 0)
		return 0;
	return fail(p, ev_line(p), "architecture must be x86_64 or arm64 (Lambda's names), got '%s'",
		    v);
}

static const struct {
	const char *key;
	size_t slot;              /* offset of its char * in struct ivs_config */
	int (*check)(struct parser *p, const char *v); /* NULL: any value */
} string_keys[] = {
	{ "stack_name", offsetof(struct ivs_config, stack_name), check_stack_name },
	{ "region", offsetof(struct ivs_config, region), check_region },
	{ "profile", offsetof(struct ivs_config, profile), NULL },
	{ "asset_bucket", offsetof(struct ivs_config, asset_bucket), check_bucket },
	{ "schedule", offsetof(struct ivs_config, params[CONFIG_SCHEDULE]), check_schedule },
	{ "metadata_format", offsetof(struct ivs_config, params[CONFIG_METADATA_FORMAT]),
	  check_metadata_format },
	{ "architecture", offsetof(struct ivs_config, params[CONFIG_ARCHITECTURE]),
	  check_architecture },
};

/* The settings that are whole numbers in a range. */
static const struct {
	enum config_param param;
	long min, max;
} int_keys[] = {
	{ CONFIG_WINDOW_MINUTES, 1, 60 },     { CONFIG_LOG_RETENTION_DAYS, 1, 3653 },
	{ CONFIG_DATA_RETENTION_DAYS, 0, 36500 }, { CONFIG_MEMORY, 128, 10240 },
	{ CONFIG_TIMEOUT_SECONDS, 1, 900 },   { CONFIG_PUT_METADATA_RATE, 1, 10000 },
};

static int check_log_retention(struct parser *p, long n)
{
	for (size_t i = 0; i < sizeof(log_retention_values) / sizeof(long); i++)
		if (log_retention_values[i] == n)
			return 0;
	return fail(p, ev_line(p),
		    "log_retention_days must be one CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, "
		    "90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, "
		    "3653), got %ld", n);
}

/* -2: not a key we know. */
static int parse_value(struct parser *p, const char *key, struct ivs_config *cfg)
{
	if (strcmp(key, "tags") == 0)
		return parse_tags(p, cfg);
	if (strcmp(key, "regions") == 0) {
		if (p->saw_region++)
			return fail(p, ev_line(p), "give region or regions, not both");
		return parse_regions(p, cfg);
	}
	for (size_t i = 0; i < sizeof(string_keys) / sizeof(string_keys[0]); i++) {
		if (strcmp(key, string_keys[i].key) != 0)
			continue;
		const char *v = expect_scalar(p, key);
		if (!v || (string_keys[i].check && string_keys[i].check(p, v) < 0))
			return -1;
		return set_string((char **)((char *)cfg + string_keys[i].slot), v);
	}
	for (size_t i = 0; i < sizeof(int_keys) / sizeof(int_keys[0]); i++) {
		enum config_param param = int_keys[i].param;
		long n = 0;
		if (strcmp(key, param_names[param].key) != 0)
			continue;
		if (parse_int(p, key, int_keys[i].min, int_keys[i].max, &n) < 0)
			return -1;
		if (param == CONFIG_LOG_RETENTION_DAYS && check_log_retention(p, n) < 0)
			return -1;
		free(cfg->params[param]);
		cfg->params[param] = xasprintf("%ld", n);
		return 0;
	}
	return -2;
}

static int parse_document(struct parser *p, struct ivs_config *cfg)
{
	if (next_event(p) < 0) /* STREAM_START */
		return -1;
	if (next_event(p) < 0)
		return -1;
	if (p->ev.type == YAML_STREAM_END_EVENT)
		return 0; /* empty file, or only comments */
	if (next_event(p) < 0) /* after DOCUMENT_START */
		return -1;
	if (p->ev.type == YAML_SCALAR_EVENT && scalar_is_null(&p->ev))
		goto end; /* an empty document: still only one */
	if (p->ev.type != YAML_MAPPING_START_EVENT)
		return fail(p, ev_line(p), "expected a mapping of settings (key: value), found %s",
			    p->ev.type == YAML_SCALAR_EVENT ? "a single value"
							    : event_kind(p->ev.type));
	char *seen[32];
	size_t nseen = 0;
	int rc = 0;
	for (;;) {
		if ((rc = next_event(p)) < 0)
			break;
		if (p->ev.type == YAML_MAPPING_END_EVENT)
			break;
		if (p->ev.type != YAML_SCALAR_EVENT) {
			rc = fail(p, ev_line(p), "a setting's name must be a single word");
			break;
		}
		char *key = xstrdup((const char *)p->ev.data.scalar.value);
		size_t key_line = ev_line(p);
		for (size_t i = 0; i < nseen && rc == 0; i++)
			if (strcmp(seen[i], key) == 0)
				rc = fail(p, key_line, "'%s' is given twice", key);
		if (rc == 0 && (rc = next_event(p)) == 0) {
			rc = parse_value(p, key, cfg);
			if (rc == -2)
				rc = fail(p, key_line,
					  "unknown key '%s' (known: stack_name, region, profile, "
					  "schedule, window_minutes, metadata_format, "
					  "log_retention_days, data_retention_days, memory, "
					  "timeout_seconds, put_metadata_rate, asset_bucket, tags, "
					  "regions, architecture)",
					  key);
		}
		if (rc < 0 || nseen == sizeof(seen) / sizeof(seen[0])) {
			free(key);
			if (rc < 0)
				break;
			continue;
		}
		seen[nseen++] = key;
	}
	for (size_t i = 0; i < nseen; i++)
		free(seen[i]);
	if (rc < 0)
		return -1;
end:
	if (next_event(p) < 0) /* DOCUMENT_END */
		return -1;
	if (next_event(p) < 0)
		return -1;
	if (p->ev.type != YAML_STREAM_END_EVENT)
		return fail(p, ev_line(p), "only one YAML document is allowed");
	return 0;
}

int config_parse(const char *name, const char *text, size_t len, struct ivs_config *cfg,
		 struct ivs_error *err)
{
	struct parser p;
	memset(&p, 0, sizeof(p));
	p.name = name;
	p.err = err;
	if (!yaml_parser_initialize(&p.yp))
		return ivs_error_set_kind(err, IVS_ERR_BAD_INPUT, "BadConfig", "%s: cannot start the YAML parser", name);
	yaml_parser_set_input_string(&p.yp, (const unsigned char *)text, len);
	int rc = parse_document(&p, cfg);
	if (p.have_ev)
		yaml_event_delete(&p.ev);
	yaml_parser_delete(&p.yp);
	return rc;
}

static int read_file(const char *path, struct buf *out, struct ivs_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return ivs_error_set_kind(err, IVS_ERR_BAD_INPUT, "BadConfig", "%s: cannot read: %s", path, strerror(errno));
	/* The file decides what is deployed into the account (schedule, asset
	 * bucket, profile): one that every local user can rewrite is refused,
	 * as ssh refuses such a key. */
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & S_IWOTH) && !S_ISCHR(st.st_mode)) {
		fclose(f);
		return ivs_error_set_kind(err, IVS_ERR_BAD_INPUT, "BadConfig",
				     "%s: writable by every user (mode %04o); run `chmod o-w %s`", path,
				     (unsigned)(st.st_mode & 07777), path);
	}
	char chunk[8192];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		buf_append(out, chunk, n);
		if (out->len > 1024 * 1024) {
			fclose(f);
			return ivs_error_set_kind(err, IVS_ERR_BAD_INPUT, "BadConfig", "%s: larger than 1 MiB; is it the "
					     "right file?", path);
		}
	}
	int bad = ferror(f);
	fclose(f);
	if (bad)
		return ivs_error_set_kind(err, IVS_ERR_BAD_INPUT, "BadConfig", "%s: read error", path);
	return 0;
}

int config_load(const char *path, struct ivs_config *cfg, struct ivs_error *err)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->stack_name = xstrdup(CONFIG_DEFAULT_STACK);
	if (!path) {
		struct stat st;
		if (stat(CONFIG_DEFAULT_FILE, &st) != 0)
			return 0;
		path = CONFIG_DEFAULT_FILE;
	}
	struct buf text = BUF_INIT;
	if (read_file(path, &text, err) < 0) {
		buf_free(&text);
		config_free(cfg);
		return -1;
	}
	cfg->path = xstrdup(path);
	int rc = config_parse(path, buf_cstr(&text), text.len, cfg, err);
	buf_free(&text);
	if (rc < 0) {
		config_free(cfg);
		return -1;
	}
	return 0;
}

void config_apply_flags(struct ivs_config *cfg, const char *stack_name, const char *region,
			const char *profile)
{
	if (stack_name)
		set_string(&cfg->stack_name, stack_name);
	char **v = NULL;
	size_t n = 0;
	struct ivs_error ignored;
	if (region && regionlist_parse(region, "--region", &v, &n, &ignored) == 0) {
		config_set_region_list(cfg, v, n);
	} else if (region) {
		config_set_region_list(cfg, NULL, 0);
		set_string(&cfg->region, region); /* the client says what is wrong */
	}
	if (profile)
		set_string(&cfg->profile, profile);
}

void config_free(struct ivs_config *cfg)
{
	for (size_t i = 0; i < cfg->n_tags; i++) {
		free(cfg->tags[i].key);
		free(cfg->tags[i].value);
	}
	free(cfg->tags);
	regionlist_free(cfg->regions, cfg->n_regions);
	for (int i = 0; i < CONFIG_NPARAMS; i++)
		free(cfg->params[i]);
	char *strings[] = { cfg->path, cfg->stack_name, cfg->region, cfg->profile,
			    cfg->asset_bucket };
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
		free(strings[i]);
	memset(cfg, 0, sizeof(*cfg));
}
