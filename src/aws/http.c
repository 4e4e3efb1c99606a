/*
 * http.c - HTTP over libcurl (see http.h): one request at a time on a kept
 * easy handle, or many at once on a multi handle.
 *
 * Owns: the easy handle for synchronous sends, the multi handle and a pool of
 * easy handles for concurrent ones, and a share handle (connections, DNS,
 * TLS sessions) that both modes use, so a fan-out after a single call reuses
 * its connection. Policy fixed here for every caller: TLS peer and host
 * verification always on, only http and https, no redirects, no signal
 * handlers (CURLOPT_NOSIGNAL: we run inside Lambda and a CLI with its own
 * SIGINT handling). Request headers are never logged: they carry
 * Authorization and session tokens.
 */
#include "http.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#ifndef IVSVC_VERSION
#define IVSVC_VERSION "0"
#endif

#define DEFAULT_CONNECT_TIMEOUT_MS 3000L
#define DEFAULT_TIMEOUT_MS 60000L
#define DEFAULT_MAX_BODY ((size_t)64 << 20)

/* Where CA bundles live when curl's compiled-in default is missing: Amazon
 * Linux (provided.al2023, where the handler runs), then Debian/Ubuntu. */
static const char *const known_ca_bundles[] = {
	"/etc/pki/tls/certs/ca-bundle.crt",
	"/etc/ssl/certs/ca-certificates.crt",
};

/* One transfer's state while curl owns it. */
struct http_transfer {
	struct http_client *owner;
	CURL *easy;
	struct curl_slist *headers;
	struct http_response *resp;
	void *user;
	int too_big;
	int shared;                  /* CURLOPT_SHARE set (survives curl_easy_reset) */
	http_progress_fn progress;   /* the request's upload progress hook */
	void *progress_user;
	char errbuf[CURL_ERROR_SIZE];
	struct http_transfer *next;  /* in the free pool, or in the active list */
	struct http_transfer *prev;  /* in the active list */
};

struct http_client {
	long connect_timeout_ms;
	long timeout_ms;
	size_t max_body;
	char *ca_bundle;            /* NULL: leave curl's default */
	char *ca_path;              /* SSL_CERT_DIR, when set */
	char *no_proxy;             /* the environment's no_proxy plus what must never be proxied */
	CURLSH *share;
	struct http_transfer sync;  /* the kept easy handle for http_send */
	CURLM *multi;
	struct http_transfer *pool; /* finished transfers, their easy handles kept */
	struct http_transfer *active; /* transfers inside the multi handle */
	size_t running;
};

/* --- headers --- */

void http_headers_add(struct http_headers *h, const char *name, const char *value)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 8;
		h->v = xrealloc(h->v, h->cap * sizeof(*h->v));
	}
	h->v[h->n].name = xstrdup(name);
	h->v[h->n].value = xstrdup(value ? value : "");
	h->n++;
}

void http_headers_set(struct http_headers *h, const char *name, const char *value)
{
	size_t w = 0;
	for (size_t i = 0; i < h->n; i++) {
		if (strcasecmp(h->v[i].name, name) == 0) {
			free(h->v[i].name);
			free_secret(h->v[i].value);
			continue;
		}
		h->v[w++] = h->v[i];
	}
	h->n = w;
	http_headers_add(h, name, value);
}

const char *http_headers_get(const struct http_headers *h, const char *name)
{
	for (size_t i = 0; i < h->n; i++)
		if (strcasecmp(h->v[i].name, name) == 0)
			return h->v[i].value;
	return NULL;
}

void http_headers_free(struct http_headers *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free(h->v[i].name);
		free_secret(h->v[i].value); /* may be Authorization or a token */
	}
	free(h->v);
	h->v = NULL;
	h->n = h->cap = 0;
}

void http_response_free(struct http_response *r)
{
	http_headers_free(&r->headers);
	buf_free(&r->body);
}

void http_response_reset(struct http_response *r)
{
	http_response_free(r);
	memset(r, 0, sizeof(*r));
}

/* --- client --- */

static int file_exists(const char *path)
{
	return path && *path && access(path, R_OK) == 0;
}

/* options->ca_bundle, SSL_CERT_FILE, curl's default if present, known paths. */
static char *pick_ca_bundle(const char *explicit_bundle, CURL *probe)
{
	if (explicit_bundle && *explicit_bundle)
		return xstrdup(explicit_bundle);
	const char *env = getenv("SSL_CERT_FILE");
	if (env && *env)
		return xstrdup(env);
	char *builtin = NULL;
	if (curl_easy_getinfo(probe, CURLINFO_CAINFO, &builtin) == CURLE_OK && file_exists(builtin))
		return NULL;
	for (size_t i = 0; i < sizeof(known_ca_bundles) / sizeof(known_ca_bundles[0]); i++)
		if (file_exists(known_ca_bundles[i]))
			return xstrdup(known_ca_bundles[i]);
	return NULL; /* nothing better: curl's default, and TLS will say what failed */
}

/* Setting CURLOPT_NOPROXY replaces the environment's no_proxy, so keep it. */
static char *build_no_proxy(void)
{
	const char *env = getenv("no_proxy");
	if (!env || !*env)
		env = getenv("NO_PROXY");
	const char *fixed = "localhost,127.0.0.1,::1,169.254.169.254,169.254.170.2,169.254.170.23,fd00:ec2::254";
	if (env && strcmp(env, "*") == 0)
		return xstrdup("*");
	return env && *env ? xasprintf("%s,%s", fixed, env) : xstrdup(fixed);
}

struct http_client *http_client_new(const struct http_options *opt)
{
	static int global_done;
	if (!global_done) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		global_done = 1;
	}
	struct http_client *c = xcalloc(1, sizeof(*c));
	c->connect_timeout_ms = opt && opt->connect_timeout_ms > 0 ? opt->connect_timeout_ms
								    : DEFAULT_CONNECT_TIMEOUT_MS;
	c->timeout_ms = opt && opt->timeout_ms > 0 ? opt->timeout_ms : DEFAULT_TIMEOUT_MS;
	c->max_body = opt && opt->max_body > 0 ? opt->max_body : DEFAULT_MAX_BODY;

	c->share = curl_share_init();
	if (!c->share) {
		free(c);
		return NULL;
	}
	/* Single-threaded use only: no lock callbacks needed. */
	curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
	curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);

	c->sync.owner = c;
	c->sync.easy = curl_easy_init();
	c->multi = curl_multi_init();
	if (!c->sync.easy || !c->multi) {
		http_client_free(c);
		return NULL;
	}
	c->ca_bundle = pick_ca_bundle(opt ? opt->ca_bundle : NULL, c->sync.easy);
	c->no_proxy = build_no_proxy();
	const char *dir = getenv("SSL_CERT_DIR");
	if (dir && *dir)
		c->ca_path = xstrdup(dir);
	return c;
}

static void transfer_free(struct http_transfer *t)
{
	curl_slist_free_all(t->headers);
	t->headers = NULL;
	if (t->easy)
		curl_easy_cleanup(t->easy);
	t->easy = NULL;
}

void http_client_free(struct http_client *c)
{
	if (!c)
		return;
	/* Transfers still in the multi handle belong to a caller that gave up;
	 * their easy handles are reachable only through the multi. */
	while (c->active) {
		struct http_transfer *t = c->active;
		c->active = t->next;
		curl_multi_remove_handle(c->multi, t->easy);
		transfer_free(t);
		free(t);
	}
	while (c->pool) {
		struct http_transfer *t = c->pool;
		c->pool = t->next;
		transfer_free(t);
		free(t);
	}
	transfer_free(&c->sync);
	if (c->multi)
		curl_multi_cleanup(c->multi);
	if (c->share)
		curl_share_cleanup(c->share);
	free(c->ca_bundle);
	free(c->ca_path);
	free(c->no_proxy);
	free(c);
}

/* --- one transfer's setup and result --- */

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct http_transfer *t = userdata;
	size_t n = size * nmemb;
	if (t->resp->body.len + n > t->owner->max_body) {
		t->too_big = 1;
		return 0; /* aborts the transfer: an error, never a truncated body */
	}
	/* Bodies may carry credentials (IMDS, container endpoint, STS): growing
	 * the buffer must not leave copies in freed memory. */
	buf_append_wipe(&t->resp->body, ptr, n);
	return n;
}

static size_t on_header(char *ptr, size_t size, size_t nitems, void *userdata)
{
	struct http_transfer *t = userdata;
	size_t n = size * nitems;
	/* A new status line (after a 100 Continue or an interim response)
	 * starts a new set of headers. */
	if (n >= 5 && memcmp(ptr, "HTTP/", 5) == 0) {
		http_headers_free(&t->resp->headers);
		return n;
	}
	const char *colon = memchr(ptr, ':', n);
	if (!colon)
		return n; /* the blank line that ends the headers */
	size_t nlen = (size_t)(colon - ptr);
	const char *v = colon + 1, *end = ptr + n;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && isspace((unsigned char)end[-1]))
		end--;
	char *name = xstrndup(ptr, nlen);
	char *value = xstrndup(v, (size_t)(end - v));
	http_headers_add(&t->resp->headers, name, value);
	free(name);
	free(value);
	return n;
}

static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow,
		       curl_off_t ultotal, curl_off_t ulnow)
{
	struct http_transfer *t = userdata;
	(void)dltotal;
	(void)dlnow;
	return t->progress(t->progress_user, (long long)ulnow, (long long)ultotal);
}

static int build_header_list(const struct http_request *req, struct curl_slist **out)
{
	struct curl_slist *l = NULL;
	for (size_t i = 0; i < req->headers.n; i++) {
		const struct http_header *h = &req->headers.v[i];
		/* curl drops "Name:"; "Name;" sends the header with an empty value. */
		char *line = h->value && *h->value ? xasprintf("%s: %s", h->name, h->value)
						   : xasprintf("%s;", h->name);
		struct curl_slist *nl = curl_slist_append(l, line);
		free_secret(line);
		if (!nl) {
			curl_slist_free_all(l);
			return -1;
		}
		l = nl;
	}
	/* No "Expect: 100-continue" round trip; no Accept header curl invents. */
	if (!http_headers_get(&req->headers, "Expect"))
		l = curl_slist_append(l, "Expect:");
	if (!http_headers_get(&req->headers, "Accept") && l)
		l = curl_slist_append(l, "Accept:");
	if (!l)
		return -1;
	*out = l;
	return 0;
}

static int setup_transfer(struct http_transfer *t, const struct http_request *req,
			  struct http_response *resp)
{
	struct http_client *c = t->owner;
	CURL *e = t->easy;
	curl_easy_reset(e); /* keeps live connections, DNS and TLS session caches */
	curl_slist_free_all(t->headers);
	t->headers = NULL;
	t->resp = resp;
	t->too_big = 0;
	t->errbuf[0] = '\0';
	http_response_reset(resp);

	if (build_header_list(req, &t->headers) < 0)
		return -1;
	if (!t->shared) {
		curl_easy_setopt(e, CURLOPT_SHARE, c->share);
		t->shared = 1;
	}
	curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)t);
	curl_easy_setopt(e, CURLOPT_URL, req->url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	/* The path goes out byte for byte as signed: curl must not squash
	 * "/./" or "/../" (S3 keys may contain them). */
	curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L);
	/* Credentials endpoints (instance metadata, the container agent) and
	 * loopback are never reached through a proxy from the environment. */
	curl_easy_setopt(e, CURLOPT_NOPROXY, c->no_proxy);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->ca_bundle)
		curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_bundle);
	if (c->ca_path)
		curl_easy_setopt(e, CURLOPT_CAPATH, c->ca_path);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : c->timeout_ms);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->max_body);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "ivsvc/" IVSVC_VERSION);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
	t->progress = req->progress;
	t->progress_user = req->progress_user;
	if (req->progress) {
		curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(e, CURLOPT_XFERINFODATA, t);
		curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
	}

	const char *m = req->method ? req->method : "GET";
	const void *body = req->body ? req->body : "";
	if (strcmp(m, "GET") == 0 && !req->body_len) {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	} else if (strcmp(m, "HEAD") == 0) {
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	} else if (strcmp(m, "DELETE") == 0 && !req->body_len) {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "DELETE");
	} else {
		/* POST, PUT and anything with a body: the body as given, with its
		 * Content-Length (an empty PUT sends "Content-Length: 0"). */
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
		if (strcmp(m, "POST") != 0)
			curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m);
	}
	return 0;
}

/* Fills status and the transport fields once curl is done with t. */
static void finish_transfer(struct http_transfer *t, CURLcode rc)
{
	struct http_response *r = t->resp;
	long status = 0;
	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
	if (rc == CURLE_OK) {
		r->status = status;
	} else {
		/* A response that did not arrive whole is no response. */
		r->status = 0;
		r->transport_error = (int)rc;
		r->timed_out = rc == CURLE_OPERATION_TIMEDOUT;
		/* A certificate that does not verify will not verify next time either. */
		r->permanent = rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
			       rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_SSL_ISSUER_ERROR ||
			       rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH || rc == CURLE_URL_MALFORMAT ||
			       rc == CURLE_UNSUPPORTED_PROTOCOL || t->too_big ||
			       rc == CURLE_FILESIZE_EXCEEDED;
		if (t->too_big || rc == CURLE_FILESIZE_EXCEEDED)
			snprintf(r->transport_msg, sizeof(r->transport_msg),
				 "response body larger than the %zu-byte limit", t->owner->max_body);
		else
			snprintf(r->transport_msg, sizeof(r->transport_msg), "%s",
				 t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc));
		buf_free(&r->body);
	}
	curl_slist_free_all(t->headers);
	t->headers = NULL;
	t->resp = NULL;
}

static void fail_setup(struct http_response *resp)
{
	http_response_reset(resp);
	resp->transport_error = CURLE_OUT_OF_MEMORY;
	snprintf(resp->transport_msg, sizeof(resp->transport_msg),
		 "could not set up the request's headers");
}

int http_send(struct http_client *c, const struct http_request *req, struct http_response *resp)
{
	if (setup_transfer(&c->sync, req, resp) < 0) {
		fail_setup(resp);
		return -1;
	}
	CURLcode rc = curl_easy_perform(c->sync.easy);
	finish_transfer(&c->sync, rc);
	return rc == CURLE_OK ? 0 : -1;
}

/* --- concurrent mode --- */

void http_multi_set_max_connections(struct http_client *c, size_t max_conn)
{
	curl_multi_setopt(c->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)max_conn);
	curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)max_conn);
	/* Keep as many idle connections as may be busy at once, for reuse. */
	if (max_conn)
		curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, (long)max_conn);
}

int http_multi_start(struct http_client *c, const struct http_request *req,
		     struct http_response *resp, void *user)
{
	struct http_transfer *t = c->pool;
	if (t) {
		c->pool = t->next;
	} else {
		t = xcalloc(1, sizeof(*t));
		t->owner = c;
		t->easy = curl_easy_init();
		if (!t->easy) {
			free(t);
			fail_setup(resp);
			return -1;
		}
	}
	t->next = NULL;
	t->user = user;
	if (setup_transfer(t, req, resp) < 0 || curl_multi_add_handle(c->multi, t->easy) != CURLM_OK) {
		curl_slist_free_all(t->headers);
		t->headers = NULL;
		t->next = c->pool;
		c->pool = t;
		fail_setup(resp);
		return -1;
	}
	t->prev = NULL;
	t->next = c->active;
	if (c->active)
		c->active->prev = t;
	c->active = t;
	c->running++;
	return 0;
}

size_t http_multi_run(struct http_client *c, long wait_ms,
		      void (*done)(void *user, void *ctx), void *ctx)
{
	int still = 0;
	curl_multi_perform(c->multi, &still);
	int finished = 0;
	for (;;) {
		int left = 0;
		CURLMsg *msg = curl_multi_info_read(c->multi, &left);
		if (!msg)
			break;
		if (msg->msg != CURLMSG_DONE)
			continue;
		struct http_transfer *t = NULL;
		CURL *e = msg->easy_handle;
		CURLcode rc = msg->data.result;
		curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&t);
		curl_multi_remove_handle(c->multi, e);
		finish_transfer(t, rc);
		if (t->prev)
			t->prev->next = t->next;
		else
			c->active = t->next;
		if (t->next)
			t->next->prev = t->prev;
		c->running--;
		void *user = t->user;
		t->user = NULL;
		t->next = c->pool;
		c->pool = t;
		finished++;
		if (done)
			done(user, ctx);
	}
	/* Wait only when nothing finished: the caller has work to do now. */
	if (!finished && wait_ms > 0)
		curl_multi_poll(c->multi, NULL, 0, (int)wait_ms, NULL);
	return c->running;
}
