/*
 * fuzz_sigv4.c - the signer (src/aws/sigv4.c) over any request: the input is
 * "METHOD URL" on the first line, "Name: value" header lines, an empty line,
 * the body. Every stage runs with and without path normalisation, then the
 * Authorization header and a presigned URL are made. A URL curl cannot parse
 * is an error, never a crash; a signature that succeeds has its header.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/creds.h"
#include "aws/sigv4.h"
#include "fuzz.h"

static void sigv4_stages(const struct sigv4_request *req, const struct sigv4_params *p,
			 int presign)
{
	struct buf cr = BUF_INIT, sh = BUF_INIT, sts = BUF_INIT;
	struct ivs_error err;
	ivs_error_clear(&err);
	if (sigv4_canonical_request(req, p, presign, &cr, &sh, &err) == 0) {
		char sig[65];
		fuzz_require(sigv4_string_to_sign(buf_cstr(&cr), p, &sts) == 0, "string to sign");
		fuzz_require(sigv4_signature(buf_cstr(&sts), p, sig) == 0, "signature");
		fuzz_require(strlen(sig) == 64, "64 hex digits");
	} else {
		fuzz_require(err.code[0] != '\0', "a failure has a code");
		fuzz_require(fuzz_terminated(err.message, sizeof(err.message)), "message terminated");
	}
	buf_free(&cr);
	buf_free(&sh);
	buf_free(&sts);
}

int fuzz_sigv4(const uint8_t *data, size_t size)
{
	struct fuzz_message m;
	fuzz_message_parse(data, size, &m);

	char *sp = strchr(m.first_line, ' ');
	const char *method = "GET", *url = m.first_line;
	if (sp) {
		*sp = '\0';
		method = m.first_line;
		url = sp + 1;
	}
	struct aws_creds creds;
	memset(&creds, 0, sizeof(creds));
	creds.access_key_id = "AKIDEXAMPLE";
	creds.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
	creds.session_token = "IQoJb3JpZ2luX2VjEXAMPLE/TOKEN+with=chars";

	struct sigv4_params p;
	memset(&p, 0, sizeof(p));
	p.region = "us-east-1";
	p.service = "ivs";
	p.creds = &creds;
	p.now = 1440938160; /* 2015-08-30T12:36:00Z, the suite's date */
	p.expires = 300;

	struct sigv4_request req = { method, url, &m.headers, m.body, m.body_len };
	for (int normalize = 0; normalize <= 1; normalize++) {
		p.normalize_path = normalize;
		sigv4_stages(&req, &p, 0);
		sigv4_stages(&req, &p, 1);
	}

	/* Signing for sending, into a copy of the headers (as the client does). */
	struct http_headers out;
	memset(&out, 0, sizeof(out));
	for (size_t i = 0; i < m.headers.n; i++)
		http_headers_add(&out, m.headers.v[i].name, m.headers.v[i].value);
	struct ivs_error err;
	ivs_error_clear(&err);
	p.normalize_path = 1;
	if (sigv4_sign_headers(&req, &p, &out, &err) == 0) {
		const char *auth = http_headers_get(&out, "Authorization");
		fuzz_require(auth && strncmp(auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/", 40) == 0,
			     "a signed request has its Authorization header");
		fuzz_require(http_headers_get(&out, "X-Amz-Date") != NULL, "X-Amz-Date");
	}
	http_headers_free(&out);

	/* S3's flavour: no normalisation, unsigned payload, the hash header; presigned. */
	p.normalize_path = 0;
	p.unsigned_payload = 1;
	p.add_content_sha256_header = 1;
	p.service = "s3";
	struct buf url_out = BUF_INIT;
	ivs_error_clear(&err);
	if (sigv4_presign_url(&req, &p, &url_out, &err) == 0)
		fuzz_require(strstr(buf_cstr(&url_out), "X-Amz-Signature=") != NULL,
			     "a presigned URL carries its signature");
	buf_free(&url_out);

	struct buf enc = BUF_INIT;
	sigv4_uri_encode(&enc, m.body, m.body_len, 0);
	sigv4_uri_encode(&enc, m.body, m.body_len, 1);
	buf_free(&enc);

	fuzz_message_free(&m);
	return 0;
}

#ifndef IVS_FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_sigv4(data, size);
}
#endif
