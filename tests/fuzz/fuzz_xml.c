/*
 * fuzz_xml.c - the query protocol's XML responses (src/aws/query.c): the
 * input is a response body, parsed as xml_op_result parses a successful
 * one and walked the way cfn.c and sts.c read theirs (xml_find / xml_text /
 * xml_first / xml_next by local name), plus a walk of every element by its
 * own name; then the same body goes through the error parser as a 400.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/client.h"
#include "aws/endpoint.h"
#include "aws/query.h"
#include "fuzz.h"

static const char *const xml_paths[] = {
	"DescribeStacksResult/Stacks",
	"DescribeStacksResult/NextToken",
	"GetCallerIdentityResult/Account",
	"GetCallerIdentityResult/Arn",
	"AssumeRoleResult/Credentials/SecretAccessKey",
	"ResponseMetadata/RequestId",
	"Error/Code",
	"/",
	"//a//",
	"",
};

/* Every element, looked up again by its own name from its parent. */
static void xml_walk(xmlNodePtr parent, int depth)
{
	if (depth > 64)
		return;
	for (xmlNodePtr n = parent->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		const char *name = (const char *)n->name;
		fuzz_require(xml_child(parent, name) != NULL, "xml_child finds a child by name");
		for (xmlNodePtr m = xml_first(parent, name); m; m = xml_next(m, name))
			fuzz_require(strcmp((const char *)m->name, name) == 0, "xml_next keeps the name");
		char *t = xml_text(n, "");
		fuzz_require(t != NULL, "xml_text of a node");
		free(t);
		xml_walk(n, depth + 1);
	}
}

int fuzz_xml(const uint8_t *data, size_t size)
{
	struct aws_op op;
	aws_op_init(&op, &AWS_SVC_CLOUDFORMATION, "DescribeStacks", "POST");
	op.resp.status = 200;
	buf_append(&op.resp.body, data, size);

	struct ivs_error err;
	ivs_error_clear(&err);
	xmlDocPtr doc = xml_op_result(&op, &err);
	if (doc) {
		xmlNodePtr root = xml_root(doc);
		fuzz_require(root != NULL, "a parsed document has a root");
		for (size_t i = 0; i < sizeof(xml_paths) / sizeof(xml_paths[0]); i++) {
			char *t = xml_text(root, xml_paths[i]);
			free(t);
		}
		xmlNodePtr stacks = xml_find(root, "DescribeStacksResult/Stacks");
		for (xmlNodePtr m = xml_first(stacks, "member"); m; m = xml_next(m, "member")) {
			char *name = xml_text(m, "StackName");
			char *status = xml_text(m, "StackStatus");
			xmlNodePtr outs = xml_find(m, "Outputs");
			for (xmlNodePtr o = xml_first(outs, "member"); o; o = xml_next(o, "member")) {
				char *k = xml_text(o, "OutputKey");
				free(k);
			}
			free(name);
			free(status);
		}
		xml_walk(root, 0);
		xmlFreeDoc(doc);
	} else {
		fuzz_require(strcmp(err.code, "BadResponse") == 0, "not XML is BadResponse");
	}

	/* The same body as a failed call's. */
	op.resp.status = 400;
	aws_parse_error(&op.resp, &err);
	fuzz_require(fuzz_terminated(err.code, sizeof(err.code)), "code terminated");
	fuzz_require(fuzz_terminated(err.message, sizeof(err.message)), "message terminated");
	fuzz_require(fuzz_terminated(err.request_id, sizeof(err.request_id)), "request id terminated");
	fuzz_require(err.code[0] != '\0', "an error always has a code");
	aws_op_free(&op);
	return 0;
}

#ifndef IVS_FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_xml(data, size);
}
#endif
