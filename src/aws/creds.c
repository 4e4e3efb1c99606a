/*
 * creds.c - the credential chain (see creds.h): its order, the environment
 * and shared-file steps, and the JSON every other source answers with.
 * credential_process is in creds_process.c, the container endpoint and
 * IMDSv2 in creds_http.c (creds_source.h joins them).
 *
 * Owns: every secret it touches until it is handed to struct aws_creds.
 * File contents, process output, HTTP bodies and parsed JSON are cleansed
 * before they are freed; errors and notes name places, never values.
 */
#include "creds.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "creds_source.h"
#include "profile.h"

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

void creds_json_delete_secret(cJSON *j)
{
	for (cJSON *c = j; c; c = c->next) {
		if (c->child) {
			creds_json_delete_secret(c->child);
			c->child = NULL;
		}
		if (c->valuestring)
			OPENSSL_cleanse(c->valuestring, strlen(c->valuestring));
	}
	cJSON_Delete(j);
}

const char *creds_json_str(const cJSON *o, const char *key)
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
	const char *id = creds_json_str(j, "AccessKeyId");
	const char *secret = creds_json_str(j, "SecretAccessKey");
	const char *token = creds_json_str(j, token_key);
	const char *exp = creds_json_str(j, "Expiration");
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
		creds_json_delete_secret(j);
	return rc;
}

void creds_set_source(struct aws_creds *c, const char *source)
{
	snprintf(c->source, sizeof(c->source), "%s", source);
}

void creds_set_origin(struct aws_creds *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->origin, sizeof(c->origin), fmt, ap);
	va_end(ap);
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

int creds_from_env(struct aws_creds *out, struct ivs_error *err)
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
	creds_set_source(out, "environment");
	creds_set_origin(out, "environment (AWS_ACCESS_KEY_ID)");
	return 1;
}

/* ---- the shared files ---- */

int creds_profile_load(const char *name, struct creds_profile *p, struct ivs_error *err)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->cred_path = profile_credentials_path();
	p->cfg_path = profile_config_path();
	if (profile_ini_load(p->cred_path, PROFILE_INI_CREDENTIALS, name, &p->cred, err) < 0)
		return -1;
	return profile_ini_load(p->cfg_path, PROFILE_INI_CONFIG, name, &p->cfg, err);
}

void creds_profile_free(struct creds_profile *p)
{
	profile_section_free(&p->cred);
	profile_section_free(&p->cfg);
	free(p->cred_path);
	free(p->cfg_path);
	memset(p, 0, sizeof(*p));
}

const char *creds_profile_get(const struct creds_profile *p, const char *key)
{
	const char *v = profile_section_get(&p->cred, key);
	if (!v || !*v)
		v = profile_section_get(&p->cfg, key);
	return v && *v ? v : NULL;
}

int creds_profile_has_keys(const struct creds_profile *p)
{
	return creds_profile_get(p, "aws_access_key_id") != NULL;
}

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

/* Settings that name a way of getting credentials ivsvc does not implement;
 * falling through to another source would use the wrong identity. */
static int unsupported_source(const struct creds_profile *p, struct ivs_error *err)
{
	static const char *const keys[] = { "login_session" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (creds_profile_get(p, keys[i]))
			return ivs_error_set(err, "UnsupportedCredentials",
					     "profile %s uses %s, which ivsvc cannot resolve itself; add "
					     "`credential_process = aws configure export-credentials "
					     "--profile %s --format process` to a profile and use that",
					     p->name, keys[i], p->name);
	return 0;
}

static int keys_step(const struct profile_section *s, const char *path, const char *source,
		     const char *profile, struct aws_creds *out, struct ivs_error *err)
{
	int rc = keys_from_section(s, path, out, err);
	if (rc > 0) {
		creds_set_source(out, source);
		creds_set_origin(out, "profile %s (%s)", profile, path);
		check_file_mode(path, out);
	}
	return rc;
}

int creds_from_files(const struct creds_profile *p, struct aws_creds *out, struct ivs_error *err)
{
	if (unsupported_source(p, err) < 0)
		return -1;
	int rc = keys_step(&p->cred, p->cred_path, "shared-credentials-file", p->name, out, err);
	if (rc != 0)
		return rc;
	const struct profile_section *ps = &p->cred;
	const char *ppath = p->cred_path;
	const char *proc = profile_section_get(ps, "credential_process");
	if (!proc || !*proc) {
		ps = &p->cfg;
		ppath = p->cfg_path;
		proc = profile_section_get(ps, "credential_process");
	}
	if (proc && *proc) {
		rc = creds_from_process(proc, ppath, ps->label, out, err);
		if (rc > 0)
			creds_set_origin(out, "profile %s (credential_process)", p->name);
		return rc;
	}
	return keys_step(&p->cfg, p->cfg_path, "shared-config-file", p->name, out, err);
}

static void note_file(struct buf *looked, const char *path, const struct profile_section *s)
{
	buf_printf(looked, ", %s %s%s", path ? path : "(no HOME)", s->label,
		   path && !s->file_exists ? " (no file)" : "");
}

/* ---- the chain ---- */

int creds_refuse_expired(const struct aws_creds *c, struct ivs_error *err)
{
	if (!c->expiration || c->expiration > time(NULL))
		return 0;
	char when[32];
	struct tm tm;
	gmtime_r(&c->expiration, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return ivs_error_set(err, "ExpiredCredentials",
			     "the credentials from %s expired at %s: renew them (or unset them to "
			     "use another source)", c->origin[0] ? c->origin : c->source, when);
}

/* Steps 1-4, on the loaded profile. */
static int profile_steps(const struct creds_profile *p, int named, struct aws_creds *out,
			 struct buf *looked, struct ivs_error *err)
{
	int rc = 0;
	if (!named) {
		rc = creds_from_env(out, err);
		if (rc != 0)
			return rc;
		buf_puts(looked, ", AWS_ACCESS_KEY_ID");
	}
	/* --profile keeps the environment's web identity out too, as botocore
	 * (AWS_PROFILE does not). */
	rc = creds_from_role(p, out, err);
	if (rc == 0)
		rc = creds_from_web_identity(p, !named, out, err);
	if (rc == 0)
		rc = creds_from_sso(p, out, err);
	if (rc != 0)
		return rc;
	buf_puts(looked, ", AWS_WEB_IDENTITY_TOKEN_FILE");
	note_file(looked, p->cred_path, &p->cred);
	note_file(looked, p->cfg_path, &p->cfg);
	return creds_from_files(p, out, err);
}

int creds_resolve(const char *profile, struct aws_creds *out, struct ivs_error *err)
{
	memset(out, 0, sizeof(*out));
	int named = profile && *profile;
	const char *name = profile_name(profile);
	struct creds_profile p;
	struct buf looked = BUF_INIT;
	int rc = creds_profile_load(name, &p, err);
	if (rc < 0)
		goto done;
	/* A profile asked for by name (argument or AWS_PROFILE) must exist, so a
	 * typo is not answered with another identity; "default" may be missing. */
	if (strcmp(name, "default") != 0 && !p.cred.found && !p.cfg.found) {
		rc = ivs_error_set(err, "ProfileNotFound",
				   "profile `%s` is in neither %s nor %s: check the name, or run "
				   "`aws configure --profile %s`", name,
				   p.cred_path ? p.cred_path : "~/.aws/credentials",
				   p.cfg_path ? p.cfg_path : "~/.aws/config", name);
		goto done;
	}
	rc = profile_steps(&p, named, out, &looked, err);
	if (rc == 0)
		rc = creds_from_container(out, &looked, err);
	if (rc == 0)
		rc = creds_from_imds(out, &looked);
	if (rc == 0)
		rc = ivs_error_set(err, "NoCredentials",
				   "no AWS credentials found: looked at %s; set AWS_PROFILE or run "
				   "`aws configure`", buf_cstr(&looked) + 2);
	if (rc > 0) {
		if (!out->origin[0])
			creds_set_origin(out, "%s", out->source);
		rc = creds_refuse_expired(out, err);
	}
done:
	creds_profile_free(&p);
	buf_free(&looked);
	if (rc < 0) {
		creds_free(out);
		return -1;
	}
	return 0;
}
