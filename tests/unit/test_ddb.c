/*
 * test_ddb.c - the DynamoDB batch builders: chunks of 25 writes and 100 keys,
 * order kept, the JSON 1.0 target and body, the projection's placeholders.
 */
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

int main(void)
{
	test_chunking();
	test_projection();
	return CHECK_DONE();
}
