/*
 * test_output.c - the CLI's output helpers (src/cli/output.c, from the ivscli
 * library): durations, ISO 8601 times, ages, tables without trailing blanks.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "cli/output.h"

static void test_durations(void)
{
	long long ms = -1;
	CHECK_INTEQ(out_parse_duration("10m", &ms), 0);
	CHECK_INTEQ(ms, 600000);
	CHECK_INTEQ(out_parse_duration("30s", &ms), 0);
	CHECK_INTEQ(ms, 30000);
	CHECK_INTEQ(out_parse_duration("2h", &ms), 0);
	CHECK_INTEQ(ms, 7200000);
	CHECK_INTEQ(out_parse_duration("1d", &ms), 0);
	CHECK_INTEQ(ms, 86400000LL);
	CHECK_INTEQ(out_parse_duration("1h30m", &ms), 0);
	CHECK_INTEQ(ms, 5400000);
	CHECK_INTEQ(out_parse_duration("500ms", &ms), 0);
	CHECK_INTEQ(ms, 500);
	CHECK_INTEQ(out_parse_duration("45", &ms), 0);
	CHECK_INTEQ(ms, 45000);
	ms = 7;
	CHECK_INTEQ(out_parse_duration("", &ms), -1);
	CHECK_INTEQ(out_parse_duration("m", &ms), -1);
	CHECK_INTEQ(out_parse_duration("-5m", &ms), -1);
	CHECK_INTEQ(out_parse_duration("10 m", &ms), -1);
	CHECK_INTEQ(out_parse_duration("10w", &ms), -1);
	CHECK_INTEQ(out_parse_duration("5m10", &ms), -1);
	CHECK_INTEQ(out_parse_duration("99999999999s", &ms), -1);
	CHECK_INTEQ(out_parse_duration(NULL, &ms), -1);
	CHECK_INTEQ(ms, 7); /* untouched on error */
}

static void test_ages(void)
{
	char b[32];
	out_format_age(0, b, sizeof(b));
	CHECK_STREQ(b, "0s");
	out_format_age(59, b, sizeof(b));
	CHECK_STREQ(b, "59s");
	out_format_age(60, b, sizeof(b));
	CHECK_STREQ(b, "1m");
	out_format_age(3599, b, sizeof(b));
	CHECK_STREQ(b, "59m");
	out_format_age(3600 + 5 * 60, b, sizeof(b));
	CHECK_STREQ(b, "1h05m");
	out_format_age(3 * 86400 + 4 * 3600 + 59, b, sizeof(b));
	CHECK_STREQ(b, "3d04h");
	out_format_age(-20, b, sizeof(b));
	CHECK_STREQ(b, "0s");
}

static void test_times(void)
{
	long long ms = 0;
	CHECK_INTEQ(out_parse_iso8601("2024-05-01T12:03:04.123Z", &ms), 0);
	CHECK_INTEQ(ms, 1714564984123LL);
	CHECK_INTEQ(out_parse_iso8601("2024-05-01T12:03:04Z", &ms), 0);
	CHECK_INTEQ(ms, 1714564984000LL);
	/* Six fractional digits (moto) keep milliseconds. */
	CHECK_INTEQ(out_parse_iso8601("2024-05-01T12:03:04.123456Z", &ms), 0);
	CHECK_INTEQ(ms, 1714564984123LL);
	CHECK_INTEQ(out_parse_iso8601("2024-05-01T14:03:04.5+02:00", &ms), 0);
	CHECK_INTEQ(ms, 1714564984500LL);
	CHECK_INTEQ(out_parse_iso8601("2024-05-01T12:03:04-01:30", &ms), 0);
	CHECK_INTEQ(ms, 1714564984000LL + 5400000LL);
	CHECK_INTEQ(out_parse_iso8601("2024-05-01", &ms), -1);
	CHECK_INTEQ(out_parse_iso8601("2024-05-01T12:03:04Zjunk", &ms), -1);
	CHECK_INTEQ(out_parse_iso8601("yesterday", &ms), -1);
	CHECK_INTEQ(out_parse_iso8601(NULL, &ms), -1);

	char b[64];
	out_format_utc(1714564984123LL, b, sizeof(b));
	CHECK_STREQ(b, "2024-05-01T12:03:04.123Z");
	setenv("TZ", "UTC", 1);
	tzset();
	out_format_local(1714564984123LL, 1, b, sizeof(b));
	CHECK_STREQ(b, "2024-05-01 12:03:04");
	out_format_local(1714564984123LL, 0, b, sizeof(b));
	CHECK_STREQ(b, "12:03:04");
	setenv("TZ", "JST-9", 1);
	tzset();
	out_format_local(1714564984123LL, 1, b, sizeof(b));
	CHECK_STREQ(b, "2024-05-01 21:03:04");
}

static void test_table(void)
{
	struct out_table t;
	out_table_init(&t, 3);
	const char *r0[3] = { "+ Add", "ViewersTable", "AWS::DynamoDB::Table" };
	const char *r1[3] = { "~ Modify", "ViewersFunction", "" };
	const char *r2[3] = { "- Remove", NULL, "X" };
	out_table_add(&t, r0);
	out_table_add(&t, r1);
	out_table_add(&t, r2);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	out_table_print(&t, f, 2);
	fclose(f);
	CHECK_STREQ(text, "  + Add     ViewersTable     AWS::DynamoDB::Table\n"
			  "  ~ Modify  ViewersFunction\n"
			  "  - Remove  -                X\n");
	free(text);
	out_table_free(&t);
	CHECK_INTEQ(t.nrows, 0);
}

static void test_misc(void)
{
	char s[] = "line\r\n\n";
	CHECK_STREQ(out_chomp(s), "line");
	char e[] = "";
	CHECK_STREQ(out_chomp(e), "");

	/* Not a terminal: the progress line prints nothing at all. */
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct out_progress p;
	out_progress_init(&p, f);
	out_progress_update(&p, "[%d/%d] %s", 1, 6, "ViewersTable");
	out_progress_clear(&p);
	fclose(f);
	CHECK_INTEQ(len, 0);
	free(text);

	cJSON *doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "a", "b");
	text = NULL;
	f = open_memstream(&text, &len);
	out_json_print(doc, f, 1);
	fclose(f);
	CHECK_STREQ(text, "{\"a\":\"b\"}\n");
	free(text);
	cJSON_Delete(doc);
}

int main(void)
{
	test_durations();
	test_ages();
	test_times();
	test_table();
	test_misc();
	return CHECK_DONE();
}
