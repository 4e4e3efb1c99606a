/*
 * cli.h - what the subcommands share: parsed options, the command table's
 * shape, exit codes and output helpers.
 *
 * Each subcommand lives in its own file (src/cli/<name>.c, cmd_<name>()),
 * parses its flags with cli_parse(), does its work through src/aws/ and
 * prints. Only this layer may exit or print to the terminal.
 */
#ifndef IVS_CLI_H
#define IVS_CLI_H

#include <stdio.h>

#include "aws/client.h"
#include "aws/error.h"

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
	const char *interval;     /* --interval 5s */
	int yes, json, follow, verbose, demo;
	int nargs;                /* positional arguments left */
	char **args;
};

struct cli_command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;      /* one line for `ivsvc --help` */
	const char *usage;        /* `ivsvc help <name>`: synopsis and flags */
};

extern const struct cli_command cli_commands[];
const struct cli_command *cli_find_command(const char *name);

/* Parses argv[1..] (argv[0] is the command name). allowed: comma-separated
 * long flag names, e.g. "yes,json,stack-name,region,profile,config".
 * Unknown flag or missing value: one-line error on stderr, returns -1
 * (the caller exits EXIT_USAGE). */
int cli_parse(int argc, char **argv, const char *allowed, struct cli_opts *o);

/* cli_parse for commands that take flags only: a positional argument is a
 * one-line usage error. o->args is freed (NULL) on return either way. */
int cli_parse_flags_only(int argc, char **argv, const char *allowed, struct cli_opts *o);

/* "ivsvc: <msg>" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same for a filled struct ivs_error. */
void cli_report(const struct ivs_error *err);

/* An AWS client for the command's --profile/--region (and config file
 * settings already merged into o). NULL after printing the error. */
struct aws_client *cli_client(const struct cli_opts *o);

/* Asks "prompt [y/N] " on the terminal. 1 yes, 0 no; with --yes 1 without
 * asking; no terminal and no --yes: prints why and returns -1. */
int cli_confirm(const struct cli_opts *o, const char *prompt);

/* Set by SIGINT/SIGTERM once cli_install_signals() ran. */
extern volatile int cli_interrupted;
void cli_install_signals(void);

int cmd_whoami(int argc, char **argv);
int cmd_deploy(int argc, char **argv);
int cmd_destroy(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_logs(int argc, char **argv);
int cmd_synth(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_package(int argc, char **argv);
int cmd_player(int argc, char **argv);

#endif
