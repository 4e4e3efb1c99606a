/*
 * event.c - the scheduled event's time (see event.h). Calendar arithmetic
 * is done here (days from the civil date) rather than with timegm/mktime so
 * the result never depends on TZ or the C library's range.
 */
#include "event.h"

#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && is_leap(y) ? 29 : d[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's method). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

static void civil_from_days(long long z, int *y, int *m, int *d)
{
	z += 719468;
	long long era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long yy = (long long)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yy + (*m <= 2));
}

int event_parse_iso8601(const char *s, long long *epoch_ms, struct ivs_error *err)
{
	int Y, M, D, h, mi, sec;
	if (!s)
		return ivs_error_set(err, "InvalidEvent", "no time given");
	size_t len = strlen(s);
	if (len < 20 || digits(s, 4, &Y) || s[4] != '-' || digits(s + 5, 2, &M) || s[7] != '-' ||
	    digits(s + 8, 2, &D) || s[10] != 'T' || digits(s + 11, 2, &h) || s[13] != ':' ||
	    digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &sec))
		goto bad;
	if (M < 1 || M > 12 || D < 1 || D > days_in_month(Y, M) || h > 23 || mi > 59 || sec > 60)
		goto bad;
	const char *p = s + 19;
	long long frac_ms = 0;
	if (*p == '.') {
		p++;
		int nd = 0;
		long long scale = 100;
		while (*p >= '0' && *p <= '9') {
			if (nd < 3)
				frac_ms += (*p - '0') * scale;
			scale /= 10;
			nd++;
			p++;
		}
		if (nd < 1 || nd > 9)
			goto bad;
	}
	long long offset_s = 0;
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;
		if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 || om > 59)
			goto bad;
		offset_s = (oh * 3600LL + om * 60LL) * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		goto bad;
	}
	if (*p != '\0')
		goto bad;
	if (sec == 60) /* a leap second: counted as the next minute's first */
		sec = 59, frac_ms = 999;
	long long t = days_from_civil(Y, (unsigned)M, (unsigned)D) * 86400LL + h * 3600LL +
		      mi * 60LL + sec - offset_s;
	*epoch_ms = t * 1000 + frac_ms;
	return 0;
bad:
	return ivs_error_set(err, "InvalidEvent",
			     "event time '%.64s' is not an ISO-8601 date-time like 2026-11-24T18:07:00Z",
			     s);
}

long long event_floor_minute(long long ms)
{
	long long r = ms % 60000;
	if (r < 0)
		r += 60000;
	return ms - r;
}

void event_format_iso8601(long long ms, char out[EVENT_ISO_LEN])
{
	long long secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	long long days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
	long long rem = secs - days * 86400;
	int y, m, d;
	civil_from_days(days, &y, &m, &d);
	char tmp[64]; /* roomy: the compiler cannot see the fields' ranges */
	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02dZ", y % 10000, m, d,
		 (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
	memcpy(out, tmp, EVENT_ISO_LEN - 1);
	out[EVENT_ISO_LEN - 1] = '\0';
}

int event_parse(const char *json, size_t len, struct tick_event *out, struct ivs_error *err)
{
	memset(out, 0, sizeof(*out));
	cJSON *root = cJSON_ParseWithLength(json, len);
	if (!root || !cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return ivs_error_set(err, "InvalidEvent",
				     "the event is not a JSON object (expected EventBridge's scheduled event)");
	}
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "time");
	if (!cJSON_IsString(t)) {
		cJSON_Delete(root);
		return ivs_error_set(err, "InvalidEvent",
				     "the event has no \"time\" string (expected EventBridge's scheduled event)");
	}
	long long ms;
	int rc = event_parse_iso8601(t->valuestring, &ms, err);
	cJSON_Delete(root);
	if (rc < 0)
		return -1;
	out->minute_ms = event_floor_minute(ms);
	event_format_iso8601(out->minute_ms, out->minute_iso);
	return 0;
}
