/*
 * event.h - the scheduled event the handler is invoked with: EventBridge's
 * JSON ({"time":"2026-11-24T18:07:00Z", ...}), its time parsed strictly as
 * ISO-8601 and floored to the minute the tick is for.
 *
 * Owns: nothing (pure functions over caller buffers).
 */
#ifndef IVS_LAMBDA_EVENT_H
#define IVS_LAMBDA_EVENT_H

#include <stddef.h>

#include "aws/error.h"

#define EVENT_ISO_LEN 21 /* "2026-11-24T18:07:00Z" + NUL */

/* Strict ISO-8601 date-time: YYYY-MM-DDTHH:MM:SS, optional fraction
 * (.1 to .999999999), then Z or +HH:MM / -HH:MM. Ranges are checked (month,
 * days in that month incl. leap years, hour, minute, second <= 60 for a leap
 * second, offset). Writes epoch milliseconds (UTC). */
int event_parse_iso8601(const char *s, long long *epoch_ms, struct ivs_error *err);

/* Floors epoch ms to the start of its minute (correct before 1970 too). */
long long event_floor_minute(long long epoch_ms);

/* Formats epoch ms as "YYYY-MM-DDTHH:MM:SSZ" (seconds precision). */
void event_format_iso8601(long long epoch_ms, char out[EVENT_ISO_LEN]);

struct tick_event {
	long long minute_ms;          /* the event's time floored to the minute */
	char minute_iso[EVENT_ISO_LEN];
};

/* Parses the invocation payload. Err code "InvalidEvent" when it is not a
 * JSON object, has no string "time" or the time is not ISO-8601. */
int event_parse(const char *json, size_t len, struct tick_event *out, struct ivs_error *err);

#endif
