/*
 * test_ddb.c - the DynamoDB client's pure parts: the attribute value codec
 * (strict numbers, absent vs malformed, what the error says, the encoders)
 * and the batch builders: chunks of 25 writes and 100 keys, order kept, the
 * JSON 1.0 target and body, the projection's placeholders.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "aws/ddb.h"
#include "aws/json.h"
#include "check.h"

static cJSON **make_items(size_t n, int keys)
{
	cJSON **v = calloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		char arn[96], t[32];
		snprintf(arn, sizeof(arn), "arn:aws:ivs:us-east-1:123456789012:channel/c%04zu", i);
		snprintf(t, sizeof(t), "%zu", 1795543620000 + i);
		cJSON *k = cJSON_CreateObject();
		cJSON_AddStringToObject(cJSON_AddObjectToObject(k, "channel"), "S", arn);
		cJSON_AddStringToObject(cJSON_AddObjectToObject(k, "time"), "N", t);
		if (keys) {
			v[i] = k;
		} else {
			v[i] = cJSON_CreateObject();
			cJSON_AddItemToObject(cJSON_AddObjectToObject(v[i], "PutRequest"), "Item", k);
		}
	}
	return v;
}

static void free_items(cJSON **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cJSON_Delete(v[i]);
	free(v);
}

/* The n-th entry's channel number in a chunk body, or -1. */
static int entry_index(const cJSON *entry, int keys)
{
	const cJSON *k = keys ? entry : cJSON_GetObjectItem(cJSON_GetObjectItem(entry, "PutRequest"), "Item");
	const char *arn = json_str(cJSON_GetObjectItem(k, "channel"), "S");
	const char *p = arn ? strrchr(arn, 'c') : NULL;
	return p ? atoi(p + 1) : -1;
}

static void check_chunks(size_t n, int keys, const size_t *want, size_t nwant)
{
	cJSON **v = make_items(n, keys);
	struct aws_op *ops = NULL;
	size_t nops = keys ? ddb_batch_get_ops("Viewers", v, n, NULL, &ops)
			   : ddb_batch_write_ops("Viewers", v, n, &ops);
	CHECK_INTEQ(nops, nwant);
	int next = 0;
	for (size_t i = 0; i < nops && i < nwant; i++) {
		CHECK_STREQ(ops[i].method, "POST");
		CHECK_STREQ(buf_cstr(&ops[i].path), "/");
		CHECK_STREQ(http_headers_get(&ops[i].headers, "X-Amz-Target"),
			    keys ? "DynamoDB_20120810.BatchGetItem" : "DynamoDB_20120810.BatchWriteItem");
		CHECK_STREQ(http_headers_get(&ops[i].headers, "Content-Type"), "application/x-amz-json-1.0");
		cJSON *body = cJSON_Parse(buf_cstr(&ops[i].body));
		CHECK(body != NULL);
		cJSON *t = cJSON_GetObjectItem(cJSON_GetObjectItem(body, "RequestItems"), "Viewers");
		cJSON *list = keys ? cJSON_GetObjectItem(t, "Keys") : t;
		CHECK_INTEQ(cJSON_GetArraySize(list), want[i]);
		CHECK(keys ? !cJSON_GetObjectItem(t, "ProjectionExpression") : 1);
		const cJSON *e;
		cJSON_ArrayForEach(e, list)
			CHECK_INTEQ(entry_index(e, keys), next++); /* order kept */
		cJSON_Delete(body);
		aws_op_free(&ops[i]);
	}
	CHECK_INTEQ(next, n);
	free(ops);
	free_items(v, n);
}

static void test_chunking(void)
{
	check_chunks(0, 0, NULL, 0);
	check_chunks(1, 0, (size_t[]){ 1 }, 1);
	check_chunks(25, 0, (size_t[]){ 25 }, 1);
	check_chunks(26, 0, (size_t[]){ 25, 1 }, 2);
	check_chunks(60, 0, (size_t[]){ 25, 25, 10 }, 3);
	check_chunks(0, 1, NULL, 0);
	check_chunks(100, 1, (size_t[]){ 100 }, 1);
	check_chunks(101, 1, (size_t[]){ 100, 1 }, 2);
	check_chunks(250, 1, (size_t[]){ 100, 100, 50 }, 3);
	/* 5,000 live channels x 4 previous minutes: 200 reads of 100 */
	size_t big[200];
	for (int i = 0; i < 200; i++)
		big[i] = 100;
	check_chunks(20000, 1, big, 200);
}

static void test_projection(void)
{
	cJSON **v = make_items(3, 1);
	struct aws_op *ops = NULL;
	CHECK_INTEQ(ddb_batch_get_ops("Viewers", v, 3, "channel,time,count", &ops), 1);
	cJSON *body = cJSON_Parse(buf_cstr(&ops[0].body));
	cJSON *t = cJSON_GetObjectItem(cJSON_GetObjectItem(body, "RequestItems"), "Viewers");
	CHECK_STREQ(json_str(t, "ProjectionExpression"), "#p0,#p1,#p2");
	cJSON *names = cJSON_GetObjectItem(t, "ExpressionAttributeNames");
	CHECK_STREQ(json_str(names, "#p0"), "channel");
	CHECK_STREQ(json_str(names, "#p1"), "time");
	CHECK_STREQ(json_str(names, "#p2"), "count");
	CHECK_INTEQ(cJSON_GetArraySize(names), 3);
	cJSON_Delete(body);
	aws_op_free(&ops[0]);
	free(ops);
	free_items(v, 3);
}

/* item[name]'s integer read with [min, max]; *v set only on 0. */
static int int_of(const char *item_json, long long min, long long max, long long *v,
		  struct ivs_error *err)
{
	cJSON *item = cJSON_Parse(item_json);
	CHECK(item != NULL);
	ivs_error_clear(err);
	int rc = ddb_attr_integer(item, "count", min, max, v, err);
	cJSON_Delete(item);
	return rc;
}

static void test_codec_integer(void)
{
	struct ivs_error err;
	long long v = 0;
	CHECK_INTEQ(int_of("{\"count\":{\"N\":\"42\"}}", 0, LLONG_MAX, &v, &err), 0);
	CHECK_INTEQ(v, 42);
	CHECK_INTEQ(int_of("{\"count\":{\"N\":\"-120000\"}}", LLONG_MIN, LLONG_MAX, &v, &err), 0);
	CHECK_INTEQ(v, -120000);
	CHECK_INTEQ(int_of("{\"count\":{\"N\":\"9223372036854775807\"}}", 0, LLONG_MAX, &v, &err), 0);
	CHECK_INTEQ(v, LLONG_MAX);
	CHECK_INTEQ(int_of("{\"count\":{\"N\":\"-9223372036854775808\"}}", LLONG_MIN, 0, &v, &err), 0);
	CHECK_INTEQ(v, LLONG_MIN);

	/* absent: its own answer, and the error names the attribute */
	v = 7;
	CHECK_INTEQ(int_of("{\"time\":{\"N\":\"1\"}}", 0, LLONG_MAX, &v, &err), DDB_ATTR_ABSENT);
	CHECK_INTEQ(v, 7);
	CHECK_STREQ(err.code, "MalformedItem");
	CHECK(strstr(err.message, "no attribute \"count\"") != NULL);

	/* present but not a whole number in range: -1, value untouched */
	const char *bad[] = { "\"12.5\"", "\"1e3\"", "\"+5\"", "\" 5\"", "\"5 \"", "\"\"", "\"-\"",
			      "\"0x10\"", "\"99999999999999999999\"", "\"-1\"", "5" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char json[128];
		snprintf(json, sizeof(json), "{\"count\":{\"N\":%s}}", bad[i]);
		v = 7;
		CHECK_INTEQ(int_of(json, 0, LLONG_MAX, &v, &err), -1);
		CHECK_INTEQ(v, 7);
		CHECK_STREQ(err.code, "MalformedItem");
		CHECK_INTEQ(err.kind, IVS_ERR_BAD_RESPONSE);
	}
	CHECK_INTEQ(int_of("{\"count\":{\"S\":\"3\"}}", 0, LLONG_MAX, &v, &err), -1);
	/* the message says which attribute, what it held and what was wanted */
	CHECK_INTEQ(int_of("{\"count\":{\"N\":\"12.5\"}}", 0, 100, &v, &err), -1);
	CHECK_STREQ(err.message,
		    "attribute \"count\" is {\"N\":\"12.5\"}, not a whole number in [0, 100]");
	/* range is the caller's */
	CHECK_INTEQ(int_of("{\"count\":{\"N\":\"101\"}}", 0, 100, &v, &err), -1);
	CHECK_INTEQ(int_of("{\"count\":{\"N\":\"100\"}}", 0, 100, &v, &err), 0);
	/* err may be NULL */
	cJSON *item = cJSON_Parse("{\"count\":{\"N\":\"x\"}}");
	CHECK_INTEQ(ddb_attr_integer(item, "count", 0, 10, &v, NULL), -1);
	CHECK_INTEQ(ddb_attr_integer(item, "other", 0, 10, &v, NULL), DDB_ATTR_ABSENT);
	cJSON_Delete(item);
}

static void test_codec_string_and_encoders(void)
{
	cJSON *item = cJSON_CreateObject();
	ddb_attr_add_string(item, "channel", "arn:x");
	ddb_attr_add_integer(item, "time", -60000);
	ddb_attr_add_integer(item, "big", LLONG_MAX);
	char *s = cJSON_PrintUnformatted(item);
	CHECK_STREQ(s, "{\"channel\":{\"S\":\"arn:x\"},\"time\":{\"N\":\"-60000\"},"
		       "\"big\":{\"N\":\"9223372036854775807\"}}");
	free(s);
	const char *v = NULL;
	struct ivs_error err;
	CHECK_INTEQ(ddb_attr_string(item, "channel", &v, &err), 0);
	CHECK_STREQ(v, "arn:x");
	long long n = 0;
	CHECK_INTEQ(ddb_attr_integer(item, "big", 0, LLONG_MAX, &n, &err), 0); /* round trip */
	CHECK_INTEQ(n, LLONG_MAX);
	v = NULL;
	CHECK_INTEQ(ddb_attr_string(item, "time", &v, &err), -1);
	CHECK(v == NULL);
	CHECK_STREQ(err.message, "attribute \"time\" is {\"N\":\"-60000\"}, not a string ({\"S\": ...})");
	CHECK_INTEQ(ddb_attr_string(item, "nope", &v, &err), DDB_ATTR_ABSENT);
	CHECK_INTEQ(ddb_attr_string(NULL, "channel", &v, NULL), DDB_ATTR_ABSENT);
	cJSON_Delete(item);
}

int main(void)
{
	test_codec_integer();
	test_codec_string_and_encoders();
	test_chunking();
	test_projection();
	return CHECK_DONE();
}
