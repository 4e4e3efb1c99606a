/*
 * creds.h - AWS credentials, resolved in the order the AWS SDKs use:
 *   0. a profile named (--profile or AWS_PROFILE) must exist in the shared
 *      files, whatever else is set (a typo never falls through to the keys
 *      in the environment); "default" may be missing (see README)
 *   1. AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN
 *   2. the profile's role_arn (source_profile chains, credential_source):
 *      STS AssumeRole, cached in ~/.aws/cli/cache as the AWS CLI does
 *   3. web identity: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (not with
 *      --profile, as botocore), else the profile's web_identity_token_file +
 *      role_arn (AssumeRoleWithWebIdentity)
 *   4. IAM Identity Center: sso_session or the legacy sso_* keys (creds_sso.c)
 *   5. the shared files for the profile (--profile, AWS_PROFILE, "default"):
 *      ~/.aws/credentials (AWS_SHARED_CREDENTIALS_FILE), then ~/.aws/config
 *      (AWS_CONFIG_FILE, "[profile x]" sections), including credential_process
 *   6. the container endpoint (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI /
 *      _FULL_URI, AWS_CONTAINER_AUTHORIZATION_TOKEN[_FILE])
 *   7. the instance metadata service, IMDSv2 with its session token
 *      (AWS_EC2_METADATA_SERVICE_ENDPOINT, AWS_EC2_METADATA_DISABLED)
 * Credentials that have expired are refused, naming where they came from
 * and when they expired (ExpiredCredentials).
 *
 * An explicit profile (the argument, i.e. --profile) skips step 1, as botocore
 * does: asking for a profile by name should not be overridden by stray
 * variables. AWS_PROFILE does not (the variables still win).
 * A source that is configured but broken (a key id without its secret, a
 * credential_process that fails, a container endpoint that answers an error)
 * is an error, never a silent fall-through to the next source.
 *
 * Owns: the strings inside struct aws_creds; creds_free() cleanses them.
 * Never prints a secret: errors name the places looked at, not the values.
 */
#ifndef IVS_CREDS_H
#define IVS_CREDS_H

#include <stddef.h>
#include <time.h>

#include "error.h"

struct aws_creds {
	char *access_key_id;
	char *secret_access_key;
	char *session_token;      /* NULL when none */
	time_t expiration;        /* 0 when they do not expire */
	char source[48];          /* "environment", "shared-credentials-file", "shared-config-file",
				     "credential_process", "container", "imds",
				     "assume-role", "web-identity", "sso" */
	char origin[256];         /* for people: "profile dev via role arn:...", never a secret */
	char warning[200];        /* "" or something the user should fix, e.g. a
				     credentials file readable by other users */
};

/* The STS calls the chain needs (assume role, web identity). STS speaks only
 * the query protocol (XML answers), and this library links no XML parser
 * (the Lambda handler uses it), so the XML-capable library registers the
 * caller: sts_register_credentials() in sts.h. Unregistered, a profile that
 * needs STS is an error saying so. */
struct creds_sts_call {
	const char *action;              /* "AssumeRole", "AssumeRoleWithWebIdentity" */
	const char *profile;             /* whose region and STS endpoint settings apply */
	const struct aws_creds *signer;  /* NULL: unsigned (web identity) */
	const char *role_arn;
	const char *session_name;
	const char *external_id;         /* NULL when none, as the rest */
	const char *serial;              /* mfa_serial */
	const char *token_code;
	const char *web_identity_token;
	long duration_s;                 /* 0: STS's default */
};
typedef int (*creds_sts_fn)(const struct creds_sts_call *call, struct aws_creds *out,
			    struct ivs_error *err);
void creds_set_sts(creds_sts_fn fn);

/* profile: NULL means AWS_PROFILE or "default". On failure err->code is
 * "NoCredentials" and the message lists where it looked. */
int creds_resolve(const char *profile, struct aws_creds *out, struct ivs_error *err);
/* True when they expire within the next `margin` seconds (refresh before). */
int creds_expiring(const struct aws_creds *c, time_t now, long margin);
void creds_free(struct aws_creds *c);
/* Fills out from the JSON the sources send. `token_key` is "Token"
 * (container, IMDS) or "SessionToken" (credential_process, which also needs
 * want_version: "Version": 1). Returns 0, or -1 with `why` saying what was
 * wrong (never a value). Public so the fuzz targets reach it without a
 * process or a server. */
int creds_from_json(const char *body, size_t len, const char *token_key,
		    int want_version, struct aws_creds *out, char *why, size_t whyn);
/* ISO-8601 UTC time as the credential sources send it ("2024-05-01T12:00:00Z",
 * with optional fractional seconds and a +hh:mm / -hh:mm offset). 0 or -1. */
int creds_parse_time(const char *s, time_t *out);

#endif
