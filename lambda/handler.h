/*
 * handler.h - the function's life: init (settings, the AWS client, once),
 * then the Runtime API loop running one tick per invocation.
 *
 * Owns: the runtime and the aws_client for the process's life.
 */
#ifndef IVS_LAMBDA_HANDLER_H
#define IVS_LAMBDA_HANDLER_H

#include <limits.h>

#include <cjson/cJSON.h>

#include "event.h"

/* Time kept back from Lambda's deadline for answering the invocation. */
#define HANDLER_DEADLINE_MARGIN_MS 1500

/* The deadline (ms, in the same clock as now_ms) by which the tick stops
 * starting work: Lambda's deadline less the margin, or less a fifth of
 * what is left when that is shorter. 0 when Lambda gave none. */
long long handler_work_deadline(long long lambda_deadline_ms, long long now_ms);

/* One tick at a time: a process runs an event only when its minute is newer
 * than the newest minute it completed (a tick that answered a result, errors
 * or not). Lambda keeps the process warm across invocations, so a late
 * retry or a repeated event for an older or the same minute is answered
 * with a skip instead of running beside the newer minute and halving its
 * PutMetadata quota. Across sandboxes the stack's event-invoke config (no
 * retries, 60 s maximum event age) keeps events from overlapping.
 * Returns NULL when ev is to run, else the skip result (the caller's):
 * {"minute","skipped":true,"newestCompleted","reason","errors":[]}. */
#define HANDLER_NONE_DONE LLONG_MIN
cJSON *handler_skip_result(const struct tick_event *ev, long long newest_done_ms);

/* Runs until the Runtime API goes away. Returns the process exit status:
 * 1 after an init error (reported to /init/error) or when the Runtime API
 * cannot be reached. */
int handler_main(void);

#endif
