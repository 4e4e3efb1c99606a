/*
 * endpoint.h - which URL a service is called at, and the signing region.
 *
 * Order, as the AWS SDKs: AWS_ENDPOINT_URL_<SERVICE_ID> (service id upper-
 * cased, spaces to '_': CLOUDFORMATION, DYNAMODB, IVS, CLOUDWATCH_LOGS, ...),
 * then AWS_ENDPOINT_URL, unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true;
 * else the default the service's endpoint rules give for the region's
 * partition (aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e,
 * aws-iso-f, aws-eusc), with FIPS (AWS_USE_FIPS_ENDPOINT, else the profile's
 * use_fips_endpoint) and dual-stack (AWS_USE_DUALSTACK_ENDPOINT,
 * use_dualstack_endpoint): the rules are generated from botocore's rule sets
 * (endpoint_data.c, scripts/gen_endpoints.py), global services (IAM) and
 * their signing regions included. A configured URL wins over FIPS and
 * dual-stack, as botocore does.
 * The region must pass region_valid(), override or not (it is signed for).
 * Between the variables and the default, the profile's overrides in the
 * config file: `services = x` with a [services x] section holding
 * `<service id lower-cased, spaces to '_'> =\n  endpoint_url = ...`, then
 * the profile's own `endpoint_url`.
 *
 * Owns: the static service descriptors below.
 */
#ifndef IVS_ENDPOINT_H
#define IVS_ENDPOINT_H

#include <stddef.h>

#include "error.h"

struct aws_service {
	const char *service_id;    /* botocore serviceId, e.g. "CloudWatch Logs" */
	const char *prefix;        /* endpoint prefix, e.g. "logs" */
	const char *signing_name;  /* e.g. "logs" */
	int global;                /* one endpoint for the partition (IAM) */
	int is_s3;                 /* no path normalisation, x-amz-content-sha256 */
};

extern const struct aws_service AWS_SVC_STS;
extern const struct aws_service AWS_SVC_CLOUDFORMATION;
extern const struct aws_service AWS_SVC_S3;
extern const struct aws_service AWS_SVC_IAM;
extern const struct aws_service AWS_SVC_DYNAMODB;
extern const struct aws_service AWS_SVC_IVS;
extern const struct aws_service AWS_SVC_LOGS;
extern const struct aws_service AWS_SVC_EVENTBRIDGE;
extern const struct aws_service AWS_SVC_LAMBDA;

struct aws_endpoint {
	char url[512];             /* no trailing slash, e.g. "https://ivs.us-east-1.amazonaws.com" */
	char signing_region[64];
	int overridden;            /* came from an AWS_ENDPOINT_URL* variable */
};

/* For the profile profile_name(NULL) picks (AWS_PROFILE or "default"). */
int endpoint_resolve(const struct aws_service *svc, const char *region,
		     struct aws_endpoint *out, struct ivs_error *err);
/* Same, for an explicit profile (--profile); NULL as above. */
int endpoint_resolve_profile(const struct aws_service *svc, const char *region,
			     const char *profile, struct aws_endpoint *out, struct ivs_error *err);
/* The rules' default alone (no overrides, no settings read): what the
 * endpoint test against botocore checks. Error "EndpointNotOffered" when the
 * partition has no such endpoint (e.g. S3 FIPS in aws-cn). */
int endpoint_default(const struct aws_service *svc, const char *region, int fips,
		     int dualstack, struct aws_endpoint *out, struct ivs_error *err);
/* "SERVICE_ID" form used in AWS_ENDPOINT_URL_<...>; writes into out. */
void endpoint_env_name(const struct aws_service *svc, char *out, size_t n);

#endif
