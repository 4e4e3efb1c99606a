/*
 * creds_sso.c - IAM Identity Center (SSO) credentials, as botocore's
 * SSOProvider and SSOTokenProvider get them: the profile's sso_session (an
 * [sso-session NAME] section with sso_start_url and sso_region) or the older
 * keys in the profile itself; the access token `aws sso login` caches in
 * ~/.aws/sso/cache/<sha1 of the session name, or of the start URL>.json;
 * for an sso_session, a token within 15 minutes of its end is refreshed with
 * SSO OIDC CreateToken (grant refresh_token) and written back as the AWS CLI
 * writes it; then SSO GetRoleCredentials for sso_account_id/sso_role_name.
 * Both calls are unsigned JSON, so this stays in the library the Lambda
 * handler links.
 *
 * Owns: the token file's text and JSON, the HTTP bodies (all cleansed), and
 * the token files it rewrites (0600, replaced by rename).
 */
#include "creds_source.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "creds.h"
#include "endpoint.h"
#include "http.h"
#include "sigv4.h"

#define SSO_REFRESH_WINDOW_S (15 * 60)
#define SSO_FILE_MAX (256 * 1024)

static const struct aws_service SVC_SSO = { "SSO", "portal.sso", "awsssoportal", 0, 0 };
static const struct aws_service SVC_SSO_OIDC = { "SSO OIDC", "oidc", "sso-oauth", 0, 0 };

struct sso_config {
	const char *start_url, *region, *account, *role;
	const char *session;             /* NULL: the legacy keys */
	struct profile_section sess;
	char *token_path;
};

static int gone(const struct creds_profile *p, const char *why, struct ivs_error *err)
{
	return ivs_error_set(err, "SsoLoginRequired",
			     "the IAM Identity Center session for profile %s %s: run `aws sso login "
			     "--profile %s`", p->name, why, p->name);
}

static char *sha1_hex(const char *s)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_Digest(s, strlen(s), md, &n, EVP_sha1(), NULL);
	char *hex = xmalloc(2 * n + 1);
	for (unsigned int i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return hex;
}

/* The settings, from the session section or the profile. 0 none, 1, -1. */
static int sso_config(const struct creds_profile *p, struct sso_config *c, struct ivs_error *err)
{
	memset(c, 0, sizeof(*c));
	c->session = creds_profile_get(p, "sso_session");
	if (c->session) {
		if (profile_ini_load(p->cfg_path, PROFILE_INI_SSO_SESSION, c->session, &c->sess,
				     err) < 0)
			return -1;
		if (!c->sess.found)
			return ivs_error_set(err, "InvalidConfig",
					     "profile %s names sso_session %s, which has no [sso-session %s] "
					     "section in %s", p->name, c->session, c->session,
					     p->cfg_path ? p->cfg_path : "~/.aws/config");
		c->start_url = profile_section_get(&c->sess, "sso_start_url");
		c->region = profile_section_get(&c->sess, "sso_region");
	} else {
		c->start_url = creds_profile_get(p, "sso_start_url");
		c->region = creds_profile_get(p, "sso_region");
		if (!c->start_url)
			return 0;
	}
	c->account = creds_profile_get(p, "sso_account_id");
	c->role = creds_profile_get(p, "sso_role_name");
	const char *missing = !c->start_url ? "sso_start_url" : !c->region ? "sso_region"
			      : !c->account ? "sso_account_id" : !c->role ? "sso_role_name" : NULL;
	if (missing)
		return ivs_error_set(err, "InvalidConfig", "profile %s uses IAM Identity Center but "
				     "has no %s", p->name, missing);
	const char *home = getenv("HOME");
	char *key = sha1_hex(c->session ? c->session : c->start_url);
	c->token_path = xasprintf("%s/.aws/sso/cache/%s.json", home ? home : "", key);
	free(key);
	return 1;
}

static void sso_config_free(struct sso_config *c)
{
	profile_section_free(&c->sess);
	free(c->token_path);
}

/* One unsigned JSON call; the body of a 2xx answer parsed, else NULL (err). */
static cJSON *sso_call(const struct aws_service *svc, const char *profile, const char *region,
		       const char *method, const char *path_query, struct http_headers *h,
		       const char *body, struct ivs_error *err)
{
	struct aws_endpoint ep;
	if (endpoint_resolve_profile(svc, region, profile, &ep, err) < 0)
		return NULL;
	char *ca_bundle = NULL;
	if (profile_ca_bundle(profile, &ca_bundle, err) < 0)
		return NULL;
	struct http_options opt = { 2000, 10000, SSO_FILE_MAX, ca_bundle };
	struct http_client *hc = http_client_new(&opt);
	free(ca_bundle);
	char *url = xasprintf("%s%s", ep.url, path_query);
	struct http_request req = { method, url, *h, body, body ? strlen(body) : 0, 0, NULL, NULL };
	struct http_response resp;
	memset(&resp, 0, sizeof(resp));
	cJSON *j = NULL;
	if (!hc || http_send(hc, &req, &resp) < 0)
		ivs_error_set_kind(err, IVS_ERR_NETWORK, "NetworkError", "%s at %s: %s",
				   svc->service_id, ep.url, resp.transport_msg);
	else if (resp.status / 100 != 2)
		ivs_error_set(err, "SsoError", "%s at %s answered HTTP %ld", svc->service_id, ep.url,
			      resp.status);
	else if (!(j = cJSON_ParseWithLength(resp.body.data ? resp.body.data : "", resp.body.len)))
		ivs_error_bad_response(err, "%s answered with a body that is not JSON",
				       svc->service_id);
	buf_free_secret(&resp.body);
	http_response_free(&resp);
	http_client_free(hc);
	free(url);
	return j;
}

/* CreateToken with the refresh token; rewrites tok (and its file). 0 or -1. */
static int refresh_token(const struct creds_profile *p, const struct sso_config *c, cJSON *tok,
			 struct ivs_error *err)
{
	const char *cid = creds_json_str(tok, "clientId"), *cs = creds_json_str(tok, "clientSecret");
	const char *rt = creds_json_str(tok, "refreshToken");
	const char *reg = creds_json_str(tok, "registrationExpiresAt");
	time_t reg_exp = 0;
	if (!cid || !cs || !rt || !reg || creds_parse_time(reg, &reg_exp) < 0 ||
	    reg_exp <= time(NULL))
		return gone(p, "has expired and cannot be refreshed", err);
	cJSON *rq = cJSON_CreateObject();
	cJSON_AddStringToObject(rq, "grantType", "refresh_token");
	cJSON_AddStringToObject(rq, "clientId", cid);
	cJSON_AddStringToObject(rq, "clientSecret", cs);
	cJSON_AddStringToObject(rq, "refreshToken", rt);
	char *body = cJSON_PrintUnformatted(rq);
	creds_json_delete_secret(rq);
	struct http_headers h = { 0 };
	http_headers_add(&h, "Content-Type", "application/json");
	cJSON *a = sso_call(&SVC_SSO_OIDC, p->name, c->region, "POST", "/token", &h, body, err);
	http_headers_free(&h);
	free_secret(body);
	const cJSON *in = cJSON_GetObjectItemCaseSensitive(a, "expiresIn");
	const char *at = creds_json_str(a, "accessToken");
	if (!a || !at || !cJSON_IsNumber(in)) {
		if (a)
			creds_json_delete_secret(a);
		return gone(p, "could not be refreshed", err);
	}
	char when[32];
	time_t exp = time(NULL) + (time_t)in->valuedouble;
	struct tm tm;
	gmtime_r(&exp, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	cJSON_ReplaceItemInObjectCaseSensitive(tok, "accessToken", cJSON_CreateString(at));
	cJSON_ReplaceItemInObjectCaseSensitive(tok, "expiresAt", cJSON_CreateString(when));
	const char *nrt = creds_json_str(a, "refreshToken");
	if (nrt)
		cJSON_ReplaceItemInObjectCaseSensitive(tok, "refreshToken", cJSON_CreateString(nrt));
	creds_json_delete_secret(a);
	creds_file_replace(c->token_path, tok);
	return 0;
}

/* GetRoleCredentials with the access token. */
static int role_credentials(const struct creds_profile *p, const struct sso_config *c,
			    const char *token, struct aws_creds *out, struct ivs_error *err)
{
	struct buf q = BUF_INIT;
	buf_puts(&q, "/federation/credentials?role_name=");
	sigv4_uri_encode(&q, c->role, strlen(c->role), 1);
	buf_puts(&q, "&account_id=");
	sigv4_uri_encode(&q, c->account, strlen(c->account), 1);
	struct http_headers h = { 0 };
	http_headers_add(&h, "x-amz-sso_bearer_token", token);
	cJSON *a = sso_call(&SVC_SSO, p->name, c->region, "GET", buf_cstr(&q), &h, NULL, err);
	for (size_t i = 0; i < h.n; i++)
		OPENSSL_cleanse(h.v[i].value, strlen(h.v[i].value));
	http_headers_free(&h);
	buf_free(&q);
	if (!a)
		return strcmp(err->code, "SsoError") == 0 ? gone(p, "was refused", err) : -1;
	const cJSON *rc = cJSON_GetObjectItemCaseSensitive(a, "roleCredentials");
	const cJSON *exp = cJSON_GetObjectItemCaseSensitive(rc, "expiration");
	const char *id = creds_json_str(rc, "accessKeyId");
	const char *secret = creds_json_str(rc, "secretAccessKey");
	int ok = id && secret && cJSON_IsNumber(exp);
	if (ok) {
		out->access_key_id = xstrdup(id);
		out->secret_access_key = xstrdup(secret);
		out->session_token = xstrdup(creds_json_str(rc, "sessionToken"));
		out->expiration = (time_t)(exp->valuedouble / 1000);  /* milliseconds */
	}
	creds_json_delete_secret(a);
	if (!ok)
		return ivs_error_bad_response(err, "SSO GetRoleCredentials answered without "
					      "roleCredentials");
	return 0;
}

int creds_from_sso(const struct creds_profile *p, struct aws_creds *out, struct ivs_error *err)
{
	struct sso_config c;
	int rc = sso_config(p, &c, err);
	if (rc <= 0)
		goto done;
	cJSON *tok = creds_file_json(c.token_path);
	const char *at = creds_json_str(tok, "accessToken");
	const char *ea = creds_json_str(tok, "expiresAt");
	time_t exp = 0;
	if (!at || !ea || creds_parse_time(ea, &exp) < 0) {
		rc = gone(p, "is not logged in (no cached token)", err);
	} else if ((long long)exp - (long long)time(NULL) < SSO_REFRESH_WINDOW_S) {
		/* The legacy keys have no registration to refresh with. */
		if (c.session)
			rc = refresh_token(p, &c, tok, err);
		else if (exp <= time(NULL))
			rc = gone(p, "has expired", err);
	}
	if (rc >= 0)
		rc = role_credentials(p, &c, creds_json_str(tok, "accessToken"), out, err);
	if (tok)
		creds_json_delete_secret(tok);
	if (rc >= 0) {
		rc = 1;
		creds_set_source(out, "sso");
		if (c.session)
			creds_set_origin(out, "profile %s via SSO session %s (role %s in %s)", p->name,
					 c.session, c.role, c.account);
		else
			creds_set_origin(out, "profile %s via SSO (role %s in %s)", p->name, c.role,
					 c.account);
	}
done:
	sso_config_free(&c);
	return rc;
}
