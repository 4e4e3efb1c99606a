/* test_region.c - what a region name is (every real shape in, near misses
 * out) and which partition a region is in. */
#include <string.h>

#include "aws/region.h"
#include "check.h"

static void test_valid(void)
{
	const char *real[] = { "us-east-1", "us-gov-west-1", "cn-north-1", "eu-isoe-west-1",
			       "us-iso-east-1", "us-isob-east-1", "us-isof-south-1",
			       "eusc-de-east-1", "ap-southeast-7", "mx-central-1", "il-central-1",
			       "ca-west-1", "me-central-1", "af-south-1" };
	for (size_t i = 0; i < sizeof(real) / sizeof(real[0]); i++)
		CHECK_INTEQ(region_valid(real[i]), 1);
	/* A local emulator's own name is still a safe host label. */
	CHECK_INTEQ(region_valid("local"), 1);

	char longest[64], too_long[65];
	memset(longest, 'a', 63);
	longest[63] = '\0';
	memset(too_long, 'a', 64);
	too_long[64] = '\0';
	CHECK_INTEQ(region_valid(longest), 1);
	CHECK_INTEQ(region_valid(too_long), 0);
}

static void test_invalid(void)
{
	const char *bad[] = { "", "us_east_1", "Europe", "US-EAST-1", "-us-east-1", "us-east-1-",
			      "1-us-east", "us-east-1.evil.com", "us east 1", "us-east-1/",
			      "us-east-1\n", "us-\xC3\xA9" "ast-1", "us-east-1:443" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INTEQ(region_valid(bad[i]), 0);
	CHECK_INTEQ(region_valid(NULL), 0);
}

static void test_partitions(void)
{
	CHECK_STREQ(region_partition("us-west-2"), "aws");
	CHECK_STREQ(region_dns_suffix("us-west-2"), "amazonaws.com");
	CHECK_STREQ(region_partition_of("eu-west-1")->global_region, "us-east-1");
	CHECK_STREQ(region_partition("cn-northwest-1"), "aws-cn");
	CHECK_STREQ(region_dns_suffix("cn-north-1"), "amazonaws.com.cn");
	/* botocore's implicitGlobalRegion (IAM signs for cn-north-1 there: that
	 * is the endpoint rules', endpoint_data.c). */
	CHECK_STREQ(region_partition_of("cn-northwest-1")->global_region, "cn-northwest-1");
	/* Every partition, by its regionRegex or by name. */
	CHECK_STREQ(region_partition("us-gov-west-1"), "aws-us-gov");
	CHECK_STREQ(region_dns_suffix("us-gov-east-1"), "amazonaws.com");
	CHECK_STREQ(region_partition_of("us-gov-east-1")->global_region, "us-gov-west-1");
	CHECK_STREQ(region_dns_suffix("us-iso-east-1"), "c2s.ic.gov");
	CHECK_STREQ(region_dns_suffix("us-isob-east-1"), "sc2s.sgov.gov");
	CHECK_STREQ(region_dns_suffix("eu-isoe-west-1"), "cloud.adc-e.uk");
	CHECK_STREQ(region_dns_suffix("us-isof-south-1"), "csp.hci.ic.gov");
	CHECK_STREQ(region_partition("eusc-de-east-1"), "aws-eusc");
	CHECK_STREQ(region_dns_suffix("eusc-de-east-1"), "amazonaws.eu");
	CHECK_STREQ(region_partition_of("eusc-de-east-1")->dualstack_dns_suffix,
		    "api.amazonwebservices.eu");
	CHECK_STREQ(region_partition("us-isob-newland-3"), "aws-iso-b");
	CHECK_STREQ(region_partition("aws-us-gov-global"), "aws-us-gov");
	/* The regex wants \w+-\d+ after the prefix. */
	CHECK_STREQ(region_partition("us-gov-west"), "aws");
	CHECK_STREQ(region_partition("eusc-fr-east-1"), "aws");
	/* Unknown (and NULL) fall back to the commercial partition. */
	CHECK_STREQ(region_partition("local"), "aws");
	CHECK_STREQ(region_partition(NULL), "aws");
	CHECK_STREQ(region_dns_suffix("cnx-north-1"), "amazonaws.com");
}

int main(void)
{
	test_valid();
	test_invalid();
	test_partitions();
	return CHECK_DONE();
}
