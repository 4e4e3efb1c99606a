/*
 * service_error.c - reading a failed answer's headers and body into struct
 * ivs_error, and classifying it for the retry policy (see service_error.h).
 */
#include "service_error.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const char *const throttling_codes[] = {
	"Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
	"TooManyRequestsException", "ProvisionedThroughputExceededException",
	"TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
	"LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
	"EC2ThrottledException",
};

static const char *const transient_codes[] = {
	"RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure",
	"ServiceUnavailable",
};

static const char *const skew_codes[] = {
	"RequestTimeTooSkewed", "RequestExpired", "InvalidSignatureException",
	"SignatureDoesNotMatch",
};

/* The services' ways of saying "no such thing" (some with a status other
 * than 404, e.g. behind an API gateway). */
static const char *const not_found_codes[] = {
	"ResourceNotFoundException", "NoSuchBucket", "NoSuchKey", "NotFound",
};

static int in_list(const char *code, const char *const *list, size_t n)
{
	if (!code || !*code)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(code, list[i]) == 0)
			return 1;
	return 0;
}

#define IN_LIST(code, list) in_list(code, list, sizeof(list) / sizeof(list[0]))

int aws_error_is_throttling(const char *code, long http_status)
{
	return http_status == 429 || IN_LIST(code, throttling_codes);
}

int aws_error_is_transient(const char *code, long http_status)
{
	return http_status == 500 || http_status == 502 || http_status == 503 ||
	       http_status == 504 || IN_LIST(code, transient_codes);
}

int aws_error_is_skew(const char *code)
{
	return IN_LIST(code, skew_codes);
}

/* "aws.protocoltests#FooError:http://internal/" -> "FooError". */
void aws_error_set_code(struct ivs_error *err, const char *s)
{
	const char *hash = strrchr(s, '#');
	if (hash)
		s = hash + 1;
	size_t len = strcspn(s, ":");
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (len >= sizeof(err->code))
		len = sizeof(err->code) - 1;
	memcpy(err->code, s, len);
	err->code[len] = '\0';
}

/* A short, printable excerpt of a body that carried no message, markup
 * dropped, so a proxy's HTML page or a load balancer's text still tells the
 * user something. */
static void body_excerpt(const char *body, size_t len, char *out, size_t n)
{
	size_t w = 0;
	int space = 0, in_tag = 0;
	for (size_t i = 0; i < len && w + 4 < n && w < 160; i++) {
		unsigned char ch = (unsigned char)body[i];
		if (ch == '<' || in_tag) {
			in_tag = ch != '>';
			space = w > 0;
			continue;
		}
		if (isspace(ch) || !isprint(ch)) {
			space = w > 0;
			continue;
		}
		if (space)
			out[w++] = ' ';
		space = 0;
		out[w++] = (char)ch;
	}
	if (w >= 160 && w + 4 < n) {
		memcpy(out + w, "...", 3);
		w += 3;
	}
	out[w] = '\0';
}

static void read_request_id(const struct http_response *resp, struct ivs_error *err)
{
	static const char *const rid_headers[] = { "x-amzn-RequestId", "x-amz-request-id",
						   "x-amzn-request-id" };
	for (size_t i = 0; i < 3; i++) {
		const char *v = http_headers_get(&resp->headers, rid_headers[i]);
		if (v && *v) {
			snprintf(err->request_id, sizeof(err->request_id), "%s", v);
			return;
		}
	}
}

void aws_parse_error_with(const struct http_response *resp, aws_error_body_fn read_error,
			  struct ivs_error *err)
{
	ivs_error_clear(err);
	err->http_status = resp->status;
	read_request_id(resp, err);
	const char *type = http_headers_get(&resp->headers, "x-amzn-ErrorType");
	if (type && *type)
		aws_error_set_code(err, type);

	const char *body = resp->body.data ? resp->body.data : "";
	size_t len = resp->body.len;
	size_t skip = 0;
	while (skip < len && isspace((unsigned char)body[skip]))
		skip++;
	if (skip < len && read_error)
		read_error(body + skip, len - skip, err);

	if (!err->code[0] && resp->status)
		snprintf(err->code, sizeof(err->code), "%ld", resp->status);
	if (!err->message[0] && skip < len)
		body_excerpt(body + skip, len - skip, err->message, sizeof(err->message));
	err->kind = resp->status == 404 || IN_LIST(err->code, not_found_codes) ? IVS_ERR_NOT_FOUND
										: IVS_ERR_SERVICE;
}
