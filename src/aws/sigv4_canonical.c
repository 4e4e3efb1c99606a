/*
 * sigv4_canonical.c - SigV4 stage 1, the canonical request (see sigv4.h):
 * the URL split and its path normalised, the query and the headers put in
 * canonical order, the payload hash.
 *
 * Owns: the name/value lists built for one canonical request (values may
 * hold the session token, so they are cleansed). URLs are split with
 * libcurl's curl_url().
 */
#include "sigv4.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "creds.h"
#include "sigv4_parts.h"

#define UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"

/* Headers a proxy or the transport may add, drop or rewrite: signing them
 * would break the signature in transit (the same set botocore skips). */
static const char *const never_signed[] = {
	"authorization", "connection", "expect", "keep-alive", "proxy-authenticate",
	"proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
	"user-agent", "x-amzn-trace-id",
};

static int is_unreserved(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

static int hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static void put_escape(struct buf *out, unsigned char c)
{
	static const char hex[] = "0123456789ABCDEF";
	char esc[3] = { '%', hex[c >> 4], hex[c & 15] };
	buf_append(out, esc, 3);
}

void sigv4_uri_encode(struct buf *out, const char *s, size_t len, int encode_slash)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (is_unreserved(c) || (c == '/' && !encode_slash))
			buf_putc(out, (char)c);
		else
			put_escape(out, c);
	}
}

/* Percent-decodes s[0..len) into out; a '%' not followed by two hex digits
 * stays literal. '+' is not a space in RFC 3986 and stays '+'. */
static void uri_decode(struct buf *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		int hi, lo;
		if (s[i] == '%' && i + 2 < len && (hi = hex_value((unsigned char)s[i + 1])) >= 0 &&
		    (lo = hex_value((unsigned char)s[i + 2])) >= 0) {
			buf_putc(out, (char)(hi * 16 + lo));
			i += 2;
		} else {
			buf_putc(out, s[i]);
		}
	}
}

/* ---- the URL ---- */

static int split_url(const char *url, struct sigv4_parts *parts, struct ivs_error *err)
{
	CURLU *h = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *query = NULL;
	int rc = -1;

	if (!h)
		return ivs_error_set(err, "InvalidURL", "cannot sign a request: out of memory parsing its URL");
	/* PATH_AS_IS: sign the path exactly as sent; the URL may carry raw
	 * spaces or UTF-8 (the suite's requests do). */
	if (curl_url_set(h, CURLUPART_URL, url ? url : "",
			 CURLU_PATH_AS_IS | CURLU_ALLOW_SPACE | CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
	    curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		ivs_error_set(err, "InvalidURL", "cannot sign a request for \"%s\": not an absolute URL",
			      url ? url : "(null)");
		goto out;
	}
	for (char *c = host; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	buf_puts(&parts->host, host);
	/* NO_DEFAULT_PORT: ":443" on https and ":80" on http are left out,
	 * as curl leaves them out of the Host header it sends. */
	if (curl_url_get(h, CURLUPART_PORT, &port, CURLU_NO_DEFAULT_PORT) == CURLUE_OK && port)
		buf_printf(&parts->host, ":%s", port);
	if (curl_url_get(h, CURLUPART_PATH, &path, 0) == CURLUE_OK && path)
		buf_puts(&parts->path, path);
	if (!parts->path.len)
		buf_putc(&parts->path, '/');
	if (curl_url_get(h, CURLUPART_QUERY, &query, 0) == CURLUE_OK && query)
		buf_puts(&parts->query, query);
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(query);
	curl_url_cleanup(h);
	return rc;
}

/* RFC 3986 5.2.4 plus what AWS asks for: empty segments ("//") go too. A
 * path ending in "/", "/." or "/.." keeps its trailing slash. */
static void normalize_path(struct buf *out, const char *path)
{
	size_t n = strlen(path), nseg = 0, cap = 8;
	struct { const char *p; size_t len; } *seg = xmalloc(cap * sizeof(*seg));
	int trailing = 0;

	for (size_t i = 0; i <= n;) {
		size_t j = i;
		while (j < n && path[j] != '/')
			j++;
		size_t len = j - i;
		int is_last = (j >= n);
		if (len == 0 || (len == 1 && path[i] == '.')) {
			if (is_last)
				trailing = 1;
		} else if (len == 2 && path[i] == '.' && path[i + 1] == '.') {
			if (nseg)
				nseg--;
			if (is_last)
				trailing = 1;
		} else {
			if (nseg == cap) {
				cap *= 2;
				seg = xrealloc(seg, cap * sizeof(*seg));
			}
			seg[nseg].p = path + i;
			seg[nseg].len = len;
			nseg++;
			if (is_last)
				trailing = 0;
		}
		i = j + 1;
	}
	if (path[0] == '/' || nseg == 0)
		buf_putc(out, '/');
	for (size_t k = 0; k < nseg; k++) {
		if (k)
			buf_putc(out, '/');
		buf_append(out, seg[k].p, seg[k].len);
	}
	if (trailing && nseg)
		buf_putc(out, '/');
	free(seg);
}

static void canonical_uri(struct buf *out, const char *path, int normalize)
{
	if (normalize) {
		struct buf norm = BUF_INIT;
		normalize_path(&norm, path);
		sigv4_uri_encode(out, buf_cstr(&norm), norm.len, 0);
		buf_free(&norm);
		return;
	}
	/* S3: the path is already encoded once; keep its escapes and encode
	 * only what could not have been sent as it is. */
	for (const char *c = path; *c; c++) {
		unsigned char u = (unsigned char)*c;
		if (is_unreserved(u) || u == '/' ||
		    (u == '%' && hex_value((unsigned char)c[1]) >= 0 && hex_value((unsigned char)c[2]) >= 0))
			buf_putc(out, *c);
		else
			put_escape(out, u);
	}
}

/* ---- name/value lists: the headers and the query ---- */

/* One header or query parameter as it enters the canonical form. */
struct canon_pair {
	char *name;      /* header: lower-case; parameter: RFC 3986 encoded */
	char *value;     /* header: trimmed, inner whitespace runs folded to one
			    space; parameter: encoded. May be the session token. */
	size_t order;    /* position in the request: duplicate headers keep it */
};

struct pair_list {
	struct canon_pair *v;
	size_t n, cap;
};

/* Takes ownership of name and value. */
static void pairs_push(struct pair_list *l, char *name, char *value)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n].name = name;
	l->v[l->n].value = value;
	l->v[l->n].order = l->n;
	l->n++;
}

static void pairs_free(struct pair_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free_secret(l->v[i].value);
	}
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

static void params_add_encoded(struct pair_list *l, const char *key, size_t klen,
			       const char *value, size_t vlen)
{
	struct buf k = BUF_INIT, v = BUF_INIT;
	sigv4_uri_encode(&k, key, klen, 1);
	sigv4_uri_encode(&v, value, vlen, 1);
	pairs_push(l, buf_detach(&k), buf_detach(&v));
}

static void params_parse(struct pair_list *l, const char *query)
{
	const char *p = query;
	while (*p) {
		const char *end = strchr(p, '&');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len) { /* "a=1&&b=2": the empty pair is no parameter */
			const char *eq = memchr(p, '=', len);
			size_t klen = eq ? (size_t)(eq - p) : len;
			struct buf k = BUF_INIT, v = BUF_INIT;
			uri_decode(&k, p, klen);
			if (eq)
				uri_decode(&v, eq + 1, len - klen - 1);
			params_add_encoded(l, buf_cstr(&k), k.len, buf_cstr(&v), v.len);
			buf_free(&k);
			buf_free(&v);
		}
		if (!end)
			break;
		p = end + 1;
	}
}

static int param_cmp(const void *a, const void *b)
{
	const struct canon_pair *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->value, y->value);
}

static void trim_all(struct buf *out, const char *s)
{
	int pending_space = 0;
	for (; *s; s++) {
		if (is_space((unsigned char)*s)) {
			pending_space = out->len > 0;
			continue;
		}
		if (pending_space)
			buf_putc(out, ' ');
		pending_space = 0;
		buf_putc(out, *s);
	}
}

/* A header name as it is signed: trimmed, lower-case. */
static void header_name(struct buf *out, const char *name)
{
	trim_all(out, name ? name : "");
	for (size_t i = 0; i < out->len; i++)
		out->data[i] = (char)tolower((unsigned char)out->data[i]);
}

static void headers_push(struct pair_list *l, const char *name, const char *value)
{
	struct buf n = BUF_INIT, v = BUF_INIT;
	header_name(&n, name);
	trim_all(&v, value ? value : "");
	pairs_push(l, buf_detach(&n), buf_detach(&v));
}

static int header_cmp(const void *a, const void *b)
{
	const struct canon_pair *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int is_never_signed(const char *lname)
{
	for (size_t i = 0; i < sizeof(never_signed) / sizeof(never_signed[0]); i++)
		if (strcmp(lname, never_signed[i]) == 0)
			return 1;
	return 0;
}

/* ---- the request ---- */

static int check_params(const struct sigv4_params *p, struct ivs_error *err)
{
	if (!p->creds || !p->creds->access_key_id || !*p->creds->access_key_id ||
	    !p->creds->secret_access_key || !*p->creds->secret_access_key)
		return ivs_error_set(err, "NoCredentials",
				     "cannot sign the request: no access key id or secret access key");
	if (!p->region || !*p->region)
		return ivs_error_set(err, "NoRegion",
				     "cannot sign the request: no region (set --region or AWS_REGION)");
	if (!p->service || !*p->service)
		return ivs_error_set(err, "InvalidParameter", "cannot sign the request: no service name");
	return 0;
}

void sigv4_parts_free(struct sigv4_parts *parts)
{
	buf_free(&parts->scope);
	buf_free(&parts->path);
	buf_free(&parts->query);
	buf_free(&parts->host);
}

int sigv4_parts_init(struct sigv4_parts *parts, const struct sigv4_request *req,
		     const struct sigv4_params *p, struct ivs_error *err)
{
	memset(parts, 0, sizeof(*parts));
	if (check_params(p, err) < 0)
		return -1;
	if (sigv4_format_dates(p->now, parts->amz_date, parts->date) < 0)
		return ivs_error_set(err, "InvalidParameter", "cannot sign the request: bad time %lld",
				     (long long)p->now);
	buf_printf(&parts->scope, "%s/%s/%s/aws4_request", parts->date, p->region, p->service);
	if (split_url(req->url, parts, err) < 0) {
		sigv4_parts_free(parts);
		return -1;
	}
	return 0;
}

/* The payload hash: UNSIGNED-PAYLOAD, a caller's x-amz-content-sha256
 * (the value the server checks the canonical request against), or ours. */
static void payload_hash(const struct sigv4_request *req, const struct sigv4_params *p,
			 int presign, struct sigv4_parts *parts)
{
	const char *given = NULL;
	if (p->unsigned_payload) {
		strcpy(parts->payload_hash, UNSIGNED_PAYLOAD);
		return;
	}
	if (!presign && !p->add_content_sha256_header && req->headers)
		given = http_headers_get(req->headers, "x-amz-content-sha256");
	if (given && *given && strlen(given) < sizeof(parts->payload_hash)) {
		struct buf t = BUF_INIT;
		trim_all(&t, given);
		snprintf(parts->payload_hash, sizeof(parts->payload_hash), "%s", buf_cstr(&t));
		buf_free(&t);
		return;
	}
	sigv4_sha256_hex(req->body, req->body ? req->body_len : 0, parts->payload_hash);
}

/* Whether the caller's header (name signed form lname) is left out: never
 * signed, or one sigv4_sign_headers() sets itself. */
static int header_skipped(const char *lname, const struct sigv4_params *p, int presign)
{
	if (is_never_signed(lname))
		return 1;
	if (presign)
		return 0;
	return strcmp(lname, "x-amz-date") == 0 ||
	       (sigv4_session_token(p) && strcmp(lname, "x-amz-security-token") == 0) ||
	       (p->add_content_sha256_header && strcmp(lname, "x-amz-content-sha256") == 0);
}

/* The headers to sign: the caller's, less the ones we own, plus ours;
 * sorted. sh gets their ';'-joined names. */
static void canonical_headers(const struct sigv4_request *req, const struct sigv4_params *p,
			      int presign, const struct sigv4_parts *parts,
			      struct pair_list *hl, struct buf *sh)
{
	const char *token = sigv4_session_token(p);
	int have_host = 0;
	for (size_t i = 0; req->headers && i < req->headers->n; i++) {
		const struct http_header *h = &req->headers->v[i];
		struct buf ln = BUF_INIT;
		header_name(&ln, h->name);
		if (ln.len && !header_skipped(ln.data, p, presign)) {
			if (strcmp(ln.data, "host") == 0)
				have_host = 1;
			headers_push(hl, h->name, h->value);
		}
		buf_free(&ln);
	}
	if (!have_host)
		headers_push(hl, "host", buf_cstr(&parts->host));
	if (!presign) {
		headers_push(hl, "x-amz-date", parts->amz_date);
		if (token && !p->omit_session_token)
			headers_push(hl, "x-amz-security-token", token);
		if (p->add_content_sha256_header)
			headers_push(hl, "x-amz-content-sha256", parts->payload_hash);
	}
	qsort(hl->v, hl->n, sizeof(*hl->v), header_cmp);
	for (size_t i = 0; i < hl->n; i++) {
		if (i && strcmp(hl->v[i].name, hl->v[i - 1].name) == 0)
			continue;
		if (sh->len)
			buf_putc(sh, ';');
		buf_puts(sh, hl->v[i].name);
	}
}

/* The query to sign: the request's, plus the X-Amz-* ones when presigning;
 * sorted. */
static void canonical_query(const struct sigv4_params *p, int presign,
			    const struct sigv4_parts *parts, const struct buf *sh,
			    struct pair_list *pl)
{
	const char *token = sigv4_session_token(p);
	params_parse(pl, buf_cstr(&parts->query));
	if (presign) {
		struct buf cred = BUF_INIT, exp = BUF_INIT;
		buf_printf(&cred, "%s/%s", p->creds->access_key_id, buf_cstr(&parts->scope));
		buf_printf(&exp, "%ld", p->expires);
		params_add_encoded(pl, "X-Amz-Algorithm", 15, SIGV4_ALGORITHM, strlen(SIGV4_ALGORITHM));
		params_add_encoded(pl, "X-Amz-Credential", 16, cred.data, cred.len);
		params_add_encoded(pl, "X-Amz-Date", 10, parts->amz_date, 16);
		params_add_encoded(pl, "X-Amz-Expires", 13, exp.data, exp.len);
		if (token && !p->omit_session_token)
			params_add_encoded(pl, "X-Amz-Security-Token", 20, token, strlen(token));
		params_add_encoded(pl, "X-Amz-SignedHeaders", 19, buf_cstr(sh), sh->len);
		buf_free(&cred);
		buf_free(&exp);
	}
	if (pl->n)
		qsort(pl->v, pl->n, sizeof(*pl->v), param_cmp);
}

/* method \n uri \n query \n headers \n\n signed headers \n payload hash */
static void write_canonical(struct buf *out, const struct sigv4_request *req,
			    const struct sigv4_params *p, const struct sigv4_parts *parts,
			    const struct pair_list *hl, const struct pair_list *pl,
			    const struct buf *sh)
{
	buf_reset(out);
	buf_printf(out, "%s\n", req->method ? req->method : "GET");
	canonical_uri(out, buf_cstr(&parts->path), p->normalize_path);
	buf_putc(out, '\n');
	for (size_t i = 0; i < pl->n; i++)
		buf_printf(out, "%s%s=%s", i ? "&" : "", pl->v[i].name, pl->v[i].value);
	buf_putc(out, '\n');
	for (size_t i = 0; i < hl->n; i++) {
		if (i && strcmp(hl->v[i].name, hl->v[i - 1].name) == 0) {
			buf_printf(out, ",%s", hl->v[i].value);
			continue;
		}
		buf_printf(out, "%s%s:%s", i ? "\n" : "", hl->v[i].name, hl->v[i].value);
	}
	buf_printf(out, "\n\n%s\n%s", buf_cstr(sh), parts->payload_hash);
}

void sigv4_build_canonical(const struct sigv4_request *req, const struct sigv4_params *p,
			   int presign, struct sigv4_parts *parts, struct buf *out,
			   struct buf *signed_headers)
{
	struct pair_list hl = { 0 }, pl = { 0 };
	struct buf sh = BUF_INIT;

	payload_hash(req, p, presign, parts);
	canonical_headers(req, p, presign, parts, &hl, &sh);
	canonical_query(p, presign, parts, &sh, &pl);
	write_canonical(out, req, p, parts, &hl, &pl, &sh);
	if (signed_headers) {
		buf_reset(signed_headers);
		buf_append(signed_headers, sh.data, sh.len);
	}
	buf_free(&sh);
	pairs_free(&hl);
	pairs_free(&pl);
}

int sigv4_canonical_request(const struct sigv4_request *req, const struct sigv4_params *p,
			    int presign, struct buf *out, struct buf *signed_headers,
			    struct ivs_error *err)
{
	struct sigv4_parts parts;
	if (sigv4_parts_init(&parts, req, p, err) < 0)
		return -1;
	sigv4_build_canonical(req, p, presign, &parts, out, signed_headers);
	sigv4_parts_free(&parts);
	return 0;
}
