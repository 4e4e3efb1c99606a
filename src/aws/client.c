/*
 * client.c - signed AWS calls (see client.h): the client's credentials,
 * region and endpoints, one attempt built by attempt_prepare() and judged by
 * attempt_judge() (the retry policy: classification, quota, backoff, clock
 * skew), and the synchronous sender. The concurrent sender (ops.c) uses the
 * same two steps, so both retry the same way; error bodies are read by the
 * op's protocol (service_error.h).
 *
 * Owns: the client's credentials (refreshed before they expire), region,
 * endpoint cache, retry quota and measured clock skew.
 */
#include "client.h"

#include "attempt.h"

#include <curl/curl.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "profile.h"
#include "sigv4.h"

#define DEFAULT_MAX_ATTEMPTS 3
#define MAX_BACKOFF_MS 20000.0
#define RETRY_QUOTA_MAX 500
#define RETRY_COST 5
#define RETRY_COST_TIMEOUT 10
#define NO_RETRY_INCREMENT 1
#define CREDS_REFRESH_MARGIN_S 300   /* refresh 5 minutes before expiry, as the SDKs */
#define SKEW_THRESHOLD_MS (4LL * 60 * 1000)

/* --- time and randomness --- */

long long clock_wall_ms(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

long long clock_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long aws_client_now_ms(const struct aws_client *c)
{
	return clock_wall_ms() + (c ? c->skew_ms : 0);
}

static void sleep_ms(long long ms)
{
	if (ms <= 0)
		return;
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Jitter needs spread, not secrecy: xorshift64* seeded from time and pid. */
static double rand01(struct aws_client *c)
{
	unsigned long long x = c->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	c->rng = x;
	return (double)((x * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

/* --- the client --- */

static void creds_copy(struct aws_creds *dst, const struct aws_creds *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->access_key_id = xstrdup(src->access_key_id);
	dst->secret_access_key = xstrdup(src->secret_access_key);
	dst->session_token = xstrdup(src->session_token);
	dst->expiration = src->expiration;
	snprintf(dst->source, sizeof(dst->source), "%s", src->source);
	snprintf(dst->warning, sizeof(dst->warning), "%s", src->warning);
}

static int max_attempts_configured(const char *profile)
{
	const char *env = getenv("AWS_MAX_ATTEMPTS");
	if (env && *env) {
		char *end;
		long v = strtol(env, &end, 10);
		if (*end == '\0' && v >= 1 && v <= 100)
			return (int)v;
	}
	char *path = profile_config_path();
	struct ivs_error ignored;
	char *v = path ? profile_ini_get(path, 1, profile_name(profile), "max_attempts", &ignored)
		       : NULL;
	free(path);
	int n = 0;
	if (v) {
		char *end;
		long l = strtol(v, &end, 10);
		if (*end == '\0' && l >= 1 && l <= 100)
			n = (int)l;
		free(v);
	}
	return n ? n : DEFAULT_MAX_ATTEMPTS;
}

int aws_client_new(const struct aws_client_options *o, struct aws_client **out,
		   struct ivs_error *err)
{
	struct aws_client_options none = { 0 };
	if (!o)
		o = &none;
	*out = NULL;
	struct aws_client *c = xcalloc(1, sizeof(*c));
	c->profile = xstrdup(o->profile);
	if (region_resolve(o->region, o->profile, c->region, sizeof(c->region), err) < 0) {
		free(c->profile);
		free(c);
		return -1;
	}
	if (o->creds) {
		creds_copy(&c->creds, o->creds);
		c->creds_given = 1;
	} else if (creds_resolve(o->profile, &c->creds, err) < 0) {
		free(c->profile);
		free(c);
		return -1;
	}
	c->max_attempts = o->max_attempts > 0 ? o->max_attempts : max_attempts_configured(o->profile);
	c->backoff_base_ms = o->backoff_base_s > 0 ? o->backoff_base_s * 1000.0 : 1000.0;
	const char *base_env = getenv("IVSVC_RETRY_BASE_MS");
	if (o->backoff_base_s <= 0 && base_env && *base_env) {
		char *end;
		double v = strtod(base_env, &end);
		if (*end == '\0' && v >= 0 && v <= 60000)
			c->backoff_base_ms = v;
	}
	c->no_jitter = o->backoff_no_jitter;
	c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 60000;
	c->quota = RETRY_QUOTA_MAX;
	c->rng = ((unsigned long long)clock_wall_ms() << 16) ^ (unsigned long long)getpid() ^
		 (unsigned long long)(uintptr_t)c;
	if (!c->rng)
		c->rng = 88172645463325252ULL;
	struct http_options ho = { 0 };
	ho.connect_timeout_ms = o->connect_timeout_ms;
	ho.timeout_ms = c->timeout_ms;
	char *ca_bundle = NULL;
	if (profile_ca_bundle(o->profile, &ca_bundle, err) < 0) {
		aws_client_free(c);
		return -1;
	}
	ho.ca_bundle = ca_bundle;
	c->http = http_client_new(&ho);
	free(ca_bundle);
	if (!c->http) {
		aws_client_free(c);
		return ivs_error_set_kind(err, IVS_ERR_NETWORK, "NetworkError",
					  "could not initialise libcurl");
	}
	*out = c;
	return 0;
}

void aws_client_free(struct aws_client *c)
{
	if (!c)
		return;
	http_client_free(c->http);
	creds_free(&c->creds);
	free(c->profile);
	free(c);
}

const char *aws_client_region(const struct aws_client *c)
{
	return c->region;
}

const struct aws_creds *aws_client_creds(const struct aws_client *c)
{
	return &c->creds;
}

int aws_client_endpoint(const struct aws_client *c, const struct aws_service *svc,
			struct aws_endpoint *out, struct ivs_error *err)
{
	for (size_t i = 0; i < c->n_eps; i++) {
		if (c->eps[i].svc == svc) {
			*out = c->eps[i].ep;
			return 0;
		}
	}
	return endpoint_resolve_profile(svc, c->region, c->profile, out, err);
}

/* --- ops --- */

void aws_op_init(struct aws_op *op, const struct aws_service *svc, const char *name,
		 const char *method)
{
	memset(op, 0, sizeof(*op));
	op->svc = svc;
	op->name = name;
	snprintf(op->method, sizeof(op->method), "%s", method ? method : "POST");
}

void aws_op_free(struct aws_op *op)
{
	buf_free(&op->path);
	http_headers_free(&op->headers);
	buf_free(&op->body);
	http_response_free(&op->resp);
}

/* "IVS PutMetadata": botocore's service ids are mostly capitalised already;
 * the all-lower-case ones ("ivs") read better upper-cased. */
void op_label(const struct aws_op *op, char *out, size_t n)
{
	const char *id = op->svc && op->svc->service_id ? op->svc->service_id : "AWS";
	int has_upper = 0;
	for (const char *p = id; *p; p++)
		has_upper |= isupper((unsigned char)*p);
	size_t w = 0;
	for (const char *p = id; *p && w + 1 < n; p++)
		out[w++] = has_upper ? *p : (char)toupper((unsigned char)*p);
	out[w] = '\0';
	if (op->name && *op->name)
		snprintf(out + w, n - w, " %s", op->name);
}

static int get_endpoint(struct aws_client *c, const struct aws_service *svc,
			const struct aws_endpoint **out, struct ivs_error *err)
{
	for (size_t i = 0; i < c->n_eps; i++) {
		if (c->eps[i].svc == svc) {
			*out = &c->eps[i].ep;
			return 0;
		}
	}
	struct aws_endpoint ep;
	if (aws_client_endpoint(c, svc, &ep, err) < 0)
		return -1;
	size_t slot = c->n_eps < AWS_MAX_CACHED_ENDPOINTS ? c->n_eps++ : AWS_MAX_CACHED_ENDPOINTS - 1;
	c->eps[slot].svc = svc;
	c->eps[slot].ep = ep;
	*out = &c->eps[slot].ep;
	return 0;
}

static int refresh_creds(struct aws_client *c, struct ivs_error *err)
{
	time_t now = time(NULL);
	if (c->creds_given || !creds_expiring(&c->creds, now, CREDS_REFRESH_MARGIN_S))
		return 0;
	struct aws_creds fresh;
	struct ivs_error e;
	if (creds_resolve(c->profile, &fresh, &e) == 0) {
		creds_free(&c->creds);
		c->creds = fresh;
		return 0;
	}
	/* Keep using the old ones while they are still valid. */
	if (!creds_expiring(&c->creds, now, 0))
		return 0;
	if (err)
		*err = e;
	return ivs_error_prefix(err, "credentials expired and could not be refreshed");
}


void attempt_free(struct attempt *a)
{
	free(a->url);
	http_headers_free(&a->headers);
	memset(a, 0, sizeof(*a));
}

int attempt_prepare(struct aws_client *c, struct aws_op *op, struct attempt *a,
		    struct ivs_error *err)
{
	memset(a, 0, sizeof(*a));
	char label[160];
	op_label(op, label, sizeof(label));
	const struct aws_endpoint *ep;
	if (refresh_creds(c, err) < 0 || get_endpoint(c, op->svc, &ep, err) < 0)
		return ivs_error_prefix(err, "%s", label);
	const char *path = op->path.len ? op->path.data : "/";
	a->url = xasprintf("%s%s%s", ep->url, path[0] == '/' ? "" : "/", path);
	for (size_t i = 0; i < op->headers.n; i++)
		http_headers_add(&a->headers, op->headers.v[i].name, op->headers.v[i].value);

	const void *body = op->body_ref ? op->body_ref : op->body.data;
	size_t body_len = op->body_ref ? op->body_ref_len : op->body.len;
	struct sigv4_request sreq = { op->method, a->url, &op->headers, body, body_len };
	struct sigv4_params p = { 0 };
	p.region = ep->signing_region;
	p.service = op->svc->signing_name;
	p.creds = &c->creds;
	p.now = (time_t)(aws_client_now_ms(c) / 1000);
	p.normalize_path = !op->svc->is_s3;
	p.add_content_sha256_header = op->svc->is_s3;
	/* No key: an anonymous call (STS AssumeRoleWithWebIdentity is unsigned). */
	if (c->creds.access_key_id && sigv4_sign_headers(&sreq, &p, &a->headers, err) < 0) {
		attempt_free(a);
		return ivs_error_prefix(err, "%s", label);
	}
	a->req.method = op->method;
	a->req.url = a->url;
	a->req.headers = a->headers;
	a->req.body = body;
	a->req.body_len = body_len;
	a->req.timeout_ms = op->timeout_ms;
	a->req.progress = op->progress;
	a->req.progress_user = op->progress_user;
	return 0;
}


static void host_of(const char *url, char *out, size_t n)
{
	out[0] = '\0';
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL;
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK && port)
			snprintf(out, n, "%s:%s", host, port);
		else
			snprintf(out, n, "%s", host);
	}
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
}

/* Server time minus ours, when the response says it and it is far off. */
static int measured_skew(const struct http_response *resp, long long *skew)
{
	const char *date = http_headers_get(&resp->headers, "Date");
	if (!date)
		return 0;
	time_t server = curl_getdate(date, NULL);
	if (server < 0)
		return 0;
	long long d = (long long)server * 1000 - clock_wall_ms();
	if (llabs(d) <= SKEW_THRESHOLD_MS)
		return 0;
	*skew = d;
	return 1;
}

static long long backoff_ms(struct aws_client *c, int attempts)
{
	int exp = attempts - 1 < 30 ? attempts - 1 : 30;
	double d = c->backoff_base_ms * ldexp(1.0, exp);
	if (!c->no_jitter)
		d *= rand01(c);
	if (d > MAX_BACKOFF_MS)
		d = MAX_BACKOFF_MS;
	return (long long)d;
}

static void append_msg(struct ivs_error *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void append_msg(struct ivs_error *e, const char *fmt, ...)
{
	size_t len = strlen(e->message);
	va_list ap;
	va_start(ap, fmt);
	if (len + 1 < sizeof(e->message))
		vsnprintf(e->message + len, sizeof(e->message) - len, fmt, ap);
	va_end(ap);
}

/* Decides what the attempt that just finished means; fills op->rc/op->err
 * when final, *delay_ms when it is to be retried. */
enum verdict attempt_judge(struct aws_client *c, struct op_track *t, const char *url,
			   long long *delay_ms)
{
	struct aws_op *op = t->op;
	struct http_response *r = &op->resp;
	char label[160];
	op_label(op, label, sizeof(label));
	*delay_ms = 0;
	int cost;

	if (!r->transport_error && r->status >= 200 && r->status < 300) {
		c->quota += t->last_cost ? t->last_cost : NO_RETRY_INCREMENT;
		if (c->quota > RETRY_QUOTA_MAX)
			c->quota = RETRY_QUOTA_MAX;
		t->last_cost = 0;
		ivs_error_clear(&op->err);
		op->rc = 0;
		return VERDICT_OK;
	}
	t->last_cost = 0;
	if (r->transport_error) {
		char host[300];
		host_of(url, host, sizeof(host));
		ivs_error_set_kind(&op->err, r->timed_out ? IVS_ERR_TIMEOUT : IVS_ERR_NETWORK,
				   "NetworkError", "%s: cannot reach %s: %s", label,
				   host[0] ? host : "the endpoint", r->transport_msg);
		op->err.retryable = !r->permanent;
		cost = r->timed_out ? RETRY_COST_TIMEOUT : RETRY_COST;
	} else {
		struct ivs_error *e = &op->err;
		aws_parse_error_with(r, op->read_error, e);
		if (e->message[0])
			ivs_error_prefix(e, "%s", label);
		else
			snprintf(e->message, sizeof(e->message),
				 "%s: the service answered HTTP %ld with no error details", label,
				 r->status);
		long long skew;
		if (aws_error_is_skew(e->code) && !t->skew_retried && measured_skew(r, &skew)) {
			c->skew_ms = skew;
			t->skew_retried = 1;
			return VERDICT_RETRY; /* at once, with the corrected clock */
		}
		e->retryable = aws_error_is_throttling(e->code, r->status) ||
			       aws_error_is_transient(e->code, r->status);
		cost = RETRY_COST;
	}
	if (!op->err.retryable) {
		op->rc = -1;
		return VERDICT_FAIL;
	}
	if (op->attempts - t->skew_retried >= c->max_attempts) {
		if (op->attempts > 1)
			append_msg(&op->err, " (gave up after %d attempts)", op->attempts);
		op->rc = -1;
		return VERDICT_FAIL;
	}
	if (c->quota < cost) {
		append_msg(&op->err, " (not retried: the client's retry quota is exhausted)");
		op->rc = -1;
		return VERDICT_FAIL;
	}
	c->quota -= cost;
	t->last_cost = cost;
	*delay_ms = backoff_ms(c, op->attempts - t->skew_retried);
	return VERDICT_RETRY;
}

void op_reset_results(struct aws_op *op)
{
	http_response_reset(&op->resp);
	ivs_error_clear(&op->err);
	op->attempts = 0;
	op->rc = -1;
}

int aws_op_send(struct aws_client *c, struct aws_op *op, struct ivs_error *err)
{
	struct op_track t = { op, 0, 0, 0 };
	op_reset_results(op);
	for (;;) {
		struct attempt a;
		if (attempt_prepare(c, op, &a, &op->err) < 0) {
			op->rc = -1;
			break;
		}
		op->attempts++;
		http_send(c->http, &a.req, &op->resp);
		long long delay;
		enum verdict v = attempt_judge(c, &t, a.url, &delay);
		attempt_free(&a);
		if (v != VERDICT_RETRY)
			break;
		sleep_ms(delay);
	}
	if (err) {
		if (op->rc < 0)
			*err = op->err;
		else
			ivs_error_clear(err);
	}
	return op->rc;
}

