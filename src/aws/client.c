/*
 * client.c - signed AWS calls (see client.h): endpoint + sigv4 + http, the
 * "standard" retry mode, error parsing, and the concurrent scheduler.
 *
 * Owns: the client's credentials (refreshed before they expire), region,
 * endpoint cache, retry quota and measured clock skew. One attempt is built
 * by attempt_prepare() and judged by attempt_judge(); the synchronous and
 * the concurrent senders differ only in how they wait between attempts, so
 * both retry the same way.
 */
#include "client.h"

#include <curl/curl.h>
#include <ctype.h>
#include <errno.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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
#define MAX_CACHED_ENDPOINTS 16
#define DEFAULT_MAX_IN_FLIGHT 64

struct endpoint_cache {
	const struct aws_service *svc;
	struct aws_endpoint ep;
};

struct aws_client {
	char *profile;                /* explicit --profile, or NULL */
	char region[64];
	struct aws_creds creds;
	int creds_given;              /* copied from the options: never re-resolved */
	struct http_client *http;
	int max_attempts;
	double backoff_base_ms;
	int no_jitter;
	long timeout_ms;
	int quota;
	long long skew_ms;            /* server time - local time */
	unsigned long long rng;
	struct endpoint_cache eps[MAX_CACHED_ENDPOINTS];
	size_t n_eps;
};

/* --- time and randomness --- */

static long long wall_ms(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long aws_client_now_ms(const struct aws_client *c)
{
	return wall_ms() + (c ? c->skew_ms : 0);
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

/* --- classification --- */

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

/* --- error parsing --- */

static void set_field(char *dst, size_t n, const char *s, size_t len)
{
	if (len >= n)
		len = n - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
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
	set_field(err->code, sizeof(err->code), s, len);
}

static void parse_json_error(const char *body, size_t len, struct ivs_error *err)
{
	cJSON *j = cJSON_ParseWithLength(body, len);
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return;
	}
	static const char *const code_keys[] = { "__type", "code", "Code" };
	static const char *const msg_keys[] = { "message", "Message", "errorMessage" };
	if (!err->code[0]) {
		for (size_t i = 0; i < 3; i++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, code_keys[i]);
			if (cJSON_IsString(v) && *v->valuestring) {
				aws_error_set_code(err, v->valuestring);
				break;
			}
		}
	}
	for (size_t i = 0; i < 3; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, msg_keys[i]);
		if (cJSON_IsString(v)) {
			snprintf(err->message, sizeof(err->message), "%s", v->valuestring);
			break;
		}
	}
	cJSON_Delete(j);
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

void aws_parse_error_with(const struct http_response *resp, aws_xml_error_fn xml_error,
			  struct ivs_error *err)
{
	ivs_error_clear(err);
	err->http_status = resp->status;
	static const char *const rid_headers[] = { "x-amzn-RequestId", "x-amz-request-id",
						   "x-amzn-request-id" };
	for (size_t i = 0; i < 3; i++) {
		const char *v = http_headers_get(&resp->headers, rid_headers[i]);
		if (v && *v) {
			snprintf(err->request_id, sizeof(err->request_id), "%s", v);
			break;
		}
	}
	const char *type = http_headers_get(&resp->headers, "x-amzn-ErrorType");
	if (type && *type)
		aws_error_set_code(err, type);

	const char *body = resp->body.data ? resp->body.data : "";
	size_t len = resp->body.len;
	size_t skip = 0;
	while (skip < len && isspace((unsigned char)body[skip]))
		skip++;
	if (skip < len && body[skip] == '{')
		parse_json_error(body + skip, len - skip, err);
	else if (skip < len && body[skip] == '<' && xml_error)
		xml_error(body + skip, len - skip, err);

	if (!err->code[0] && resp->status)
		snprintf(err->code, sizeof(err->code), "%ld", resp->status);
	if (!err->message[0] && skip < len)
		body_excerpt(body + skip, len - skip, err->message, sizeof(err->message));
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
	c->rng = ((unsigned long long)wall_ms() << 16) ^ (unsigned long long)getpid() ^
		 (unsigned long long)(uintptr_t)c;
	if (!c->rng)
		c->rng = 88172645463325252ULL;
	struct http_options ho = { 0 };
	ho.connect_timeout_ms = o->connect_timeout_ms;
	ho.timeout_ms = c->timeout_ms;
	c->http = http_client_new(&ho);
	if (!c->http) {
		aws_client_free(c);
		return ivs_error_set(err, "NetworkError", "could not initialise libcurl");
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

struct http_client *aws_client_http(struct aws_client *c)
{
	return c->http;
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
static void op_label(const struct aws_op *op, char *out, size_t n)
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
	if (endpoint_resolve_profile(svc, c->region, c->profile, &ep, err) < 0)
		return -1;
	size_t slot = c->n_eps < MAX_CACHED_ENDPOINTS ? c->n_eps++ : MAX_CACHED_ENDPOINTS - 1;
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

/* One attempt's signed request. */
struct attempt {
	char *url;
	struct http_headers headers;
	struct http_request req;
};

static void attempt_free(struct attempt *a)
{
	free(a->url);
	http_headers_free(&a->headers);
	memset(a, 0, sizeof(*a));
}

static int attempt_prepare(struct aws_client *c, struct aws_op *op, struct attempt *a,
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
	if (sigv4_sign_headers(&sreq, &p, &a->headers, err) < 0) {
		attempt_free(a);
		return ivs_error_prefix(err, "%s", label);
	}
	a->req.method = op->method;
	a->req.url = a->url;
	a->req.headers = a->headers;
	a->req.body = body;
	a->req.body_len = body_len;
	return 0;
}

/* Per-op retry bookkeeping. */
struct op_track {
	struct aws_op *op;
	int skew_retried;
	int last_cost;                /* quota taken for the attempt in flight */
	long long ready_at;           /* monotonic ms: may be (re)sent from then */
};

enum verdict { VERDICT_OK, VERDICT_FAIL, VERDICT_RETRY };

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
	long long d = (long long)server * 1000 - wall_ms();
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
static enum verdict attempt_judge(struct aws_client *c, struct op_track *t, const char *url,
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
		ivs_error_set(&op->err, "NetworkError", "%s: cannot reach %s: %s", label,
			      host[0] ? host : "the endpoint", r->transport_msg);
		op->err.retryable = !r->permanent;
		cost = r->timed_out ? RETRY_COST_TIMEOUT : RETRY_COST;
	} else {
		struct ivs_error *e = &op->err;
		aws_parse_error_with(r, op->xml_error, e);
		if (e->message[0])
			ivs_error_prefix(e, "%s", label);
		else
			snprintf(e->message, sizeof(e->message),
				 "%s: the service answered HTTP %ld with no error details", label,
				 r->status);
		long long skew;
		if (IN_LIST(e->code, skew_codes) && !t->skew_retried && measured_skew(r, &skew)) {
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

static void op_reset_results(struct aws_op *op)
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

/* --- concurrent sends --- */

/* Min-heap of ops waiting to be (re)sent, by ready time then index, so the
 * first sends go out in the caller's order. */
struct wait_heap {
	size_t *v;
	size_t n;
	struct op_track *tracks;
};

static int heap_less(const struct wait_heap *h, size_t a, size_t b)
{
	long long ra = h->tracks[a].ready_at, rb = h->tracks[b].ready_at;
	return ra < rb || (ra == rb && a < b);
}

static void heap_push(struct wait_heap *h, size_t idx)
{
	size_t i = h->n++;
	h->v[i] = idx;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!heap_less(h, h->v[i], h->v[p]))
			break;
		size_t tmp = h->v[i];
		h->v[i] = h->v[p];
		h->v[p] = tmp;
		i = p;
	}
}

static size_t heap_pop(struct wait_heap *h)
{
	size_t top = h->v[0];
	h->v[0] = h->v[--h->n];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < h->n && heap_less(h, h->v[l], h->v[m]))
			m = l;
		if (r < h->n && heap_less(h, h->v[r], h->v[m]))
			m = r;
		if (m == i)
			break;
		size_t tmp = h->v[i];
		h->v[i] = h->v[m];
		h->v[m] = tmp;
		i = m;
	}
	return top;
}

struct scheduler {
	struct aws_client *c;
	struct op_track *tracks;
	char **urls;                  /* per op, the URL of the attempt in flight */
	struct wait_heap heap;
	size_t in_flight, done, failed;
	long long deadline_ms;        /* wall clock; 0: none */
};

static void fail_deadline(struct scheduler *s, struct op_track *t)
{
	char label[160];
	op_label(t->op, label, sizeof(label));
	char last[sizeof(t->op->err.message)];
	snprintf(last, sizeof(last), "%s", t->op->err.message);
	if (t->op->resp.timed_out)
		/* Cut off in flight: the service may have done it all the same. */
		ivs_error_set(&t->op->err, "DeadlineExceeded",
			      "%s: deadline exceeded while the call was in flight; it may have taken effect",
			      label);
	else if (last[0])
		ivs_error_set(&t->op->err, "DeadlineExceeded",
			      "%s: deadline exceeded before the call could finish (last error: %.400s)",
			      label, last);
	else
		ivs_error_set(&t->op->err, "DeadlineExceeded",
			      "%s: deadline exceeded before the call could finish", label);
	t->op->rc = -1;
	s->done++;
	s->failed++;
}

static void on_transfer_done(void *user, void *ctx)
{
	struct scheduler *s = ctx;
	struct op_track *t = user;
	size_t idx = (size_t)(t - s->tracks);
	s->in_flight--;
	long long delay;
	enum verdict v = attempt_judge(s->c, t, s->urls[idx], &delay);
	free(s->urls[idx]);
	s->urls[idx] = NULL;
	if (v == VERDICT_OK) {
		s->done++;
		return;
	}
	if (v == VERDICT_FAIL) {
		s->done++;
		s->failed++;
		return;
	}
	if (s->deadline_ms && wall_ms() + delay >= s->deadline_ms) {
		fail_deadline(s, t);
		return;
	}
	t->ready_at = mono_ms() + delay;
	heap_push(&s->heap, idx);
}

size_t aws_ops_send(struct aws_client *c, struct aws_op **ops, size_t n,
		    const struct aws_send_options *o)
{
	struct aws_send_options none = { 0 };
	if (!o)
		o = &none;
	if (!n)
		return 0;
	size_t max_in_flight = o->max_in_flight ? o->max_in_flight : DEFAULT_MAX_IN_FLIGHT;
	double rate = o->rate_per_sec > 0 ? o->rate_per_sec : 0;
	double burst = o->burst > 0 ? o->burst : (rate > 1 ? rate : 1);
	double tokens = burst;
	long long refilled_at = mono_ms();

	struct scheduler s = { 0 };
	s.c = c;
	s.deadline_ms = o->deadline_ms;
	s.tracks = xcalloc(n, sizeof(*s.tracks));
	s.urls = xcalloc(n, sizeof(*s.urls));
	s.heap.v = xcalloc(n, sizeof(*s.heap.v));
	s.heap.tracks = s.tracks;
	long long now = mono_ms();
	for (size_t i = 0; i < n; i++) {
		s.tracks[i].op = ops[i];
		s.tracks[i].ready_at = now;
		op_reset_results(ops[i]);
		heap_push(&s.heap, i);
	}
	http_multi_set_max_connections(c->http, max_in_flight);

	while (s.done < n) {
		now = mono_ms();
		long long wall = wall_ms();
		if (s.deadline_ms && wall >= s.deadline_ms) {
			while (s.heap.n)
				fail_deadline(&s, &s.tracks[heap_pop(&s.heap)]);
		}
		if (rate > 0) {
			tokens += (double)(now - refilled_at) * rate / 1000.0;
			if (tokens > burst)
				tokens = burst;
			refilled_at = now;
		}
		while (s.in_flight < max_in_flight && s.heap.n &&
		       s.tracks[s.heap.v[0]].ready_at <= now && (rate <= 0 || tokens >= 1.0)) {
			size_t idx = heap_pop(&s.heap);
			struct op_track *t = &s.tracks[idx];
			struct attempt a;
			if (attempt_prepare(c, t->op, &a, &t->op->err) < 0) {
				t->op->rc = -1;
				s.done++;
				s.failed++;
				continue;
			}
			if (s.deadline_ms) {
				long long left = s.deadline_ms - wall;
				if (left < 1)
					left = 1;
				if (left < c->timeout_ms)
					a.req.timeout_ms = (long)left;
			}
			t->op->attempts++;
			if (rate > 0)
				tokens -= 1.0;
			/* The URL is kept for the error message; http copies the rest
			 * of the request, and the body belongs to the op. */
			s.urls[idx] = a.url;
			a.url = NULL;
			if (http_multi_start(c->http, &a.req, &t->op->resp, t) == 0) {
				s.in_flight++;
			} else {
				long long delay;
				enum verdict v = attempt_judge(c, t, s.urls[idx], &delay);
				free(s.urls[idx]);
				s.urls[idx] = NULL;
				if (v == VERDICT_RETRY) {
					t->ready_at = now + delay;
					heap_push(&s.heap, idx);
				} else {
					s.done++;
					s.failed += v != VERDICT_OK;
				}
			}
			attempt_free(&a);
		}
		if (s.done >= n)
			break;

		long long wait = 1000;
		if (s.heap.n && s.in_flight < max_in_flight) {
			long long until = s.tracks[s.heap.v[0]].ready_at - now;
			if (rate > 0 && tokens < 1.0) {
				long long refill = (long long)ceil((1.0 - tokens) * 1000.0 / rate);
				if (refill > until)
					until = refill;
			}
			if (until < wait)
				wait = until < 0 ? 0 : until;
		}
		if (s.deadline_ms && s.deadline_ms - wall < wait)
			wait = s.deadline_ms - wall < 0 ? 0 : s.deadline_ms - wall;
		http_multi_run(c->http, wait, on_transfer_done, &s);
	}
	for (size_t i = 0; i < n; i++)
		free(s.urls[i]);
	free(s.urls);
	free(s.heap.v);
	free(s.tracks);
	return s.failed;
}
