/*
 * service_error.h - what a failed AWS answer means: its code, message and
 * request id read from the headers and (through the protocol's reader) the
 * body, its kind, and whether the retry policy may try again.
 *
 * Owns: nothing. The readers of JSON and XML bodies live with their
 * protocols (json.c, query.c), so this file links no parser.
 */
#ifndef IVS_SERVICE_ERROR_H
#define IVS_SERVICE_ERROR_H

#include <stddef.h>

#include "error.h"
#include "http.h"

/* Reads an error body into err (code when still empty, message, request
 * id). Each protocol's op_init supplies one: json_read_error (json.h),
 * query_read_error (query.h). body starts at its first non-space byte. */
typedef void (*aws_error_body_fn)(const char *body, size_t len, struct ivs_error *err);

/* Parses an error response into err: the request id and x-amzn-ErrorType
 * headers, then the body through read_error (may be NULL), then the status
 * as a code and an excerpt of the body as a message when nothing better was
 * found. Kind IVS_ERR_NOT_FOUND for HTTP 404 and the services' "no such
 * thing" codes, IVS_ERR_SERVICE otherwise. aws_parse_error() in query.h is
 * this with every reader. */
void aws_parse_error_with(const struct http_response *resp, aws_error_body_fn read_error,
			  struct ivs_error *err);
/* "ns#FooError:http://..." -> err->code "FooError". */
void aws_error_set_code(struct ivs_error *err, const char *s);

/* Classification used by the retry loop; exposed for tests. */
int aws_error_is_throttling(const char *code, long http_status);
int aws_error_is_transient(const char *code, long http_status);
/* The clock-skew codes: RequestTimeTooSkewed, RequestExpired, ... */
int aws_error_is_skew(const char *code);

#endif
