/*
 * endpoint_data.h - the partitions and service endpoint rules generated from
 * botocore's data by scripts/gen_endpoints.py (endpoint_data.c): read by
 * region.c (which partition a region is in) and endpoint.c (which host a
 * service has there, with FIPS and dual-stack). Nothing else should need it.
 */
#ifndef IVS_ENDPOINT_DATA_H
#define IVS_ENDPOINT_DATA_H

#include <stddef.h>

struct endpoint_rule {
	const char *service;       /* the rule set's name: the service's endpoint prefix */
	int partition;             /* index in REGION_PARTITIONS (region.h) */
	unsigned char fips, dualstack;
	const char *region;        /* NULL: every region of the partition without a rule of its own */
	const char *host;          /* with "{region}"; NULL: not offered (error says why) */
	const char *signing_region;/* "": the region itself */
	const char *error;
};

extern const struct endpoint_rule ENDPOINT_RULES[];
extern const size_t ENDPOINT_N_RULES;

#endif
