/*
 * tick.h - one run of the viewer-count function: list channels and live
 * streams, write one item per channel for the minute, read back the live
 * channels' last WINDOW_MINUTES points and send them as Timed Metadata.
 *
 * The pure steps are plan.h's (tested without a network); tick_run does
 * the calls, as one streaming pipeline (flow.h). Table items: see
 * app/schema.h (one per channel per minute, built and read by
 * app/table.c). Keys are minute-aligned, so a retried invocation for the
 * same minute overwrites its items, and the history is fetched by key
 * (BatchGetItem) rather than by a Query per channel.
 *
 * Owns: the result JSON tick_run returns (the caller's).
 */
#ifndef IVS_LAMBDA_TICK_H
#define IVS_LAMBDA_TICK_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "aws/client.h"
#include "config.h"
#include "event.h"
#include "plan.h"

/* Runs one tick. Returns the result object (see the handler's README line:
 * minute, channels, live, itemsWritten, metadataSent, retries, wentOffline,
 * errors, durationMs, requests, phaseMs {firstPut, listed, afterListed}) or
 * NULL with err when a listing failed (the work it had handed on is done
 * first; err says how much). Partial failures are listed in "errors". */
cJSON *tick_run(struct aws_client *c, const struct handler_config *cfg,
		const struct tick_event *ev, const struct tick_options *o, struct ivs_error *err);

/* The log line's form of a result: at most max_errors entries in "errors"
 * (the count of the rest in "errorsOmitted"). Returns a new string. */
char *tick_log_line(const cJSON *result, size_t max_errors);

#endif
