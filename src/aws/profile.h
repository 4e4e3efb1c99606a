/*
 * profile.h - the shared config files (~/.aws/config, ~/.aws/credentials)
 * and what comes from them: the profile name, profile settings, the region.
 *
 * Owns: nothing cached; every call reads the files again (they are small and
 * read a handful of times per run), so tests can change HOME between calls.
 */
#ifndef IVS_PROFILE_H
#define IVS_PROFILE_H

#include <stddef.h>

#include "error.h"

/* explicit (--profile) > AWS_PROFILE > "default". Never NULL. */
const char *profile_name(const char *explicit_profile);

/* Paths: AWS_CONFIG_FILE or ~/.aws/config; AWS_SHARED_CREDENTIALS_FILE or
 * ~/.aws/credentials. Caller frees. NULL when HOME is unknown. */
char *profile_config_path(void);
char *profile_credentials_path(void);

/* One INI value. file_is_config: sections are "[profile x]" (and "[default]");
 * otherwise "[x]". Returns a malloc'd value or NULL when absent; a file that
 * exists but cannot be parsed fills err and returns NULL with err->code set. */
char *profile_ini_get(const char *path, int file_is_config, const char *profile,
		      const char *key, struct ivs_error *err);

/* One section of a shared file, loaded whole (so a caller that needs several
 * keys reads the file once). Keys are lower-cased; an indented block under an
 * empty-valued key (`s3 =\n  max_concurrent_requests = 2`) is stored as
 * "s3.max_concurrent_requests" and never as a top-level key. Values may be
 * secrets: profile_section_free() cleanses them. */
enum profile_ini_kind {
	PROFILE_INI_CREDENTIALS,   /* "[x]" */
	PROFILE_INI_CONFIG,        /* "[profile x]"; "[default]" or "[profile default]" */
	PROFILE_INI_SERVICES,      /* "[services x]" in the config file */
	PROFILE_INI_SSO_SESSION,   /* "[sso-session x]" in the config file */
};

struct profile_kv {
	char *key;
	char *value;
};

struct profile_section {
	struct profile_kv *v;
	size_t n, cap;
	int file_exists;           /* the file was there (and parsed) */
	int found;                 /* the section was in it */
	char label[160];           /* how the section is written: "[profile x]", "[default]" */
};

/* Returns 0 (see out->found) or -1 when the file exists but cannot be read or
 * parsed (err names path:line; never the line's content, which may be a
 * secret). out is always safe to profile_section_free(). */
int profile_ini_load(const char *path, enum profile_ini_kind kind, const char *name,
		     struct profile_section *out, struct ivs_error *err);
/* The same over text already in memory (NUL-terminated; origin names it in
 * errors, e.g. the path it came from). The caller cleanses text. */
int profile_ini_parse(const char *origin, const char *text, enum profile_ini_kind kind,
		      const char *name, struct profile_section *out, struct ivs_error *err);
/* Case-insensitive; NULL when absent. */
const char *profile_section_get(const struct profile_section *s, const char *key);
void profile_section_free(struct profile_section *s);

/* The certificate bundle HTTPS calls trust: AWS_CA_BUNDLE, else the
 * profile's ca_bundle (config file). *out is NULL (the system's) or a path
 * the caller frees; a named file that cannot be read is an error naming it. */
int profile_ca_bundle(const char *profile, char **out, struct ivs_error *err);

/* Region: flag > AWS_REGION > AWS_DEFAULT_REGION > the profile's "region"
 * (the credentials file's [x], then the config file's [profile x], the way
 * the SDKs merge the two). The result is checked to be a region name.
 * On failure err->code is "NoRegion" and the message says how to set one. */
int region_resolve(const char *flag_region, const char *profile, char *out, size_t n,
		   struct ivs_error *err);

#endif
