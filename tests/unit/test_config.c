/*
 * test_config.c - ivsvc.yaml: every key read into the template parameters it
 * sets, and every mistake reported as FILE:LINE with exit status 2.
 *
 * The unit tests link only the AWS library (no libyaml), so this drives the
 * built CLI ($IVSVC_BIN) offline: `ivsvc synth --config FILE` parses the file
 * and prints the values deploy would pass, without calling AWS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static char dir[] = "/tmp/ivsvc-config-XXXXXX";
static const char *bin;

struct run {
	int status;
	char out[65536];
	char err[4096];
};

static void slurp(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "r");
	size_t got = f ? fread(buf, 1, n - 1, f) : 0;
	buf[got] = '\0';
	if (f)
		fclose(f);
}

/* Writes text to dir/name and runs `ivsvc synth --config dir/name extra`. */
static void synth(const char *name, const char *text, const char *extra, struct run *r)
{
	char path[256], cmd[1024], out[300], err[300];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(err, sizeof(err), "%s/err", dir);
	snprintf(cmd, sizeof(cmd), "cd %s && '%s' synth --config %s %s >%s 2>%s", dir, bin, name,
		 extra ? extra : "", out, err);
	int st = system(cmd);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	slurp(out, r->out, sizeof(r->out));
	slurp(err, r->err, sizeof(r->err));
}

#define HAS(hay, needle) do { \
	int has_ = strstr((hay), (needle)) != NULL; \
	CHECK(has_); \
	if (!has_) fprintf(stderr, "  missing \"%s\" in:\n%s\n", (needle), (hay)); \
} while (0)

static void test_every_key(void)
{
	struct run r;
	synth("full.yaml",
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
	      "  cost-center: \"42\"\n",
	      NULL, &r);
	CHECK_INTEQ(r.status, 0);
	HAS(r.out, "# stack: Viewers-Prod\n");
	HAS(r.out, "#   ScheduleExpression: rate(2 minutes)  # full.yaml\n");
	HAS(r.out, "#   WindowMinutes: 10  # full.yaml\n");
	HAS(r.out, "#   MetadataFormat: json  # full.yaml\n");
	HAS(r.out, "#   LogRetentionDays: 30  # full.yaml\n");
	HAS(r.out, "#   DataRetentionDays: 90  # full.yaml\n");
	HAS(r.out, "#   MemorySize: 512  # full.yaml\n");
	HAS(r.out, "#   TimeoutSeconds: 40  # full.yaml\n");
	HAS(r.out, "#   PutMetadataRate: 100  # full.yaml\n");
	HAS(r.out, "#   CodeBucket: my-assets.example  # full.yaml\n");
	HAS(r.out, "#   team: video\n");
	HAS(r.out, "#   cost-center: 42\n");
	/* The template itself comes first, unchanged. */
	CHECK(strncmp(r.out, "AWSTemplateFormatVersion", 24) == 0);
}

static void test_defaults_and_flags(void)
{
	struct run r;
	synth("empty.yaml", "# nothing set\n", "--stack-name FromFlag", &r);
	CHECK_INTEQ(r.status, 0);
	HAS(r.out, "# stack: FromFlag\n");
	HAS(r.out, "#   MemorySize: 256  # template Default\n");
	HAS(r.out, "#   ScheduleExpression: rate(1 minute)  # template Default\n");
	HAS(r.out, "#   CodeBucket: ivsvc-assets-<account>-<region>");
	synth("name.yaml", "stack_name: FromFile\n", NULL, &r);
	HAS(r.out, "# stack: FromFile\n");
	synth("name2.yaml", "stack_name: FromFile\n", "--stack-name FromFlag", &r);
	HAS(r.out, "# stack: FromFlag\n");
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
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct run r;
		synth("bad.yaml", bad[i].text, NULL, &r);
		CHECK_INTEQ(r.status, 2);
		HAS(r.err, bad[i].message);
		CHECK_STREQ(r.out, ""); /* nothing printed before the error */
	}
}

static void test_missing_file(void)
{
	struct run r;
	char cmd[600], err[300];
	snprintf(err, sizeof(err), "%s/err", dir);
	snprintf(cmd, sizeof(cmd), "'%s' synth --config %s/absent.yaml >/dev/null 2>%s", bin, dir, err);
	int st = system(cmd);
	CHECK_INTEQ(WIFEXITED(st) ? WEXITSTATUS(st) : -1, 2);
	slurp(err, r.err, sizeof(r.err));
	HAS(r.err, "absent.yaml: cannot read: No such file or directory");
}

int main(void)
{
	bin = getenv("IVSVC_BIN");
	if (!bin || access(bin, X_OK) != 0) {
		fprintf(stderr, "test_config: set IVSVC_BIN to the built ivsvc (ctest does)\n");
		return 1;
	}
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_every_key();
	test_defaults_and_flags();
	test_errors();
	test_missing_file();
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "test_config: could not remove %s\n", dir);
	return CHECK_DONE();
}
