/*
 * sigv4_tool.c - signs requests with our SigV4 signer for the differential
 * test against botocore (tests/integration/test_sigv4_botocore.py).
 *
 * Input, on stdin, one JSON object per line:
 *   {"method": "GET", "url": "https://h/p?q", "headers": [["Name", "value"], ...],
 *    "body_hex": "00ff", "region": "us-east-1", "service": "ivs",
 *    "access_key": "AKID", "secret_key": "...", "token": "..." (optional),
 *    "now": 1440938160, "normalize": true, "unsigned_payload": false,
 *    "content_sha256_header": false, "presign_expires": 0}
 * Output, one JSON object per input line, in order:
 *   {"ok": true, "canonical_request": "...", "authorization": "...",
 *    "headers": [["Name", "value"], ...]}            (header signing), or
 *   {"ok": true, "canonical_request": "...", "url": "..."} (presign_expires > 0),
 *   {"ok": false, "error": "..."} when signing failed.
 * Test credentials only: this prints what it is given.
 */
#include <cjson/cJSON.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/creds.h"
#include "aws/http.h"
#include "aws/sigv4.h"

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* body_hex as bytes; OpenSSL's parser, so the tool holds no hex code of its
 * own to drift from the signer's. */
static int unhex(const char *s, struct buf *out)
{
	if (!s || !*s)
		return 0;
	if (strchr(s, ':'))
		return -1; /* OpenSSL would take "00:ff"; the test sends plain hex */
	long n = 0;
	unsigned char *bytes = OPENSSL_hexstr2buf(s, &n);
	if (!bytes)
		return -1;
	buf_append(out, bytes, (size_t)n);
	OPENSSL_free(bytes);
	return 0;
}

static cJSON *sign_one(const cJSON *in)
{
	cJSON *res = cJSON_CreateObject();
	struct http_headers headers = { 0 };
	struct buf body = BUF_INIT, cr = BUF_INIT, url = BUF_INIT;
	struct ivs_error err;
	const cJSON *hs = cJSON_GetObjectItemCaseSensitive(in, "headers");
	const cJSON *h;

	cJSON_ArrayForEach(h, hs) {
		const cJSON *n = cJSON_GetArrayItem(h, 0), *v = cJSON_GetArrayItem(h, 1);
		if (cJSON_IsString(n) && cJSON_IsString(v))
			http_headers_add(&headers, n->valuestring, v->valuestring);
	}
	if (unhex(str(in, "body_hex"), &body) < 0) {
		cJSON_AddFalseToObject(res, "ok");
		cJSON_AddStringToObject(res, "error", "body_hex is not hex");
		goto out;
	}
	struct aws_creds creds = {
		.access_key_id = (char *)str(in, "access_key"),
		.secret_access_key = (char *)str(in, "secret_key"),
		.session_token = (char *)str(in, "token"),
	};
	const cJSON *now = cJSON_GetObjectItemCaseSensitive(in, "now");
	const cJSON *exp = cJSON_GetObjectItemCaseSensitive(in, "presign_expires");
	struct sigv4_params p = {
		.region = str(in, "region"),
		.service = str(in, "service"),
		.creds = &creds,
		.now = cJSON_IsNumber(now) ? (time_t)now->valuedouble : 0,
		.normalize_path = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "normalize")),
		.unsigned_payload = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "unsigned_payload")),
		.add_content_sha256_header =
			cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "content_sha256_header")),
		.expires = cJSON_IsNumber(exp) ? (long)exp->valuedouble : 0,
	};
	struct sigv4_request req = {
		.method = str(in, "method"), .url = str(in, "url"), .headers = &headers,
		.body = body.data, .body_len = body.len,
	};
	int presign = p.expires > 0;

	if (sigv4_canonical_request(&req, &p, presign, &cr, NULL, &err) < 0 ||
	    (presign ? sigv4_presign_url(&req, &p, &url, &err)
		     : sigv4_sign_headers(&req, &p, &headers, &err)) < 0) {
		cJSON_AddFalseToObject(res, "ok");
		cJSON_AddStringToObject(res, "error", err.message);
		goto out;
	}
	cJSON_AddTrueToObject(res, "ok");
	cJSON_AddStringToObject(res, "canonical_request", buf_cstr(&cr));
	if (presign) {
		cJSON_AddStringToObject(res, "url", buf_cstr(&url));
	} else {
		const char *auth = http_headers_get(&headers, "Authorization");
		cJSON_AddStringToObject(res, "authorization", auth ? auth : "");
		cJSON *out_h = cJSON_AddArrayToObject(res, "headers");
		for (size_t i = 0; i < headers.n; i++) {
			cJSON *pair = cJSON_CreateArray();
			cJSON_AddItemToArray(pair, cJSON_CreateString(headers.v[i].name));
			cJSON_AddItemToArray(pair, cJSON_CreateString(headers.v[i].value));
			cJSON_AddItemToArray(out_h, pair);
		}
	}
out:
	http_headers_free(&headers);
	buf_free(&body);
	buf_free(&cr);
	buf_free(&url);
	return res;
}

int main(void)
{
	struct buf in = BUF_INIT;
	char chunk[65536];
	size_t n;
	int status = 0;

	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
		buf_append(&in, chunk, n);
	char *save = NULL;
	for (char *line = strtok_r(in.data ? in.data : (char[]){ 0 }, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		cJSON *req = cJSON_Parse(line), *res;
		if (!req) {
			res = cJSON_CreateObject();
			cJSON_AddFalseToObject(res, "ok");
			cJSON_AddStringToObject(res, "error", "input line is not JSON");
			status = 1;
		} else {
			res = sign_one(req);
		}
		char *text = cJSON_PrintUnformatted(res);
		puts(text);
		free(text);
		cJSON_Delete(res);
		cJSON_Delete(req);
	}
	buf_free(&in);
	return status;
}
