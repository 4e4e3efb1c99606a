/*
 * fuzz_error.c - error responses (aws_parse_error: service_error.c with
 * query.c's reader of XML and JSON bodies): the input is "STATUS" on the
 * first line, "Name: value" header lines (x-amzn-ErrorType,
 * x-amzn-RequestId, ...), an empty line, the body (JSON "__type"/"message",
 * XML <Error><Code>, or anything a proxy sends). The error's fixed-size
 * fields must stay terminated and it always has a code; the retry
 * classification and the one-line format must take whatever the parse
 * produced.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/client.h"
#include "aws/query.h"
#include "fuzz.h"

int fuzz_error(const uint8_t *data, size_t size)
{
	struct fuzz_message m;
	fuzz_message_parse(data, size, &m);

	struct http_response resp;
	memset(&resp, 0, sizeof(resp));
	resp.status = strtol(m.first_line, NULL, 10);
	resp.headers = m.headers;  /* borrowed: freed with m */
	buf_append(&resp.body, m.body, m.body_len);

	struct ivs_error err;
	aws_parse_error(&resp, &err);
	fuzz_require(fuzz_terminated(err.code, sizeof(err.code)), "code terminated");
	fuzz_require(fuzz_terminated(err.message, sizeof(err.message)), "message terminated");
	fuzz_require(fuzz_terminated(err.request_id, sizeof(err.request_id)), "request id terminated");
	fuzz_require(err.http_status == resp.status, "status kept");
	fuzz_require(err.code[0] != '\0' || resp.status == 0, "an HTTP error always has a code");

	(void)aws_error_is_throttling(err.code, err.http_status);
	(void)aws_error_is_transient(err.code, err.http_status);
	char line[1024];
	ivs_error_format(&err, line, sizeof(line));
	fuzz_require(strlen(line) < sizeof(line), "formatted line fits");
	char tiny[8];
	ivs_error_format(&err, tiny, sizeof(tiny));

	buf_free(&resp.body);
	fuzz_message_free(&m);
	return 0;
}

#ifndef IVS_FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_error(data, size);
}
#endif
