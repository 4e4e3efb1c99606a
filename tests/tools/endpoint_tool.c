/*
 * endpoint_tool.c - our endpoint rules' default, for the comparison with
 * botocore (tests/integration/test_endpoints_botocore.py). Reads lines
 * "<service prefix> <region> <fips 0|1> <dualstack 0|1>" on stdin and
 * writes one line each: "<url> <signing region>" or "ERR <code>".
 */
#include <stdio.h>
#include <string.h>

#include "aws/endpoint.h"

static const struct aws_service *const SERVICES[] = {
	&AWS_SVC_CLOUDFORMATION, &AWS_SVC_S3, &AWS_SVC_STS, &AWS_SVC_IAM, &AWS_SVC_DYNAMODB,
	&AWS_SVC_IVS, &AWS_SVC_LOGS, &AWS_SVC_EVENTBRIDGE, &AWS_SVC_LAMBDA,
};

int main(void)
{
	/* One query a line, tab-separated (a region may hold a space: "a b" must be refused). */
	char line[512], svc[64], region[128];
	int fips, ds;
	while (fgets(line, sizeof(line), stdin) &&
	       sscanf(line, "%63[^\t]\t%127[^\t]\t%d\t%d", svc, region, &fips, &ds) == 4) {
		const struct aws_service *s = NULL;
		for (size_t i = 0; i < sizeof(SERVICES) / sizeof(SERVICES[0]); i++)
			if (strcmp(SERVICES[i]->prefix, svc) == 0)
				s = SERVICES[i];
		struct aws_endpoint ep;
		struct ivs_error err;
		ivs_error_clear(&err);
		if (!s)
			printf("ERR UnknownService\n");
		else if (endpoint_default(s, region, fips, ds, &ep, &err) < 0)
			printf("ERR %s\n", err.code);
		else
			printf("%s %s\n", ep.url, ep.signing_region);
	}
	return 0;
}
