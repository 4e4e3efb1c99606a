/*
 * test_json.c - the JSON 1.0/1.1 and REST-JSON request shapes, result
 * parsing (empty, valid, invalid) and the accessors on missing or mistyped
 * members.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "src/aws/json.h"

static void test_json_op(void)
{
	struct aws_op op;
	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "TableName", "viewers \"t\"");
	cJSON_AddNumberToObject(body, "Limit", 10);
	json_op_init(&op, &AWS_SVC_DYNAMODB, "1.0", "DynamoDB_20120810", "Query", body);
	CHECK_STREQ(op.method, "POST");
	CHECK_STREQ(op.name, "Query");
	CHECK_STREQ(buf_cstr(&op.path), "/");
	CHECK_STREQ(http_headers_get(&op.headers, "Content-Type"), "application/x-amz-json-1.0");
	CHECK_STREQ(http_headers_get(&op.headers, "X-Amz-Target"), "DynamoDB_20120810.Query");
	CHECK_STREQ(buf_cstr(&op.body), "{\"TableName\":\"viewers \\\"t\\\"\",\"Limit\":10}");
	aws_op_free(&op);
	cJSON_Delete(body);

	json_op_init(&op, &AWS_SVC_LOGS, "1.1", "Logs_20140328", "FilterLogEvents", NULL);
	CHECK_STREQ(http_headers_get(&op.headers, "Content-Type"), "application/x-amz-json-1.1");
	CHECK_STREQ(http_headers_get(&op.headers, "x-amz-target"), "Logs_20140328.FilterLogEvents");
	CHECK_STREQ(buf_cstr(&op.body), "{}");
	aws_op_free(&op);
}

static void test_restjson_op(void)
{
	struct aws_op op;
	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "channelArn", "arn:aws:ivs:us-west-2:1:channel/x");
	restjson_op_init(&op, &AWS_SVC_IVS, "PutMetadata", "POST", "/PutMetadata", body);
	CHECK_STREQ(op.method, "POST");
	CHECK_STREQ(buf_cstr(&op.path), "/PutMetadata");
	CHECK_STREQ(http_headers_get(&op.headers, "Content-Type"), "application/json");
	CHECK(http_headers_get(&op.headers, "X-Amz-Target") == NULL);
	CHECK_STREQ(buf_cstr(&op.body), "{\"channelArn\":\"arn:aws:ivs:us-west-2:1:channel/x\"}");
	aws_op_free(&op);
	cJSON_Delete(body);

	/* GET without a body: no Content-Type, no body. */
	restjson_op_init(&op, &AWS_SVC_LAMBDA, "GetFunction", "GET",
			 "/2015-03-31/functions/f%20n", NULL);
	CHECK_STREQ(op.method, "GET");
	CHECK(http_headers_get(&op.headers, "Content-Type") == NULL);
	CHECK_INTEQ(op.body.len, 0);
	CHECK_STREQ(buf_cstr(&op.path), "/2015-03-31/functions/f%20n");
	aws_op_free(&op);
}

static void fake(struct aws_op *op, const char *body)
{
	aws_op_init(op, &AWS_SVC_IVS, "ListStreams", "POST");
	op->resp.status = 200;
	if (body)
		buf_puts(&op->resp.body, body);
}

static void test_result(void)
{
	struct aws_op op;
	struct ivs_error err;
	fake(&op, NULL);
	cJSON *j = json_op_result(&op, &err);
	CHECK(cJSON_IsObject(j) && cJSON_GetArraySize(j) == 0);
	cJSON_Delete(j);
	aws_op_free(&op);

	fake(&op, " \n ");
	j = json_op_result(&op, &err);
	CHECK(cJSON_IsObject(j));
	cJSON_Delete(j);
	aws_op_free(&op);

	fake(&op, "{\"streams\":[{\"viewerCount\":42,\"channelArn\":\"a\"}],\"nextToken\":\"t\"}");
	j = json_op_result(&op, &err);
	CHECK_STREQ(json_str(j, "nextToken"), "t");
	const cJSON *s0 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "streams"), 0);
	CHECK_INTEQ(json_num(s0, "viewerCount", -1), 42);
	CHECK_STREQ(json_str(s0, "channelArn"), "a");
	CHECK(json_str(s0, "viewerCount") == NULL);   /* a number, not a string */
	CHECK_INTEQ(json_num(s0, "channelArn", -1), -1); /* a string, not a number */
	CHECK(json_str(j, "missing") == NULL);
	CHECK_INTEQ(json_num(j, "missing", 7.5) * 2, 15);
	CHECK(json_str(NULL, "x") == NULL);
	CHECK_INTEQ(json_num(NULL, "x", 3), 3);
	cJSON_Delete(j);
	aws_op_free(&op);

	const char *bad[] = { "{\"a\":", "<xml/>", "nope" };
	for (size_t i = 0; i < 3; i++) {
		fake(&op, bad[i]);
		ivs_error_clear(&err);
		CHECK(json_op_result(&op, &err) == NULL);
		CHECK_STREQ(err.code, "BadResponse");
		CHECK(strstr(err.message, "ListStreams") != NULL);
		aws_op_free(&op);
	}
}

int main(void)
{
	test_json_op();
	test_restjson_op();
	test_result();
	return CHECK_DONE();
}
