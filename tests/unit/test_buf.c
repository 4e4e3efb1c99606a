/* test_buf.c - the buffer and error helpers everything else builds on. */
#include <stdlib.h>

#include "aws/buf.h"
#include "aws/error.h"
#include "check.h"

int main(void)
{
	struct buf b = BUF_INIT;
	CHECK_STREQ(buf_cstr(&b), "");
	buf_puts(&b, "abc");
	buf_printf(&b, "-%d-", 42);
	buf_putc(&b, 'x');
	CHECK_STREQ(buf_cstr(&b), "abc-42-x");
	CHECK_INTEQ(b.len, 8);
	for (int i = 0; i < 1000; i++)
		buf_putc(&b, 'y');
	CHECK_INTEQ(b.len, 1008);
	char *s = buf_detach(&b);
	CHECK(b.data == NULL && b.len == 0);
	CHECK_INTEQ(strlen(s), 1008);
	free(s);

	struct ivs_error e;
	char line[1024];
	CHECK_INTEQ(ivs_error_set(&e, "ThrottlingException", "Rate exceeded for %s", "PutMetadata"), -1);
	e.http_status = 429;
	snprintf(e.request_id, sizeof(e.request_id), "abc-123");
	CHECK_STREQ(ivs_error_format(&e, line, sizeof(line)),
		    "Rate exceeded for PutMetadata (ThrottlingException, HTTP 429, request id abc-123)");
	ivs_error_prefix(&e, "channel %s", "x");
	CHECK_STREQ(e.message, "channel x: Rate exceeded for PutMetadata");
	ivs_error_set(&e, "", "plain");
	CHECK_STREQ(ivs_error_format(&e, line, sizeof(line)), "plain");
	return CHECK_DONE();
}
