/*
 * command.c - the command table and what every command shares: --help,
 * --version and `ivsvc help <command>` (generated from each command's
 * flags), and the runner that parses, reads the settings, loads the inputs,
 * installs the signal handlers and makes the AWS client once for every
 * command, as git's run_builtin() does, then frees it all.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <libxml/parser.h>

#include "assets.h"
#include "aws/sts.h"
#include "regions.h"

/* Every command: what it needs prepared, its flags (their usual help lines
 * are in options.c; a command may say its own) and its help. */
static const struct cli_command commands[] = {
	{
		.name = "deploy", .run = cmd_deploy, .check = cmd_deploy_check,
		.needs = CLI_CONFIG | CLI_TEMPLATE | CLI_PACKAGE | CLI_SIGNALS | CLI_CLIENT |
			 CLI_REGIONS | CLI_IVS_REGION | CLI_NEW_NAMES,
		.summary = "create or update the stack (like `cdk deploy`)",
		.about = "Uploads the handler package, creates a change set, shows it, asks, executes it\n"
			 "and follows the stack's events until it settles. The package goes to the asset\n"
			 "bucket ivsvc-assets-<account>-<region> (or asset_bucket in ivsvc.yaml), created\n"
			 "once, encrypted, public access blocked, TLS only. Ctrl-C while waiting stops\n"
			 "watching, not the deploy.\n\n"
			 "ivsvc.yaml keys: stack_name, region, profile, schedule, window_minutes,\n"
			 "metadata_format (text|json), log_retention_days, data_retention_days, memory,\n"
			 "timeout_seconds, put_metadata_rate, asset_bucket, tags (name: value),\n"
			 "regions ([a, b]: each region at once, one question for all). Flags win.",
		.flags = (const struct cli_flag_use[]){ CLI_FLAG("stack-name"), CLI_FLAG("yes"),
							CLI_FLAG("template"), CLI_FLAG("handler-zip"),
							CLI_FLAG("no-verify"), CLI_FLAG("verify"),
							CLI_FLAG_HELP("json", "one JSON object per line on stdout: plan, events,\n"
									      "then {stack,changed,status,outputs{},verify}"),
							CLI_FLAG("outputs-file"), CLI_FLAG("require-approval"),
							CLI_FLAG("allow-data-loss"), CLI_FLAG("prepare"),
							CLI_FLAG("execute"),
							CLI_FLAG("config"), CLI_FLAG("region"),
							CLI_FLAG("profile"), CLI_FLAGS_END },
	},
	{
		.name = "destroy", .run = cmd_destroy,
		.needs = CLI_CONFIG | CLI_SIGNALS | CLI_CLIENT | CLI_REGIONS,
		.summary = "delete the stack, its table and its history",
		.about = "Deletes the stack and follows it until it is gone. The DynamoDB table and all\n"
			 "viewer-count history go with it; so do its handler packages, and the asset\n"
			 "bucket when ivsvc made it and it is then empty (--keep-assets keeps them).\n"
			 "A missing stack is not an error.",
		.flags = (const struct cli_flag_use[]){ CLI_FLAG("stack-name"), CLI_FLAG("yes"),
							CLI_FLAG("export"), CLI_FLAG("retain-failed"),
							CLI_FLAG("keep-assets"),
							CLI_FLAG("config"), CLI_FLAG("region"),
							CLI_FLAG("profile"), CLI_FLAGS_END },
	},
	{
		.name = "status", .run = cmd_status,
		.needs = CLI_CONFIG | CLI_SIGNALS | CLI_CLIENT | CLI_REGIONS,
		.summary = "show the stack, schedule, function and latest counts",
		.about = "The stack's status and outputs, the schedule rule's state, the function's state\n"
			 "and last update, and each channel's newest count with its age (old points mean\n"
			 "the pipeline stalled). A missing stack exits 1.",
		.flags = (const struct cli_flag_use[]){
			CLI_FLAG("stack-name"),
			CLI_FLAG_HELP("json", "one JSON document: stack{status,outputs{}}, rule, function,\n"
					      "channels[{channel,viewers,time,ageSeconds}]"),
			CLI_FLAG_HELP("follow", "follow an operation in progress until it settles (exit\n"
						"status as deploy's); nothing in progress: the status"),
			CLI_FLAG("config"), CLI_FLAG("region"), CLI_FLAG("profile"), CLI_FLAGS_END },
	},
	{
		.name = "history", .run = cmd_history, .check = cmd_history_check,
		.needs = CLI_CONFIG | CLI_SIGNALS | CLI_CLIENT | CLI_REGIONS,
		.summary = "chart or export the viewer-count history",
		.about = "Per channel, a chart of the window scaled to the terminal's width, with min, max,\n"
			 "average and the peak's time; minutes with no data are gaps, not zeros. Channels:\n"
			 "each --channel, else every channel IVS lists; --all reads the whole table (a\n"
			 "parallel Scan), channels gone from IVS too. --format streams the rows (channel,\n"
			 "channel_name, minute in UTC, count) in constant memory; with --all and no\n"
			 "--since/--until it exports the whole history.",
		.flags = (const struct cli_flag_use[]){
			CLI_FLAG_HELP("channel", "channel ARN or name; repeat for more (default: every channel)"),
			CLI_FLAG("all"),
			CLI_FLAG_HELP("since", "where to start: a duration ago (24h) or ISO 8601 (default 24h)"),
			CLI_FLAG("until"), CLI_FLAG("format"), CLI_FLAG("svg"), CLI_FLAG("table"),
			CLI_FLAG("stack-name"), CLI_FLAG("config"), CLI_FLAG("region"), CLI_FLAG("profile"),
			CLI_FLAGS_END },
	},
	{
		.name = "logs", .run = cmd_logs, .check = cmd_logs_check,
		.needs = CLI_CONFIG | CLI_SIGNALS | CLI_CLIENT | CLI_REGIONS,
		.summary = "print the function's logs (--follow to keep watching)",
		.about = "Prints the function's log events (its stack's LogGroupName output, else\n"
			 "/aws/lambda/<stack>-viewers), oldest first, in local time.",
		.flags = (const struct cli_flag_use[]){
			CLI_FLAG("follow"), CLI_FLAG("since"), CLI_FLAG("filter"),
			CLI_FLAG_HELP("json", "one JSON object per event"),
			CLI_FLAG("stack-name"), CLI_FLAG("config"), CLI_FLAG("region"), CLI_FLAG("profile"),
			CLI_FLAGS_END },
	},
	{
		.name = "invoke", .run = cmd_invoke, .check = cmd_invoke_check,
		.needs = CLI_CONFIG | CLI_CLIENT | CLI_REGIONS,
		.summary = "run the deployed function once now and show its tick",
		.about = "Invokes the stack's function (Lambda Invoke, RequestResponse) with the event its\n"
			 "schedule sends, for the current minute or --minute's, and prints the tick's\n"
			 "summary (channels, live, items written, metadata sent, errors by channel) and\n"
			 "the log tail. Like `sam remote invoke`. Exits 1 when the function errored.\n"
			 "The tick is a real one: it writes the minute's counts and sends metadata.",
		.flags = (const struct cli_flag_use[]){
			CLI_FLAG("minute"),
			CLI_FLAG_HELP("json", "one JSON document: functionName, minute, functionError,\n"
					      "result (the tick's summary), logTail"),
			CLI_FLAG("stack-name"), CLI_FLAG("config"), CLI_FLAG("region"), CLI_FLAG("profile"),
			CLI_FLAGS_END },
	},
	{
		.name = "cost", .run = cmd_cost, .needs = CLI_CONFIG | CLI_TEMPLATE | CLI_CLIENT,
		.summary = "estimate what the pipeline costs a month",
		.about = "A monthly estimate in the stack's region: Lambda requests and compute (the\n"
			 "schedule x the duration measured from the last hour's REPORT lines, else an\n"
			 "assumption x memory), DynamoDB writes, reads and storage (the channels IVS lists\n"
			 "x the window, with and without data_retention_days), CloudWatch Logs, and IVS\n"
			 "timed metadata. Prices are a table in ivsvc with the date they were written\n"
			 "down: check them against the AWS pricing pages. Free tiers are not subtracted.",
		.flags = (const struct cli_flag_use[]){
			CLI_FLAG_HELP("json", "one JSON document: lines[{item,quantity,unit,unitPrice,usd}],\n"
					      "totalUsd, pricesRead, assumptions[]"),
			CLI_FLAG("stack-name"), CLI_FLAG("template"), CLI_FLAG("config"),
			CLI_FLAG("region"), CLI_FLAG("profile"), CLI_FLAGS_END },
	},
	{
		.name = "cancel", .run = cmd_cancel, .needs = CLI_CONFIG | CLI_SIGNALS | CLI_CLIENT,
		.summary = "stop an update in progress and follow its rollback",
		.about = "Cancels the stack's update in progress (CloudFormation CancelUpdateStack) and\n"
			 "follows the rollback to the previous version until it settles. Only a stack in\n"
			 "UPDATE_IN_PROGRESS can be cancelled. Ctrl-C stops watching, not the rollback.",
		.flags = (const struct cli_flag_use[]){ CLI_FLAG("stack-name"), CLI_FLAG("yes"),
							CLI_FLAG("config"), CLI_FLAG("region"),
							CLI_FLAG("profile"), CLI_FLAGS_END },
	},
	{
		.name = "recover", .run = cmd_recover, .needs = CLI_CONFIG | CLI_SIGNALS | CLI_CLIENT,
		.summary = "continue a rollback that failed (UPDATE_ROLLBACK_FAILED)",
		.about = "Continues the rollback of a stack in UPDATE_ROLLBACK_FAILED (CloudFormation\n"
			 "ContinueUpdateRollback), skipping the resources that failed to roll back only\n"
			 "when they are safe to recreate (function, role, rule, permission, log group,\n"
			 "invoke config), never the table, and follows it to its end. Any other stack\n"
			 "state is refused with what to do instead.",
		.flags = (const struct cli_flag_use[]){ CLI_FLAG("stack-name"), CLI_FLAG("yes"),
							CLI_FLAG("config"), CLI_FLAG("region"),
							CLI_FLAG("profile"), CLI_FLAGS_END },
	},
	{
		.name = "restore", .run = cmd_restore, .check = cmd_restore_check,
		.needs = CLI_ARGS | CLI_CONFIG | CLI_SIGNALS | CLI_CLIENT,
		.summary = "list the table's backups, or restore one into a new table",
		.about = "--list: the DynamoDB backups (on-demand, and the system backup DynamoDB keeps\n"
			 "35 days after a table with point-in-time recovery is deleted) and each live\n"
			 "table's point-in-time window. `ivsvc restore BACKUP_ARN --table NAME` restores a\n"
			 "backup into the new table NAME; `ivsvc restore SOURCE_TABLE --at ISO|latest\n"
			 "--table NAME` restores a live table as it was then. Waits until the new table\n"
			 "is ACTIVE; `ivsvc history --table NAME` reads it. An existing NAME is refused.",
		.flags = (const struct cli_flag_use[]){
			CLI_FLAG("list"),
			CLI_FLAG_HELP("table", "the new table (restore); with --list, only this source table"),
			CLI_FLAG("at"),
			CLI_FLAG_HELP("json", "one JSON document (the backups, or the restored table)"),
			CLI_FLAG("config"), CLI_FLAG("region"), CLI_FLAG("profile"), CLI_FLAGS_END },
	},
	{
		.name = "synth", .run = cmd_synth,
		.needs = CLI_CONFIG | CLI_TEMPLATE | CLI_PACKAGE_KEY | CLI_NEW_NAMES,
		.summary = "print the CloudFormation template with parameters resolved",
		.about = "Prints the template unchanged (what deploy sends), then, as YAML comments so the\n"
			 "output stays a valid template, the parameter values deploy would pass and where\n"
			 "each comes from (ivsvc.yaml, the handler package, or the template's Default),\n"
			 "the stack's tags and the IAM capability. Calls no AWS API.",
		.flags = (const struct cli_flag_use[]){
			CLI_FLAG("template"),
			CLI_FLAG("config"),
			CLI_FLAG_HELP("handler-zip", "name CodeKey after FILE instead of the embedded package"),
			CLI_FLAG_HELP("stack-name", "the stack named in the output (default IvsViewersCount,\n"
						    "or ivsvc.yaml)"),
			CLI_FLAGS_END },
	},
	{
		.name = "diff", .run = cmd_diff,
		.needs = CLI_CONFIG | CLI_TEMPLATE | CLI_PACKAGE_KEY | CLI_SIGNALS | CLI_CLIENT |
			 CLI_REGIONS | CLI_IVS_REGION | CLI_NEW_NAMES,
		.summary = "show what deploy would change, without changing it",
		.about = "Creates a change set, prints it (+ Add / ~ Modify / - Remove, and changed\n"
			 "parameters) and deletes it: nothing is uploaded or executed. A missing stack\n"
			 "shows every resource as + Add.",
		.flags = (const struct cli_flag_use[]){
			CLI_FLAG("stack-name"), CLI_FLAG("template"),
			CLI_FLAG_HELP("json", "one JSON document: changeSetType, noChanges, changes[],\n"
					      "parameters{}, tags{} (name: \"old -> new\")"),
			CLI_FLAG_HELP("handler-zip",
				      "compare with FILE instead of the embedded handler package"),
			CLI_FLAG("config"), CLI_FLAG("region"), CLI_FLAG("profile"), CLI_FLAGS_END },
	},
	{
		.name = "package", .run = cmd_package, .check = cmd_package_check, .needs = CLI_ARGS,
		.summary = "write the Lambda deployment package (function.zip)",
		.flags = (const struct cli_flag_use[]){ CLI_FLAG("output"), CLI_FLAGS_END },
	},
	{
		.name = "player", .needs = CLI_ARGS | CLI_CLIENT,
		.check = cmd_player_check, .run = cmd_player,
		.summary = "write a viewer page configured for a channel",
		.about = "Writes the viewer page (index.html, the Player SDK, config.json with the\n"
			 "channel's playback URL) into DIR; serve it over http to watch.",
		.flags = (const struct cli_flag_use[]){
			CLI_FLAG_REQUIRED("channel"),
			CLI_FLAG("out"),
			CLI_FLAG_HELP("yes", "write into a non-empty folder that is not an earlier page"),
			CLI_FLAG("region"), CLI_FLAG("profile"), CLI_FLAGS_END },
	},
	{
		.name = "whoami", .run = cmd_whoami, .needs = CLI_CLIENT,
		.summary = "show the account, identity and region in use",
		.flags = (const struct cli_flag_use[]){ CLI_FLAG("json"), CLI_FLAG("region"), CLI_FLAG("profile"), CLI_FLAGS_END },
	},
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct cli_command *find_command(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

char *cli_usage(const struct cli_command *c)
{
	struct buf out = BUF_INIT;
	buf_printf(&out, "usage: ivsvc %s ", c->name);
	cli_flags_synopsis(c, &out, out.len);
	buf_puts(&out, "\n\n");
	if (c->about)
		buf_printf(&out, "%s\n\n", c->about);
	cli_flags_help(c, &out);
	return buf_detach(&out);
}

static void print_help(FILE *out)
{
	fprintf(out, "usage: ivsvc <command> [options]\n\n"
		     "Live viewer counts on Amazon IVS streams, deployed with one command.\n\n"
		     "Commands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "  %-9s %s\n", "help", "show a command's flags: ivsvc help <command>");
	fprintf(out, "\nExit status: 0 done (also \"no changes\"), 1 the operation failed,\n"
		     "2 bad usage, flags or config, 3 confirmation refused or impossible\n"
		     "(no terminal and no --yes), 130 interrupted.\n\n"
		     "Endpoints: AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> override where\n"
		     "each service is called (e.g. AWS_ENDPOINT_URL_CLOUDFORMATION).\n");
}

static int print_usage(const struct cli_command *c)
{
	char *usage = cli_usage(c);
	printf("%s\n", usage);
	free(usage);
	return EXIT_OK;
}

static int cmd_help(int argc, char **argv)
{
	if (argc < 2) {
		print_help(stdout);
		return EXIT_OK;
	}
	const struct cli_command *c = find_command(argv[1]);
	if (!c) {
		cli_error("help: unknown command '%s' (see 'ivsvc --help')", argv[1]);
		return EXIT_USAGE;
	}
	return print_usage(c);
}

/* A file the command needs could not be loaded: "<command>: <why>". */
static int input_error(const struct cli_command *c, const struct ivs_error *err)
{
	cli_error("%s: %s", c->name, err->message);
	return cli_exit_code(err);
}

/* The handler package, or for CLI_PACKAGE_KEY only its key (when there is one). */
static int load_package(const struct cli_command *c, struct cli_ctx *x)
{
	struct ivs_error err;
	if (stack_package_load(x->o.handler_zip, x->cfg.params[CONFIG_ARCHITECTURE], &x->pkg,
			       &err) < 0) {
		/* The key only names CodeKey: a build without a package still works,
		 * unless an architecture it has no package for was asked for. */
		const char *arch = x->cfg.params[CONFIG_ARCHITECTURE];
		if ((c->needs & CLI_PACKAGE) || x->o.handler_zip || (arch && strcmp(arch, "x86_64")))
			return input_error(c, &err);
		return EXIT_OK;
	}
	x->code_key = stack_package_key(&x->pkg);
	if (!(c->needs & CLI_PACKAGE))
		stack_package_free(&x->pkg);
	return EXIT_OK;
}

/* Everything before the command's own work, in the order users see errors:
 * flags, the command's own checks, settings, inputs; then the client. */
static int prepare(const struct cli_command *c, int argc, char **argv, struct cli_ctx *x)
{
	struct ivs_error err;
	int rc;
	if (cli_parse(argc, argv, c, &x->o) < 0)
		return EXIT_USAGE;
	if (x->o.nargs && !(c->needs & CLI_ARGS)) {
		cli_error("%s: takes no arguments (see 'ivsvc help %s')", c->name, c->name);
		return EXIT_USAGE;
	}
	if (c->check && (rc = c->check(x)) != EXIT_OK)
		return rc;
	if ((c->needs & CLI_CONFIG) && (rc = cli_load_config(&x->o, &x->cfg)) != EXIT_OK)
		return rc;
	if ((c->needs & CLI_TEMPLATE) &&
	    stack_template_load(x->o.template_path, &x->tmpl, &err) < 0)
		return input_error(c, &err);
	if ((c->needs & (CLI_PACKAGE | CLI_PACKAGE_KEY)) && (rc = load_package(c, x)) != EXIT_OK)
		return rc;
	if (c->needs & CLI_SIGNALS)
		cli_install_signals();
	if (!x->o.region && x->region[0])
		x->o.region = x->region;
	if ((rc = regions_prepare(c, x)) != EXIT_OK || x->cfg.n_regions > 1)
		return rc; /* several regions: run_command starts one run per region */
	if ((c->needs & CLI_CLIENT) && !(x->client = cli_client(&x->o)))
		return EXIT_FAILED;
	if ((c->needs & CLI_IVS_REGION) && (rc = regions_check_ivs(c, x)) != EXIT_OK)
		return rc;
	return EXIT_OK;
}

static int run_command(const struct cli_command *c, int argc, char **argv)
{
	struct cli_ctx x;
	memset(&x, 0, sizeof(x));
	curl_global_init(CURL_GLOBAL_DEFAULT);
	xmlInitParser();
	int rc = prepare(c, argc, argv, &x);
	if (rc == EXIT_OK)
		rc = x.cfg.n_regions > 1 ? regions_run(c, argc, argv, &x) : c->run(&x);
	aws_client_free(x.client);
	free(x.code_key);
	stack_package_free(&x.pkg);
	stack_template_free(&x.tmpl);
	config_free(&x.cfg);
	free(x.o.args);
	free(x.o.channels);
	xmlCleanupParser();
	curl_global_cleanup();
	return rc;
}

int cli_main(int argc, char **argv)
{
	sts_register_credentials();
	if (argc < 2) {
		print_help(stderr);
		return EXIT_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
		return cmd_help(1, argv + 1);
	if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
		int verbose = argc == 3 && strcmp(argv[2], "--verbose") == 0;
		if (argc > 2 && !verbose) {
			cli_error("version: the only option is --verbose");
			return EXIT_USAGE;
		}
		printf("ivsvc %s\n", IVSVC_VERSION);
		if (verbose)
			assets_print_versions(stdout);
		return EXIT_OK;
	}
	if (strcmp(name, "help") == 0)
		return cmd_help(argc - 1, argv + 1);
	const struct cli_command *c = find_command(name);
	if (!c) {
		if (name[0] == '-')
			cli_error("unknown option '%s' (see 'ivsvc --help')", name);
		else
			cli_error("unknown command '%s' (see 'ivsvc --help')", name);
		return EXIT_USAGE;
	}
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return print_usage(c);
	return run_command(c, argc - 1, argv + 1);
}
