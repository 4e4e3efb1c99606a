/*
 * config.h - ivsvc.yaml: the project's settings for deploy, diff, synth,
 * status, logs and destroy.
 *
 *   stack_name: IvsViewersCount      region: eu-west-1        profile: prod
 *   schedule: rate(1 minute)         window_minutes: 5        metadata_format: text
 *   log_retention_days: 14           data_retention_days: 0   memory: 256
 *   timeout_seconds: 50              put_metadata_rate: 155   asset_bucket: my-bucket
 *   tags: {team: video, env: prod}  regions: [us-east-1, ap-northeast-1]
 *   architecture: arm64
 *
 * Read with libyaml's event API so every error names file:line. Flags
 * override the file (config_apply_flags).
 *
 * Owns: every string in struct ivs_config (config_free).
 */
#ifndef IVS_CLI_CONFIG_H
#define IVS_CLI_CONFIG_H

#include <stddef.h>

#include "aws/error.h"

#define CONFIG_DEFAULT_FILE "ivsvc.yaml"
#define CONFIG_DEFAULT_STACK "IvsViewersCount"

/* The template parameters ivsvc.yaml can set: key, template parameter. */
enum config_param {
	CONFIG_SCHEDULE,
	CONFIG_WINDOW_MINUTES,
	CONFIG_METADATA_FORMAT,
	CONFIG_LOG_RETENTION_DAYS,
	CONFIG_DATA_RETENTION_DAYS,
	CONFIG_MEMORY,
	CONFIG_TIMEOUT_SECONDS,
	CONFIG_PUT_METADATA_RATE,
	CONFIG_ARCHITECTURE,      /* x86_64 or arm64: also picks the embedded package */
	CONFIG_NPARAMS
};

struct config_tag {
	char *key;
	char *value;
};

struct ivs_config {
	char *path;                   /* the file read; NULL when none */
	char *stack_name;             /* never NULL after config_load: default IvsViewersCount */
	char *region;                 /* the one region; NULL with several (or none) */
	char **regions;               /* regions: [a, b] or --region a,b: n_regions >= 2 */
	size_t n_regions;
	char *profile;
	char *asset_bucket;
	char *params[CONFIG_NPARAMS]; /* the value as the template takes it; NULL: not set */
	struct config_tag *tags;
	size_t n_tags;
};

/* The yaml key and the template parameter of each config_param. */
const char *config_param_key(enum config_param p);
const char *config_param_template_name(enum config_param p);

/* Reads path; path NULL: ./ivsvc.yaml when it exists, else defaults only.
 * An explicit path that cannot be read is an error. On error err->message is
 * "FILE:LINE: what is wrong" and the caller exits EXIT_USAGE. */
int config_load(const char *path, struct ivs_config *cfg, struct ivs_error *err);
/* Parses YAML text (name is used in messages). */
int config_parse(const char *name, const char *text, size_t len, struct ivs_config *cfg,
		 struct ivs_error *err);
/* CloudFormation's rule: a letter, then letters, digits and '-', at most 128. */
int config_stack_name_valid(const char *s);
/* --stack-name, --region, --profile win over the file (NULL: keep). A
 * region "a,b" names several (regionlist.h); one that is not a region
 * name is left for the client to refuse. */
void config_apply_flags(struct ivs_config *cfg, const char *stack_name, const char *region,
			const char *profile);
/* The list v (malloc'd names, n >= 0; cfg takes it) becomes cfg's region
 * (n 1) or regions (n >= 2); what cfg had is freed. */
void config_set_region_list(struct ivs_config *cfg, char **v, size_t n);
void config_free(struct ivs_config *cfg);

#endif
