/* test_arn.c - ARN parsing: the parts, IVS channel checks, and bad input. */
#include <string.h>

#include "aws/arn.h"
#include "check.h"

int main(void)
{
	struct arn a;
	struct ivs_error err;

	CHECK_INTEQ(arn_parse("arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf12", &a, &err), 0);
	CHECK_STREQ(a.partition, "aws");
	CHECK_STREQ(a.service, "ivs");
	CHECK_STREQ(a.region, "us-west-2");
	CHECK_STREQ(a.account, "123456789012");
	CHECK_STREQ(a.resource, "channel/AbCdEf12");
	CHECK_STREQ(a.resource_type, "channel");
	CHECK_STREQ(a.resource_id, "AbCdEf12");

	/* ':' inside the resource, and global resources without a region */
	CHECK_INTEQ(arn_parse("arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/x:*", &a, &err), 0);
	CHECK_STREQ(a.resource_type, "log-group");
	CHECK_STREQ(a.resource_id, "/aws/lambda/x:*");
	CHECK_INTEQ(arn_parse("arn:aws:iam::123456789012:role/r", &a, &err), 0);
	CHECK_STREQ(a.region, "");
	CHECK_INTEQ(arn_parse("arn:aws:s3:::bucket", &a, &err), 0);
	CHECK_STREQ(a.resource_type, "");
	CHECK_STREQ(a.resource_id, "bucket");
	CHECK_INTEQ(arn_parse("arn:aws-cn:ivs:cn-north-1:123456789012:channel/x", &a, &err), 0);
	CHECK_STREQ(a.partition, "aws-cn");

	const char *bad[] = { "", "my-channel", "arn:", "arn:aws", "arn:aws:ivs:us-east-1",
			      "arn:aws:ivs:us-east-1:123456789012", "arn:aws:ivs:us-east-1:123456789012:",
			      "arn::ivs:us-east-1:1:channel/x", "arn:aws::us-east-1:1:channel/x",
			      "arn:aws:ivs:us east-1:123456789012:channel/x",
			      "arn:aws:ivs:us-east-1:12345678901a:channel/x",
			      "arn:aws:ivs:us-east-1:123456789012:channel/x\ny" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INTEQ(arn_parse(bad[i], &a, &err), -1);
		CHECK_STREQ(err.code, "InvalidArn");
		CHECK(strncmp(err.message, "not an ARN", 10) == 0);
	}
	CHECK_INTEQ(arn_parse(NULL, &a, &err), -1);

	CHECK_INTEQ(arn_parse_ivs_channel("arn:aws:ivs:eu-west-1:123456789012:channel/abc-DEF_1", &a, &err), 0);
	CHECK_STREQ(a.region, "eu-west-1");
	CHECK_INTEQ(arn_parse_ivs_channel("arn:aws:ivs:eu-west-1:123456789012:stream-key/abc", &a, &err), -1);
	CHECK(strstr(err.message, "not an IVS channel ARN") != NULL);
	CHECK_INTEQ(arn_parse_ivs_channel("arn:aws:s3:::bucket", &a, &err), -1);
	CHECK(strstr(err.message, "an ARN of s3") != NULL);
	CHECK_INTEQ(arn_parse_ivs_channel("arn:aws:ivs::123456789012:channel/x", &a, &err), -1);
	CHECK(strstr(err.message, "no region") != NULL);
	CHECK_INTEQ(arn_parse_ivs_channel("arn:aws:ivs:us-east-1:1234:channel/x", &a, &err), -1);
	CHECK(strstr(err.message, "12-digit") != NULL);
	CHECK_INTEQ(arn_parse_ivs_channel("arn:aws:ivs:us-east-1:123456789012:channel/", &a, &err), -1);
	CHECK_INTEQ(arn_parse_ivs_channel("arn:aws:ivs:us-east-1:123456789012:channel/a/b", &a, &err), -1);

	/* too long parts are refused, never truncated into a different ARN */
	char longarn[1200];
	memset(longarn, 'a', sizeof(longarn));
	memcpy(longarn, "arn:aws:ivs:us-east-1:123456789012:channel/", 43);
	longarn[sizeof(longarn) - 1] = '\0';
	CHECK_INTEQ(arn_parse(longarn, &a, &err), -1);
	CHECK(strstr(err.message, "too long") != NULL);
	return CHECK_DONE();
}
