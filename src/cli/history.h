/*
 * history.h - what `ivsvc history` (history.c) lends to other commands:
 * the table's contents summed up, and everything in it exported to a file,
 * for `ivsvc destroy` to say what goes and keep a copy first.
 */
#ifndef IVS_CLI_HISTORY_H
#define IVS_CLI_HISTORY_H

#include <stddef.h>

#include "aws/client.h"

struct history_summary {
	size_t items;             /* readable items */
	size_t malformed;         /* items that could not be read */
	size_t channels;
	long long first_ms, last_ms; /* -1 when the table is empty */
};

/* Reads the whole table (a parallel Scan) and sums it up. */
int history_summary(struct aws_client *c, const char *table, struct history_summary *out,
		    struct ivs_error *err);
/* Writes every item of the table to path: JSON when it ends in ".json",
 * else CSV. *rows: the rows written. Fails (the file removed) when writing
 * fails, an item cannot be read, or the rows written are not the table's
 * item count read back with Select COUNT. */
int history_export(struct aws_client *c, const char *table, const char *path, size_t *rows,
		   struct ivs_error *err);

/* For destroy, before it asks: prints what the table holds (viewer counts,
 * channels, first and last minute; table NULL: nothing), then with
 * export_path exports it all (history_export) and says so. Returns EXIT_OK,
 * or the exit code after saying why (a failed export: nothing may be
 * deleted). Flushes stdout. */
int history_before_destroy(struct aws_client *c, const char *table, const char *export_path);

#endif
