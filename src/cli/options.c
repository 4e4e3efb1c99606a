/*
 * options.c - the flags every command may take, parsing them, the help
 * lines made from them, reading ivsvc.yaml, and the error, confirmation and
 * signal helpers (see cli.h).
 */
#include "cli.h"
#include "regionlist.h"
#include "regions.h"

#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

volatile int cli_interrupted;

void cli_error(const char *fmt, ...)
{
	/* Messages quote what services and files said: a hostile endpoint must
	 * not reach the terminal with escape sequences or break the one line. */
	struct buf line = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&line, fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < line.len; i++) {
		unsigned char ch = (unsigned char)line.data[i];
		if (ch < 0x20 || ch == 0x7f)
			line.data[i] = ch == '\t' || ch == '\n' || ch == '\r' ? ' ' : '?';
	}
	fprintf(stderr, "ivsvc: %s\n", buf_cstr(&line));
	buf_free(&line);
}

void cli_report(const struct ivs_error *err)
{
	char line[1024];
	cli_error("%s", ivs_error_format(err, line, sizeof(line)));
}

int cli_exit_code(const struct ivs_error *err)
{
	switch (err->kind) {
	case IVS_ERR_INTERRUPTED:
		return EXIT_INTERRUPTED;
	case IVS_ERR_BAD_INPUT:
		return EXIT_USAGE;
	default:
		return EXIT_FAILED;
	}
}

/* ---- flags ---- */

enum flag_kind { FLAG_BOOL, FLAG_VALUE };

struct flag_def {
	const char *name;
	enum flag_kind kind;
	size_t offset;
	char alias;               /* -y for --yes; 0: none */
	const char *meta;         /* the value's name in help: "FILE" */
	const char *help;         /* the usual help line */
};

#define VAL(n, field, meta, help) { n, FLAG_VALUE, offsetof(struct cli_opts, field), 0, meta, help }
#define BOOL(n, field, alias, help) { n, FLAG_BOOL, offsetof(struct cli_opts, field), alias, NULL, help }
static const struct flag_def flags[] = {
	VAL("stack-name", stack_name, "NAME",
	    "CloudFormation stack (default IvsViewersCount, or ivsvc.yaml)"),
	VAL("config", config_path, "FILE", "settings file (default ./ivsvc.yaml when present)"),
	VAL("template", template_path, "FILE", "use FILE instead of the embedded template"),
	VAL("handler-zip", handler_zip, "FILE",
	    "upload FILE instead of the embedded handler package"),
	VAL("output", output, "FILE", "where to write the zip (default function.zip)"),
	VAL("out", out_dir, "DIR", "where to write it (default ./ivsvc-player)"),
	VAL("channel", channel, "ARN_OR_NAME",
	    "channel ARN, or its name (looked up with ListChannels)"),
	VAL("since", since, "DURATION", "how far back to start: 30s, 10m, 2h, 1d (default 10m)"),
	VAL("filter", filter, "PATTERN", "CloudWatch Logs filter pattern"),
	VAL("minute", minute, "ISO",
	    "the minute the event names, e.g. 2026-11-24T18:07:00Z (default: now)"),
	VAL("until", until, "TIME", "where to end: a duration ago (1h) or ISO 8601 (default now)"),
	VAL("format", format, "csv|json", "stream the rows instead of charting them"),
	VAL("svg", svg, "FILE", "also write the chart as a self-contained SVG file"),
	VAL("table", table, "NAME", "read this DynamoDB table instead of the stack's"),
	VAL("export", export_path, "FILE",
	    "first export every viewer count (CSV, or JSON for *.json) and check the count"),
	VAL("outputs-file", outputs_file, "FILE",
	    "write the stack's outputs as `cdk deploy --outputs-file` does"),
	VAL("require-approval", require_approval, "LEVEL",
	    "never|broadening|any-change: which changes need a yes (default any-change)"),
	VAL("execute", execute, "CHANGE_SET", "run the change set `--prepare` left, if still current"),
	VAL("verify", verify, "invoke|wait",
	    "prove the new version: invoke it now (default) or wait for its next scheduled run"),
	BOOL("prepare", prepare, 0, "leave a named change set to review; execute it later"),
	BOOL("allow-data-loss", allow_data_loss, 0,
	     "allow a change that deletes or replaces the table without typing the stack's name"),
	BOOL("all", all, 0, "every channel in the table (a parallel Scan), also ones gone from IVS"),
	BOOL("retain-failed", retain_failed, 0,
	     "when the delete fails twice, retain what blocks it without asking"),
	BOOL("list", list, 0, "list the backups instead of restoring one"),
	VAL("at", at, "ISO|latest", "restore the table as it was at this time (point-in-time)"),
	BOOL("no-verify", no_verify, 0, "do not invoke the function once after deploying"),
	BOOL("keep-assets", keep_assets, 0, "keep the stack's handler packages and the asset bucket"),
	BOOL("yes", yes, 'y', "do not ask for confirmation (needed without a terminal)"),
	BOOL("json", json, 0, "one JSON object on stdout"),
	BOOL("follow", follow, 'f', "keep polling for new events until Ctrl-C"),
	VAL("region", region, "R", "AWS region (else AWS_REGION, AWS_DEFAULT_REGION, the profile);\n"
	    "R1,R2: each of them, where the command takes several"),
	VAL("profile", profile, "P",
	    "use the shared-config profile P (else AWS_PROFILE, \"default\")"),
};
#undef VAL
#undef BOOL

static const struct flag_def *flag_named(const char *name, size_t len)
{
	for (size_t k = 0; k < sizeof(flags) / sizeof(flags[0]); k++)
		if (strlen(flags[k].name) == len && strncmp(flags[k].name, name, len) == 0)
			return &flags[k];
	return NULL;
}

static const struct cli_flag_use *flag_use(const struct cli_command *c, const char *name,
					   size_t len)
{
	for (const struct cli_flag_use *u = c->flags; u && u->name; u++)
		if (strlen(u->name) == len && strncmp(u->name, name, len) == 0)
			return u;
	return NULL;
}

static const struct flag_def *flag_aliased(char ch)
{
	for (size_t k = 0; k < sizeof(flags) / sizeof(flags[0]); k++)
		if (flags[k].alias && flags[k].alias == ch)
			return &flags[k];
	return NULL;
}

/* One "--name[=value]" (or "-y") at argv[*i]; may take the value from argv[*i + 1]. */
static int parse_flag(const struct cli_command *c, int argc, char **argv, int *i,
		      struct cli_opts *o)
{
	const char *cmd = c->name;
	const char *a = argv[*i], *name, *eq = NULL;
	const struct flag_def *f;
	if (a[1] != '-') {
		f = a[2] == '\0' ? flag_aliased(a[1]) : NULL;
		if (!f) {
			cli_error("%s: unknown option '%s' (see 'ivsvc help %s')", cmd, a, cmd);
			return -1;
		}
		name = f->name;
	} else {
		name = a + 2;
		eq = strchr(name, '=');
		f = flag_named(name, eq ? (size_t)(eq - name) : strlen(name));
	}
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	if (!f || !flag_use(c, name, len)) {
		cli_error("%s: unknown option '--%.*s' (see 'ivsvc help %s')", cmd, (int)len, name,
			  cmd);
		return -1;
	}
	char *base = (char *)o + f->offset;
	if (f->kind == FLAG_BOOL) {
		if (eq) {
			cli_error("%s: option '--%s' takes no value", cmd, f->name);
			return -1;
		}
		*(int *)base = 1;
		return 0;
	}
	const char *value = eq ? eq + 1 : (*i + 1 < argc ? argv[++*i] : NULL);
	if (!value || !*value) {
		cli_error("%s: option '--%s' needs a value", cmd, f->name);
		return -1;
	}
	*(const char **)base = value;
	if (base == (char *)&o->channel)
		o->channels[o->n_channels++] = value; /* --channel may repeat */
	return 0;
}

int cli_parse(int argc, char **argv, const struct cli_command *c, struct cli_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->args = xcalloc((size_t)argc + 1, sizeof(char *));
	o->channels = xcalloc((size_t)argc + 1, sizeof(char *));
	int only_args = 0;
	for (int i = 1; i < argc; i++) {
		char *a = argv[i];
		if (only_args || a[0] != '-' || a[1] == '\0')
			o->args[o->nargs++] = a;
		else if (strcmp(a, "--") == 0)
			only_args = 1;
		else if (parse_flag(c, argc, argv, &i, o) < 0)
			return -1;
	}
	return 0;
}

void cli_flags_synopsis(const struct cli_command *c, struct buf *out, size_t indent)
{
	size_t col = indent;
	for (const struct cli_flag_use *u = c->flags; u && u->name; u++) {
		const struct flag_def *f = flag_named(u->name, strlen(u->name));
		char item[96];
		snprintf(item, sizeof(item), "%s--%s%s%s%s", u->required ? "" : "[", f->name,
			 f->meta ? " " : "", f->meta ? f->meta : "", u->required ? "" : "]");
		if (col > indent && col + 1 + strlen(item) > 90) {
			buf_printf(out, "\n%*s", (int)indent, "");
			col = indent;
		}
		buf_printf(out, "%s%s", col > indent ? " " : "", item);
		col += (col > indent ? 1 : 0) + strlen(item);
	}
}

void cli_flags_help(const struct cli_command *c, struct buf *out)
{
	for (const struct cli_flag_use *u = c->flags; u && u->name; u++) {
		const struct flag_def *f = flag_named(u->name, strlen(u->name));
		char left[64];
		if (f->alias)
			snprintf(left, sizeof(left), "--%s, -%c", f->name, f->alias);
		else
			snprintf(left, sizeof(left), "--%s%s%s", f->name, f->meta ? " " : "",
				 f->meta ? f->meta : "");
		buf_printf(out, "  %-18s%s", left, strlen(left) > 18 ? "  " : " ");
		/* A help text's further lines line up under its first. */
		for (const char *h = u->help ? u->help : f->help; *h; h++) {
			buf_putc(out, *h);
			if (*h == '\n')
				buf_printf(out, "%21s", "");
		}
		buf_putc(out, '\n');
	}
}

/* ---- settings, the client ---- */

int cli_load_config(struct cli_opts *o, struct ivs_config *cfg)
{
	struct ivs_error err;
	if (o->stack_name && !config_stack_name_valid(o->stack_name)) {
		cli_error("--stack-name '%.128s%s' is not a stack name: a letter, then letters, "
			  "digits and '-', at most 128", o->stack_name,
			  strlen(o->stack_name) > 128 ? "..." : "");
		return EXIT_USAGE;
	}
	if (config_load(o->config_path, cfg, &err) < 0) {
		cli_error("%s", err.message);
		return EXIT_USAGE;
	}
	config_apply_flags(cfg, o->stack_name, NULL, o->profile);
	/* A list is checked here; one name is left for the client to judge. */
	if (o->region && strchr(o->region, ',')) {
		char **v;
		size_t n;
		if (regionlist_parse(o->region, "--region", &v, &n, &err) < 0) {
			cli_error("%s", err.message);
			config_free(cfg);
			return EXIT_USAGE;
		}
		config_set_region_list(cfg, v, n);
	} else {
		config_apply_flags(cfg, NULL, o->region, NULL);
	}
	if (regions_child())
		setvbuf(stdout, NULL, _IOLBF, 0); /* the runner shows lines as they come */
	o->stack_name = cfg->stack_name;
	o->region = cfg->region;
	o->profile = cfg->profile;
	return EXIT_OK;
}

struct aws_client *cli_client(const struct cli_opts *o)
{
	struct aws_client_options co = { 0 };
	struct aws_client *c = NULL;
	struct ivs_error err;
	co.profile = o->profile;
	co.region = o->region;
	if (aws_client_new(&co, &c, &err) < 0) {
		cli_report(&err);
		return NULL;
	}
	const char *warning = aws_client_creds(c)->warning;
	if (warning[0])
		cli_error("warning: %s", warning);
	return c;
}

/* ---- asking, signals, waiting ---- */

int cli_confirm(const struct cli_opts *o, const char *prompt)
{
	if (o->yes)
		return 1;
	if (regions_child())
		return regions_child_confirm(); /* the runner asks once for every region */
	if (!isatty(STDIN_FILENO)) {
		cli_error("%s: refusing without confirmation; no terminal to ask on, so pass --yes",
			  prompt);
		return -1;
	}
	fprintf(stderr, "%s [y/N] ", prompt);
	fflush(stderr);
	char line[64];
	if (!fgets(line, sizeof(line), stdin))
		return 0;
	return line[0] == 'y' || line[0] == 'Y';
}

static void on_signal(int sig)
{
	(void)sig;
	if (cli_interrupted)
		_exit(EXIT_INTERRUPTED); /* second Ctrl-C: leave now */
	cli_interrupted = 1;
}

void cli_install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

long cli_poll_ms(void)
{
	const char *v = getenv("IVSVC_POLL_MS");
	long ms = v && *v ? strtol(v, NULL, 10) : 0;
	return ms > 0 ? ms : 2000;
}

int cli_sleep(long ms)
{
	while (ms > 0) {
		if (cli_interrupted)
			return -1;
		long step = ms < 100 ? ms : 100;
		struct timespec ts = { 0, step * 1000000L };
		nanosleep(&ts, NULL);
		ms -= step;
	}
	return cli_interrupted ? -1 : 0;
}
