/*
 * sigv4.h - AWS Signature Version 4, in the stages the public test suite
 * checks one by one: canonical request -> string to sign -> signature, then
 * either an Authorization header or presigned query parameters.
 *
 * Owns: nothing beyond the buffers it returns. Pure functions of their input
 * (the time is a parameter), so every stage is testable without a clock.
 */
#ifndef IVS_SIGV4_H
#define IVS_SIGV4_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "error.h"
#include "http.h"

struct aws_creds;

struct sigv4_params {
	const char *region;            /* signing region, e.g. "us-east-1" */
	const char *service;           /* signing name, e.g. "dynamodb", "ivs" */
	const struct aws_creds *creds;
	time_t now;                    /* UTC seconds; formatted as X-Amz-Date */
	int normalize_path;            /* 1 for every service but S3 */
	int unsigned_payload;          /* 1: "UNSIGNED-PAYLOAD" instead of the body hash */
	int add_content_sha256_header; /* 1: send x-amz-content-sha256 (S3) */
	long expires;                  /* presign only: X-Amz-Expires seconds (1..604800) */
	int omit_session_token;        /* 1: add the session token after signing, unsigned
					  (services that reject a signed token, e.g. IoT) */
};

/* The request as sigv4 sees it: method, the URL as it will be sent, headers, body. */
struct sigv4_request {
	const char *method;
	const char *url;               /* absolute; path and query taken as on the wire */
	const struct http_headers *headers;
	const void *body;
	size_t body_len;
};

/* Stage 1. Fills out with the canonical request; signed_headers (may be NULL)
 * gets the ';'-joined lower-case names. For presign, pass presign=1: the
 * X-Amz-* query parameters are added to the canonical query. With presign=0
 * the headers sigv4_sign_headers() adds (X-Amz-Date, the session token,
 * x-amz-content-sha256) are part of it, so the result is what gets signed.
 *
 * Canonical URI: with normalize_path, dot segments and empty segments are
 * removed from the path as sent and the result is URI-encoded again (double
 * encoding, every service but S3); without, the path as sent keeps its
 * %XX escapes and only bytes that may not appear in a path are encoded.
 * Canonical query: each name and value decoded ('+' stays '+') and encoded
 * again (RFC 3986), sorted by name then value; "a" signs as "a=".
 * Not signed: Authorization and the hop-by-hop / proxy-rewritten headers
 * (Connection, Expect, Keep-Alive, Proxy-*, TE, Trailer, Transfer-Encoding,
 * Upgrade, User-Agent, X-Amzn-Trace-Id). Host comes from the headers, or
 * from the URL (lower-case host[:port], default port omitted). A caller's
 * x-amz-content-sha256 header, when we do not add one, is the payload hash. */
int sigv4_canonical_request(const struct sigv4_request *req, const struct sigv4_params *p,
			    int presign, struct buf *out, struct buf *signed_headers,
			    struct ivs_error *err);
/* Stage 2. */
int sigv4_string_to_sign(const char *canonical_request, const struct sigv4_params *p,
			 struct buf *out);
/* Stage 3: hex signature of string_to_sign. */
int sigv4_signature(const char *string_to_sign, const struct sigv4_params *p,
		    char hex_out[65]);

/* Signs for sending: adds X-Amz-Date, X-Amz-Security-Token (with a session
 * token), x-amz-content-sha256 (when asked) and Authorization to headers. */
int sigv4_sign_headers(const struct sigv4_request *req, const struct sigv4_params *p,
		       struct http_headers *headers, struct ivs_error *err);

/* Presigned URL: out gets req->url with the X-Amz-* query parameters appended. */
int sigv4_presign_url(const struct sigv4_request *req, const struct sigv4_params *p,
		      struct buf *out, struct ivs_error *err);

/* Helpers the protocols share: lower-case hex SHA-256 of data; RFC 3986
 * encoding (encode_slash=0 keeps '/' for paths). */
void sigv4_sha256_hex(const void *data, size_t len, char hex_out[65]);
void sigv4_uri_encode(struct buf *out, const char *s, size_t len, int encode_slash);

#endif
