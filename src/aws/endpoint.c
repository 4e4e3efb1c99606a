/*
 * endpoint.c - the service descriptors and where each service is called
 * (see endpoint.h): configured overrides first, then the partition default.
 *
 * Owns: the static struct aws_service values. Override URLs are checked with
 * libcurl's URL parser so a typo fails here, naming its variable, instead of
 * as a confusing transport error later.
 */
#include "endpoint.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "endpoint_data.h"
#include "profile.h"
#include "region.h"

const struct aws_service AWS_SVC_STS = { "STS", "sts", "sts", 0, 0 };
const struct aws_service AWS_SVC_CLOUDFORMATION = { "CloudFormation", "cloudformation",
						    "cloudformation", 0, 0 };
const struct aws_service AWS_SVC_S3 = { "S3", "s3", "s3", 0, 1 };
const struct aws_service AWS_SVC_IAM = { "IAM", "iam", "iam", 1, 0 };
const struct aws_service AWS_SVC_DYNAMODB = { "DynamoDB", "dynamodb", "dynamodb", 0, 0 };
const struct aws_service AWS_SVC_IVS = { "ivs", "ivs", "ivs", 0, 0 };
const struct aws_service AWS_SVC_LOGS = { "CloudWatch Logs", "logs", "logs", 0, 0 };
const struct aws_service AWS_SVC_EVENTBRIDGE = { "EventBridge", "events", "events", 0, 0 };
const struct aws_service AWS_SVC_LAMBDA = { "Lambda", "lambda", "lambda", 0, 0 };

static void env_style_name(const char *service_id, char *out, size_t n)
{
	size_t i = 0;
	for (const char *p = service_id; *p && i + 1 < n; p++)
		out[i++] = *p == ' ' ? '_' : (char)toupper((unsigned char)*p);
	if (n)
		out[i] = '\0';
}

void endpoint_env_name(const struct aws_service *svc, char *out, size_t n)
{
	env_style_name(svc->service_id, out, n);
}

/* True for the values the SDKs accept as "on". */
static int env_true(const char *name)
{
	const char *v = getenv(name);
	return v && strcasecmp(v, "true") == 0;
}

/* Checks an override and copies it without trailing slashes. `origin` names
 * where it came from, for the error. */
static int take_override(const char *url, const char *origin, struct aws_endpoint *out,
			 struct ivs_error *err)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	int ok = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
		 curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
		 curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
		 (strcasecmp(scheme, "http") == 0 || strcasecmp(scheme, "https") == 0) &&
		 host[0] && strncasecmp(url, scheme, strlen(scheme)) == 0 &&
		 strncmp(url + strlen(scheme), "://", 3) == 0;
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	size_t len = strlen(url);
	while (len > 0 && url[len - 1] == '/')
		len--;
	if (!ok || strpbrk(url, " \t\r\n"))
		return ivs_error_set(err, "BadEndpoint",
				     "%s is not an http:// or https:// URL (got \"%.200s\")", origin, url);
	if (len >= sizeof(out->url))
		return ivs_error_set(err, "BadEndpoint", "%s is longer than %zu characters", origin,
				     sizeof(out->url) - 1);
	memcpy(out->url, url, len);
	out->url[len] = '\0';
	out->overridden = 1;
	return 0;
}

/* The overrides in the profile: `services = name` pointing at a
 * [services name] section with `<service_id> =\n  endpoint_url = ...`, then
 * the profile's own endpoint_url. Returns 1 when one applied, 0 none, -1. */
static int profile_override(const struct aws_service *svc, const char *profile,
			    struct aws_endpoint *out, struct ivs_error *err)
{
	char *path = profile_config_path();
	if (!path)
		return 0;
	struct profile_section sec;
	int rc = 0;
	char origin[600];
	if (profile_ini_load(path, PROFILE_INI_CONFIG, profile_name(profile), &sec, err) < 0) {
		free(path);
		return -1;
	}
	const char *services = profile_section_get(&sec, "services");
	if (services && *services) {
		struct profile_section ss;
		if (profile_ini_load(path, PROFILE_INI_SERVICES, services, &ss, err) < 0) {
			rc = -1;
		} else {
			char key[128], lower[96];
			env_style_name(svc->service_id, lower, sizeof(lower));
			for (char *p = lower; *p; p++)
				*p = (char)tolower((unsigned char)*p);
			snprintf(key, sizeof(key), "%s.endpoint_url", lower);
			const char *v = profile_section_get(&ss, key);
			if (v && *v) {
				snprintf(origin, sizeof(origin), "endpoint_url for %s in [services %s] in %s",
					 lower, services, path);
				rc = take_override(v, origin, out, err) < 0 ? -1 : 1;
			}
			profile_section_free(&ss);
		}
	}
	const char *v = profile_section_get(&sec, "endpoint_url");
	if (rc == 0 && v && *v) {
		snprintf(origin, sizeof(origin), "endpoint_url in %s of %s", sec.label, path);
		rc = take_override(v, origin, out, err) < 0 ? -1 : 1;
	}
	profile_section_free(&sec);
	free(path);
	return rc;
}

/* The rule for svc in region (endpoint_data.c): the region's own, else its
 * partition's. NULL only for a service the generator was not run for. */
static const struct endpoint_rule *find_rule(const struct aws_service *svc, const char *region,
					     int part, int fips, int dualstack)
{
	for (size_t i = 0; i < ENDPOINT_N_RULES; i++) {
		const struct endpoint_rule *r = &ENDPOINT_RULES[i];
		if (r->partition == part && r->fips == fips && r->dualstack == dualstack &&
		    strcmp(r->service, svc->prefix) == 0 &&
		    (!r->region || strcmp(r->region, region) == 0))
			return r;
	}
	return NULL;
}

int endpoint_default(const struct aws_service *svc, const char *region, int fips,
		     int dualstack, struct aws_endpoint *out, struct ivs_error *err)
{
	memset(out, 0, sizeof(*out));
	/* DynamoDB's rule set names DynamoDB Local: region "local" is localhost:8000. */
	if (region && strcmp(region, "local") == 0 && strcmp(svc->prefix, "dynamodb") == 0) {
		if (fips || dualstack)
			return ivs_error_set(err, "EndpointNotOffered", "DynamoDB Local (region "
					     "\"local\") has no FIPS or dual-stack endpoint");
		snprintf(out->url, sizeof(out->url), "http://localhost:8000");
		snprintf(out->signing_region, sizeof(out->signing_region), "us-east-1");
		return 0;
	}
	if (!region_valid(region))
		return ivs_error_set(err, "InvalidRegion",
				     "region \"%.64s\" is not a region name (lower-case letters, digits "
				     "and '-', e.g. us-east-1)", region ? region : "");
	const struct region_partition *part = region_partition_of(region);
	const struct endpoint_rule *r = find_rule(svc, region, (int)(part - REGION_PARTITIONS),
						  fips != 0, dualstack != 0);
	if (!r || !r->host)
		return ivs_error_set(err, "EndpointNotOffered",
				     "%s has no%s%s endpoint in %s (partition %s)%s%s: unset "
				     "AWS_USE_FIPS_ENDPOINT / AWS_USE_DUALSTACK_ENDPOINT (or the profile's "
				     "use_fips_endpoint / use_dualstack_endpoint), or set an endpoint URL",
				     svc->service_id, fips ? " FIPS" : "", dualstack ? " dual-stack" : "",
				     region, part->name, r ? ": " : "", r ? r->error : "");
	struct buf host = BUF_INIT;
	const char *at = strstr(r->host, "{region}");
	if (at)
		buf_printf(&host, "%.*s%s%s", (int)(at - r->host), r->host, region, at + 8);
	else
		buf_puts(&host, r->host);
	snprintf(out->url, sizeof(out->url), "https://%s", buf_cstr(&host));
	buf_free(&host);
	snprintf(out->signing_region, sizeof(out->signing_region), "%s",
		 r->signing_region[0] ? r->signing_region : region);
	return 0;
}

/* A boolean setting: the variable, else the profile's key (config file). */
static int flag_setting(const char *var, const char *key, const char *profile)
{
	const char *v = getenv(var);
	if (v && *v)
		return strcasecmp(v, "true") == 0;
	char *path = profile_config_path();
	struct ivs_error ignored;
	ivs_error_clear(&ignored);
	char *pv = path ? profile_ini_get(path, 1, profile_name(profile), key, &ignored) : NULL;
	int on = pv && strcasecmp(pv, "true") == 0;
	free(pv);
	free(path);
	return on;
}

int endpoint_resolve_profile(const struct aws_service *svc, const char *region,
			     const char *profile, struct aws_endpoint *out, struct ivs_error *err)
{
	int fips = flag_setting("AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint", profile);
	int dualstack = flag_setting("AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint", profile);
	struct aws_endpoint def;
	/* An override is still signed for the region the rules give (IAM's
	 * global one); where the rules offer nothing, for the region itself. */
	int rc = endpoint_default(svc, region, fips, dualstack, &def, err);
	if (rc < 0 && strcmp(err->code, "EndpointNotOffered") != 0)
		return -1;
	memset(out, 0, sizeof(*out));
	snprintf(out->signing_region, sizeof(out->signing_region), "%s",
		 rc == 0 ? def.signing_region : region);

	if (!env_true("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) {
		char id[96], var[128];
		endpoint_env_name(svc, id, sizeof(id));
		snprintf(var, sizeof(var), "AWS_ENDPOINT_URL_%s", id);
		const char *v = getenv(var);
		if (v && *v)
			return take_override(v, var, out, err);
		v = getenv("AWS_ENDPOINT_URL");
		if (v && *v)
			return take_override(v, "AWS_ENDPOINT_URL", out, err);
		int prc = profile_override(svc, profile, out, err);
		if (prc != 0)
			return prc < 0 ? -1 : 0;
	}
	if (rc < 0)
		return -1;
	*out = def;
	return 0;
}

int endpoint_resolve(const struct aws_service *svc, const char *region,
		     struct aws_endpoint *out, struct ivs_error *err)
{
	return endpoint_resolve_profile(svc, region, NULL, out, err);
}
