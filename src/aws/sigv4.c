/*
 * sigv4.c - AWS Signature Version 4 (see sigv4.h), in the suite's stages:
 * canonical request (sigv4_canonical.c) -> string to sign -> signature ->
 * Authorization header or presigned query.
 *
 * Owns: the derived signing keys while a signature is computed (cleansed
 * before returning). Hashes and HMACs come from OpenSSL.
 */
#include "sigv4.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#include "creds.h"
#include "sigv4_parts.h"

#define MAX_EXPIRES 604800L /* seven days: the longest a presigned URL may live */

void sigv4_sha256_hex(const void *data, size_t len, char hex_out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (!EVP_Digest(data ? data : "", len, md, &n, EVP_sha256(), NULL))
		n = 0; /* cannot happen with the default provider; yields "" */
	for (unsigned int i = 0; i < n; i++) {
		hex_out[2 * i] = hex[md[i] >> 4];
		hex_out[2 * i + 1] = hex[md[i] & 15];
	}
	hex_out[2 * n] = '\0';
}

const char *sigv4_session_token(const struct sigv4_params *p)
{
	const char *t = p->creds ? p->creds->session_token : NULL;
	return t && *t ? t : NULL;
}

/* ---- stages 2 and 3 ---- */

int sigv4_format_dates(time_t now, char amz_date[17], char date[9])
{
	struct tm tm;
	if (!gmtime_r(&now, &tm) || strftime(amz_date, 17, "%Y%m%dT%H%M%SZ", &tm) != 16)
		return -1;
	memcpy(date, amz_date, 8);
	date[8] = '\0';
	return 0;
}

int sigv4_string_to_sign(const char *canonical_request, const struct sigv4_params *p,
			 struct buf *out)
{
	char amz_date[17], date[9], hash[65];
	if (!canonical_request || !p->region || !p->service ||
	    sigv4_format_dates(p->now, amz_date, date) < 0)
		return -1;
	sigv4_sha256_hex(canonical_request, strlen(canonical_request), hash);
	buf_reset(out);
	buf_printf(out, SIGV4_ALGORITHM "\n%s\n%s/%s/%s/aws4_request\n%s", amz_date, date,
		   p->region, p->service, hash);
	return 0;
}

static int hmac_sha256(const void *key, size_t key_len, const char *msg,
		       unsigned char out[32])
{
	unsigned int n = 0;
	if (!HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)msg, strlen(msg), out, &n) ||
	    n != 32)
		return -1;
	return 0;
}

int sigv4_signature(const char *string_to_sign, const struct sigv4_params *p,
		    char hex_out[65])
{
	static const char hex[] = "0123456789abcdef";
	char amz_date[17], date[9];
	unsigned char k1[32], k2[32], sig[32];
	struct buf secret = BUF_INIT;
	int rc = -1;

	hex_out[0] = '\0';
	if (!string_to_sign || !p->creds || !p->creds->secret_access_key || !p->region ||
	    !p->service || sigv4_format_dates(p->now, amz_date, date) < 0)
		return -1;
	/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" secret, date), region), service), "aws4_request") */
	buf_printf(&secret, "AWS4%s", p->creds->secret_access_key);
	if (hmac_sha256(secret.data, secret.len, date, k1) < 0 ||
	    hmac_sha256(k1, 32, p->region, k2) < 0 ||
	    hmac_sha256(k2, 32, p->service, k1) < 0 ||
	    hmac_sha256(k1, 32, "aws4_request", k2) < 0 ||
	    hmac_sha256(k2, 32, string_to_sign, sig) < 0)
		goto out;
	for (int i = 0; i < 32; i++) {
		hex_out[2 * i] = hex[sig[i] >> 4];
		hex_out[2 * i + 1] = hex[sig[i] & 15];
	}
	hex_out[64] = '\0';
	rc = 0;
out:
	OPENSSL_cleanse(k1, sizeof(k1));
	OPENSSL_cleanse(k2, sizeof(k2));
	buf_free_secret(&secret);
	return rc;
}

/* Stages 1-3 for one request; signed_headers and sig get the results. */
static int sign(const struct sigv4_request *req, const struct sigv4_params *p, int presign,
		struct sigv4_parts *parts, struct buf *signed_headers, char sig[65],
		struct ivs_error *err)
{
	struct buf cr = BUF_INIT, sts = BUF_INIT;
	int rc = 0;

	if (sigv4_parts_init(parts, req, p, err) < 0)
		return -1;
	sigv4_build_canonical(req, p, presign, parts, &cr, signed_headers);
	if (sigv4_string_to_sign(buf_cstr(&cr), p, &sts) < 0 || sigv4_signature(buf_cstr(&sts), p, sig) < 0) {
		rc = ivs_error_set(err, "SigningFailed", "cannot sign the request: OpenSSL HMAC-SHA256 failed");
		sigv4_parts_free(parts);
	}
	buf_free(&cr);
	buf_free(&sts);
	return rc;
}

int sigv4_sign_headers(const struct sigv4_request *req, const struct sigv4_params *p,
		       struct http_headers *headers, struct ivs_error *err)
{
	struct sigv4_parts parts;
	struct buf sh = BUF_INIT, auth = BUF_INIT;
	char sig[65];
	const char *token = sigv4_session_token(p);

	if (sign(req, p, 0, &parts, &sh, sig, err) < 0) {
		buf_free(&sh);
		return -1;
	}
	buf_printf(&auth, SIGV4_ALGORITHM " Credential=%s/%s, SignedHeaders=%s, Signature=%s",
		   p->creds->access_key_id, buf_cstr(&parts.scope), buf_cstr(&sh), sig);
	/* Only now: req->headers may be this very list. */
	if (token)
		http_headers_set(headers, "X-Amz-Security-Token", token);
	http_headers_set(headers, "X-Amz-Date", parts.amz_date);
	if (p->add_content_sha256_header)
		http_headers_set(headers, "x-amz-content-sha256", parts.payload_hash);
	http_headers_set(headers, "Authorization", auth.data);
	buf_free(&auth);
	buf_free(&sh);
	sigv4_parts_free(&parts);
	return 0;
}

int sigv4_presign_url(const struct sigv4_request *req, const struct sigv4_params *p,
		      struct buf *out, struct ivs_error *err)
{
	struct sigv4_parts parts;
	struct buf sh = BUF_INIT;
	char sig[65];
	const char *token = sigv4_session_token(p);

	if (p->expires < 1 || p->expires > MAX_EXPIRES)
		return ivs_error_set(err, "InvalidParameter",
				     "cannot presign: expiry %ld s is outside 1..%ld s", p->expires, MAX_EXPIRES);
	if (sign(req, p, 1, &parts, &sh, sig, err) < 0) {
		buf_free(&sh);
		return -1;
	}
	/* The parameters go after the query as sent, before any fragment. */
	const char *frag = strchr(req->url, '#');
	size_t base_len = frag ? (size_t)(frag - req->url) : strlen(req->url);
	buf_reset(out);
	buf_append(out, req->url, base_len);
	if (!memchr(req->url, '?', base_len))
		buf_putc(out, '?');
	else if (base_len && req->url[base_len - 1] != '?' && req->url[base_len - 1] != '&')
		buf_putc(out, '&');
	buf_puts(out, "X-Amz-Algorithm=" SIGV4_ALGORITHM "&X-Amz-Credential=");
	sigv4_uri_encode(out, p->creds->access_key_id, strlen(p->creds->access_key_id), 1);
	buf_puts(out, "%2F");
	sigv4_uri_encode(out, buf_cstr(&parts.scope), parts.scope.len, 1);
	buf_printf(out, "&X-Amz-Date=%s&X-Amz-SignedHeaders=", parts.amz_date);
	sigv4_uri_encode(out, buf_cstr(&sh), sh.len, 1);
	buf_printf(out, "&X-Amz-Expires=%ld", p->expires);
	if (token) {
		buf_puts(out, "&X-Amz-Security-Token=");
		sigv4_uri_encode(out, token, strlen(token), 1);
	}
	buf_printf(out, "&X-Amz-Signature=%s", sig);
	if (frag)
		buf_puts(out, frag);
	buf_free(&sh);
	sigv4_parts_free(&parts);
	return 0;
}
