/*
 * fuzz_json.c - JSON responses (src/aws/json.c): the input is a response
 * body as json_op_result parses a successful one, then read with the
 * accessors the services use (json_str / json_num over every member, the
 * way ivs.c and ddb.c read channels, streams and batch answers).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/endpoint.h"
#include "aws/json.h"
#include "fuzz.h"

static void json_walk(const cJSON *node, int depth)
{
	if (depth > 64)
		return;
	const cJSON *c;
	cJSON_ArrayForEach(c, node) {
		if (c->string) {
			const char *s = json_str(node, c->string);
			/* The first member of that name, which may not be c. */
			const cJSON *first = cJSON_GetObjectItemCaseSensitive(node, c->string);
			fuzz_require(!s || cJSON_IsString(first), "json_str only returns strings");
			(void)json_num(node, c->string, -1);
		}
		json_walk(c, depth + 1);
	}
}

int fuzz_json(const uint8_t *data, size_t size)
{
	struct aws_op op;
	aws_op_init(&op, &AWS_SVC_IVS, "ListChannels", "POST");
	op.resp.status = 200;
	buf_append(&op.resp.body, data, size);

	struct ivs_error err;
	ivs_error_clear(&err);
	cJSON *j = json_op_result(&op, &err);
	if (j) {
		static const char *const keys[] = { "nextToken", "NextToken", "channels", "streams",
						    "UnprocessedItems", "Responses", "arn", "" };
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			(void)json_str(j, keys[i]);
			(void)json_num(j, keys[i], 0);
		}
		json_walk(j, 0);
		cJSON_Delete(j);
	} else {
		fuzz_require(strcmp(err.code, "BadResponse") == 0, "not JSON is BadResponse");
	}
	aws_op_free(&op);
	return 0;
}

#ifndef IVS_FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_json(data, size);
}
#endif
