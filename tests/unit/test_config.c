/*
 * test_config.c - ivsvc.yaml (src/cli/config.c, from the ivscli library):
 * every key read into the template parameter it sets, every mistake reported
 * as FILE:LINE with kind IVS_ERR_BAD_INPUT (exit status 2), the file's own
 * checks (missing, writable by all), and `ivsvc synth --config FILE` run
 * in-process through the command runner, which prints the values deploy
 * would pass without calling AWS.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "cli/cli.h"
#include "cli/config.h"
#include "cli/changeset.h"
#include "cli/regionlist.h"
#include "cli/regions.h"

static char dir[] = "/tmp/ivsvc-config-XXXXXX";

#define HAS(hay, needle) do { \
	int has_ = strstr((hay), (needle)) != NULL; \
	CHECK(has_); \
	if (!has_) fprintf(stderr, "  missing \"%s\" in:\n%s\n", (needle), (hay)); \
} while (0)

static const char full_yaml[] =
	"# every setting\n"
	"stack_name: Viewers-Prod\n"
	"region: eu-west-1\n"
	"profile: prod\n"
	"schedule: \"rate(2 minutes)\"\n"
	"window_minutes: 10\n"
	"metadata_format: json\n"
	"log_retention_days: 30\n"
	"data_retention_days: 90\n"
	"memory: 512\n"
	"timeout_seconds: 40\n"
	"put_metadata_rate: 100\n"
	"asset_bucket: my-assets.example\n"
	"tags:\n"
	"  team: video\n"
	"  cost-center: \"42\"\n";

static void write_file(const char *name, const char *text, mode_t mode)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

/* Runs `ivsvc <args>` in-process in dir; its stdout into out. Returns the exit code. */
static int run_cli(char **argv, int argc, char *out, size_t n)
{
	char path[300], cwd[1024];
	snprintf(path, sizeof(path), "%s/stdout", dir);
	if (!getcwd(cwd, sizeof(cwd)) || chdir(dir) != 0)
		return -1;
	fflush(stdout);
	int saved = dup(STDOUT_FILENO);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	int rc = cli_main(argc, argv);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	if (chdir(cwd) != 0)
		return -1;
	FILE *f = fopen(path, "r");
	size_t got = f ? fread(out, 1, n - 1, f) : 0;
	out[got] = '\0';
	if (f)
		fclose(f);
	return rc;
}

static void test_every_key(void)
{
	struct ivs_config cfg;
	struct ivs_error err;
	memset(&cfg, 0, sizeof(cfg));
	CHECK_INTEQ(config_parse("full.yaml", full_yaml, strlen(full_yaml), &cfg, &err), 0);
	CHECK_STREQ(cfg.stack_name, "Viewers-Prod");
	CHECK_STREQ(cfg.region, "eu-west-1");
	CHECK_STREQ(cfg.profile, "prod");
	CHECK_STREQ(cfg.asset_bucket, "my-assets.example");
	CHECK_STREQ(cfg.params[CONFIG_SCHEDULE], "rate(2 minutes)");
	CHECK_STREQ(cfg.params[CONFIG_WINDOW_MINUTES], "10");
	CHECK_STREQ(cfg.params[CONFIG_METADATA_FORMAT], "json");
	CHECK_STREQ(cfg.params[CONFIG_LOG_RETENTION_DAYS], "30");
	CHECK_STREQ(cfg.params[CONFIG_DATA_RETENTION_DAYS], "90");
	CHECK_STREQ(cfg.params[CONFIG_MEMORY], "512");
	CHECK_STREQ(cfg.params[CONFIG_TIMEOUT_SECONDS], "40");
	CHECK_STREQ(cfg.params[CONFIG_PUT_METADATA_RATE], "100");
	CHECK_INTEQ(cfg.n_tags, 2);
	if (cfg.n_tags == 2) {
		CHECK_STREQ(cfg.tags[0].key, "team");
		CHECK_STREQ(cfg.tags[0].value, "video");
		CHECK_STREQ(cfg.tags[1].key, "cost-center");
		CHECK_STREQ(cfg.tags[1].value, "42");
	}
	CHECK_STREQ(config_param_template_name(CONFIG_MEMORY), "MemorySize");
	CHECK_STREQ(config_param_key(CONFIG_PUT_METADATA_RATE), "put_metadata_rate");
	config_free(&cfg);
	CHECK(cfg.stack_name == NULL);
}

static void test_flags_win(void)
{
	struct ivs_config cfg;
	struct ivs_error err;
	char path[300];
	snprintf(path, sizeof(path), "%s/name.yaml", dir);
	write_file("name.yaml", "stack_name: FromFile\nregion: us-east-1\n", 0644);
	CHECK_INTEQ(config_load(path, &cfg, &err), 0);
	CHECK_STREQ(cfg.path, path);
	CHECK_STREQ(cfg.stack_name, "FromFile");
	config_apply_flags(&cfg, "FromFlag", NULL, "p2");
	CHECK_STREQ(cfg.stack_name, "FromFlag");
	CHECK_STREQ(cfg.region, "us-east-1");
	CHECK_STREQ(cfg.profile, "p2");
	config_free(&cfg);

	CHECK(config_stack_name_valid("IvsViewersCount"));
	CHECK(config_stack_name_valid("a-1"));
	CHECK(!config_stack_name_valid("1stack"));
	CHECK(!config_stack_name_valid("has_underscore"));
	CHECK(!config_stack_name_valid(""));
}

static void test_errors(void)
{
	static const struct {
		const char *text;
		const char *message;
	} bad[] = {
		{ "stack_name: A\nmemory: 512\n\n# typo below\nwindw_minutes: 5\n",
		  "bad.yaml:5: unknown key 'windw_minutes'" },
		{ "memory: lots\n", "bad.yaml:1: memory must be a whole number, got 'lots'" },
		{ "memory: \"512\"\n", "bad.yaml:1: memory must be a number, not the string \"512\"" },
		{ "memory: 64\n", "bad.yaml:1: memory must be between 128 and 10240, got 64" },
		{ "memory: 5.5\n", "bad.yaml:1: memory must be a whole number" },
		{ "window_minutes:\n", "bad.yaml:1: window_minutes needs a value" },
		{ "timeout_seconds: [1, 2]\n", "bad.yaml:1: timeout_seconds must be a single value, not a list" },
		{ "metadata_format: xml\n", "bad.yaml:1: metadata_format must be text or json, got 'xml'" },
		{ "log_retention_days: 15\n", "bad.yaml:1: log_retention_days must be one CloudWatch Logs accepts" },
		{ "schedule: every minute\n", "bad.yaml:1: schedule must be rate(...) or cron(...)" },
		{ "stack_name: 1stack\n", "bad.yaml:1: stack_name '1stack' is not a stack name" },
		{ "region: Europe\n", "bad.yaml:1: region 'Europe' is not a region name" },
		{ "asset_bucket: My_Bucket\n", "bad.yaml:1: asset_bucket 'My_Bucket' is not an S3 bucket name" },
		{ "tags: video\n", "bad.yaml:1: tags must be a mapping of name: value" },
		{ "tags:\n  team:\n    nested: 1\n", "bad.yaml:3: tag 'team' must have a single value, not a mapping" },
		{ "tags:\n  aws:owner: me\n", "bad.yaml:2: tag 'aws:owner': names starting with 'aws:' are reserved" },
		{ "memory: 256\nmemory: 512\n", "bad.yaml:2: 'memory' is given twice" },
		{ "- memory: 256\n", "bad.yaml:1: expected a mapping of settings" },
		{ "memory: 256\nschedule: 'rate(1 minute)\n", "bad.yaml:3: not valid YAML" },
		{ "memory: &x 256\ntimeout_seconds: *x\n",
		  "bad.yaml:2: YAML aliases are not supported here" },
		{ "memory: 256\n---\nmemory: 512\n", "bad.yaml:2: only one YAML document is allowed" },
		{ "regions: us-east-1\n", "bad.yaml:1: regions must be a list" },
		{ "regions: []\n", "bad.yaml:1: regions needs at least one region" },
		{ "regions: [us-east-1, Tokyo]\n", "bad.yaml:1: region 'Tokyo' is not a region name" },
		{ "regions:\n  - us-east-1\n  - us-east-1\n", "bad.yaml:3: region 'us-east-1' is given twice" },
		{ "region: us-east-1\nregions: [eu-west-1]\n", "bad.yaml:2: give region or regions, not both" },
		{ "regions: [eu-west-1, us-east-1]\nregion: us-east-1\n", "bad.yaml:2: give region or regions, not both" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ivs_config cfg;
		struct ivs_error err;
		memset(&cfg, 0, sizeof(cfg));
		CHECK_INTEQ(config_parse("bad.yaml", bad[i].text, strlen(bad[i].text), &cfg, &err), -1);
		HAS(err.message, bad[i].message);
		CHECK_INTEQ(err.kind, IVS_ERR_BAD_INPUT);
		CHECK_INTEQ(cli_exit_code(&err), EXIT_USAGE);
		config_free(&cfg);
	}
}

/* What cli_load_config does with --region LIST. */
static int set_regions(struct ivs_config *cfg, const char *list, struct ivs_error *err)
{
	char **v;
	size_t n;
	if (regionlist_parse(list, "--region", &v, &n, err) < 0)
		return -1;
	config_set_region_list(cfg, v, n);
	return 0;
}

/* regions: [a, b] and --region a,b; one region in a list is the region. */
static void test_regions(void)
{
	struct ivs_config cfg;
	struct ivs_error err;
	const char *two = "regions: [us-east-1, ap-northeast-1]\n";
	memset(&cfg, 0, sizeof(cfg));
	CHECK_INTEQ(config_parse("r.yaml", two, strlen(two), &cfg, &err), 0);
	CHECK(cfg.region == NULL);
	CHECK_INTEQ(cfg.n_regions, 2);
	if (cfg.n_regions == 2) {
		CHECK_STREQ(cfg.regions[0], "us-east-1");
		CHECK_STREQ(cfg.regions[1], "ap-northeast-1");
	}
	/* A flag's one region wins over the file's list. */
	config_apply_flags(&cfg, NULL, "eu-west-1", NULL);
	CHECK_STREQ(cfg.region, "eu-west-1");
	CHECK_INTEQ(cfg.n_regions, 0);
	CHECK_INTEQ(set_regions(&cfg, "us-west-2,eu-central-1,ap-south-1", &err), 0);
	CHECK(cfg.region == NULL);
	CHECK_INTEQ(cfg.n_regions, 3);
	if (cfg.n_regions == 3)
		CHECK_STREQ(cfg.regions[2], "ap-south-1");
	CHECK_INTEQ(set_regions(&cfg, "us-east-1,", &err), -1);
	HAS(err.message, "--region: region '' is not a region name");
	CHECK_INTEQ(err.kind, IVS_ERR_BAD_INPUT);
	CHECK_INTEQ(set_regions(&cfg, "us-east-1,us-east-1", &err), -1);
	HAS(err.message, "region 'us-east-1' is given twice");
	CHECK_INTEQ(cfg.n_regions, 3); /* a refused list changes nothing */
	config_free(&cfg);

	const char *one = "regions: [eu-west-1]\n";
	memset(&cfg, 0, sizeof(cfg));
	CHECK_INTEQ(config_parse("r.yaml", one, strlen(one), &cfg, &err), 0);
	CHECK_STREQ(cfg.region, "eu-west-1");
	CHECK_INTEQ(cfg.n_regions, 0);
	config_free(&cfg);

	CHECK(regions_ivs_offered("us-east-1"));
	CHECK(regions_ivs_offered("ap-northeast-1"));
	CHECK(!regions_ivs_offered("eu-west-2"));
	CHECK(!regions_ivs_offered(NULL));
	HAS(regions_ivs_list(), "eu-west-1, us-east-1, us-west-2");
}

/* The function is <stack>-viewers and Lambda allows 64: a stack of 57 fails. */
static void test_derived_names(void)
{
	struct ivs_error err;
	char name[80];
	memset(name, 'a', sizeof(name));
	name[56] = '\0';
	CHECK_INTEQ(stack_check_derived_names(name, &err), 0);
	name[56] = 'a';
	name[57] = '\0';
	CHECK_INTEQ(stack_check_derived_names(name, &err), -1);
	HAS(err.message, "is 57 characters: its Lambda function");
	HAS(err.message, "-viewers would be 65, over the 64 allowed; use at most 56");
	CHECK_INTEQ(cli_exit_code(&err), EXIT_USAGE);

	static char out[4096];
	write_file("long.yaml", "stack_name: Viewers-For-The-Main-Event-Channel-In-Production-Region-01\n", 0644);
	char *argv[] = { "ivsvc", "synth", "--config", "long.yaml", NULL };
	CHECK_INTEQ(run_cli(argv, 4, out, sizeof(out)), EXIT_USAGE);
	CHECK_STREQ(out, "");
}

static void test_file_checks(void)
{
	struct ivs_config cfg;
	struct ivs_error err;
	char path[300];
	snprintf(path, sizeof(path), "%s/absent.yaml", dir);
	CHECK_INTEQ(config_load(path, &cfg, &err), -1);
	HAS(err.message, "absent.yaml: cannot read: No such file or directory");
	CHECK_INTEQ(err.kind, IVS_ERR_BAD_INPUT);
	/* Anyone could change what gets deployed: refused, with the fix. */
	write_file("open.yaml", "memory: 512\n", 0666);
	snprintf(path, sizeof(path), "%s/open.yaml", dir);
	CHECK_INTEQ(config_load(path, &cfg, &err), -1);
	HAS(err.message, "writable by every user (mode 0666); run `chmod o-w");
	chmod(path, 0644);
	CHECK_INTEQ(config_load(path, &cfg, &err), 0);
	CHECK_STREQ(cfg.params[CONFIG_MEMORY], "512");
	config_free(&cfg);
}

static void test_synth(void)
{
	static char out[65536];
	write_file("full.yaml", full_yaml, 0644);
	char *full[] = { "ivsvc", "synth", "--config", "full.yaml", NULL };
	CHECK_INTEQ(run_cli(full, 4, out, sizeof(out)), EXIT_OK);
	/* The template itself comes first, unchanged. */
	CHECK(strncmp(out, "AWSTemplateFormatVersion", 24) == 0);
	HAS(out, "# stack: Viewers-Prod\n");
	HAS(out, "#   ScheduleExpression: rate(2 minutes)  # full.yaml\n");
	HAS(out, "#   WindowMinutes: 10  # full.yaml\n");
	HAS(out, "#   MetadataFormat: json  # full.yaml\n");
	HAS(out, "#   LogRetentionDays: 30  # full.yaml\n");
	HAS(out, "#   DataRetentionDays: 90  # full.yaml\n");
	HAS(out, "#   MemorySize: 512  # full.yaml\n");
	HAS(out, "#   TimeoutSeconds: 40  # full.yaml\n");
	HAS(out, "#   PutMetadataRate: 100  # full.yaml\n");
	HAS(out, "#   CodeBucket: my-assets.example  # full.yaml\n");
	HAS(out, "#   team: video\n");
	HAS(out, "#   cost-center: 42\n");

	write_file("empty.yaml", "# nothing set\n", 0644);
	char *flag[] = { "ivsvc", "synth", "--config", "empty.yaml", "--stack-name", "FromFlag", NULL };
	CHECK_INTEQ(run_cli(flag, 6, out, sizeof(out)), EXIT_OK);
	HAS(out, "# stack: FromFlag\n");
	HAS(out, "#   MemorySize: 256  # template Default\n");
	HAS(out, "#   ScheduleExpression: rate(1 minute)  # template Default\n");
	HAS(out, "#   CodeBucket: ivsvc-assets-<account>-<region>");

	write_file("bad.yaml", "memory: 64\n", 0644);
	char *bad[] = { "ivsvc", "synth", "--config", "bad.yaml", NULL };
	CHECK_INTEQ(run_cli(bad, 4, out, sizeof(out)), EXIT_USAGE);
	CHECK_STREQ(out, ""); /* nothing printed before the error */
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_every_key();
	test_flags_win();
	test_errors();
	test_file_checks();
	test_synth();
	test_regions();
	test_derived_names();
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "test_config: could not remove %s\n", dir);
	return CHECK_DONE();
}
