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

/* Region: flag > AWS_REGION > AWS_DEFAULT_REGION > the profile's "region".
 * On failure err->code is "NoRegion" and the message says how to set one. */
int region_resolve(const char *flag_region, const char *profile, char *out, size_t n,
		   struct ivs_error *err);

#endif
