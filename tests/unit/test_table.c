/*
 * test_table.c - the viewer-count table's items (src/app/table.c): the
 * put requests and keys the handler writes and reads, named by schema.h,
 * and reading an item back strictly (every attribute there, the count a
 * whole number >= 0, a time before 1970 fine).
 */
#include <stdlib.h>
#include <string.h>

#include "app/table.h"
#include "check.h"

#define ARN "arn:aws:ivs:us-east-1:123456789012:channel/b"

static void check_json(cJSON *v, const char *want)
{
	char *s = cJSON_PrintUnformatted(v);
	CHECK_STREQ(s, want);
	free(s);
	cJSON_Delete(v);
}

static void test_encode(void)
{
	const long long minute = 1795543620000LL;
	check_json(table_put_request(ARN, minute, 7, 0),
		   "{\"PutRequest\":{\"Item\":{\"channel\":{\"S\":\"" ARN "\"},"
		   "\"time\":{\"N\":\"1795543620000\"},\"count\":{\"N\":\"7\"}}}}");
	check_json(table_put_request(ARN, minute, 0, 1798135620LL),
		   "{\"PutRequest\":{\"Item\":{\"channel\":{\"S\":\"" ARN "\"},"
		   "\"time\":{\"N\":\"1795543620000\"},\"count\":{\"N\":\"0\"},"
		   "\"expires\":{\"N\":\"1798135620\"}}}}");
	check_json(table_key(ARN, minute - 60000),
		   "{\"channel\":{\"S\":\"" ARN "\"},\"time\":{\"N\":\"1795543560000\"}}");
	CHECK_STREQ(TABLE_ITEM_PROJECTION, "channel,time,count");
}

/* Reads items_json; 0 or -1, with err's message in why. */
static int read_item(const char *item_json, struct table_item *out, char *why, size_t n)
{
	cJSON *item = cJSON_Parse(item_json);
	CHECK(item != NULL);
	struct ivs_error err;
	ivs_error_clear(&err);
	int rc = table_item_read(item, out, &err);
	if (rc == 0)
		out->channel = strcmp(out->channel, ARN) == 0 ? ARN : "(other)";
	snprintf(why, n, "%s", err.message);
	if (rc < 0)
		CHECK_STREQ(err.code, "MalformedItem");
	cJSON_Delete(item);
	return rc;
}

static void test_read(void)
{
	struct table_item it;
	char why[700];
	CHECK_INTEQ(read_item("{\"channel\":{\"S\":\"" ARN "\"},\"time\":{\"N\":\"-60000\"},"
			      "\"count\":{\"N\":\"0\"}}", &it, why, sizeof(why)), 0);
	CHECK_STREQ(it.channel, ARN);
	CHECK_INTEQ(it.time_ms, -60000);
	CHECK_INTEQ(it.count, 0);

	const struct {
		const char *json, *says;
	} bad[] = {
		{ "{\"time\":{\"N\":\"1\"},\"count\":{\"N\":\"1\"}}", "no attribute \"channel\"" },
		{ "{\"channel\":{\"N\":\"1\"},\"time\":{\"N\":\"1\"},\"count\":{\"N\":\"1\"}}",
		  "attribute \"channel\" is {\"N\":\"1\"}" },
		{ "{\"channel\":{\"S\":\"" ARN "\"},\"count\":{\"N\":\"1\"}}", "no attribute \"time\"" },
		{ "{\"channel\":{\"S\":\"" ARN "\"},\"time\":{\"N\":\"1.5\"},\"count\":{\"N\":\"1\"}}",
		  "attribute \"time\" is {\"N\":\"1.5\"}" },
		{ "{\"channel\":{\"S\":\"" ARN "\"},\"time\":{\"N\":\"1\"}}", "no attribute \"count\"" },
		{ "{\"channel\":{\"S\":\"" ARN "\"},\"time\":{\"N\":\"1\"},\"count\":{\"N\":\"-1\"}}",
		  "attribute \"count\" is {\"N\":\"-1\"}, not a whole number in [0, " },
		{ "{\"channel\":{\"S\":\"" ARN "\"},\"time\":{\"N\":\"1\"},\"count\":{\"S\":\"3\"}}",
		  "attribute \"count\" is {\"S\":\"3\"}" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INTEQ(read_item(bad[i].json, &it, why, sizeof(why)), -1);
		if (!strstr(why, bad[i].says))
			CHECK_STREQ(why, bad[i].says);
	}

	/* the channel of a key or an item, for reporting what failed */
	cJSON *k = table_key(ARN, 0);
	CHECK_STREQ(table_item_channel(k), ARN);
	cJSON_Delete(k);
	CHECK(table_item_channel(NULL) == NULL);
}

int main(void)
{
	test_encode();
	test_read();
	return CHECK_DONE();
}
