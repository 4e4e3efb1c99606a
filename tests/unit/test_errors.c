/*
 * test_errors.c - aws_parse_error over every error shape the services send
 * (JSON __type, REST-JSON x-amzn-ErrorType, query XML, S3 XML), bodies that
 * are empty, garbage or HTML, the retry classification, the kinds set where
 * the fact is known (not found, bad response, pagination loops), and each
 * protocol's error-body reader.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "src/aws/client.h"
#include "src/aws/json.h"
#include "src/aws/pager.h"
#include "src/aws/query.h"

static void resp_set(struct http_response *r, long status, const char *body)
{
	http_response_reset(r);
	r->status = status;
	if (body)
		buf_puts(&r->body, body);
}

static void test_json_type(void)
{
	struct http_response r = { 0 };
	struct ivs_error e;
	resp_set(&r, 400, "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ThrottlingException\","
			  "\"message\":\"Rate exceeded\"}");
	http_headers_add(&r.headers, "x-amzn-RequestId", "REQ-1");
	aws_parse_error(&r, &e);
	CHECK_STREQ(e.code, "ThrottlingException");
	CHECK_STREQ(e.message, "Rate exceeded");
	CHECK_STREQ(e.request_id, "REQ-1");
	CHECK_INTEQ(e.http_status, 400);

	/* "Message" with a capital, no namespace in __type, leading whitespace. */
	resp_set(&r, 400, "  \n{\"__type\":\"ValidationException\",\"Message\":\"bad name\"}");
	aws_parse_error(&r, &e);
	CHECK_STREQ(e.code, "ValidationException");
	CHECK_STREQ(e.message, "bad name");
	CHECK_STREQ(e.request_id, ""); /* headers were reset */

	/* __type with the ":http://..." tail some services add. */
	resp_set(&r, 400, "{\"__type\":\"aws#ResourceNotFoundException:http://internal/\"}");
	aws_parse_error(&r, &e);
	CHECK_STREQ(e.code, "ResourceNotFoundException");
	http_response_free(&r);
}

static void test_restjson_header(void)
{
	struct http_response r = { 0 };
	struct ivs_error e;
	resp_set(&r, 429, "{\"message\":\"Too many requests\"}");
	http_headers_add(&r.headers, "X-Amzn-ErrorType",
			 "ThrottlingException:http://internal.amazon.com/coral/com.amazon.ivs/");
	http_headers_add(&r.headers, "X-Amzn-Requestid", "abc-123");
	aws_parse_error(&r, &e);
	CHECK_STREQ(e.code, "ThrottlingException");
	CHECK_STREQ(e.message, "Too many requests");
	CHECK_STREQ(e.request_id, "abc-123");
	CHECK_INTEQ(e.http_status, 429);

	/* The header wins over a body __type (it is the documented source). */
	resp_set(&r, 400, "{\"__type\":\"Other\",\"message\":\"m\"}");
	http_headers_add(&r.headers, "x-amzn-ErrorType", "ValidationException");
	aws_parse_error(&r, &e);
	CHECK_STREQ(e.code, "ValidationException");
	http_response_free(&r);
}

static void test_query_xml(void)
{
	struct http_response r = { 0 };
	struct ivs_error e;
	resp_set(&r, 400,
		 "<ErrorResponse xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\">"
		 "<Error><Type>Sender</Type><Code>ValidationError</Code>"
		 "<Message>Stack with id x does not exist</Message></Error>"
		 "<RequestId>4af2-req</RequestId></ErrorResponse>");
	aws_parse_error(&r, &e);
	CHECK_STREQ(e.code, "ValidationError");
	CHECK_STREQ(e.message, "Stack with id x does not exist");
	CHECK_STREQ(e.request_id, "4af2-req");

	/* STS throttling as query XML: classified by code. */
	resp_set(&r, 400, "<?xml version=\"1.0\"?><ErrorResponse><Error><Code>Throttling</Code>"
			  "<Message>Rate exceeded</Message></Error></ErrorResponse>");
	aws_parse_error(&r, &e);
	CHECK_STREQ(e.code, "Throttling");
	CHECK(aws_error_is_throttling(e.code, e.http_status));
	http_response_free(&r);
}

static void test_s3_xml(void)
{
	struct http_response r = { 0 };
	struct ivs_error e;
	resp_set(&r, 404, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code>"
			  "<Message>The specified key does not exist.</Message><Key>a/b</Key>"
			  "<RequestId>S3REQ</RequestId></Error>");
	http_headers_add(&r.headers, "x-amz-request-id", "HDRREQ");
	aws_parse_error(&r, &e);
	CHECK_STREQ(e.code, "NoSuchKey");
	CHECK_STREQ(e.message, "The specified key does not exist.");
	CHECK_STREQ(e.request_id, "HDRREQ"); /* the header is read first */

	resp_set(&r, 503, "<Error><Code>SlowDown</Code><Message>Please reduce your request rate."
			  "</Message><RequestId>R2</RequestId></Error>");
	aws_parse_error(&r, &e);
	CHECK_STREQ(e.code, "SlowDown");
	CHECK_STREQ(e.request_id, "R2");
	CHECK(aws_error_is_throttling(e.code, e.http_status));
	http_response_free(&r);
}

static void test_garbage(void)
{
	struct http_response r = { 0 };
	struct ivs_error e;

	resp_set(&r, 503, NULL); /* empty body: the status is all there is */
	aws_parse_error(&r, &e);
	CHECK_STREQ(e.code, "503");
	CHECK_STREQ(e.message, "");
	CHECK_INTEQ(e.http_status, 503);

	resp_set(&r, 502, "<html><head><title>502 Bad Gateway</title></head>\n"
			  "<body><h1>502 Bad Gateway</h1></body></html>");
	aws_parse_error(&r, &e);
	CHECK_STREQ(e.code, "502");
	CHECK_STREQ(e.message, "502 Bad Gateway 502 Bad Gateway");

	resp_set(&r, 400, "{not json at all");
	aws_parse_error(&r, &e);
	CHECK_STREQ(e.code, "400");
	CHECK_STREQ(e.message, "{not json at all");

	resp_set(&r, 500, "<Error><Code>unterminated");
	aws_parse_error(&r, &e);
	CHECK_STREQ(e.code, "500");

	resp_set(&r, 400, "[1,2,3]"); /* JSON, but not an object */
	aws_parse_error(&r, &e);
	CHECK_STREQ(e.code, "400");

	/* Binary junk never leaves non-printable bytes in the message. */
	http_response_reset(&r);
	r.status = 500;
	buf_append(&r.body, "\x01\x02oops\xff\x00tail", 12);
	aws_parse_error(&r, &e);
	CHECK_STREQ(e.message, "oops tail");

	/* XML that claims UTF-16 and breaks it: no code invented, nothing printed. */
	http_response_reset(&r);
	r.status = 400;
	buf_append(&r.body, "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\x00\xd8\x3c\x2f", 42);
	aws_parse_error(&r, &e);
	CHECK_STREQ(e.code, "400");

	/* A very long message is cut, not overflowed. */
	struct buf big = BUF_INIT;
	buf_puts(&big, "{\"__type\":\"X\",\"message\":\"");
	for (int i = 0; i < 5000; i++)
		buf_putc(&big, 'm');
	buf_puts(&big, "\"}");
	resp_set(&r, 400, big.data);
	aws_parse_error(&r, &e);
	CHECK_STREQ(e.code, "X");
	CHECK_INTEQ(strlen(e.message), sizeof(e.message) - 1);
	buf_free(&big);

	/* A __type longer than the code field is cut as well. */
	buf_puts(&big, "{\"__type\":\"");
	for (int i = 0; i < 300; i++)
		buf_putc(&big, 'C');
	buf_puts(&big, "\"}");
	resp_set(&r, 400, big.data);
	aws_parse_error(&r, &e);
	CHECK_INTEQ(strlen(e.code), sizeof(e.code) - 1);
	buf_free(&big);

	/* No response at all (transport failure): nothing invented. */
	http_response_reset(&r);
	aws_parse_error(&r, &e);
	CHECK_STREQ(e.code, "");
	CHECK_INTEQ(e.http_status, 0);
	http_response_free(&r);
}

static void test_classification(void)
{
	static const char *const throttling[] = {
		"Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
		"TooManyRequestsException", "ProvisionedThroughputExceededException",
		"TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
		"LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
		"EC2ThrottledException",
	};
	for (size_t i = 0; i < sizeof(throttling) / sizeof(throttling[0]); i++) {
		CHECK(aws_error_is_throttling(throttling[i], 400));
		CHECK(!aws_error_is_transient(throttling[i], 400));
	}
	CHECK(aws_error_is_throttling("", 429));
	CHECK(aws_error_is_throttling(NULL, 429));
	CHECK(!aws_error_is_throttling("ValidationException", 400));
	CHECK(!aws_error_is_throttling("throttling", 400)); /* codes are case-sensitive */
	CHECK(!aws_error_is_throttling(NULL, 400));

	static const char *const transient[] = {
		"RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure",
		"ServiceUnavailable",
	};
	for (size_t i = 0; i < sizeof(transient) / sizeof(transient[0]); i++)
		CHECK(aws_error_is_transient(transient[i], 400));
	long statuses[] = { 500, 502, 503, 504 };
	for (size_t i = 0; i < 4; i++)
		CHECK(aws_error_is_transient("", statuses[i]));
	CHECK(!aws_error_is_transient("", 501));
	CHECK(!aws_error_is_transient("", 400));
	CHECK(!aws_error_is_transient("", 404));
	CHECK(!aws_error_is_transient("AccessDeniedException", 403));
	CHECK(!aws_error_is_transient("ValidationException", 400));
	CHECK(!aws_error_is_throttling("ResourceNotFoundException", 404));
}

static void test_kinds(void)
{
	struct http_response r = { 0 };
	struct ivs_error e;
	resp_set(&r, 400, "{\"__type\":\"ResourceNotFoundException\",\"message\":\"no rule\"}");
	aws_parse_error(&r, &e);
	CHECK_INTEQ(e.kind, IVS_ERR_NOT_FOUND);
	CHECK_STREQ(ivs_error_kind_name(e.kind), "not found");

	resp_set(&r, 404, NULL); /* S3 HEAD: no body, the status says it */
	aws_parse_error(&r, &e);
	CHECK_INTEQ(e.kind, IVS_ERR_NOT_FOUND);
	CHECK_STREQ(e.code, "404");

	resp_set(&r, 404, "<Error><Code>NoSuchBucket</Code></Error>");
	aws_parse_error(&r, &e);
	CHECK_INTEQ(e.kind, IVS_ERR_NOT_FOUND);
	CHECK_STREQ(e.code, "NoSuchBucket");

	/* CloudFormation's "does not exist" is a ValidationError: only cfn.c,
	 * which knows the operation, may call it not found. */
	resp_set(&r, 400, "<ErrorResponse><Error><Code>ValidationError</Code>"
			  "<Message>Stack with id x does not exist</Message></Error></ErrorResponse>");
	aws_parse_error(&r, &e);
	CHECK_INTEQ(e.kind, IVS_ERR_SERVICE);

	resp_set(&r, 400, "{\"__type\":\"ThrottlingException\"}");
	aws_parse_error(&r, &e);
	CHECK_INTEQ(e.kind, IVS_ERR_SERVICE);
	http_response_free(&r);

	CHECK_INTEQ(ivs_error_bad_response(&e, "IVS %s answered nonsense", "ListChannels"), -1);
	CHECK_INTEQ(e.kind, IVS_ERR_BAD_RESPONSE);
	CHECK_STREQ(e.code, "BadResponse");
	CHECK_STREQ(e.message, "IVS ListChannels answered nonsense");
	CHECK_INTEQ(ivs_error_set(&e, "X", "x"), -1);
	CHECK_INTEQ(e.kind, IVS_ERR_SERVICE);

	/* A successful call whose body is not JSON is a bad response. */
	struct aws_op op;
	restjson_op_init(&op, &AWS_SVC_IVS, "ListChannels", "POST", "/ListChannels", NULL);
	op.resp.status = 200;
	buf_puts(&op.resp.body, "<html>proxy</html>");
	CHECK(json_op_result(&op, &e) == NULL);
	CHECK_INTEQ(e.kind, IVS_ERR_BAD_RESPONSE);
	aws_op_free(&op);
}

/* Each protocol brings its error-body reader; the client reads none itself. */
static void test_readers(void)
{
	struct aws_op op;
	json_op_init(&op, &AWS_SVC_DYNAMODB, "1.0", "DynamoDB_20120810", "GetItem", NULL);
	CHECK(op.read_error == json_read_error);
	aws_op_free(&op);
	query_op_init(&op, &AWS_SVC_STS, "GetCallerIdentity", "2011-06-15", NULL);
	CHECK(op.read_error == query_read_error);
	aws_op_free(&op);
	restxml_op_init(&op, &AWS_SVC_S3, "HeadBucket", "HEAD", "/b", NULL, 0);
	CHECK(op.read_error == query_read_error);
	aws_op_free(&op);

	struct http_response r = { 0 };
	struct ivs_error e;
	resp_set(&r, 400, "<Error><Code>Xml</Code><Message>m</Message></Error>");
	aws_parse_error_with(&r, json_read_error, &e); /* a JSON protocol does not read XML */
	CHECK_STREQ(e.code, "400");
	CHECK_STREQ(e.message, "Xml m");
	aws_parse_error_with(&r, query_read_error, &e);
	CHECK_STREQ(e.code, "Xml");
	resp_set(&r, 400, "{\"code\":\"Json\",\"errorMessage\":\"j\"}");
	aws_parse_error_with(&r, query_read_error, &e); /* an XML protocol's proxy may send JSON */
	CHECK_STREQ(e.code, "Json");
	CHECK_STREQ(e.message, "j");
	aws_parse_error_with(&r, NULL, &e);
	CHECK_STREQ(e.code, "400");
	http_response_free(&r);
}

static void test_pager(void)
{
	struct aws_pager p;
	struct ivs_error e;
	aws_pager_init(&p, "IVS ListChannels", "nextToken", 0);
	CHECK(aws_pager_token(&p) == NULL);
	CHECK_INTEQ(aws_pager_next(&p, "a", &e), 0);
	CHECK_STREQ(aws_pager_token(&p), "a");
	/* Many distinct tokens: the set grows and still finds old ones. */
	char tok[32];
	for (int i = 0; i < 1000; i++) {
		snprintf(tok, sizeof(tok), "t%d", i);
		CHECK_INTEQ(aws_pager_next(&p, tok, &e), 0);
	}
	CHECK(!p.done);
	CHECK_INTEQ(aws_pager_next(&p, "t17", &e), -1);
	CHECK_STREQ(e.code, "PaginationLoop");
	CHECK_INTEQ(e.kind, IVS_ERR_BAD_RESPONSE);
	CHECK(strstr(e.message, "IVS ListChannels") == e.message);
	aws_pager_free(&p);

	aws_pager_init(&p, "X List", "NextToken", 3);
	CHECK_INTEQ(aws_pager_next(&p, "1", &e), 0);
	CHECK_INTEQ(aws_pager_next(&p, "2", &e), 0);
	CHECK_INTEQ(aws_pager_next(&p, "3", &e), -1); /* a 4th page would pass the cap */
	CHECK_STREQ(e.code, "TooManyPages");
	CHECK_INTEQ(e.kind, IVS_ERR_BAD_RESPONSE);
	aws_pager_free(&p);

	aws_pager_init(&p, "X List", "NextToken", 3);
	CHECK_INTEQ(aws_pager_next(&p, "1", &e), 0);
	CHECK_INTEQ(aws_pager_next(&p, "", &e), 0); /* an empty token ends the listing */
	CHECK(p.done);
	CHECK_INTEQ(p.pages, 2);
	CHECK(aws_pager_token(&p) == NULL);
	aws_pager_free(&p);
}

int main(void)
{
	test_kinds();
	test_readers();
	test_pager();
	test_json_type();
	test_restjson_header();
	test_query_xml();
	test_s3_xml();
	test_garbage();
	test_classification();
	return CHECK_DONE();
}
