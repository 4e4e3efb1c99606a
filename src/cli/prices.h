/*
 * prices.h - the AWS list prices `ivsvc cost` multiplies by: one row per
 * region, and for each figure whether it was checked, where and when. A
 * region missing from the table has no row: callers say so, they never
 * guess. A figure with no check is printed as unverified.
 *
 * Owns: nothing (static data).
 */
#ifndef IVS_CLI_PRICES_H
#define IVS_CLI_PRICES_H

#include <stddef.h>

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

/* The figures a check can cover (a bit each in price_check.fields). */
enum price_field {
	PRICE_LAMBDA_REQUESTS,
	PRICE_LAMBDA_GB_S,
	PRICE_DDB_WRU,
	PRICE_DDB_RRU,
	PRICE_DDB_STORAGE,
	PRICE_LOGS_INGEST,
	PRICE_LOGS_STORAGE,
	PRICE_EVENTS_SCHEDULED,      /* EventBridge scheduled rule: taken as no charge */
	PRICE_IVS_METADATA,          /* IVS PutMetadata: no charge listed */
	PRICE_NFIELDS
};

/* One reading of one page: which figures of which regions it confirmed. */
struct price_check {
	const char *regions;         /* " us-east-1 us-west-2 " (spaces around each) */
	unsigned fields;             /* 1u << enum price_field */
	const char *kind;            /* "aws" (AWS's own page) or "secondary" (a page quoting it) */
	const char *url;
	const char *read;            /* date read, YYYY-MM-DD */
	const char *says;            /* what the page states, in a few words */
};

/* When the table was last gone over; printed with every estimate. */
extern const char PRICES_READ[];
/* What IVS's pricing says of timed metadata. */
extern const char PRICES_IVS_METADATA[];

/* The row for region; NULL when the table has none. */
const struct region_prices *prices_for(const char *region);
/* "us-east-1, us-west-2, ..." (static). */
const char *prices_regions(void);
/* The first check that covers field f in region; NULL: unverified. */
const struct price_check *prices_check(const char *region, enum price_field f);
/* The checks, in order (for numbering sources); *n is set. */
const struct price_check *prices_checks(size_t *n);

#endif
