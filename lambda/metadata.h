/*
 * metadata.h - the Timed Metadata payload sent to each live channel:
 *   text: the counts newest first, comma-separated: "12,10,9,7,5"
 *   json: {"viewers":12,"history":[12,10,9,7,5],"at":"2026-11-24T18:07:00Z"}
 * kept within IVS's 1 KB limit by dropping the oldest points.
 *
 * Owns: nothing.
 */
#ifndef IVS_LAMBDA_METADATA_H
#define IVS_LAMBDA_METADATA_H

#include <stddef.h>

#include "aws/buf.h"

enum metadata_format { METADATA_TEXT, METADATA_JSON };

#define METADATA_MAX_BYTES 1024 /* PutMetadata's payload limit */

/* counts[0] is the newest (the tick's minute), then older minutes that have
 * a point (missing minutes are simply not there). at_iso: the tick's minute.
 * Writes the payload into out (reset first) and returns how many points it
 * holds: n, or fewer when the payload would exceed max_bytes (0 means
 * METADATA_MAX_BYTES). n must be >= 1. */
size_t metadata_format(enum metadata_format f, const long long *counts, size_t n,
		       const char *at_iso, size_t max_bytes, struct buf *out);

/* "text" / "json" -> 0 and *f; anything else -1. */
int metadata_format_parse(const char *s, enum metadata_format *f);

#endif
