/*
 * arn.h - Amazon Resource Names: arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE.
 *
 * Owns: nothing; struct arn holds copies in fixed fields, so a parsed ARN
 * needs no freeing. Used where a user hands us an ARN (`ivsvc player
 * --channel`), so a typo is caught before any call and the right region is
 * asked.
 */
#ifndef IVS_ARN_H
#define IVS_ARN_H

#include <stddef.h>

#include "error.h"

struct arn {
	char partition[16];     /* "aws", "aws-cn", "aws-us-gov" */
	char service[32];       /* "ivs" */
	char region[32];        /* "" for global resources */
	char account[16];       /* 12 digits, or "" */
	char resource[1024];    /* everything after the fifth ':' */
	char resource_type[64]; /* "channel" in "channel/abc" or "channel:abc"; "" when none */
	const char *resource_id;/* points into resource, after the type and its separator */
};

/* 0, or -1 with err->code "InvalidArn" and a message that names the part at fault. */
int arn_parse(const char *s, struct arn *out, struct ivs_error *err);

/* An IVS channel ARN: service ivs, type channel, a region, a 12-digit account, an id. */
int arn_parse_ivs_channel(const char *s, struct arn *out, struct ivs_error *err);

#endif
