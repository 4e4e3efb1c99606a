/*
 * config.h - the handler's settings, from the environment the CloudFormation
 * template gives the function:
 *   TABLE_NAME         required
 *   WINDOW_MINUTES     points of history sent (default 5, 1..60)
 *   METADATA_FORMAT    text | json (default text)
 *   RETENTION_DAYS     0 or absent: items never expire; else attribute
 *                      `expires` = the tick's minute + days (epoch seconds)
 *   PUT_METADATA_RATE  PutMetadata calls per second over the account
 *                      (default 155, IVS's account quota)
 *
 * Owns: the copies of the strings inside struct handler_config.
 */
#ifndef IVS_LAMBDA_CONFIG_H
#define IVS_LAMBDA_CONFIG_H

#include "aws/error.h"
#include "metadata.h"

struct handler_config {
	char *table;
	int window_minutes;
	enum metadata_format format;
	int retention_days;
	double put_metadata_rate;
};

/* Reads the environment. Err code "InvalidConfig" names the variable and
 * what it must be. */
int handler_config_load(struct handler_config *cfg, struct ivs_error *err);
void handler_config_free(struct handler_config *cfg);

#endif
