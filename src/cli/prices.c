/*
 * prices.c - the price table behind `ivsvc cost` (see prices.h).
 *
 * AWS's public on-demand list prices, without free tiers. The figures were
 * first written down from memory; on 2026-11-28 each one that could be was
 * checked against a stored copy of a public page (the tool library's
 * `search`, this machine has no internet). The checks below say which page
 * confirmed which figure: "aws" is AWS's own page, "secondary" a third-party
 * page quoting AWS's figure for that region (AWS's Lambda and CloudWatch
 * pages render their rate tables in the browser, so their stored text holds
 * no number). A figure no check covers is printed as unverified.
 * DynamoDB's on-demand prices are those after AWS's November 2024 reduction.
 * To update: change a row and its checks, PRICES_READ, and the test that
 * pins the us-east-1 row (tests/integration/test_cost.py).
 */
#include "prices.h"

#include <stdio.h>
#include <string.h>

#define F(x) (1u << (x))

const char PRICES_READ[] = "2026-11-28";
const char PRICES_IVS_METADATA[] =
	"no charge listed: IVS's pricing page charges low-latency channels for video input and "
	"output by the hour (and chat by message), nothing for timed metadata; IVS's cost guide "
	"names live video and recording storage only (both read 2026-11-28)";

/* region, Lambda GB-s, Lambda per 1M, WRU per 1M, RRU per 1M, storage GB-month,
 * Logs ingestion per GB, Logs storage GB-month */
static const struct region_prices table[] = {
	{ "us-east-1", 0.0000166667, 0.20, 0.625, 0.125, 0.25, 0.50, 0.03 },
	{ "us-west-2", 0.0000166667, 0.20, 0.625, 0.125, 0.25, 0.50, 0.03 },
	{ "eu-west-1", 0.0000166667, 0.20, 0.7068, 0.1415, 0.283, 0.57, 0.03 },
	{ "eu-central-1", 0.0000166667, 0.20, 0.7625, 0.1525, 0.306, 0.63, 0.0324 },
	{ "ap-northeast-1", 0.0000166667, 0.20, 0.7135, 0.1427, 0.285, 0.76, 0.033 },
	{ "ap-northeast-2", 0.0000166667, 0.20, 0.6768, 0.1354, 0.2705, 0.76, 0.0314 },
	{ "ap-south-1", 0.0000166667, 0.20, 0.7116, 0.1423, 0.285, 0.57, 0.0285 },
};

#define ALL_REGIONS " us-east-1 us-west-2 eu-west-1 eu-central-1 ap-northeast-1 ap-northeast-2 " \
		    "ap-south-1 "

static const struct price_check checks[] = {
	{ " us-east-1 ", F(PRICE_DDB_STORAGE), "aws", "https://aws.amazon.com/dynamodb/pricing/",
	  "2026-11-28", "storage from $0.25 per GB-month (first 25 GB free)" },
	{ ALL_REGIONS, F(PRICE_IVS_METADATA), "aws", "https://aws.amazon.com/ivs/pricing/",
	  "2026-11-28", "low-latency: video input and output by the hour; no metadata charge" },
	{ ALL_REGIONS, F(PRICE_IVS_METADATA), "aws",
	  "https://docs.aws.amazon.com/ivs/latest/userguide/costs.html", "2026-11-28",
	  "costs are live video (input, output) and S3 recording storage" },
	{ " us-east-1 ", F(PRICE_LAMBDA_GB_S), "secondary",
	  "https://cloudchipr.com/blog/aws-lambda-pricing", "2026-11-28",
	  "US East x86, first 6 billion GB-s: $0.0000166667 per GB-s" },
	{ " us-east-1 us-west-2 ap-south-1 ", F(PRICE_LAMBDA_REQUESTS), "secondary",
	  "https://gist.github.com/thiagozs/019a25fbcbd987209ef1d25e10d0dde9", "2026-11-28",
	  "$0.20 per 1M requests in us-east-1, us-west-2, ap-south-1" },
	{ " us-west-2 eu-west-1 eu-central-1 ap-northeast-1 ap-northeast-2 ap-south-1 ",
	  F(PRICE_LAMBDA_GB_S), "secondary",
	  "https://app.unpkg.com/artillery@2.0.28/files/lib/platform/aws-lambda/prices.js",
	  "2026-11-28", "x86 GB-s at the base $0.0000166667 outside af-south-1, ap-east-1, "
			"eu-south-1, me-south-1, me-central-1" },
	{ " us-east-1 ", F(PRICE_DDB_WRU) | F(PRICE_DDB_RRU), "secondary",
	  "https://airbyte.com/data-engineering-resources/dynamodb-pricing", "2026-11-28",
	  "US East on-demand: $0.625 per 1M WRU, $0.125 per 1M RRU" },
	{ " us-east-1 ", F(PRICE_LOGS_INGEST) | F(PRICE_LOGS_STORAGE), "secondary",
	  "https://hykell.com/kb/platform-specific-guides/aws-cloudwatch-logs-pricing",
	  "2026-11-28", "us-east-1: ingestion $0.50 per GB, storage $0.03 per GB-month" },
	{ " ap-northeast-1 ", F(PRICE_LOGS_INGEST) | F(PRICE_LOGS_STORAGE), "secondary",
	  "https://awsi.click/en/articles/cloudwatch-logs-cost-structure-surprise/", "2026-11-28",
	  "ap-northeast-1: ingestion $0.76 per GB, storage $0.033 per GB-month" },
};

const struct region_prices *prices_for(const char *region)
{
	for (size_t i = 0; region && i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(table[i].region, region) == 0)
			return &table[i];
	return NULL;
}

const char *prices_regions(void)
{
	return "us-east-1, us-west-2, eu-west-1, eu-central-1, ap-northeast-1, ap-northeast-2, "
	       "ap-south-1";
}

const struct price_check *prices_check(const char *region, enum price_field f)
{
	char key[80];
	if (!region || snprintf(key, sizeof(key), " %s ", region) >= (int)sizeof(key))
		return NULL;
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
		if ((checks[i].fields & F(f)) && strstr(checks[i].regions, key))
			return &checks[i];
	return NULL;
}

const struct price_check *prices_checks(size_t *n)
{
	*n = sizeof(checks) / sizeof(checks[0]);
	return checks;
}
