/*
 * cli.h - what the subcommands share: parsed options, the command table's
 * shape and what the runner prepares for a command, exit codes, and the
 * error, confirmation and signal helpers.
 *
 * Each subcommand lives in its own file (src/cli/<name>.c, cmd_<name>()).
 * The table in command.c declares beside each its flags, its help and what
 * it needs (config, template, package, signals, an AWS client); the runner
 * there parses, loads and connects once for all of them, and frees after.
 * Only this layer may exit or print to the terminal.
 */
#ifndef IVS_CLI_H
#define IVS_CLI_H

#include <stdio.h>

#include "artifact.h"
#include "aws/buf.h"
#include "aws/client.h"
#include "aws/error.h"
#include "config.h"
#include "template.h"

/* Exit codes (documented in `ivsvc help`). */
enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,      /* the operation failed (AWS said no, stack failed, ...) */
	EXIT_USAGE = 2,       /* bad flags, bad config file, bad input */
	EXIT_REFUSED = 3,     /* needs confirmation: no terminal and no --yes, or answered no */
	EXIT_INTERRUPTED = 130,
};

/* Every flag any command takes; a command says which it accepts. */
struct cli_opts {
	const char *profile;
	const char *region;
	const char *config_path;
	const char *stack_name;
	const char *template_path;
	const char *handler_zip;
	const char *output;       /* --output FILE */
	const char *out_dir;      /* --out DIR */
	const char *channel;      /* --channel ARN_OR_NAME */
	const char *since;        /* --since 10m */
	const char *filter;       /* --filter PATTERN */
	const char *minute;       /* --minute ISO (invoke) */
	int no_verify;            /* --no-verify (deploy) */
	int keep_assets;          /* --keep-assets (destroy) */
	/* deploy (deploy.h) */
	const char *outputs_file;     /* --outputs-file FILE */
	const char *require_approval; /* --require-approval never|broadening|any-change */
	const char *execute;          /* --execute CHANGE_SET */
	const char *verify;           /* --verify invoke|wait */
	int prepare, allow_data_loss;  /* --prepare, --allow-data-loss */
	/* history */
	const char *until;        /* --until 1h|ISO */
	const char *format;       /* --format csv|json */
	const char *svg;          /* --svg FILE */
	const char *table;        /* --table NAME */
	const char *export_path;  /* --export FILE (destroy) */
	int all;                  /* --all */
	int retain_failed;        /* --retain-failed (destroy) */
	int list;                 /* --list (restore) */
	const char *at;           /* --at ISO|latest (restore) */
	const char **channels;    /* every --channel, in order (cli_parse allocates; free it) */
	int n_channels;
	int yes, json, follow;
	int nargs;                /* positional arguments left */
	char **args;
};

/* A flag as one command takes it. */
struct cli_flag_use {
	const char *name;         /* "stack-name" */
	const char *help;         /* NULL: the flag's usual help line (options.c) */
	int required;             /* shown without brackets in the synopsis */
};

/* A command's flags: CLI_FLAG("yes"), CLI_FLAG_HELP("json", "its help here"), ... CLI_FLAGS_END */
#define CLI_FLAG(name) { name, NULL, 0 }
#define CLI_FLAG_HELP(name, help) { name, help, 0 }
#define CLI_FLAG_REQUIRED(name) { name, NULL, 1 }
#define CLI_FLAGS_END { NULL, NULL, 0 }

/* What the runner prepares before a command runs (and frees after). */
enum cli_needs {
	CLI_ARGS = 1 << 0,        /* takes positional arguments (its check judges them) */
	CLI_CONFIG = 1 << 1,      /* ivsvc.yaml read, --stack-name/--region/--profile merged */
	CLI_TEMPLATE = 1 << 2,    /* the template: --template FILE or the embedded one */
	CLI_PACKAGE = 1 << 3,     /* the handler package; none is a usage error */
	CLI_PACKAGE_KEY = 1 << 4, /* the package's key when there is one (--handler-zip must load) */
	CLI_SIGNALS = 1 << 5,     /* Ctrl-C sets cli_interrupted instead of killing */
	CLI_CLIENT = 1 << 6,      /* an AWS client for the command's profile and region */
	/* With several regions (regions: in ivsvc.yaml, --region a,b) the command runs
	 * once per region, concurrently (regions.h: regions_run); without this flag
	 * several regions are a usage error for a command with CLI_CLIENT. */
	CLI_REGIONS = 1 << 7,
	CLI_IVS_REGION = 1 << 8,  /* refused (exit 2) in a region that does not offer IVS */
	CLI_NEW_NAMES = 1 << 9,   /* creates the stack: the names it derives must fit */
};

struct cli_ctx {
	struct cli_opts o;
	struct ivs_config cfg;        /* CLI_CONFIG */
	struct stack_template tmpl;   /* CLI_TEMPLATE */
	struct stack_package pkg;     /* CLI_PACKAGE */
	char *code_key;               /* CLI_PACKAGE(_KEY): "ivsvc/<sha256>.zip"; NULL: none */
	struct aws_client *client;    /* CLI_CLIENT */
	char region[64];              /* a check's choice of region when --region is absent */
};

/* A command's work (or check): gets what the runner prepared, returns the exit code. */
typedef int cli_fn(struct cli_ctx *x);

struct cli_command {
	const char *name;
	const char *summary;      /* one line for `ivsvc --help` */
	const char *about;        /* `ivsvc help <name>`: what it does, before the flags */
	const struct cli_flag_use *flags; /* ends with { NULL } */
	unsigned needs;           /* enum cli_needs */
	/* Optional: judges flags and arguments before anything is loaded.
	 * Returns EXIT_OK or the exit code after printing why. */
	cli_fn *check;
	cli_fn *run;
};

/* The commands (src/cli/<name>.c); command.c's table says what each needs. */
cli_fn cmd_deploy, cmd_deploy_check, cmd_destroy, cmd_status, cmd_logs, cmd_logs_check, cmd_synth, cmd_diff,
	cmd_package, cmd_package_check, cmd_player, cmd_player_check, cmd_whoami;
/* invoke.c, cost.c, cancel.c */
cli_fn cmd_invoke, cmd_invoke_check, cmd_cost, cmd_cancel;
/* history.c */
cli_fn cmd_history, cmd_history_check;
/* recover.c, restore.c */
cli_fn cmd_recover, cmd_restore, cmd_restore_check;
/* deploy's last step (cli_verify_deploy) is declared in deploy.h. */

/* Everything main() does: --help, --version, `help <command>`, and running
 * a command. Returns the exit code. */
int cli_main(int argc, char **argv);
/* `ivsvc help <name>` text for c (the caller frees). */
char *cli_usage(const struct cli_command *c);

/* Parses argv[1..] (argv[0] is the command name) for the flags c takes.
 * Unknown flag or missing value: one-line error on stderr, returns -1
 * (the caller exits EXIT_USAGE). o->args: the positional arguments (free it). */
int cli_parse(int argc, char **argv, const struct cli_command *c, struct cli_opts *o);
/* The synopsis items ("[--yes] [--template FILE]", wrapped under indent
 * columns) and the "  --name META   help" lines for c's flags. */
void cli_flags_synopsis(const struct cli_command *c, struct buf *out, size_t indent);
void cli_flags_help(const struct cli_command *c, struct buf *out);

/* Reads ivsvc.yaml (--config or ./ivsvc.yaml), lets --stack-name, --region
 * and --profile win, and points o's stack, region and profile at the result
 * (cfg owns them). Returns EXIT_OK, or EXIT_USAGE after printing the error. */
int cli_load_config(struct cli_opts *o, struct ivs_config *cfg);

/* "ivsvc: <msg>" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same for a filled struct ivs_error. */
void cli_report(const struct ivs_error *err);
/* The one mapping from an error to an exit status: interrupted 130, bad
 * input 2, anything else 1. */
int cli_exit_code(const struct ivs_error *err);

/* An AWS client for o's --profile/--region (and config file settings
 * already merged into o). NULL after printing the error. */
struct aws_client *cli_client(const struct cli_opts *o);

/* Asks "prompt [y/N] " on the terminal. 1 yes, 0 no; with --yes 1 without
 * asking; no terminal and no --yes: prints why and returns -1. */
int cli_confirm(const struct cli_opts *o, const char *prompt);

/* Set by SIGINT/SIGTERM once cli_install_signals() ran. */
extern volatile int cli_interrupted;
void cli_install_signals(void);
/* Sleeps ms in short steps; returns -1 early on Ctrl-C. */
int cli_sleep(long ms);
/* Between two polls of something we wait for: IVSVC_POLL_MS (tests), else 2000. */
long cli_poll_ms(void);

#endif
