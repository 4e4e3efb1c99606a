/*
 * config.c - the handler's settings from its environment (see config.h).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"

static int env_int(const char *name, int dflt, int lo, int hi, int *out, struct ivs_error *err)
{
	const char *v = getenv(name);
	if (!v || !*v) {
		*out = dflt;
		return 0;
	}
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno || *end || end == v || n < lo || n > hi)
		return ivs_error_set(err, "InvalidConfig", "%s='%.32s' must be a whole number from %d to %d",
				     name, v, lo, hi);
	*out = (int)n;
	return 0;
}

int handler_config_load(struct handler_config *cfg, struct ivs_error *err)
{
	memset(cfg, 0, sizeof(*cfg));
	const char *table = getenv("TABLE_NAME");
	if (!table || !*table)
		return ivs_error_set(err, "InvalidConfig",
				     "TABLE_NAME is not set: the function needs the DynamoDB table's name "
				     "(the stack's template sets it)");
	if (env_int("WINDOW_MINUTES", 5, 1, 60, &cfg->window_minutes, err) < 0 ||
	    env_int("RETENTION_DAYS", 0, 0, 36500, &cfg->retention_days, err) < 0)
		return -1;
	const char *fmt = getenv("METADATA_FORMAT");
	cfg->format = METADATA_TEXT;
	if (fmt && *fmt && metadata_format_parse(fmt, &cfg->format) < 0)
		return ivs_error_set(err, "InvalidConfig", "METADATA_FORMAT='%.32s' must be text or json",
				     fmt);
	cfg->put_metadata_rate = 155;
	const char *rate = getenv("PUT_METADATA_RATE");
	if (rate && *rate) {
		char *end;
		errno = 0;
		double r = strtod(rate, &end);
		if (errno || *end || end == rate || !(r > 0) || r > 1e6)
			return ivs_error_set(err, "InvalidConfig",
					     "PUT_METADATA_RATE='%.32s' must be a number of calls per second above 0",
					     rate);
		cfg->put_metadata_rate = r;
	}
	cfg->table = xstrdup(table);
	return 0;
}

void handler_config_free(struct handler_config *cfg)
{
	free(cfg->table);
	cfg->table = NULL;
}
