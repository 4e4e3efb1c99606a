/*
 * creds.c - the credential chain (see creds.h): environment, shared files
 * (static keys and credential_process), container endpoint, IMDSv2.
 *
 * Owns: every secret it touches until it is handed to struct aws_creds.
 * File contents, process output, HTTP bodies and parsed JSON are cleansed
 * before they are freed; errors and notes name places, never values.
 */
#include "creds.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "http.h"
#include "profile.h"

#define PROCESS_MAX_OUTPUT (64 * 1024)
#define PROCESS_TIMEOUT_S 60
#define HTTP_MAX_BODY (64 * 1024)
#define CONTAINER_HOST "http://169.254.170.2"
#define IMDS_DEFAULT "http://169.254.169.254"
#define IMDS_DEFAULT_V6 "http://[fd00:ec2::254]"

void creds_free(struct aws_creds *c)
{
	if (!c)
		return;
	free_secret(c->access_key_id);
	free_secret(c->secret_access_key);
	free_secret(c->session_token);
	OPENSSL_cleanse(c, sizeof(*c));
	memset(c, 0, sizeof(*c));
}

int creds_expiring(const struct aws_creds *c, time_t now, long margin)
{
	return c->expiration != 0 && (long long)c->expiration - (long long)now <= margin;
}

int creds_parse_time(const char *s, time_t *out)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	if (!s || !isdigit((unsigned char)*s))
		return -1;
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return -1;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p))
			p++;
	}
	long offset = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1;
		p++;
		if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]))
			return -1;
		int hh = (p[0] - '0') * 10 + (p[1] - '0');
		p += 2;
		if (*p == ':')
			p++;
		if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]))
			return -1;
		int mm = (p[0] - '0') * 10 + (p[1] - '0');
		p += 2;
		if (hh > 23 || mm > 59)
			return -1;
		offset = sign * (hh * 3600L + mm * 60L);
	}
	if (*p)
		return -1;
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*out = t - offset;
	return 0;
}

/* ---- helpers ---- */

static int env_set(const char *name)
{
	const char *v = getenv(name);
	return v && *v;
}

/* Cleanses every string in a parsed document, then frees it. */
static void json_delete_secret(cJSON *j)
{
	for (cJSON *c = j; c; c = c->next) {
		if (c->child) {
			json_delete_secret(c->child);
			c->child = NULL;
		}
		if (c->valuestring)
			OPENSSL_cleanse(c->valuestring, strlen(c->valuestring));
	}
	cJSON_Delete(j);
}

static const char *json_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) && v->valuestring && *v->valuestring ? v->valuestring : NULL;
}

/* See creds.h. */
int creds_from_json(const char *body, size_t len, const char *token_key,
		    int want_version, struct aws_creds *out, char *why, size_t whyn)
{
	cJSON *j = cJSON_ParseWithLength(body, len);
	int rc = -1;
	if (!j || !cJSON_IsObject(j)) {
		snprintf(why, whyn, "not a JSON object");
		goto done;
	}
	if (want_version) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "Version");
		if (!cJSON_IsNumber(v) || v->valuedouble != 1) {
			snprintf(why, whyn, "\"Version\" is not 1");
			goto done;
		}
	}
	const char *id = json_str(j, "AccessKeyId");
	const char *secret = json_str(j, "SecretAccessKey");
	const char *token = json_str(j, token_key);
	const char *exp = json_str(j, "Expiration");
	if (!id || !secret) {
		snprintf(why, whyn, "no \"AccessKeyId\" and \"SecretAccessKey\"");
		goto done;
	}
	time_t expiration = 0;
	if (exp && creds_parse_time(exp, &expiration) < 0) {
		snprintf(why, whyn, "\"Expiration\" is not an ISO-8601 time");
		goto done;
	}
	out->access_key_id = xstrdup(id);
	out->secret_access_key = xstrdup(secret);
	out->session_token = xstrdup(token);
	out->expiration = expiration;
	rc = 0;
done:
	if (j)
		json_delete_secret(j);
	return rc;
}

static void set_source(struct aws_creds *c, const char *source)
{
	snprintf(c->source, sizeof(c->source), "%s", source);
}

/* Like ssh with private keys: a file holding secrets should be the owner's. */
static void check_file_mode(const char *path, struct aws_creds *c)
{
	struct stat st;
	if (stat(path, &st) == 0 && (st.st_mode & 077))
		snprintf(c->warning, sizeof(c->warning),
			 "%s can be read or changed by other users (mode %04o); run `chmod 600` on it",
			 path, (unsigned)(st.st_mode & 07777));
}

/* ---- 1. environment ---- */

static int from_env(struct aws_creds *out, struct ivs_error *err)
{
	int id = env_set("AWS_ACCESS_KEY_ID"), secret = env_set("AWS_SECRET_ACCESS_KEY");
	if (!id && !secret)
		return 0;
	if (!id || !secret)
		return ivs_error_set(err, "IncompleteCredentials",
				     "%s is set but %s is not: set both, or unset it to use a profile",
				     id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
				     id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
	time_t exp = 0;
	const char *e = getenv("AWS_CREDENTIAL_EXPIRATION");
	if (e && *e && creds_parse_time(e, &exp) < 0)
		return ivs_error_set(err, "IncompleteCredentials",
				     "AWS_CREDENTIAL_EXPIRATION is not an ISO-8601 time "
				     "(e.g. 2030-01-01T00:00:00Z)");
	out->access_key_id = xstrdup(getenv("AWS_ACCESS_KEY_ID"));
	out->secret_access_key = xstrdup(getenv("AWS_SECRET_ACCESS_KEY"));
	const char *token = getenv("AWS_SESSION_TOKEN");
	if (!token || !*token)
		token = getenv("AWS_SECURITY_TOKEN");
	out->session_token = token && *token ? xstrdup(token) : NULL;
	out->expiration = exp;
	set_source(out, "environment");
	return 1;
}

/* ---- 2. shared files ---- */

/* Static keys in one section. 1 found, 0 none, -1 half a pair. */
static int keys_from_section(const struct profile_section *s, const char *path,
			     struct aws_creds *out, struct ivs_error *err)
{
	const char *id = profile_section_get(s, "aws_access_key_id");
	const char *secret = profile_section_get(s, "aws_secret_access_key");
	const char *token = profile_section_get(s, "aws_session_token");
	if (!token || !*token)
		token = profile_section_get(s, "aws_security_token");
	int has_id = id && *id, has_secret = secret && *secret, has_token = token && *token;
	if (!has_id && !has_secret && !has_token)
		return 0;
	if (!has_id || !has_secret)
		return ivs_error_set(err, "IncompleteCredentials",
				     "%s %s has %s but no %s: add it, or remove the profile's keys",
				     path, s->label,
				     has_id ? "aws_access_key_id" : has_secret ? "aws_secret_access_key"
									: "aws_session_token",
				     has_id ? "aws_secret_access_key" : "aws_access_key_id");
	out->access_key_id = xstrdup(id);
	out->secret_access_key = xstrdup(secret);
	out->session_token = has_token ? xstrdup(token) : NULL;
	out->expiration = 0;
	return 1;
}

static long process_timeout(void)
{
	const char *v = getenv("IVSVC_CREDENTIAL_PROCESS_TIMEOUT");
	char *end;
	long t = v && *v ? strtol(v, &end, 10) : 0;
	return t > 0 && t < 3600 && v && *end == '\0' ? t : PROCESS_TIMEOUT_S;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs `cmd` under /bin/sh -c with stdin and stderr on /dev/null, collects
 * stdout into one fixed buffer. `what` names it for errors ("credential_process
 * in <path> [x]"). Returns 0 with *out (cleanse it) or -1. */
static int run_process(const char *cmd, const char *what, char **out, size_t *outlen,
		       struct ivs_error *err)
{
	*out = NULL;
	*outlen = 0;
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return ivs_error_set(err, "CredentialProcess", "%s: cannot make a pipe: %s", what,
				     strerror(errno));
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return ivs_error_set(err, "CredentialProcess", "%s: cannot start it: %s", what,
				     strerror(errno));
	}
	if (pid == 0) {
		/* Its own process group, so a timeout can stop everything it started. */
		setpgid(0, 0);
		int nul = open("/dev/null", O_RDWR);
		if (nul >= 0) {
			dup2(nul, 0);
			dup2(nul, 2);
		}
		dup2(fds[1], 1);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);

	long timeout_s = process_timeout();
	long long deadline = now_ms() + timeout_s * 1000;
	char *data = xmalloc(PROCESS_MAX_OUTPUT + 1);
	size_t n = 0;
	int too_big = 0, timed_out = 0;
	for (;;) {
		long long left = deadline - now_ms();
		if (left <= 0) {
			timed_out = 1;
			break;
		}
		struct pollfd p = { fds[0], POLLIN, 0 };
		int r = poll(&p, 1, (int)(left > 1000 ? 1000 : left));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		ssize_t got = read(fds[0], data + n, PROCESS_MAX_OUTPUT - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		n += (size_t)got;
		if (n == PROCESS_MAX_OUTPUT) {
			too_big = 1;
			break;
		}
	}
	close(fds[0]);

	int status = 0;
	if (!timed_out && !too_big) {
		/* Output ended; give the process the rest of the time to exit. */
		for (;;) {
			pid_t w = waitpid(pid, &status, WNOHANG);
			if (w == pid)
				break;
			if (w < 0 && errno != EINTR) {
				status = 0;
				break;
			}
			if (now_ms() >= deadline) {
				timed_out = 1;
				break;
			}
			usleep(10000);
		}
	}
	if (timed_out || too_big) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	data[n] = '\0';

	int rc = 0;
	if (timed_out)
		rc = ivs_error_set(err, "CredentialProcess",
				   "%s did not finish within %ld s and was stopped "
				   "(IVSVC_CREDENTIAL_PROCESS_TIMEOUT sets the limit)", what, timeout_s);
	else if (too_big)
		rc = ivs_error_set(err, "CredentialProcess",
				   "%s printed more than %d bytes and was stopped", what,
				   PROCESS_MAX_OUTPUT);
	else if (WIFSIGNALED(status))
		rc = ivs_error_set(err, "CredentialProcess",
				   "%s failed: killed by signal %d (its output is not shown; run the "
				   "command yourself to see why)", what, WTERMSIG(status));
	else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		rc = ivs_error_set(err, "CredentialProcess",
				   "%s failed with exit status %d (its output is not shown; run the "
				   "command yourself to see why)", what, WEXITSTATUS(status));
	if (rc < 0) {
		OPENSSL_cleanse(data, PROCESS_MAX_OUTPUT + 1);
		free(data);
		return -1;
	}
	*out = data;
	*outlen = n;
	return 0;
}

static int from_process(const char *cmd, const char *path, const char *label,
			struct aws_creds *out, struct ivs_error *err)
{
	char what[600];
	snprintf(what, sizeof(what), "credential_process in %s %s", path, label);
	char *data;
	size_t n;
	if (run_process(cmd, what, &data, &n, err) < 0)
		return -1;
	char why[128];
	int rc = creds_from_json(data, n, "SessionToken", 1, out, why, sizeof(why));
	OPENSSL_cleanse(data, PROCESS_MAX_OUTPUT + 1);
	free(data);
	if (rc < 0)
		return ivs_error_set(err, "CredentialProcess",
				     "%s printed unusable credentials: %s (expected JSON with "
				     "Version 1, AccessKeyId, SecretAccessKey)", what, why);
	set_source(out, "credential_process");
	return 1;
}

/* Settings that name a way of getting credentials ivsvc does not implement;
 * falling through to another source would use the wrong identity. */
static int unsupported_source(const struct profile_section *s, const char *path,
			      const char *profile, struct ivs_error *err)
{
	static const char *const keys[] = { "role_arn", "sso_session", "sso_start_url",
					    "web_identity_token_file", "login_session" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = profile_section_get(s, keys[i]);
		if (v && *v)
			return ivs_error_set(err, "UnsupportedCredentials",
					     "%s %s uses %s, which ivsvc cannot resolve itself; add "
					     "`credential_process = aws configure export-credentials "
					     "--profile %s --format process` to a profile and use that",
					     path, s->label, keys[i], profile);
	}
	return 0;
}

static void note_file(struct buf *looked, const char *path, const struct profile_section *s)
{
	buf_printf(looked, ", %s %s%s", path ? path : "(no HOME)", s->label,
		   path && !s->file_exists ? " (no file)" : "");
}

static int from_files(const char *name, int named, struct aws_creds *out, struct buf *looked,
		      struct ivs_error *err)
{
	char *cred_path = profile_credentials_path();
	char *cfg_path = profile_config_path();
	struct profile_section cred, cfg;
	int rc = 0;
	memset(&cfg, 0, sizeof(cfg));
	if (profile_ini_load(cred_path, PROFILE_INI_CREDENTIALS, name, &cred, err) < 0 ||
	    profile_ini_load(cfg_path, PROFILE_INI_CONFIG, name, &cfg, err) < 0) {
		rc = -1;
		goto done;
	}
	note_file(looked, cred_path, &cred);
	note_file(looked, cfg_path, &cfg);

	if (named && !cred.found && !cfg.found) {
		rc = ivs_error_set(err, "ProfileNotFound",
				   "profile `%s` is in neither %s nor %s: check the name, or run "
				   "`aws configure --profile %s`", name,
				   cred_path ? cred_path : "~/.aws/credentials",
				   cfg_path ? cfg_path : "~/.aws/config", name);
		goto done;
	}
	if (unsupported_source(&cfg, cfg_path, name, err) < 0 ||
	    unsupported_source(&cred, cred_path, name, err) < 0) {
		rc = -1;
		goto done;
	}

	rc = keys_from_section(&cred, cred_path, out, err);
	if (rc > 0) {
		set_source(out, "shared-credentials-file");
		check_file_mode(cred_path, out);
	}
	if (rc != 0)
		goto done;

	const char *proc = profile_section_get(&cred, "credential_process");
	const struct profile_section *ps = &cred;
	const char *ppath = cred_path;
	if (!proc || !*proc) {
		proc = profile_section_get(&cfg, "credential_process");
		ps = &cfg;
		ppath = cfg_path;
	}
	if (proc && *proc) {
		rc = from_process(proc, ppath, ps->label, out, err);
		goto done;
	}

	rc = keys_from_section(&cfg, cfg_path, out, err);
	if (rc > 0) {
		set_source(out, "shared-config-file");
		check_file_mode(cfg_path, out);
	}
done:
	profile_section_free(&cred);
	profile_section_free(&cfg);
	free(cred_path);
	free(cfg_path);
	return rc;
}

/* ---- HTTP sources ---- */

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

/* The container token: the file wins over the variable (as the SDKs).
 * Returns 0 with *out (free_secret) possibly NULL, or -1. */
static int container_token(char **out, struct ivs_error *err)
{
	*out = NULL;
	const char *file = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	const char *origin = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
	if (file && *file) {
		origin = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";
		int fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return ivs_error_set(err, "ContainerCredentials",
					     "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE %s: %s",
					     file, strerror(errno));
		char *tok = xmalloc(8193);
		size_t n = 0;
		for (;;) {
			ssize_t r = read(fd, tok + n, 8192 - n);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0 || (n += (size_t)r) == 8192)
				break;
		}
		close(fd);
		tok[n] = '\0';
		while (n > 0 && isspace((unsigned char)tok[n - 1]))
			tok[--n] = '\0';
		char *t = xstrdup(tok);
		OPENSSL_cleanse(tok, 8193);
		free(tok);
		*out = t;
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

static int from_container(struct aws_creds *out, struct buf *looked, struct ivs_error *err)
{
	const char *rel = getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	char *url = NULL;
	if (rel && *rel) {
		if (rel[0] != '/')
			return ivs_error_set(err, "ContainerCredentials",
					     "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI must start with '/'");
		url = xasprintf("%s%s", CONTAINER_HOST, rel);
	} else if (full && *full) {
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
		if (!ok)
			return ivs_error_set(err, "ContainerCredentials",
					     "AWS_CONTAINER_CREDENTIALS_FULL_URI must be an https:// URL, "
					     "or http:// to a loopback address, 169.254.170.2 or "
					     "169.254.170.23");
		url = xstrdup(full);
	} else {
		buf_puts(looked, ", container endpoint (not configured)");
		return 0;
	}

	char origin[256];
	url_origin(url, origin, sizeof(origin));
	char *token = NULL;
	if (container_token(&token, err) < 0) {
		free(url);
		return -1;
	}
	struct http_options opt = { 1000, 5000, HTTP_MAX_BODY, NULL };
	struct http_client *hc = http_client_new(&opt);
	struct http_response resp;
	int rc = http_fetch(hc, "GET", url, token ? "Authorization" : NULL, token, &resp);
	free_secret(token);
	free(url);
	if (rc < 0) {
		rc = ivs_error_set(err, "ContainerCredentials",
				   "the container credentials endpoint at %s did not answer: %s",
				   origin, resp.transport_msg);
	} else if (resp.status != 200) {
		rc = ivs_error_set(err, "ContainerCredentials",
				   "the container credentials endpoint at %s answered HTTP %ld",
				   origin, resp.status);
		err->http_status = resp.status;
	} else {
		char why[128];
		if (creds_from_json(buf_cstr(&resp.body), resp.body.len, "Token", 0, out, why,
				    sizeof(why)) < 0) {
			rc = ivs_error_set(err, "ContainerCredentials",
					   "the container credentials endpoint at %s answered "
					   "unusable JSON: %s", origin, why);
		} else {
			set_source(out, "container");
			rc = 1;
		}
	}
	response_free_secret(&resp);
	http_client_free(hc);
	return rc;
}

static int role_name_valid(const char *s)
{
	if (!*s || strlen(s) > 128)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("+=,.@_-", *s))
			return 0;
	return 1;
}

/* IMDS failures are notes in the NoCredentials message, not errors: most
 * machines running ivsvc are not EC2 instances. Returns 1 or 0. */
static int from_imds(struct aws_creds *out, struct buf *looked)
{
	const char *disabled = getenv("AWS_EC2_METADATA_DISABLED");
	if (disabled && strcasecmp(disabled, "true") == 0) {
		buf_puts(looked, ", instance metadata (disabled by AWS_EC2_METADATA_DISABLED)");
		return 0;
	}
	const char *base_env = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	const char *mode = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
	char base[256];
	snprintf(base, sizeof(base), "%s",
		 base_env && *base_env ? base_env
		 : mode && strcasecmp(mode, "IPv6") == 0 ? IMDS_DEFAULT_V6 : IMDS_DEFAULT);
	for (size_t n = strlen(base); n > 0 && base[n - 1] == '/'; n--)
		base[n - 1] = '\0';
	if (strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0) {
		buf_puts(looked, ", instance metadata (AWS_EC2_METADATA_SERVICE_ENDPOINT is not an "
			 "http:// URL)");
		return 0;
	}

	struct http_options opt = { 1000, 2000, HTTP_MAX_BODY, NULL };
	struct http_client *hc = http_client_new(&opt);
	struct http_response resp;
	char *token = NULL, *url = NULL, *role = NULL;
	int found = 0;

	url = xasprintf("%s/latest/api/token", base);
	if (http_fetch(hc, "PUT", url, "X-aws-ec2-metadata-token-ttl-seconds", "21600", &resp) < 0) {
		buf_printf(looked, ", instance metadata (no answer at %s)", base);
		goto done;
	}
	if (resp.status != 200 || resp.body.len == 0 || strpbrk(buf_cstr(&resp.body), "\r\n")) {
		buf_printf(looked, ", instance metadata (%s answered HTTP %ld to the token request)",
			   base, resp.status);
		goto done;
	}
	token = xstrdup(buf_cstr(&resp.body));
	response_free_secret(&resp);
	free(url);

	url = xasprintf("%s/latest/meta-data/iam/security-credentials/", base);
	if (http_fetch(hc, "GET", url, "X-aws-ec2-metadata-token", token, &resp) < 0 ||
	    resp.status != 200) {
		if (resp.status == 404)
			buf_printf(looked, ", instance metadata (no IAM role attached at %s)", base);
		else
			buf_printf(looked, ", instance metadata (%s answered %s%ld for the role name)",
				   base, resp.status ? "HTTP " : "no response ", resp.status);
		goto done;
	}
	const char *body = buf_cstr(&resp.body);
	size_t rl = strcspn(body, "\r\n");
	role = xstrndup(body, rl);
	response_free_secret(&resp);
	if (!role_name_valid(role)) {
		buf_printf(looked, ", instance metadata (%s sent an unusable role name)", base);
		goto done;
	}
	free(url);

	url = xasprintf("%s/latest/meta-data/iam/security-credentials/%s", base, role);
	if (http_fetch(hc, "GET", url, "X-aws-ec2-metadata-token", token, &resp) < 0 ||
	    resp.status != 200) {
		buf_printf(looked, ", instance metadata (%s answered %s%ld for role %s)", base,
			   resp.status ? "HTTP " : "no response ", resp.status, role);
		goto done;
	}
	cJSON *j = cJSON_ParseWithLength(buf_cstr(&resp.body), resp.body.len);
	const char *code = j ? json_str(j, "Code") : NULL;
	int success = !code || strcmp(code, "Success") == 0;
	if (j)
		json_delete_secret(j);
	char why[128];
	if (!success)
		buf_printf(looked, ", instance metadata (role %s: Code is not Success)", role);
	else if (creds_from_json(buf_cstr(&resp.body), resp.body.len, "Token", 0, out, why,
				 sizeof(why)) < 0)
		buf_printf(looked, ", instance metadata (role %s: %s)", role, why);
	else {
		set_source(out, "imds");
		found = 1;
	}
done:
	response_free_secret(&resp);
	free_secret(token);
	free(url);
	free(role);
	http_client_free(hc);
	return found;
}

/* ---- the chain ---- */

int creds_resolve(const char *profile, struct aws_creds *out, struct ivs_error *err)
{
	memset(out, 0, sizeof(*out));
	int named = profile && *profile;
	const char *name = profile_name(profile);
	/* A profile asked for by name (argument or AWS_PROFILE) must exist, so a
	 * typo is not answered with another identity; "default" may be missing. */
	int must_exist = strcmp(name, "default") != 0;
	struct buf looked = BUF_INIT;
	int rc;

	if (!named) {
		rc = from_env(out, err);
		if (rc != 0)
			goto done;
		buf_puts(&looked, ", AWS_ACCESS_KEY_ID");
	}
	rc = from_files(name, must_exist, out, &looked, err);
	if (rc != 0)
		goto done;
	rc = from_container(out, &looked, err);
	if (rc != 0)
		goto done;
	rc = from_imds(out, &looked);
	if (rc != 0)
		goto done;
	rc = ivs_error_set(err, "NoCredentials",
			   "no AWS credentials found: looked at %s; set AWS_PROFILE or run "
			   "`aws configure`", buf_cstr(&looked) + 2);
done:
	buf_free(&looked);
	if (rc < 0) {
		creds_free(out);
		return -1;
	}
	return 0;
}
