/*
 * main.c - ivsvc's entry point: the command table, --help, --version and
 * `ivsvc help <command>`. Each command's work lives in its own file.
 */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include <curl/curl.h>
#include <libxml/parser.h>

#include "cli.h"

#define COMMON_FLAGS \
	"  --profile P        use the shared-config profile P (else AWS_PROFILE, \"default\")\n" \
	"  --region R         AWS region (else AWS_REGION, AWS_DEFAULT_REGION, the profile)\n"
#define STACK_FLAGS \
	"  --stack-name NAME  CloudFormation stack (default IvsViewersCount, or ivsvc.yaml)\n" \
	"  --config FILE      settings file (default ./ivsvc.yaml when present)\n"

const struct cli_command cli_commands[] = {
	{ "deploy", cmd_deploy, "create or update the stack (like `cdk deploy`)",
	  "usage: ivsvc deploy [--stack-name NAME] [--yes] [--template FILE] [--handler-zip FILE]\n"
	  "                    [--config FILE] [--region R] [--profile P]\n\n"
	  "Uploads the handler package, creates a change set, shows it, asks, executes it\n"
	  "and follows the stack's events until it settles. The package goes to the asset\n"
	  "bucket ivsvc-assets-<account>-<region> (or asset_bucket in ivsvc.yaml), created\n"
	  "once, encrypted, public access blocked, TLS only. Ctrl-C while waiting stops\n"
	  "watching, not the deploy.\n\n"
	  "ivsvc.yaml keys: stack_name, region, profile, schedule, window_minutes,\n"
	  "metadata_format (text|json), log_retention_days, data_retention_days, memory,\n"
	  "timeout_seconds, put_metadata_rate, asset_bucket, tags (name: value). Flags win.\n\n"
	  STACK_FLAGS
	  "  --yes              do not ask for confirmation (needed without a terminal)\n"
	  "  --template FILE    use FILE instead of the embedded template\n"
	  "  --handler-zip FILE upload FILE instead of the embedded handler package\n" COMMON_FLAGS },
	{ "destroy", cmd_destroy, "delete the stack, its table and its history",
	  "usage: ivsvc destroy [--stack-name NAME] [--yes] [--config FILE] [--region R] [--profile P]\n\n"
	  "Deletes the stack and follows it until it is gone. The DynamoDB table and all\n"
	  "viewer-count history go with it; the asset bucket stays. A missing stack is\n"
	  "not an error.\n\n" STACK_FLAGS
	  "  --yes              do not ask for confirmation (needed without a terminal)\n" COMMON_FLAGS },
	{ "status", cmd_status, "show the stack, schedule, function and latest counts",
	  "usage: ivsvc status [--stack-name NAME] [--json] [--config FILE] [--region R] [--profile P]\n\n"
	  "The stack's status and outputs, the schedule rule's state, the function's state\n"
	  "and last update, and each channel's newest count with its age (old points mean\n"
	  "the pipeline stalled). A missing stack exits 1.\n\n" STACK_FLAGS
	  "  --json             one JSON document: stack{status,outputs{}}, rule, function,\n"
	  "                     channels[{channel,viewers,time,ageSeconds}]\n" COMMON_FLAGS },
	{ "logs", cmd_logs, "print the function's logs (--follow to keep watching)",
	  "usage: ivsvc logs [--follow] [--since 10m] [--filter PATTERN] [--json]\n"
	  "                  [--stack-name NAME] [--config FILE] [--region R] [--profile P]\n\n"
	  "Prints the function's log events (its stack's LogGroupName output, else\n"
	  "/aws/lambda/<stack>-viewers), oldest first, in local time.\n\n" STACK_FLAGS
	  "  --follow, -f       keep polling for new events until Ctrl-C\n"
	  "  --since DURATION   how far back to start: 30s, 10m, 2h, 1d (default 10m)\n"
	  "  --filter PATTERN   CloudWatch Logs filter pattern\n"
	  "  --json             one JSON object per event\n" COMMON_FLAGS },
	{ "synth", cmd_synth, "print the CloudFormation template with parameters resolved",
	  "usage: ivsvc synth [--template FILE] [--config FILE] [--handler-zip FILE]\n\n"
	  "Prints the template unchanged (what deploy sends), then, as YAML comments so the\n"
	  "output stays a valid template, the parameter values deploy would pass and where\n"
	  "each comes from (ivsvc.yaml, the handler package, or the template's Default),\n"
	  "the stack's tags and the IAM capability. Calls no AWS API.\n\n"
	  "  --template FILE    use FILE instead of the embedded template\n"
	  "  --config FILE      settings file (default ./ivsvc.yaml when present)\n"
	  "  --handler-zip FILE name CodeKey after FILE instead of the embedded package\n" },
	{ "diff", cmd_diff, "show what deploy would change, without changing it",
	  "usage: ivsvc diff [--stack-name NAME] [--json] [--template FILE] [--handler-zip FILE]\n"
	  "                  [--config FILE] [--region R] [--profile P]\n\n"
	  "Creates a change set, prints it (+ Add / ~ Modify / - Remove, and changed\n"
	  "parameters) and deletes it: nothing is uploaded or executed. A missing stack\n"
	  "shows every resource as + Add.\n\n" STACK_FLAGS
	  "  --json             one JSON document: changeSetType, noChanges, changes[]\n"
	  "  --template FILE    use FILE instead of the embedded template\n"
	  "  --handler-zip FILE compare with FILE instead of the embedded handler package\n"
	  COMMON_FLAGS },
	{ "package", cmd_package, "write the Lambda deployment package (function.zip)",
	  "usage: ivsvc package [--output FILE]\n\n"
	  "  --output FILE      where to write the zip (default function.zip)\n" },
	{ "player", cmd_player, "write a viewer page configured for a channel",
	  "usage: ivsvc player --channel ARN_OR_NAME [--out DIR] [--yes] [--region R] [--profile P]\n\n"
	  "Writes the viewer page (index.html, the Player SDK, config.json with the\n"
	  "channel's playback URL) into DIR; serve it over http to watch.\n\n"
	  "  --channel C        channel ARN, or its name (looked up with ListChannels)\n"
	  "  --out DIR          where to write it (default ./ivsvc-player)\n"
	  "  --yes              write into a non-empty folder that is not an earlier page\n" COMMON_FLAGS },
	{ "whoami", cmd_whoami, "show the account, identity and region in use",
	  "usage: ivsvc whoami [--json] [--region R] [--profile P]\n\n"
	  "  --json             one JSON object on stdout\n" COMMON_FLAGS },
	{ NULL, NULL, NULL, NULL },
};

const struct cli_command *cli_find_command(const char *name)
{
	for (const struct cli_command *c = cli_commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static void print_help(FILE *out)
{
	fprintf(out, "usage: ivsvc <command> [options]\n\n"
		     "Live viewer counts on Amazon IVS streams, deployed with one command.\n\n"
		     "Commands:\n");
	for (const struct cli_command *c = cli_commands; c->name; c++)
		fprintf(out, "  %-9s %s\n", c->name, c->summary);
	fprintf(out, "  %-9s %s\n", "help", "show a command's flags: ivsvc help <command>");
	fprintf(out, "\nExit status: 0 done (also \"no changes\"), 1 the operation failed,\n"
		     "2 bad usage, flags or config, 3 confirmation refused or impossible\n"
		     "(no terminal and no --yes), 130 interrupted.\n\n"
		     "Endpoints: AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> override where\n"
		     "each service is called (e.g. AWS_ENDPOINT_URL_CLOUDFORMATION).\n");
}

static int cmd_help(int argc, char **argv)
{
	if (argc < 2) {
		print_help(stdout);
		return EXIT_OK;
	}
	const struct cli_command *c = cli_find_command(argv[1]);
	if (!c) {
		cli_error("help: unknown command '%s' (see 'ivsvc --help')", argv[1]);
		return EXIT_USAGE;
	}
	printf("%s\n", c->usage);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	/* Secrets are wiped after use, but a crash mid-call could still dump
	 * them to a core file: this tool never writes one. */
	struct rlimit no_core = { 0, 0 };
	setrlimit(RLIMIT_CORE, &no_core);

	if (argc < 2) {
		print_help(stderr);
		return EXIT_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
		return cmd_help(1, argv + 1);
	if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
		printf("ivsvc %s\n", IVSVC_VERSION);
		return EXIT_OK;
	}
	if (strcmp(name, "help") == 0)
		return cmd_help(argc - 1, argv + 1);
	const struct cli_command *c = cli_find_command(name);
	if (!c) {
		if (name[0] == '-')
			cli_error("unknown option '%s' (see 'ivsvc --help')", name);
		else
			cli_error("unknown command '%s' (see 'ivsvc --help')", name);
		return EXIT_USAGE;
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf("%s\n", c->usage);
			return EXIT_OK;
		}
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	xmlInitParser();
	int rc = c->fn(argc - 1, argv + 1);
	xmlCleanupParser();
	curl_global_cleanup();
	return rc;
}
