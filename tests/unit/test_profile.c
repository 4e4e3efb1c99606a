/*
 * test_profile.c - the shared config files: the INI dialect and its errors,
 * profile selection, file paths, region precedence, and the credential
 * chain's file-based steps (static keys, precedence, incomplete profiles,
 * the permission warning, expiration times). Nothing here touches the
 * network: IMDS is disabled and no container endpoint is set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/creds.h"
#include "aws/profile.h"
#include "check.h"

static char home[64];

static void clean_env(void)
{
	static const char *vars[] = { "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
				      "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
				      "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
				      "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
				      "AWS_CREDENTIAL_EXPIRATION",
				      "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
				      "AWS_CONTAINER_CREDENTIALS_FULL_URI" };
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
}

static const char *path_in_home(const char *rel)
{
	static char p[2][400];
	static int which;
	which ^= 1;
	snprintf(p[which], sizeof(p[which]), "%s/%s", home, rel);
	return p[which];
}

static void write_file(const char *rel, const char *text, mode_t mode)
{
	char dir[400];
	snprintf(dir, sizeof(dir), "%s/.aws", home);
	mkdir(dir, 0700);
	const char *path = path_in_home(rel);
	unlink(path);
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static void remove_files(void)
{
	unlink(path_in_home(".aws/config"));
	unlink(path_in_home(".aws/credentials"));
}

/* profile_ini_get on ~/.aws/config; "ERR:<code>" on a parse error. */
static char got[700];
static const char *cfg_get(const char *profile, const char *key)
{
	struct ivs_error err;
	ivs_error_clear(&err);
	char *v = profile_ini_get(path_in_home(".aws/config"), 1, profile, key, &err);
	if (!v && err.code[0])
		snprintf(got, sizeof(got), "ERR:%s", err.code);
	else
		snprintf(got, sizeof(got), "%s", v ? v : "(absent)");
	free(v);
	return got;
}

static const char *cred_get(const char *profile, const char *key)
{
	struct ivs_error err;
	ivs_error_clear(&err);
	char *v = profile_ini_get(path_in_home(".aws/credentials"), 0, profile, key, &err);
	snprintf(got, sizeof(got), "%s", v ? v : err.code[0] ? "ERR" : "(absent)");
	free(v);
	return got;
}

static void test_ini(void)
{
	write_file(".aws/config",
		   "\xEF\xBB\xBF# a comment\n"
		   "; another comment\n"
		   "[default]\n"
		   "region=eu-west-1\n"
		   "  # an indented comment\n"
		   "Output   =   json   \n"
		   "cli_pager = # only a comment: empty value\n"
		   "s3 =\n"
		   "  max_concurrent_requests = 2\n"
		   "\tmultipart_threshold = 64MB ; trailing comment\n"
		   "after_block = yes\n"
		   "\n"
		   "[profile dev] # dev account\r\n"
		   "region = us-west-2 # inline comment after whitespace\r\n"
		   "credential_process = /bin/echo a#b c;d\r\n"
		   "\r\n"
		   "[ profile   spaced   ]\n"
		   "region = ap-south-1\n"
		   "[profilenospace]\n"
		   "region = nowhere-1\n"
		   "[prod]\n"
		   "region = us-gov-west-1\n"
		   "[profile dev]\n"
		   "output = text\n"
		   "REGION = ca-central-1\n"
		   "[profile multi]\n"
		   "note = first\n"
		   "  second\n"
		   "  third\n",
		   0600);
	CHECK_STREQ(cfg_get("default", "region"), "eu-west-1");
	CHECK_STREQ(cfg_get("default", "output"), "json");
	CHECK_STREQ(cfg_get("default", "OUTPUT"), "json");
	CHECK_STREQ(cfg_get("default", "cli_pager"), "");
	CHECK_STREQ(cfg_get("default", "s3"), "");
	/* Sub-section lines are not top-level keys ... */
	CHECK_STREQ(cfg_get("default", "max_concurrent_requests"), "(absent)");
	/* ... but can be asked for by their dotted name. */
	CHECK_STREQ(cfg_get("default", "s3.max_concurrent_requests"), "2");
	CHECK_STREQ(cfg_get("default", "s3.multipart_threshold"), "64MB");
	CHECK_STREQ(cfg_get("default", "after_block"), "yes");
	/* Repeated sections merge; a later key wins; keys are case-insensitive. */
	CHECK_STREQ(cfg_get("dev", "region"), "ca-central-1");
	CHECK_STREQ(cfg_get("dev", "output"), "text");
	/* '#' and ';' without whitespace before them are part of the value. */
	CHECK_STREQ(cfg_get("dev", "credential_process"), "/bin/echo a#b c;d");
	CHECK_STREQ(cfg_get("spaced", "region"), "ap-south-1");
	/* In the config file "[x]" is not profile x, and "[profilex]" is nothing. */
	CHECK_STREQ(cfg_get("prod", "region"), "(absent)");
	CHECK_STREQ(cfg_get("nospace", "region"), "(absent)");
	CHECK_STREQ(cfg_get("multi", "note"), "first\nsecond\nthird");
	CHECK_STREQ(cfg_get("missing", "region"), "(absent)");

	struct profile_section s;
	struct ivs_error err;
	CHECK_INTEQ(profile_ini_load(path_in_home(".aws/config"), PROFILE_INI_CONFIG, "dev", &s,
				     &err), 0);
	CHECK_INTEQ(s.found, 1);
	CHECK_INTEQ(s.file_exists, 1);
	CHECK_STREQ(s.label, "[profile dev]");
	profile_section_free(&s);
	CHECK_INTEQ(profile_ini_load(path_in_home(".aws/config"), PROFILE_INI_CONFIG, "nope", &s,
				     &err), 0);
	CHECK_INTEQ(s.found, 0);
	profile_section_free(&s);
	CHECK_INTEQ(profile_ini_load(path_in_home(".aws/nothing"), PROFILE_INI_CONFIG, "default",
				     &s, &err), 0);
	CHECK_INTEQ(s.file_exists, 0);
	CHECK_INTEQ(s.found, 0);
	profile_section_free(&s);

	/* "[profile default]" wins over "[default]" in the config file. */
	write_file(".aws/config", "[default]\nregion = us-east-1\noutput = json\n"
				  "[profile default]\nregion = us-east-2\n", 0600);
	CHECK_STREQ(cfg_get("default", "region"), "us-east-2");
	CHECK_STREQ(cfg_get("default", "output"), "(absent)");
	write_file(".aws/config", "[profile default]\nregion = us-east-2\n", 0600);
	CHECK_STREQ(cfg_get("default", "region"), "us-east-2");

	/* The credentials file: "[x]", and "[profile x]" is a profile named so. */
	write_file(".aws/credentials", "[default]\naws_access_key_id = A\n[dev]\nx = 1\n"
				       "[profile dev]\nx = 2\n", 0600);
	CHECK_STREQ(cred_get("dev", "x"), "1");
	CHECK_STREQ(cred_get("profile dev", "x"), "2");
	CHECK_STREQ(cred_get("default", "aws_access_key_id"), "A");
	remove_files();
}

static void expect_parse_error(const char *text, const char *where)
{
	write_file(".aws/config", text, 0600);
	struct ivs_error err;
	ivs_error_clear(&err);
	char *v = profile_ini_get(path_in_home(".aws/config"), 1, "default", "region", &err);
	CHECK(v == NULL);
	free(v);
	CHECK_STREQ(err.code, "BadConfigFile");
	char want[500];
	snprintf(want, sizeof(want), "%s/.aws/config:%s", home, where);
	if (strncmp(err.message, want, strlen(want)) != 0) {
		check_failed++;
		fprintf(stderr, "parse error \"%s\" does not start with \"%s\"\n", err.message, want);
	} else {
		check_passed++;
	}
	/* The offending line is never quoted: it may hold a secret. */
	CHECK(strstr(err.message, "SECRETVALUE") == NULL);
}

static void test_ini_errors(void)
{
	expect_parse_error("region = us-east-1\n[default]\n", "1:");
	expect_parse_error("[default]\nregion = x\n[profile x\n", "3:");
	expect_parse_error("[default]\naws_secret_access_key SECRETVALUE\n", "2:");
	expect_parse_error("# c\n\n[default]\n= SECRETVALUE\n", "4:");
	expect_parse_error("[default]\n  indented = first\n", "2:");
	expect_parse_error("[]\n", "1:");
	expect_parse_error("[default] trailing\n", "1:");
	expect_parse_error("[default]\ns3 =\n  no equals SECRETVALUE\n", "3:");
	/* An error in another profile's section still fails the file. */
	expect_parse_error("[default]\nregion = us-east-1\n[profile other]\njunk\n", "4:");
	remove_files();
}

static void test_names_and_paths(void)
{
	CHECK_STREQ(profile_name(NULL), "default");
	CHECK_STREQ(profile_name(""), "default");
	setenv("AWS_PROFILE", "fromenv", 1);
	CHECK_STREQ(profile_name(NULL), "fromenv");
	CHECK_STREQ(profile_name("flag"), "flag");
	unsetenv("AWS_PROFILE");

	char *c = profile_config_path(), *k = profile_credentials_path();
	CHECK_STREQ(c, path_in_home(".aws/config"));
	CHECK_STREQ(k, path_in_home(".aws/credentials"));
	free(c);
	free(k);
	setenv("AWS_CONFIG_FILE", "/etc/aws-config", 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", "~/creds", 1);
	c = profile_config_path();
	k = profile_credentials_path();
	CHECK_STREQ(c, "/etc/aws-config");
	CHECK_STREQ(k, path_in_home("creds"));
	free(c);
	free(k);
	clean_env();
}

static const char *region(const char *flag, const char *profile)
{
	static char out[800];
	char r[64];
	struct ivs_error err;
	ivs_error_clear(&err);
	if (region_resolve(flag, profile, r, sizeof(r), &err) < 0)
		snprintf(out, sizeof(out), "%s: %s", err.code, err.message);
	else
		snprintf(out, sizeof(out), "%s", r);
	return out;
}

static void test_region(void)
{
	char want[1000];
	snprintf(want, sizeof(want),
		 "NoRegion: no AWS region: pass --region, set AWS_REGION, or add `region = ...` "
		 "to [default] in %s/.aws/config", home);
	CHECK_STREQ(region(NULL, NULL), want);

	write_file(".aws/config", "[default]\nregion = eu-central-1\n"
				  "[profile dev]\nregion = us-west-2\n"
				  "[profile noregion]\noutput = json\n"
				  "[profile bad]\nregion = us-east-1.evil.com\n", 0600);
	CHECK_STREQ(region(NULL, NULL), "eu-central-1");
	CHECK_STREQ(region(NULL, "dev"), "us-west-2");
	setenv("AWS_PROFILE", "dev", 1);
	CHECK_STREQ(region(NULL, NULL), "us-west-2");
	setenv("AWS_DEFAULT_REGION", "ap-northeast-1", 1);
	CHECK_STREQ(region(NULL, NULL), "ap-northeast-1");
	setenv("AWS_REGION", "sa-east-1", 1);
	CHECK_STREQ(region(NULL, NULL), "sa-east-1");
	CHECK_STREQ(region("cn-north-1", NULL), "cn-north-1");
	setenv("AWS_REGION", "", 1);
	CHECK_STREQ(region(NULL, NULL), "ap-northeast-1");
	clean_env();

	snprintf(want, sizeof(want),
		 "NoRegion: no AWS region: pass --region, set AWS_REGION, or add `region = ...` "
		 "to [profile noregion] in %s/.aws/config", home);
	CHECK_STREQ(region(NULL, "noregion"), want);
	CHECK(strncmp(region(NULL, "bad"), "InvalidRegion: region in [profile bad] of ", 42) == 0);
	CHECK(strncmp(region("us east", NULL), "InvalidRegion: --region is \"us east\"", 36) == 0);
	setenv("AWS_REGION", "x/y", 1);
	CHECK(strncmp(region(NULL, NULL), "InvalidRegion: AWS_REGION", 25) == 0);
	clean_env();

	/* The credentials file's profile is merged in, and wins. */
	write_file(".aws/credentials", "[dev]\nregion = us-east-2\n", 0600);
	CHECK_STREQ(region(NULL, "dev"), "us-east-2");
	/* A broken file is an error naming it, not "no region". */
	write_file(".aws/config", "[default]\nregion\n", 0600);
	CHECK(strstr(region(NULL, NULL), "BadConfigFile") == region(NULL, NULL) + 0 ||
	      strncmp(region(NULL, NULL), "BadConfigFile", 13) == 0);
	remove_files();
}

/* ---- the chain's file steps ---- */

struct got_creds {
	int rc;
	char code[96], message[640];
	char source[48], id[64], secret[96], token[64], warning[200];
	time_t expiration;
};

static struct got_creds resolve(const char *profile)
{
	struct got_creds g;
	memset(&g, 0, sizeof(g));
	struct aws_creds c;
	struct ivs_error err;
	ivs_error_clear(&err);
	g.rc = creds_resolve(profile, &c, &err);
	if (g.rc == 0) {
		snprintf(g.source, sizeof(g.source), "%s", c.source);
		snprintf(g.id, sizeof(g.id), "%s", c.access_key_id);
		snprintf(g.secret, sizeof(g.secret), "%s", c.secret_access_key);
		snprintf(g.token, sizeof(g.token), "%s", c.session_token ? c.session_token : "");
		snprintf(g.warning, sizeof(g.warning), "%s", c.warning);
		g.expiration = c.expiration;
		creds_free(&c);
		CHECK(c.access_key_id == NULL && c.secret_access_key == NULL);
	} else {
		snprintf(g.code, sizeof(g.code), "%s", err.code);
		snprintf(g.message, sizeof(g.message), "%s", err.message);
	}
	return g;
}

static void test_chain_files(void)
{
	struct got_creds g = resolve(NULL);
	CHECK_INTEQ(g.rc, -1);
	CHECK_STREQ(g.code, "NoCredentials");
	char want[1000];
	snprintf(want, sizeof(want),
		 "no AWS credentials found: looked at AWS_ACCESS_KEY_ID, AWS_WEB_IDENTITY_TOKEN_FILE, "
		 "%s/.aws/credentials "
		 "[default] (no file), %s/.aws/config [default] (no file), container endpoint "
		 "(not configured), instance metadata (disabled by AWS_EC2_METADATA_DISABLED); "
		 "set AWS_PROFILE or run `aws configure`", home, home);
	CHECK_STREQ(g.message, want);
	/* Naming "default" explicitly is no reason to demand that it exists. */
	g = resolve("default");
	CHECK_STREQ(g.code, "NoCredentials");

	write_file(".aws/credentials",
		   "[default]\naws_access_key_id = AKIDCREDFILE\naws_secret_access_key = sCred\n"
		   "[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = sDev\n"
		   "aws_session_token = tDev\n"
		   "[half]\naws_access_key_id = AKIDHALF\n"
		   "[tokenonly]\naws_session_token = t\n", 0600);
	write_file(".aws/config",
		   "[default]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = sConf\n"
		   "[profile cfgonly]\naws_access_key_id = AKIDCFGONLY\n"
		   "aws_secret_access_key = sCfgOnly\n"
		   "[profile regiononly]\nregion = us-east-1\n"
		   "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/x\n"
		   "source_profile = default\n", 0600);
	g = resolve(NULL);
	CHECK_INTEQ(g.rc, 0);
	CHECK_STREQ(g.source, "shared-credentials-file");
	CHECK_STREQ(g.id, "AKIDCREDFILE");
	CHECK_STREQ(g.secret, "sCred");
	CHECK_STREQ(g.token, "");
	CHECK_STREQ(g.warning, "");
	CHECK_INTEQ(g.expiration, 0);

	g = resolve("dev");
	CHECK_STREQ(g.id, "AKIDDEV");
	CHECK_STREQ(g.token, "tDev");
	setenv("AWS_PROFILE", "cfgonly", 1);
	g = resolve(NULL);
	CHECK_STREQ(g.source, "shared-config-file");
	CHECK_STREQ(g.id, "AKIDCFGONLY");
	CHECK_STREQ(g.secret, "sCfgOnly");

	/* Environment variables beat AWS_PROFILE, but not an explicit profile. */
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "sEnv", 1);
	setenv("AWS_SESSION_TOKEN", "tEnv", 1);
	setenv("AWS_CREDENTIAL_EXPIRATION", "2031-02-03T04:05:06Z", 1);
	g = resolve(NULL);
	CHECK_STREQ(g.source, "environment");
	CHECK_STREQ(g.id, "AKIDENV");
	CHECK_STREQ(g.token, "tEnv");
	CHECK_INTEQ(g.expiration, 1927857906);
	g = resolve("dev");
	CHECK_STREQ(g.id, "AKIDDEV");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	g = resolve(NULL);
	CHECK_STREQ(g.code, "IncompleteCredentials");
	CHECK(strstr(g.message, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not") != NULL);
	clean_env();

	/* Half a pair in a profile is an error naming file and profile. */
	g = resolve("half");
	CHECK_STREQ(g.code, "IncompleteCredentials");
	snprintf(want, sizeof(want), "%s/.aws/credentials [half] has aws_access_key_id but no "
		 "aws_secret_access_key", home);
	CHECK(strncmp(g.message, want, strlen(want)) == 0);
	CHECK(strstr(g.message, "AKIDHALF") == NULL);
	g = resolve("tokenonly");
	CHECK_STREQ(g.code, "IncompleteCredentials");
	/* A profile with settings but no credentials falls through to the rest. */
	g = resolve("regiononly");
	CHECK_STREQ(g.code, "NoCredentials");
	CHECK(strstr(g.message, "/.aws/config [profile regiononly]") != NULL);
	/* A named profile that exists nowhere is named as such. */
	g = resolve("typo");
	CHECK_STREQ(g.code, "ProfileNotFound");
	CHECK(strstr(g.message, "profile `typo` is in neither") != NULL);
	setenv("AWS_PROFILE", "typo2", 1);
	g = resolve(NULL);
	CHECK_STREQ(g.code, "ProfileNotFound");
	clean_env();
	/* A role needs the STS caller the XML library registers (sts.h); a
	 * program without one (the Lambda handler) says so, with a way out. */
	g = resolve("role");
	CHECK_STREQ(g.code, "UnsupportedCredentials");
	CHECK(strstr(g.message, "AssumeRole") && strstr(g.message, "credential_process"));

	/* Group-readable secrets get a warning; the config file only when it gave them. */
	chmod(path_in_home(".aws/credentials"), 0640);
	g = resolve(NULL);
	CHECK_INTEQ(g.rc, 0);
	snprintf(want, sizeof(want), "%s/.aws/credentials can be read or changed by other users "
		 "(mode 0640); run `chmod 600` on it", home);
	CHECK_STREQ(g.warning, want);
	chmod(path_in_home(".aws/config"), 0644);
	g = resolve("dev");
	CHECK(strstr(g.warning, "credentials") != NULL);
	chmod(path_in_home(".aws/credentials"), 0600);
	g = resolve("cfgonly");
	CHECK(strstr(g.warning, "/.aws/config can be read") != NULL);
	g = resolve("dev");
	CHECK_STREQ(g.warning, "");

	/* A malformed file fails the chain with file:line. */
	write_file(".aws/credentials", "[default]\naws_secret_access_key: sBroken\n", 0600);
	g = resolve(NULL);
	CHECK_STREQ(g.code, "BadConfigFile");
	CHECK(strstr(g.message, "/.aws/credentials:2:") != NULL);
	CHECK(strstr(g.message, "sBroken") == NULL);
	remove_files();
}

static void test_times(void)
{
	time_t t = 0;
	CHECK_INTEQ(creds_parse_time("2024-05-01T12:00:00Z", &t), 0);
	CHECK_INTEQ(t, 1714564800);
	CHECK_INTEQ(creds_parse_time("2024-05-01T12:00:00.123Z", &t), 0);
	CHECK_INTEQ(t, 1714564800);
	CHECK_INTEQ(creds_parse_time("2024-05-01T14:30:00+02:30", &t), 0);
	CHECK_INTEQ(t, 1714564800);
	CHECK_INTEQ(creds_parse_time("2024-05-01T07:00:00-0500", &t), 0);
	CHECK_INTEQ(t, 1714564800);
	CHECK_INTEQ(creds_parse_time("1970-01-01T00:00:00Z", &t), 0);
	CHECK_INTEQ(t, 0);
	CHECK_INTEQ(creds_parse_time("2024-05-01 12:00:00Z", &t), -1);
	CHECK_INTEQ(creds_parse_time("2024-05-01T12:00:00Zjunk", &t), -1);
	CHECK_INTEQ(creds_parse_time("tomorrow", &t), -1);
	CHECK_INTEQ(creds_parse_time("", &t), -1);

	struct aws_creds c;
	memset(&c, 0, sizeof(c));
	CHECK_INTEQ(creds_expiring(&c, 1000, 300), 0); /* never expires */
	c.expiration = 2000;
	CHECK_INTEQ(creds_expiring(&c, 1000, 300), 0);
	CHECK_INTEQ(creds_expiring(&c, 1700, 300), 1);
	CHECK_INTEQ(creds_expiring(&c, 2500, 300), 1);
}

int main(void)
{
	umask(022);
	snprintf(home, sizeof(home), "/tmp/ivsvc-profile-XXXXXX");
	if (!mkdtemp(home)) {
		perror("mkdtemp");
		return 1;
	}
	setenv("HOME", home, 1);
	clean_env();
	test_ini();
	test_ini_errors();
	test_names_and_paths();
	test_region();
	test_chain_files();
	test_times();

	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", home);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", home);
	return CHECK_DONE();
}
