/*
 * prices.h - the AWS list prices `ivsvc cost` multiplies by: one row per
 * region, with when and where they were read. A region missing from the
 * table has no row: callers say so, they never guess.
 *
 * Owns: nothing (static data).
 */
#ifndef IVS_CLI_PRICES_H
#define IVS_CLI_PRICES_H

struct region_prices {
	const char *region;
	double lambda_gb_s;          /* USD per GB-second, x86 */
	double lambda_requests_m;    /* USD per 1 million requests */
	double ddb_wru_m;            /* on-demand: USD per 1 million write request units */
	double ddb_rru_m;            /* on-demand: USD per 1 million read request units */
	double ddb_storage_gb;       /* USD per GB-month (Standard table class) */
	double logs_ingest_gb;       /* CloudWatch Logs Standard ingestion, USD per GB */
	double logs_storage_gb;      /* CloudWatch Logs archival storage, USD per GB-month */
};

/* When the table was written and from what; printed with every estimate. */
extern const char PRICES_READ[];
extern const char PRICES_SOURCE[];
/* What IVS's pricing says of timed metadata. */
extern const char PRICES_IVS_METADATA[];

/* The row for region; NULL when the table has none. */
const struct region_prices *prices_for(const char *region);
/* "us-east-1, us-west-2, ..." (static). */
const char *prices_regions(void);

#endif
