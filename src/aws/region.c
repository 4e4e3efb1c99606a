/*
 * region.c - region names and their partitions (see region.h).
 *
 * The partitions are botocore's (endpoint_data.c, generated). The name rule is a shape check, not a list of
 * regions: AWS adds regions every year, and a local emulator takes any name,
 * so what matters is only that the name is safe to put into a host name and
 * a signing scope.
 */
#include "region.h"

#include <ctype.h>
#include <string.h>

int region_valid(const char *region)
{
	if (!region)
		return 0;
	size_t n = strlen(region);
	if (n == 0 || n > 63 || region[0] < 'a' || region[0] > 'z' || region[n - 1] == '-')
		return 0;
	for (const char *p = region; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= '0' && *p <= '9') && *p != '-')
			return 0;
	return 1;
}

/* The part of a regionRegex after its prefix: \w+-\d+ to the end. */
static int rest_matches(const char *p)
{
	const char *start = p;
	while (isalnum((unsigned char)*p) || *p == '_')
		p++;
	if (p == start || *p++ != '-' || !isdigit((unsigned char)*p))
		return 0;
	while (isdigit((unsigned char)*p))
		p++;
	return *p == '\0';
}

const struct region_partition *region_partition_of(const char *region)
{
	if (!region)
		return &REGION_PARTITIONS[0];
	for (size_t i = 0; i < REGION_N_NAMES; i++)
		if (strcmp(REGION_NAMES[i].name, region) == 0)
			return &REGION_PARTITIONS[REGION_NAMES[i].partition];
	for (size_t i = 0; i < REGION_N_PARTITIONS; i++) {
		const struct region_partition *p = &REGION_PARTITIONS[i];
		for (size_t k = 0; p->prefixes[k]; k++) {
			size_t n = strlen(p->prefixes[k]);
			if (strncmp(region, p->prefixes[k], n) == 0 && rest_matches(region + n))
				return p;
		}
	}
	return &REGION_PARTITIONS[0];
}

const char *region_partition(const char *region)
{
	return region_partition_of(region)->name;
}

const char *region_dns_suffix(const char *region)
{
	return region_partition_of(region)->dns_suffix;
}
