/*
 * creds_http.c - the chain's HTTP steps: the container credentials endpoint
 * (ECS, EKS Pod Identity) and the EC2 instance metadata service (IMDSv2).
 *
 * Owns: its short-lived http_client, the tokens it sends and the bodies it
 * receives, all cleansed before they are freed. Messages show an endpoint's
 * scheme://host[:port] only: paths and headers may carry tokens.
 */
#include "creds_source.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "creds.h"
#include "http.h"
#include "profile.h"

#define HTTP_MAX_BODY (64 * 1024)
#define CONTAINER_HOST "http://169.254.170.2"
#define CONTAINER_TOKEN_MAX 8192
#define IMDS_DEFAULT "http://169.254.169.254"
#define IMDS_DEFAULT_V6 "http://[fd00:ec2::254]"

static void response_free_secret(struct http_response *r)
{
	buf_free_secret(&r->body);
	http_response_free(r);
	memset(r, 0, sizeof(*r));
}

/* One request with at most one extra header (whose value may be secret). */
static int http_fetch(struct http_client *hc, const char *method, const char *url,
		      const char *hname, const char *hval, struct http_response *resp)
{
	struct http_request req;
	memset(&req, 0, sizeof(req));
	memset(resp, 0, sizeof(*resp));
	req.method = method;
	req.url = url;
	if (hname)
		http_headers_add(&req.headers, hname, hval);
	http_headers_add(&req.headers, "Accept", "application/json");
	int rc = http_send(hc, &req, resp);
	for (size_t i = 0; i < req.headers.n; i++)
		if (req.headers.v[i].value)
			OPENSSL_cleanse(req.headers.v[i].value, strlen(req.headers.v[i].value));
	http_headers_free(&req.headers);
	return rc;
}

/* ---- container endpoint ---- */

/* scheme://host[:port] of a URL: what messages show (paths may be tokens). */
static void url_origin(const char *url, char *out, size_t n)
{
	const char *p = strstr(url, "://");
	p = p ? strchr(p + 3, '/') : NULL;
	size_t len = p ? (size_t)(p - url) : strlen(url);
	snprintf(out, n, "%.*s", (int)len, url);
}

static int host_is_allowed_for_http(const char *host)
{
	if (strcasecmp(host, "localhost") == 0 || strcmp(host, "169.254.170.2") == 0 ||
	    strcmp(host, "169.254.170.23") == 0 || strcmp(host, "[::1]") == 0 ||
	    strcasecmp(host, "[fd00:ec2::23]") == 0)
		return 1;
	struct in_addr a;
	return inet_pton(AF_INET, host, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

/* AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE's first 8 KiB, trailing space cut.
 * Returns 0 with *out (free_secret) or -1. */
static int read_token_file(const char *file, char **out, struct ivs_error *err)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ivs_error_set(err, "ContainerCredentials",
				     "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE %s: %s",
				     file, strerror(errno));
	char *tok = xmalloc(CONTAINER_TOKEN_MAX + 1);
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, tok + n, CONTAINER_TOKEN_MAX - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || (n += (size_t)r) == CONTAINER_TOKEN_MAX)
			break;
	}
	close(fd);
	tok[n] = '\0';
	while (n > 0 && isspace((unsigned char)tok[n - 1]))
		tok[--n] = '\0';
	*out = xstrdup(tok);
	OPENSSL_cleanse(tok, CONTAINER_TOKEN_MAX + 1);
	free(tok);
	return 0;
}

/* The container token: the file wins over the variable (as the SDKs).
 * Returns 0 with *out (free_secret) possibly NULL, or -1. */
static int container_token(char **out, struct ivs_error *err)
{
	*out = NULL;
	const char *file = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	const char *origin = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
	if (file && *file) {
		origin = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";
		if (read_token_file(file, out, err) < 0)
			return -1;
	} else {
		const char *v = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
		if (v && *v)
			*out = xstrdup(v);
	}
	if (*out && strpbrk(*out, "\r\n")) {
		free_secret(*out);
		*out = NULL;
		return ivs_error_set(err, "ContainerCredentials",
				     "%s holds a line break; it must be one header value", origin);
	}
	return 0;
}

/* AWS_CONTAINER_CREDENTIALS_FULL_URI, checked: https, or http to a host
 * that cannot be a stranger on the network. */
static int full_uri_allowed(const char *full)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	int parsed = u && curl_url_set(u, CURLUPART_URL, full, 0) == CURLUE_OK &&
		     curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
		     curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK;
	int ok = parsed && (strcasecmp(scheme, "https") == 0 ||
			    (strcasecmp(scheme, "http") == 0 && host_is_allowed_for_http(host)));
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return ok;
}

/* The endpoint's URL from the variables: 1 with *url, 0 not configured, -1. */
static int container_url(char **url, struct ivs_error *err)
{
	const char *rel = getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	*url = NULL;
	if (rel && *rel) {
		if (rel[0] != '/')
			return ivs_error_set(err, "ContainerCredentials",
					     "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI must start with '/'");
		*url = xasprintf("%s%s", CONTAINER_HOST, rel);
		return 1;
	}
	if (!full || !*full)
		return 0;
	if (!full_uri_allowed(full))
		return ivs_error_set(err, "ContainerCredentials",
				     "AWS_CONTAINER_CREDENTIALS_FULL_URI must be an https:// URL, "
				     "or http:// to a loopback address, 169.254.170.2 or "
				     "169.254.170.23");
	*url = xstrdup(full);
	return 1;
}

/* What the endpoint answered: 1 with *out, or -1. */
static int container_answer(const struct http_response *resp, int sent, const char *origin,
			    struct aws_creds *out, struct ivs_error *err)
{
	if (sent < 0)
		return ivs_error_set(err, "ContainerCredentials",
				     "the container credentials endpoint at %s did not answer: %s",
				     origin, resp->transport_msg);
	if (resp->status != 200) {
		ivs_error_set(err, "ContainerCredentials",
			      "the container credentials endpoint at %s answered HTTP %ld",
			      origin, resp->status);
		err->http_status = resp->status;
		return -1;
	}
	char why[128];
	if (creds_from_json(buf_cstr(&resp->body), resp->body.len, "Token", 0, out, why,
			    sizeof(why)) < 0)
		return ivs_error_set(err, "ContainerCredentials",
				     "the container credentials endpoint at %s answered "
				     "unusable JSON: %s", origin, why);
	creds_set_source(out, "container");
	creds_set_origin(out, "the container credentials endpoint");
	return 1;
}

int creds_from_container(struct aws_creds *out, struct buf *looked, struct ivs_error *err)
{
	char *url;
	int rc = container_url(&url, err);
	if (rc == 0)
		buf_puts(looked, ", container endpoint (not configured)");
	if (rc <= 0)
		return rc;

	char origin[256];
	url_origin(url, origin, sizeof(origin));
	char *token = NULL;
	if (container_token(&token, err) < 0) {
		free(url);
		return -1;
	}
	/* A FULL_URI may be https, through the same trust as every call. */
	char *ca_bundle = NULL;
	if (profile_ca_bundle(NULL, &ca_bundle, err) < 0) {
		free_secret(token);
		free(url);
		return -1;
	}
	struct http_options opt = { 1000, 5000, HTTP_MAX_BODY, ca_bundle };
	struct http_client *hc = http_client_new(&opt);
	free(ca_bundle);
	struct http_response resp;
	int sent = http_fetch(hc, "GET", url, token ? "Authorization" : NULL, token, &resp);
	free_secret(token);
	free(url);
	rc = container_answer(&resp, sent, origin, out, err);
	response_free_secret(&resp);
	http_client_free(hc);
	return rc;
}

/* ---- instance metadata ---- */

/* One IMDS conversation: where, with which session token, for which role. */
struct imds {
	char base[256];            /* no trailing slash */
	struct http_client *hc;
	struct http_response resp; /* the last answer */
	char *token;
	char *role;
	struct buf *looked;
};

static int role_name_valid(const char *s)
{
	if (!*s || strlen(s) > 128)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("+=,.@_-", *s))
			return 0;
	return 1;
}

/* Where IMDS is: 1 with m->base, 0 (noted) when it must not be asked. */
static int imds_base(struct imds *m)
{
	const char *disabled = getenv("AWS_EC2_METADATA_DISABLED");
	if (disabled && strcasecmp(disabled, "true") == 0) {
		buf_puts(m->looked, ", instance metadata (disabled by AWS_EC2_METADATA_DISABLED)");
		return 0;
	}
	const char *base_env = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	const char *mode = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
	snprintf(m->base, sizeof(m->base), "%s",
		 base_env && *base_env ? base_env
		 : mode && strcasecmp(mode, "IPv6") == 0 ? IMDS_DEFAULT_V6 : IMDS_DEFAULT);
	for (size_t n = strlen(m->base); n > 0 && m->base[n - 1] == '/'; n--)
		m->base[n - 1] = '\0';
	if (strncmp(m->base, "http://", 7) != 0 && strncmp(m->base, "https://", 8) != 0) {
		buf_puts(m->looked, ", instance metadata (AWS_EC2_METADATA_SERVICE_ENDPOINT is not "
			 "an http:// URL)");
		return 0;
	}
	return 1;
}

/* base + path, sent with the session token header (or, for the token
 * request itself, its TTL). -1 on a transport failure. */
static int imds_fetch(struct imds *m, const char *method, const char *path)
{
	response_free_secret(&m->resp);
	char *url = xasprintf("%s%s", m->base, path);
	int rc = m->token ? http_fetch(m->hc, method, url, "X-aws-ec2-metadata-token", m->token,
				       &m->resp)
			  : http_fetch(m->hc, method, url, "X-aws-ec2-metadata-token-ttl-seconds",
				       "21600", &m->resp);
	free(url);
	return rc;
}

/* The IMDSv2 session token. 0 or -1 (noted). */
static int imds_session(struct imds *m)
{
	if (imds_fetch(m, "PUT", "/latest/api/token") < 0) {
		buf_printf(m->looked, ", instance metadata (no answer at %s)", m->base);
		return -1;
	}
	const struct http_response *r = &m->resp;
	if (r->status != 200 || r->body.len == 0 || strpbrk(buf_cstr(&r->body), "\r\n")) {
		buf_printf(m->looked, ", instance metadata (%s answered HTTP %ld to the token "
			   "request)", m->base, r->status);
		return -1;
	}
	m->token = xstrdup(buf_cstr(&r->body));
	return 0;
}

/* The name of the instance's role. 0 or -1 (noted). */
static int imds_role(struct imds *m)
{
	if (imds_fetch(m, "GET", "/latest/meta-data/iam/security-credentials/") < 0 ||
	    m->resp.status != 200) {
		if (m->resp.status == 404)
			buf_printf(m->looked, ", instance metadata (no IAM role attached at %s)",
				   m->base);
		else
			buf_printf(m->looked, ", instance metadata (%s answered %s%ld for the role "
				   "name)", m->base, m->resp.status ? "HTTP " : "no response ",
				   m->resp.status);
		return -1;
	}
	const char *body = buf_cstr(&m->resp.body);
	m->role = xstrndup(body, strcspn(body, "\r\n"));
	if (!role_name_valid(m->role)) {
		buf_printf(m->looked, ", instance metadata (%s sent an unusable role name)", m->base);
		return -1;
	}
	return 0;
}

/* The role's credentials. 1 with *out, or 0 (noted). */
static int imds_role_creds(struct imds *m, struct aws_creds *out)
{
	char path[200];
	snprintf(path, sizeof(path), "/latest/meta-data/iam/security-credentials/%s", m->role);
	if (imds_fetch(m, "GET", path) < 0 || m->resp.status != 200) {
		buf_printf(m->looked, ", instance metadata (%s answered %s%ld for role %s)", m->base,
			   m->resp.status ? "HTTP " : "no response ", m->resp.status, m->role);
		return 0;
	}
	const struct buf *body = &m->resp.body;
	cJSON *j = cJSON_ParseWithLength(buf_cstr(body), body->len);
	const char *code = j ? creds_json_str(j, "Code") : NULL;
	int success = !code || strcmp(code, "Success") == 0;
	if (j)
		creds_json_delete_secret(j);
	char why[128];
	if (!success) {
		buf_printf(m->looked, ", instance metadata (role %s: Code is not Success)", m->role);
		return 0;
	}
	if (creds_from_json(buf_cstr(body), body->len, "Token", 0, out, why, sizeof(why)) < 0) {
		buf_printf(m->looked, ", instance metadata (role %s: %s)", m->role, why);
		return 0;
	}
	creds_set_source(out, "imds");
	creds_set_origin(out, "the instance profile (instance metadata)");
	return 1;
}

int creds_from_imds(struct aws_creds *out, struct buf *looked)
{
	struct imds m;
	memset(&m, 0, sizeof(m));
	m.looked = looked;
	if (!imds_base(&m))
		return 0;
	struct http_options opt = { 1000, 2000, HTTP_MAX_BODY, NULL };
	m.hc = http_client_new(&opt);
	int found = imds_session(&m) == 0 && imds_role(&m) == 0 && imds_role_creds(&m, out);
	response_free_secret(&m.resp);
	free_secret(m.token);
	free(m.role);
	http_client_free(m.hc);
	return found;
}
