/*
 * region.h - what a region name is, and which partition it belongs to.
 *
 * The one place both the endpoint resolver and the profile/config readers
 * (and the CLI's config file) ask "is this a region?", so the rule cannot
 * drift between them. Sits under endpoint.c and profile.c; includes nothing
 * of theirs.
 *
 * Owns: nothing; the partition table is generated from botocore's
 * partitions.json (endpoint_data.c, scripts/gen_endpoints.py).
 */
#ifndef IVS_REGION_H
#define IVS_REGION_H

#include <stddef.h>

/* 1 when region has the shape of a region name, 0 otherwise (NULL too):
 * lower-case letters, digits and '-', starting with a letter, not ending with
 * '-', at most 63 characters. Every real name fits (us-east-1, us-gov-west-1,
 * cn-north-1, eu-isoe-west-1, us-isob-east-1, eusc-de-east-1, ...), and so
 * does a local emulator's made-up one ("local"); nothing that fits can change
 * the host name it is put into. */
int region_valid(const char *region);

/* A partition as botocore's partitions.json describes it (the table is
 * generated: endpoint_data.c). */
struct region_partition {
	const char *name;               /* "aws", "aws-cn", "aws-us-gov", "aws-iso-b", ... */
	const char *dns_suffix;         /* "amazonaws.com", "amazonaws.com.cn", "c2s.ic.gov" */
	const char *dualstack_dns_suffix; /* "api.aws", "api.amazonwebservices.com.cn" */
	const char *global_region;      /* implicitGlobalRegion: "us-east-1", "us-gov-west-1" */
	const char *prefixes[12];       /* its regionRegex as "<prefix>\w+-\d+" names; NULL-ended */
};

/* The partitions in botocore's order (the first whose regex matches wins),
 * and the regions it lists by name ("aws-global", "us-gov-west-1", ...). */
struct region_name {
	const char *name;
	int partition;                  /* index in REGION_PARTITIONS */
};
extern const struct region_partition REGION_PARTITIONS[];
extern const size_t REGION_N_PARTITIONS;
extern const struct region_name REGION_NAMES[];
extern const size_t REGION_N_NAMES;

/* The partition region is in, as botocore decides it: a region listed by
 * name, else the first partition whose regionRegex matches, else "aws".
 * Never NULL. */
const struct region_partition *region_partition_of(const char *region);
/* Shorthands: region_partition_of(region)->name and ->dns_suffix. */
const char *region_partition(const char *region);
const char *region_dns_suffix(const char *region);

#endif
