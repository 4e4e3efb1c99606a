/*
 * options.c - flag parsing, errors, confirmation and signals for every
 * subcommand (see cli.h).
 */
#include "cli.h"

#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/buf.h"

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

enum flag_kind { FLAG_BOOL, FLAG_VALUE };

struct flag_def {
	const char *name;
	enum flag_kind kind;
	size_t offset;
};

#define VAL(n, field) { n, FLAG_VALUE, offsetof(struct cli_opts, field) }
#define BOOL(n, field) { n, FLAG_BOOL, offsetof(struct cli_opts, field) }
static const struct flag_def flags[] = {
	VAL("profile", profile),
	VAL("region", region),
	VAL("config", config_path),
	VAL("stack-name", stack_name),
	VAL("template", template_path),
	VAL("handler-zip", handler_zip),
	VAL("output", output),
	VAL("out", out_dir),
	VAL("channel", channel),
	VAL("since", since),
	VAL("filter", filter),
	VAL("interval", interval),
	BOOL("yes", yes),
	BOOL("json", json),
	BOOL("follow", follow),
	BOOL("verbose", verbose),
	BOOL("demo", demo),
};
#undef VAL
#undef BOOL

static int allowed_has(const char *allowed, const char *name, size_t len)
{
	const char *p = allowed;
	while (p && *p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n == len && strncmp(p, name, len) == 0)
			return 1;
		p = end ? end + 1 : NULL;
	}
	return 0;
}

static int parse_flags(int argc, char **argv, const char *allowed, struct cli_opts *o);

int cli_parse(int argc, char **argv, const char *allowed, struct cli_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->args = xcalloc((size_t)argc + 1, sizeof(char *));
	if (parse_flags(argc, argv, allowed, o) < 0) {
		free(o->args); /* callers return at once on failure */
		o->args = NULL;
		o->nargs = 0;
		return -1;
	}
	return 0;
}

int cli_parse_flags_only(int argc, char **argv, const char *allowed, struct cli_opts *o)
{
	if (cli_parse(argc, argv, allowed, o) < 0)
		return -1;
	int nargs = o->nargs;
	free(o->args);
	o->args = NULL;
	o->nargs = 0;
	if (nargs) {
		const char *cmd = argc > 0 ? argv[0] : "ivsvc";
		cli_error("%s: takes no arguments (see 'ivsvc help %s')", cmd, cmd);
		return -1;
	}
	return 0;
}

static int parse_flags(int argc, char **argv, const char *allowed, struct cli_opts *o)
{
	const char *cmd = argc > 0 ? argv[0] : "ivsvc";
	int only_args = 0;
	for (int i = 1; i < argc; i++) {
		char *a = argv[i];
		if (only_args || a[0] != '-' || a[1] == '\0') {
			o->args[o->nargs++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_args = 1;
			continue;
		}
		if (strcmp(a, "-y") == 0)
			a = "--yes";
		else if (strcmp(a, "-f") == 0)
			a = "--follow";
		if (a[1] != '-') {
			cli_error("%s: unknown option '%s' (see 'ivsvc help %s')", cmd, a, cmd);
			return -1;
		}
		const char *name = a + 2;
		const char *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		const struct flag_def *f = NULL;
		for (size_t k = 0; k < sizeof(flags) / sizeof(flags[0]); k++)
			if (strlen(flags[k].name) == len && strncmp(flags[k].name, name, len) == 0)
				f = &flags[k];
		if (!f || !allowed_has(allowed, name, len)) {
			cli_error("%s: unknown option '--%.*s' (see 'ivsvc help %s')", cmd, (int)len,
				  name, cmd);
			return -1;
		}
		char *base = (char *)o + f->offset;
		if (f->kind == FLAG_BOOL) {
			if (eq) {
				cli_error("%s: option '--%s' takes no value", cmd, f->name);
				return -1;
			}
			*(int *)base = 1;
			continue;
		}
		const char *value = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
		if (!value || !*value) {
			cli_error("%s: option '--%s' needs a value", cmd, f->name);
			return -1;
		}
		*(const char **)base = value;
	}
	return 0;
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

int cli_confirm(const struct cli_opts *o, const char *prompt)
{
	if (o->yes)
		return 1;
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
