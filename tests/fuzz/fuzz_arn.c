/*
 * fuzz_arn.c - ARNs as users type them (`ivsvc player --channel`): any
 * input either parses into parts that put back together give the input, or
 * fails with InvalidArn.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/arn.h"
#include "fuzz.h"

int fuzz_arn(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	struct arn a;
	struct ivs_error err;
	ivs_error_clear(&err);
	if (arn_parse(s, &a, &err) == 0) {
		char back[2048];
		snprintf(back, sizeof(back), "arn:%s:%s:%s:%s:%s", a.partition, a.service, a.region,
			 a.account, a.resource);
		fuzz_require(strcmp(back, s) == 0, "the parts put back together give the input");
		fuzz_require(a.resource_id >= a.resource &&
				     a.resource_id <= a.resource + strlen(a.resource),
			     "resource_id points into resource");
	} else {
		fuzz_require(strcmp(err.code, "InvalidArn") == 0, "a bad ARN is InvalidArn");
	}
	ivs_error_clear(&err);
	if (arn_parse_ivs_channel(s, &a, &err) < 0)
		fuzz_require(strcmp(err.code, "InvalidArn") == 0, "a bad channel ARN is InvalidArn");
	free(s);
	return 0;
}

#ifndef IVS_FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_arn(data, size);
}
#endif
