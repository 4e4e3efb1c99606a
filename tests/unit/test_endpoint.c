/*
 * test_endpoint.c - where each service is called: the partition defaults
 * for every service, IAM's global endpoint, the AWS_ENDPOINT_URL* overrides
 * and the profile's endpoint_url, and the errors for bad input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/endpoint.h"
#include "check.h"

static char home[256];

static void clean_env(void)
{
	static const char *vars[] = { "AWS_ENDPOINT_URL", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
				      "AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
				      "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_CLOUDFORMATION",
				      "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_IAM",
				      "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_IVS",
				      "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS",
				      "AWS_ENDPOINT_URL_EVENTBRIDGE", "AWS_ENDPOINT_URL_LAMBDA",
				      "AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT" };
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
}

static void write_config(const char *text)
{
	char path[300];
	snprintf(path, sizeof(path), "%s/.aws", home);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/.aws/config", home);
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static void remove_config(void)
{
	char path[300];
	snprintf(path, sizeof(path), "%s/.aws/config", home);
	unlink(path);
}

/* The URL for svc in region, or the error code prefixed with "error:". */
static const char *url_of(const struct aws_service *svc, const char *region)
{
	static char out[600];
	struct aws_endpoint ep;
	struct ivs_error err;
	ivs_error_clear(&err);
	if (endpoint_resolve(svc, region, &ep, &err) < 0)
		snprintf(out, sizeof(out), "error:%s", err.code);
	else
		snprintf(out, sizeof(out), "%s", ep.url);
	return out;
}

static void test_defaults(void)
{
	struct {
		const struct aws_service *svc;
		const char *env, *us, *cn;
	} t[] = {
		{ &AWS_SVC_STS, "STS", "https://sts.eu-west-1.amazonaws.com",
		  "https://sts.cn-north-1.amazonaws.com.cn" },
		{ &AWS_SVC_CLOUDFORMATION, "CLOUDFORMATION",
		  "https://cloudformation.eu-west-1.amazonaws.com",
		  "https://cloudformation.cn-north-1.amazonaws.com.cn" },
		{ &AWS_SVC_S3, "S3", "https://s3.eu-west-1.amazonaws.com",
		  "https://s3.cn-north-1.amazonaws.com.cn" },
		{ &AWS_SVC_IAM, "IAM", "https://iam.amazonaws.com",
		  "https://iam.cn-north-1.amazonaws.com.cn" },
		{ &AWS_SVC_DYNAMODB, "DYNAMODB", "https://dynamodb.eu-west-1.amazonaws.com",
		  "https://dynamodb.cn-north-1.amazonaws.com.cn" },
		{ &AWS_SVC_IVS, "IVS", "https://ivs.eu-west-1.amazonaws.com",
		  "https://ivs.cn-north-1.amazonaws.com.cn" },
		{ &AWS_SVC_LOGS, "CLOUDWATCH_LOGS", "https://logs.eu-west-1.amazonaws.com",
		  "https://logs.cn-north-1.amazonaws.com.cn" },
		{ &AWS_SVC_EVENTBRIDGE, "EVENTBRIDGE", "https://events.eu-west-1.amazonaws.com",
		  "https://events.cn-north-1.amazonaws.com.cn" },
		{ &AWS_SVC_LAMBDA, "LAMBDA", "https://lambda.eu-west-1.amazonaws.com",
		  "https://lambda.cn-north-1.amazonaws.com.cn" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char name[64];
		endpoint_env_name(t[i].svc, name, sizeof(name));
		CHECK_STREQ(name, t[i].env);
		CHECK_STREQ(url_of(t[i].svc, "eu-west-1"), t[i].us);
		CHECK_STREQ(url_of(t[i].svc, "cn-north-1"), t[i].cn);

		struct aws_endpoint ep;
		struct ivs_error err;
		CHECK_INTEQ(endpoint_resolve(t[i].svc, "eu-west-1", &ep, &err), 0);
		CHECK_STREQ(ep.signing_region, t[i].svc->global ? "us-east-1" : "eu-west-1");
		CHECK_INTEQ(ep.overridden, 0);
		CHECK_INTEQ(endpoint_resolve(t[i].svc, "cn-northwest-1", &ep, &err), 0);
		CHECK_STREQ(ep.signing_region, t[i].svc->global ? "cn-north-1" : "cn-northwest-1");
	}
	CHECK_STREQ(AWS_SVC_LOGS.service_id, "CloudWatch Logs");
	CHECK_STREQ(AWS_SVC_LOGS.signing_name, "logs");
	CHECK_STREQ(AWS_SVC_EVENTBRIDGE.signing_name, "events");
	CHECK_STREQ(AWS_SVC_IVS.service_id, "ivs");
	CHECK_INTEQ(AWS_SVC_S3.is_s3, 1);
	CHECK_INTEQ(AWS_SVC_DYNAMODB.is_s3, 0);
	CHECK_INTEQ(AWS_SVC_IAM.global, 1);
	CHECK_INTEQ(AWS_SVC_STS.global, 0);
	CHECK_STREQ(url_of(&AWS_SVC_IVS, "us-east-1"), "https://ivs.us-east-1.amazonaws.com");
	CHECK_STREQ(url_of(&AWS_SVC_IAM, "ap-southeast-2"), "https://iam.amazonaws.com");
	CHECK_STREQ(url_of(&AWS_SVC_IAM, "cn-northwest-1"), "https://iam.cn-north-1.amazonaws.com.cn");
	CHECK_STREQ(url_of(&AWS_SVC_IVS, "cn-north-1"), "https://ivs.cn-north-1.amazonaws.com.cn");
}

static void test_bad_regions(void)
{
	CHECK_STREQ(url_of(&AWS_SVC_IVS, "us-east-1.evil.com/"), "error:InvalidRegion");
	CHECK_STREQ(url_of(&AWS_SVC_IVS, "us east 1"), "error:InvalidRegion");
	CHECK_STREQ(url_of(&AWS_SVC_IVS, ""), "error:InvalidRegion");
	CHECK_STREQ(url_of(&AWS_SVC_IVS, NULL), "error:InvalidRegion");
	CHECK_STREQ(url_of(&AWS_SVC_IVS, "-us"), "error:InvalidRegion");
	CHECK_STREQ(url_of(&AWS_SVC_IVS, "us-east-1\n"), "error:InvalidRegion");
	CHECK_STREQ(url_of(&AWS_SVC_IVS, "US-EAST-1"), "error:InvalidRegion");
	CHECK_STREQ(url_of(&AWS_SVC_IVS, "us-east-"), "error:InvalidRegion");
}

static void test_env_overrides(void)
{
	struct aws_endpoint ep;
	struct ivs_error err;

	setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566/", 1);
	CHECK_INTEQ(endpoint_resolve(&AWS_SVC_DYNAMODB, "eu-west-1", &ep, &err), 0);
	CHECK_STREQ(ep.url, "http://127.0.0.1:4566");
	CHECK_STREQ(ep.signing_region, "eu-west-1");
	CHECK_INTEQ(ep.overridden, 1);
	/* IAM stays signed for us-east-1 even when overridden. */
	CHECK_INTEQ(endpoint_resolve(&AWS_SVC_IAM, "eu-west-1", &ep, &err), 0);
	CHECK_STREQ(ep.url, "http://127.0.0.1:4566");
	CHECK_STREQ(ep.signing_region, "us-east-1");

	/* The service's own variable wins over the global one. */
	setenv("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "https://logs.example.test:8443//", 1);
	setenv("AWS_ENDPOINT_URL_EVENTBRIDGE", "http://localhost:9000/events", 1);
	setenv("AWS_ENDPOINT_URL_IVS", "http://127.0.0.1:5001", 1);
	setenv("AWS_ENDPOINT_URL_CLOUDFORMATION", "http://127.0.0.1:5002/", 1);
	CHECK_STREQ(url_of(&AWS_SVC_LOGS, "us-east-1"), "https://logs.example.test:8443");
	CHECK_STREQ(url_of(&AWS_SVC_EVENTBRIDGE, "us-east-1"), "http://localhost:9000/events");
	CHECK_STREQ(url_of(&AWS_SVC_IVS, "us-east-1"), "http://127.0.0.1:5001");
	CHECK_STREQ(url_of(&AWS_SVC_CLOUDFORMATION, "us-east-1"), "http://127.0.0.1:5002");
	CHECK_STREQ(url_of(&AWS_SVC_LAMBDA, "us-east-1"), "http://127.0.0.1:4566");

	/* An override still needs a valid region (it is signed for it). */
	CHECK_STREQ(url_of(&AWS_SVC_IVS, "bad region"), "error:InvalidRegion");

	setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE", 1);
	CHECK_STREQ(url_of(&AWS_SVC_IVS, "us-east-1"), "https://ivs.us-east-1.amazonaws.com");
	CHECK_STREQ(url_of(&AWS_SVC_LAMBDA, "us-east-1"), "https://lambda.us-east-1.amazonaws.com");
	setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false", 1);
	CHECK_STREQ(url_of(&AWS_SVC_IVS, "us-east-1"), "http://127.0.0.1:5001");
	clean_env();

	/* Malformed overrides name the variable. */
	const char *bad[] = { "localhost:4566", "ftp://127.0.0.1", "http://", "http:/x",
			      "http://a b", "127.0.0.1" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("AWS_ENDPOINT_URL_DYNAMODB", bad[i], 1);
		ivs_error_clear(&err);
		CHECK_INTEQ(endpoint_resolve(&AWS_SVC_DYNAMODB, "us-east-1", &ep, &err), -1);
		CHECK_STREQ(err.code, "BadEndpoint");
		CHECK(strstr(err.message, "AWS_ENDPOINT_URL_DYNAMODB") != NULL);
	}
	setenv("AWS_ENDPOINT_URL", "nope", 1);
	unsetenv("AWS_ENDPOINT_URL_DYNAMODB");
	CHECK_INTEQ(endpoint_resolve(&AWS_SVC_DYNAMODB, "us-east-1", &ep, &err), -1);
	CHECK(strstr(err.message, "AWS_ENDPOINT_URL ") != NULL);
	/* An empty variable counts as unset. */
	setenv("AWS_ENDPOINT_URL", "", 1);
	CHECK_STREQ(url_of(&AWS_SVC_DYNAMODB, "us-east-1"), "https://dynamodb.us-east-1.amazonaws.com");
	clean_env();
}

static void test_profile_overrides(void)
{
	struct aws_endpoint ep;
	struct ivs_error err;
	write_config("[default]\n"
		     "region = us-west-2\n"
		     "endpoint_url = http://127.0.0.1:7000/\n"
		     "\n"
		     "[profile local]\n"
		     "services = local-svcs\n"
		     "endpoint_url = http://127.0.0.1:7100\n"
		     "\n"
		     "[services local-svcs]\n"
		     "cloudwatch_logs =\n"
		     "  endpoint_url = http://127.0.0.1:7200/\n"
		     "dynamodb =\n"
		     "  endpoint_url = http://127.0.0.1:7300\n");
	CHECK_STREQ(url_of(&AWS_SVC_IVS, "us-east-1"), "http://127.0.0.1:7000");
	setenv("AWS_PROFILE", "local", 1);
	CHECK_STREQ(url_of(&AWS_SVC_LOGS, "us-east-1"), "http://127.0.0.1:7200");
	CHECK_STREQ(url_of(&AWS_SVC_DYNAMODB, "us-east-1"), "http://127.0.0.1:7300");
	CHECK_STREQ(url_of(&AWS_SVC_IVS, "us-east-1"), "http://127.0.0.1:7100");
	unsetenv("AWS_PROFILE");
	CHECK_INTEQ(endpoint_resolve_profile(&AWS_SVC_LOGS, "us-east-1", "local", &ep, &err), 0);
	CHECK_STREQ(ep.url, "http://127.0.0.1:7200");
	CHECK_INTEQ(ep.overridden, 1);

	/* Variables win over the file; the ignore switch drops both. */
	setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:7400", 1);
	CHECK_STREQ(url_of(&AWS_SVC_IVS, "us-east-1"), "http://127.0.0.1:7400");
	setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
	CHECK_STREQ(url_of(&AWS_SVC_IVS, "us-east-1"), "https://ivs.us-east-1.amazonaws.com");
	clean_env();

	write_config("[default]\nendpoint_url = 127.0.0.1:7000\n");
	CHECK_INTEQ(endpoint_resolve(&AWS_SVC_IVS, "us-east-1", &ep, &err), -1);
	CHECK_STREQ(err.code, "BadEndpoint");
	CHECK(strstr(err.message, "endpoint_url in [default]") != NULL);

	write_config("[default\nregion = x\n");
	CHECK_INTEQ(endpoint_resolve(&AWS_SVC_IVS, "us-east-1", &ep, &err), -1);
	CHECK_STREQ(err.code, "BadConfigFile");
	CHECK(strstr(err.message, "/.aws/config:1:") != NULL);
	remove_config();
	CHECK_STREQ(url_of(&AWS_SVC_IVS, "us-east-1"), "https://ivs.us-east-1.amazonaws.com");
}

/* FIPS and dual-stack from the variables, else the profile; the rules'
 * answers per partition (the full comparison with botocore is
 * tests/integration/test_endpoints_botocore.py). */
static void test_fips_dualstack(void)
{
	struct aws_endpoint ep;
	struct ivs_error err;
	setenv("AWS_USE_FIPS_ENDPOINT", "true", 1);
	CHECK_STREQ(url_of(&AWS_SVC_DYNAMODB, "us-east-1"), "https://dynamodb-fips.us-east-1.amazonaws.com");
	CHECK_STREQ(url_of(&AWS_SVC_IAM, "us-east-1"), "https://iam-fips.amazonaws.com");
	/* GovCloud's regular endpoints are FIPS ones already. */
	CHECK_STREQ(url_of(&AWS_SVC_DYNAMODB, "us-gov-west-1"), "https://dynamodb.us-gov-west-1.amazonaws.com");
	/* S3 offers no FIPS endpoint in China: an error, never a silent non-FIPS host. */
	CHECK_INTEQ(endpoint_resolve(&AWS_SVC_S3, "cn-north-1", &ep, &err), -1);
	CHECK_STREQ(err.code, "EndpointNotOffered");
	CHECK(strstr(err.message, "FIPS") && strstr(err.message, "aws-cn"));
	/* A configured URL wins, as botocore does. */
	setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:7400", 1);
	CHECK_STREQ(url_of(&AWS_SVC_S3, "cn-north-1"), "http://127.0.0.1:7400");
	unsetenv("AWS_ENDPOINT_URL");
	setenv("AWS_USE_DUALSTACK_ENDPOINT", "TRUE", 1);
	CHECK_STREQ(url_of(&AWS_SVC_S3, "eu-west-1"), "https://s3-fips.dualstack.eu-west-1.amazonaws.com");
	setenv("AWS_USE_FIPS_ENDPOINT", "false", 1);
	CHECK_STREQ(url_of(&AWS_SVC_LOGS, "eusc-de-east-1"),
		    "https://logs.eusc-de-east-1.api.amazonwebservices.eu");
	clean_env();
	/* The profile's settings; a variable set to false beats them. */
	write_config("[default]\nuse_fips_endpoint = true\n[profile ds]\nuse_dualstack_endpoint = true\n");
	CHECK_STREQ(url_of(&AWS_SVC_STS, "us-east-2"), "https://sts-fips.us-east-2.amazonaws.com");
	CHECK_INTEQ(endpoint_resolve_profile(&AWS_SVC_STS, "cn-north-1", "ds", &ep, &err), 0);
	CHECK_STREQ(ep.url, "https://sts.cn-north-1.api.amazonwebservices.com.cn");
	setenv("AWS_USE_FIPS_ENDPOINT", "false", 1);
	CHECK_STREQ(url_of(&AWS_SVC_STS, "us-east-2"), "https://sts.us-east-2.amazonaws.com");
	clean_env();
	remove_config();
	/* Partitions beyond aws and aws-cn, and IAM's global endpoints. */
	CHECK_STREQ(url_of(&AWS_SVC_IVS, "us-isob-east-1"), "https://ivs.us-isob-east-1.sc2s.sgov.gov");
	CHECK_STREQ(url_of(&AWS_SVC_LAMBDA, "eusc-de-east-1"), "https://lambda.eusc-de-east-1.amazonaws.eu");
	CHECK_INTEQ(endpoint_resolve(&AWS_SVC_IAM, "us-gov-east-1", &ep, &err), 0);
	CHECK_STREQ(ep.url, "https://iam.us-gov.amazonaws.com");
	CHECK_STREQ(ep.signing_region, "us-gov-west-1");
}

int main(void)
{
	snprintf(home, sizeof(home), "/tmp/ivsvc-endpoint-XXXXXX");
	if (!mkdtemp(home)) {
		perror("mkdtemp");
		return 1;
	}
	setenv("HOME", home, 1);
	clean_env();
	test_defaults();
	test_bad_regions();
	test_env_overrides();
	test_profile_overrides();
	test_fips_dualstack();

	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", home);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", home);
	return CHECK_DONE();
}
