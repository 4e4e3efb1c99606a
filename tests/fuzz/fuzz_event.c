/*
 * fuzz_event.c - the handler's invocation payload (lambda/event.c): the
 * input is the event JSON EventBridge sends; its "time" is parsed strictly
 * and floored to the minute. The raw input also goes through the ISO-8601
 * parser alone. A parsed minute, formatted back, must parse to itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "fuzz.h"

int fuzz_event(const uint8_t *data, size_t size)
{
	struct tick_event ev;
	struct ivs_error err;
	ivs_error_clear(&err);
	if (event_parse((const char *)data, size, &ev, &err) == 0) {
		fuzz_require(ev.minute_ms == event_floor_minute(ev.minute_ms), "floored to the minute");
		fuzz_require(strlen(ev.minute_iso) == EVENT_ISO_LEN - 1, "minute_iso is full length");
		long long again;
		struct ivs_error err2;
		if (event_parse_iso8601(ev.minute_iso, &again, &err2) == 0)
			fuzz_require(again == ev.minute_ms, "the formatted minute parses back to itself");
	} else {
		fuzz_require(strcmp(err.code, "InvalidEvent") == 0, "a bad event is InvalidEvent");
	}

	char *s = fuzz_cstr(data, size);
	long long ms;
	ivs_error_clear(&err);
	if (event_parse_iso8601(s, &ms, &err) == 0) {
		char iso[EVENT_ISO_LEN];
		event_format_iso8601(event_floor_minute(ms), iso);
	}
	free(s);
	return 0;
}

#ifndef IVS_FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_event(data, size);
}
#endif
