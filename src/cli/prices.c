/*
 * prices.c - the price table behind `ivsvc cost` (see prices.h).
 *
 * These are AWS's public on-demand list prices, without free tiers, as
 * commonly published on the pricing pages below. They were written down on
 * 2026-11-28 WITHOUT access to those pages (the machine has no internet), so
 * every figure must be checked against them before an estimate is trusted;
 * the command's output says so. DynamoDB's on-demand prices are those after
 * AWS's November 2024 reduction (half the earlier ones).
 *   Lambda:          https://aws.amazon.com/lambda/pricing/
 *   DynamoDB:        https://aws.amazon.com/dynamodb/pricing/on-demand/
 *   CloudWatch Logs: https://aws.amazon.com/cloudwatch/pricing/
 *   IVS:             https://aws.amazon.com/ivs/pricing/
 * To update: change a row, PRICES_READ, and the test that pins the
 * us-east-1 row (tests/integration/test_cost.py).
 */
#include "prices.h"

#include <string.h>

const char PRICES_READ[] = "2026-11-28";
const char PRICES_SOURCE[] =
	"AWS public list prices (aws.amazon.com/lambda/pricing, /dynamodb/pricing/on-demand, "
	"/cloudwatch/pricing), without access to the pages: check them there";
const char PRICES_IVS_METADATA[] =
	"no charge listed: the IVS pricing page (aws.amazon.com/ivs/pricing) lists video "
	"input and output by the hour, not timed metadata (as of 2026-11-28, to be checked there)";

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
