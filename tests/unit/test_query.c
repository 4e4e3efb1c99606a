/*
 * test_query.c - the query protocol's request (form encoding of Action,
 * Version and parameters), the REST-XML request shape, and the XML helpers:
 * namespaces ignored, paths, iteration, bad XML, and no entity loading.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "src/aws/query.h"

static void test_encoding(void)
{
	struct query_params q = { { NULL, 0, 0 } };
	query_params_add(&q, "StackName", "my stack/1");
	query_params_add(&q, "Parameters.member.1.ParameterValue", "a+b=c&d~e_f.g-h*");
	query_params_addf(&q, "MaxResults", "%d", 25);
	query_params_add(&q, "Name", "caf\xc3\xa9");
	query_params_add(&q, "Empty", NULL);
	struct aws_op op;
	query_op_init(&op, &AWS_SVC_CLOUDFORMATION, "DescribeStacks", "2010-05-15", &q);
	CHECK_STREQ(op.method, "POST");
	CHECK_STREQ(op.name, "DescribeStacks");
	CHECK_STREQ(buf_cstr(&op.path), "/");
	CHECK_STREQ(http_headers_get(&op.headers, "content-type"),
		    "application/x-www-form-urlencoded; charset=utf-8");
	CHECK_STREQ(buf_cstr(&op.body),
		    "Action=DescribeStacks&Version=2010-05-15&StackName=my%20stack%2F1"
		    "&Parameters.member.1.ParameterValue=a%2Bb%3Dc%26d~e_f.g-h%2A"
		    "&MaxResults=25&Name=caf%C3%A9&Empty=");
	aws_op_free(&op);
	query_params_free(&q);

	/* No parameters at all. */
	query_op_init(&op, &AWS_SVC_STS, "GetCallerIdentity", "2011-06-15", NULL);
	CHECK_STREQ(buf_cstr(&op.body), "Action=GetCallerIdentity&Version=2011-06-15");
	CHECK(op.svc == &AWS_SVC_STS);
	aws_op_free(&op);
}

static void test_restxml(void)
{
	static const char data[] = "zip bytes";
	struct aws_op op;
	restxml_op_init(&op, &AWS_SVC_S3, "PutObject", "PUT", "/bucket/key%20one.zip", data,
			sizeof(data) - 1);
	CHECK_STREQ(op.method, "PUT");
	CHECK_STREQ(buf_cstr(&op.path), "/bucket/key%20one.zip");
	CHECK(op.body_ref == data); /* borrowed, not copied */
	CHECK_INTEQ(op.body_ref_len, 9);
	CHECK_INTEQ(op.body.len, 0);
	aws_op_free(&op);

	restxml_op_init(&op, &AWS_SVC_S3, "HeadBucket", "HEAD", "/bucket", NULL, 0);
	CHECK(op.body_ref == NULL);
	CHECK_STREQ(op.method, "HEAD");
	aws_op_free(&op);
}

/* An op that "received" body, as aws_op_send would leave it. */
static void fake_response(struct aws_op *op, const char *body)
{
	aws_op_init(op, &AWS_SVC_STS, "GetCallerIdentity", "POST");
	op->resp.status = 200;
	if (body)
		buf_puts(&op->resp.body, body);
}

static void test_xml_helpers(void)
{
	struct aws_op op;
	struct ivs_error err;
	fake_response(&op,
		      "<?xml version=\"1.0\"?>\n"
		      "<ListStacksResponse xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\">"
		      "<ListStacksResult><StackSummaries>"
		      "<member><StackName>a</StackName><StackStatus>CREATE_COMPLETE</StackStatus></member>"
		      "<other/>"
		      "<member><StackName>b &amp; c</StackName></member>"
		      "<member><StackName>d</StackName></member>"
		      "</StackSummaries><NextToken>tok==</NextToken><Empty/></ListStacksResult>"
		      "<ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata>"
		      "</ListStacksResponse>");
	xmlDocPtr doc = xml_op_result(&op, &err);
	CHECK(doc != NULL);
	xmlNodePtr root = xml_root(doc);
	CHECK(root && strcmp((const char *)root->name, "ListStacksResponse") == 0);
	char *s = xml_text(root, "ListStacksResult/NextToken");
	CHECK_STREQ(s, "tok==");
	free(s);
	s = xml_text(root, "ResponseMetadata/RequestId");
	CHECK_STREQ(s, "r1");
	free(s);
	s = xml_text(root, "ListStacksResult/Empty");
	CHECK_STREQ(s, ""); /* present but empty: "", not NULL */
	free(s);
	CHECK(xml_text(root, "ListStacksResult/Missing") == NULL);
	CHECK(xml_text(root, "Nope/NextToken") == NULL);
	CHECK(xml_find(root, "") == root);
	CHECK(xml_child(root, "ListStacksResult") == xml_find(root, "ListStacksResult"));
	CHECK(xml_child(NULL, "x") == NULL);

	xmlNodePtr list = xml_find(root, "ListStacksResult/StackSummaries");
	const char *want[] = { "a", "b & c", "d" };
	size_t n = 0;
	for (xmlNodePtr m = xml_first(list, "member"); m; m = xml_next(m, "member")) {
		char *name = xml_text(m, "StackName");
		if (n < 3)
			CHECK_STREQ(name, want[n]);
		free(name);
		n++;
	}
	CHECK_INTEQ(n, 3);
	CHECK(xml_first(list, "nothing") == NULL);
	CHECK(xml_next(NULL, "member") == NULL);
	xmlFreeDoc(doc);
	aws_op_free(&op);

	/* Not XML, empty, truncated: NULL with a BadResponse that names the op. */
	const char *bad[] = { "", "not xml", "<a><b></a>", "{\"json\":1}" };
	for (size_t i = 0; i < 4; i++) {
		fake_response(&op, bad[i]);
		ivs_error_clear(&err);
		CHECK(xml_op_result(&op, &err) == NULL);
		CHECK_STREQ(err.code, "BadResponse");
		CHECK(strstr(err.message, "GetCallerIdentity") != NULL);
		aws_op_free(&op);
	}
}

/* An external entity must not be loaded: no file contents, no network. */
static void test_no_entities(void)
{
	char path[] = "/tmp/ivsvc-xxe-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	const char secret[] = "FILE-CONTENT-MUST-NOT-APPEAR";
	CHECK(write(fd, secret, sizeof(secret) - 1) == (ssize_t)(sizeof(secret) - 1));
	close(fd);
	char *body = xasprintf("<?xml version=\"1.0\"?>\n<!DOCTYPE r [\n"
			       "<!ENTITY ext SYSTEM \"file://%s\">\n"
			       "<!ENTITY net SYSTEM \"http://127.0.0.1:9/x\">\n]>\n"
			       "<r><a>x&ext;y</a><b>&net;</b></r>", path);
	struct aws_op op;
	struct ivs_error err;
	fake_response(&op, body);
	xmlDocPtr doc = xml_op_result(&op, &err);
	CHECK(doc != NULL); /* a DTD is allowed; its entities are just not loaded */
	if (doc) {
		char *a = xml_text(xml_root(doc), "a");
		CHECK(a && strncmp(a, "x", 1) == 0 && strstr(a, secret) == NULL);
		free(a);
		xmlFreeDoc(doc);
	}
	aws_op_free(&op);
	free(body);
	unlink(path);
}

int main(void)
{
	test_encoding();
	test_restxml();
	test_xml_helpers();
	test_no_entities();
	return CHECK_DONE();
}
