/*
 * creds_source.h - the steps of the credential chain that live outside
 * creds.c, and the helpers they share with it. Internal to src/aws/creds*.c:
 * callers use creds.h.
 *
 * Every step returns 1 with *out filled (and out->source set), 0 when its
 * source is not configured (having added a note to `looked`, which becomes
 * the NoCredentials message), or -1 with err filled when it is configured
 * but broken.
 */
#ifndef IVS_CREDS_SOURCE_H
#define IVS_CREDS_SOURCE_H

#include <cjson/cJSON.h>

#include "buf.h"
#include "error.h"
#include "profile.h"

/* creds.h includes nothing of this file's; its users include both. */
struct aws_creds;
struct creds_sts_call;

/* credential_process = cmd, found in `label` ("[profile x]") of path. */
int creds_from_process(const char *cmd, const char *path, const char *label,
		       struct aws_creds *out, struct ivs_error *err);
/* AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI. */
int creds_from_container(struct aws_creds *out, struct buf *looked, struct ivs_error *err);
/* IMDSv2. Never -1: most machines are not EC2 instances, so its failures
 * are notes in `looked`. */
int creds_from_imds(struct aws_creds *out, struct buf *looked);

/* One profile's two sections (credentials file, config file), loaded once. */
struct creds_profile {
	char name[128];
	char *cred_path, *cfg_path;
	struct profile_section cred, cfg;
};
/* 0, or -1 when a file exists but cannot be read. p is always safe to free. */
int creds_profile_load(const char *name, struct creds_profile *p, struct ivs_error *err);
void creds_profile_free(struct creds_profile *p);
/* The credentials file's value, else the config file's; NULL when absent or empty. */
const char *creds_profile_get(const struct creds_profile *p, const char *key);
/* Static keys in either file (what botocore calls static credentials). */
int creds_profile_has_keys(const struct creds_profile *p);

/* -1 (err "ExpiredCredentials", naming c->origin and the time) when c has expired. */
int creds_refuse_expired(const struct aws_creds *c, struct ivs_error *err);
/* AWS_ACCESS_KEY_ID and friends. */
int creds_from_env(struct aws_creds *out, struct ivs_error *err);
/* The profile's static keys or credential_process (the files' steps). */
int creds_from_files(const struct creds_profile *p, struct aws_creds *out, struct ivs_error *err);
/* role_arn with source_profile or credential_source (creds_assume.c).
 * 0 when the profile has no role_arn (or has it for web identity). */
int creds_from_role(const struct creds_profile *p, struct aws_creds *out, struct ivs_error *err);
/* Web identity: from the environment when use_env, else (or when unset
 * there) from the profile. 0 when neither has a token file. */
int creds_from_web_identity(const struct creds_profile *p, int use_env, struct aws_creds *out,
			    struct ivs_error *err);
/* IAM Identity Center (creds_sso.c): 0 when the profile has no SSO settings. */
int creds_from_sso(const struct creds_profile *p, struct aws_creds *out, struct ivs_error *err);
/* The registered STS caller (creds.h), or an error saying there is none. */
int creds_sts(const struct creds_sts_call *call, struct aws_creds *out, struct ivs_error *err);

/* The AWS CLI's role session cache (creds_cache.c): ~/.aws/cli/cache/<key>.json,
 * key = sha1 of the sorted JSON of the AssumeRole arguments but the session
 * name when it was generated. Load returns 1 with out filled when a session
 * valid for more than 15 minutes is there, else 0. */
struct creds_cache_args {
	const char *role_arn, *session_name, *external_id, *serial;
	long duration_s;
};
void creds_cache_key(const struct creds_cache_args *a, char out[41]);
int creds_cache_load(const char *key, struct aws_creds *out);
void creds_cache_store(const char *key, const struct aws_creds *c);
/* A JSON file (at most 64 KiB; its text cleansed), or NULL. */
cJSON *creds_file_json(const char *path);
/* Replaces path with j's text: a 0600 temporary file renamed over it. Silent
 * on failure (a cache only saves a call). */
void creds_file_replace(const char *path, const cJSON *j);

void creds_set_source(struct aws_creds *c, const char *source);
void creds_set_origin(struct aws_creds *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A non-empty string member of o, or NULL. */
const char *creds_json_str(const cJSON *o, const char *key);
/* Cleanses every string in a parsed document, then frees it. */
void creds_json_delete_secret(cJSON *j);

#endif
