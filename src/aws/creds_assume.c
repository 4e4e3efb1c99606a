/*
 * creds_assume.c - the chain's STS steps: a profile's role_arn (assumed with
 * credentials from its source_profile, to any depth, or its
 * credential_source) and web identity (the environment's or the profile's
 * token file), as botocore's AssumeRoleProvider and
 * AssumeRoleWithWebIdentityProvider resolve them.
 *
 * Owns: the STS caller registered by the XML-capable library (creds.h), the
 * source credentials of each hop (cleansed when the hop is done) and the MFA
 * code read from the terminal. Role sessions go through the AWS CLI's cache
 * (creds_cache.c), so an MFA code is asked once for either tool.
 */
#include "creds_source.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "creds.h"

#define ROLE_CHAIN_MAX 32
#define TOKEN_FILE_MAX (64 * 1024)

static creds_sts_fn sts_caller;

void creds_set_sts(creds_sts_fn fn)
{
	sts_caller = fn;
}

int creds_sts(const struct creds_sts_call *call, struct aws_creds *out, struct ivs_error *err)
{
	if (!sts_caller)
		return ivs_error_set(err, "UnsupportedCredentials",
				     "role %s needs STS %s, which this program does not link; use "
				     "keys or a credential_process here", call->role_arn, call->action);
	return sts_caller(call, out, err);
}

/* The profiles visited along a source_profile chain, for the cycle error. */
struct role_chain {
	const char *names[ROLE_CHAIN_MAX];
	size_t n;
};

static int chain_has(const struct role_chain *ch, const char *name)
{
	for (size_t i = 0; i < ch->n; i++)
		if (strcmp(ch->names[i], name) == 0)
			return 1;
	return 0;
}

static int chain_cycle_error(const struct role_chain *ch, const char *back_to,
			     struct ivs_error *err)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < ch->n; i++)
		buf_printf(&b, "%s -> ", ch->names[i]);
	buf_puts(&b, back_to);
	int rc = ivs_error_set(err, "InvalidConfig",
			       "the profiles' source_profile settings form a loop: %s; end the chain "
			       "at a profile with keys (or credential_source)", buf_cstr(&b));
	buf_free(&b);
	return rc;
}

/* The code for mfa_serial, from the terminal (never stdin, which may carry
 * a command's input). Returns 0 with code filled, or -1. */
static int mfa_code(const char *serial, char *code, size_t n, struct ivs_error *err)
{
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return ivs_error_set(err, "MfaRequired",
				     "the role needs an MFA code for %s but there is no terminal to ask "
				     "on: run once interactively (the session is cached), or use "
				     "another profile", serial);
	char prompt[300];
	int len = snprintf(prompt, sizeof(prompt), "Enter MFA code for %s: ", serial);
	ssize_t w = write(fd, prompt, (size_t)len);
	size_t got = 0;
	char ch;
	while (w >= 0 && got + 1 < n && read(fd, &ch, 1) == 1 && ch != '\n')
		if (ch != '\r')
			code[got++] = ch;
	code[got] = '\0';
	close(fd);
	if (got == 0)
		return ivs_error_set(err, "MfaRequired", "no MFA code entered for %s", serial);
	return 0;
}

static int resolve_profile_name(const char *name, struct role_chain *ch, struct aws_creds *out,
				struct ivs_error *err);

/* credential_source: one named step of the chain, nothing else. */
static int from_credential_source(const struct creds_profile *p, const char *src,
				  struct aws_creds *out, struct ivs_error *err)
{
	struct buf looked = BUF_INIT;
	int rc;
	if (strcmp(src, "Environment") == 0)
		rc = creds_from_env(out, err);
	else if (strcmp(src, "EcsContainer") == 0)
		rc = creds_from_container(out, &looked, err);
	else if (strcmp(src, "Ec2InstanceMetadata") == 0)
		rc = creds_from_imds(out, &looked);
	else
		rc = ivs_error_set(err, "InvalidConfig",
				   "profile %s: credential_source = %s is not one of Environment, "
				   "Ec2InstanceMetadata, EcsContainer", p->name, src);
	if (rc == 0)
		rc = ivs_error_set(err, "CredentialSourceEmpty",
				   "profile %s: credential_source = %s gave no credentials%s%s", p->name,
				   src, looked.len ? ": " : "", looked.len ? buf_cstr(&looked) + 2 : "");
	buf_free(&looked);
	return rc;
}

/* The credentials a role is assumed with. */
static int role_source(const struct creds_profile *p, struct role_chain *ch,
		       struct aws_creds *src, struct ivs_error *err)
{
	const char *sp = creds_profile_get(p, "source_profile");
	const char *cs = creds_profile_get(p, "credential_source");
	if (sp && cs)
		return ivs_error_set(err, "InvalidConfig",
				     "profile %s has both source_profile and credential_source: keep one",
				     p->name);
	if (!sp && !cs)
		return ivs_error_set(err, "InvalidConfig",
				     "profile %s has role_arn but neither source_profile nor "
				     "credential_source: add one", p->name);
	if (cs)
		return from_credential_source(p, cs, src, err);
	/* A profile may name itself to use its own keys for its role. */
	if (strcmp(sp, p->name) == 0 && creds_profile_has_keys(p))
		return creds_from_files(p, src, err) > 0 ? 0 : -1;
	if (chain_has(ch, sp))
		return chain_cycle_error(ch, sp, err);
	return resolve_profile_name(sp, ch, src, err);
}

static long duration_of(const struct creds_profile *p, struct ivs_error *err)
{
	const char *d = creds_profile_get(p, "duration_seconds");
	if (!d)
		return 0;
	char *end;
	long v = strtol(d, &end, 10);
	if (*end || v < 900 || v > 43200)
		return ivs_error_set(err, "InvalidConfig",
				     "profile %s: duration_seconds = %s is not a number of seconds "
				     "from 900 to 43200", p->name, d);
	return v;
}

/* AssumeRole for p, through the cache. */
static int assume(const struct creds_profile *p, struct role_chain *ch, struct aws_creds *out,
		  struct ivs_error *err)
{
	struct creds_sts_call call = { .action = "AssumeRole", .profile = p->name };
	call.role_arn = creds_profile_get(p, "role_arn");
	call.session_name = creds_profile_get(p, "role_session_name");
	call.external_id = creds_profile_get(p, "external_id");
	call.serial = creds_profile_get(p, "mfa_serial");
	call.duration_s = duration_of(p, err);
	if (call.duration_s < 0)
		return -1;
	struct creds_cache_args ca = { call.role_arn, call.session_name, call.external_id,
				       call.serial, call.duration_s };
	char key[41], session[64], code[64] = "";
	creds_cache_key(&ca, key);
	if (creds_cache_load(key, out) > 0)
		goto named;
	struct aws_creds src;
	memset(&src, 0, sizeof(src));
	if (role_source(p, ch, &src, err) < 0 || creds_refuse_expired(&src, err) < 0)
		return ivs_error_prefix(err, "assuming %s for profile %s", call.role_arn, p->name);
	if (!call.session_name) {
		snprintf(session, sizeof(session), "ivsvc-session-%lld", (long long)time(NULL));
		call.session_name = session;
	}
	call.signer = &src;
	int rc = call.serial ? mfa_code(call.serial, code, sizeof(code), err) : 0;
	call.token_code = code[0] ? code : NULL;
	if (rc == 0)
		rc = creds_sts(&call, out, err);
	OPENSSL_cleanse(code, sizeof(code));
	creds_free(&src);
	if (rc < 0)
		return ivs_error_prefix(err, "assuming %s for profile %s", call.role_arn, p->name);
	creds_cache_store(key, out);
named:
	creds_set_source(out, "assume-role");
	creds_set_origin(out, "profile %s via role %s", p->name, call.role_arn);
	return 1;
}

/* A source profile: its role if it has one and no keys, else its own
 * providers without the environment (botocore's
 * _resolve_credentials_from_profile). */
static int resolve_profile_name(const char *name, struct role_chain *ch, struct aws_creds *out,
				struct ivs_error *err)
{
	if (ch->n == ROLE_CHAIN_MAX)
		return ivs_error_set(err, "InvalidConfig", "source_profile chain longer than %d",
				     ROLE_CHAIN_MAX);
	struct creds_profile p;
	int rc = creds_profile_load(name, &p, err);
	if (rc == 0 && !p.cred.found && !p.cfg.found)
		rc = ivs_error_set(err, "ProfileNotFound",
				   "source_profile %s is in neither the credentials nor the config file",
				   name);
	if (rc < 0)
		goto done;
	ch->names[ch->n++] = p.name;
	if (creds_profile_get(&p, "role_arn") && !creds_profile_has_keys(&p) &&
	    !creds_profile_get(&p, "web_identity_token_file"))
		rc = assume(&p, ch, out, err);
	else if ((rc = creds_from_web_identity(&p, 0, out, err)) == 0 &&
		 (rc = creds_from_sso(&p, out, err)) == 0)
		rc = creds_from_files(&p, out, err);
	ch->n--;
	if (rc == 0)
		rc = ivs_error_set(err, "NoCredentials", "source_profile %s has no credentials",
				   name);
done:
	creds_profile_free(&p);
	return rc < 0 ? -1 : 0;
}

int creds_from_role(const struct creds_profile *p, struct aws_creds *out, struct ivs_error *err)
{
	if (!creds_profile_get(p, "role_arn") || creds_profile_get(p, "web_identity_token_file"))
		return 0;
	struct role_chain ch = { { p->name }, 1 };
	return assume(p, &ch, out, err);
}

/* ---- web identity ---- */

static int read_token(const char *path, char **out, struct ivs_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ivs_error_set(err, "WebIdentity", "cannot read the web identity token file "
				     "%s: %s", path, strerror(errno));
	char *tok = xmalloc(TOKEN_FILE_MAX + 1);
	size_t n = 0;
	ssize_t r;
	while (n < TOKEN_FILE_MAX && (r = read(fd, tok + n, TOKEN_FILE_MAX - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	while (n > 0 && (tok[n - 1] == '\n' || tok[n - 1] == '\r' || tok[n - 1] == ' '))
		n--;
	tok[n] = '\0';
	*out = n ? xstrdup(tok) : NULL;
	OPENSSL_cleanse(tok, TOKEN_FILE_MAX + 1);
	free(tok);
	if (!*out)
		return ivs_error_set(err, "WebIdentity", "the web identity token file %s is empty",
				     path);
	return 0;
}

/* One setting: the variable when use_env and set, else the profile's key. */
static const char *wi_get(const struct creds_profile *p, int use_env, const char *var,
			  const char *key, int *from_env)
{
	const char *v = use_env ? getenv(var) : NULL;
	if (v) {
		*from_env = 1;
		return v;
	}
	return creds_profile_get(p, key);
}

int creds_from_web_identity(const struct creds_profile *p, int use_env, struct aws_creds *out,
			    struct ivs_error *err)
{
	int env = 0;
	const char *file = wi_get(p, use_env, "AWS_WEB_IDENTITY_TOKEN_FILE",
				  "web_identity_token_file", &env);
	if (!file || !*file)
		return 0;
	int env_file = env;
	const char *arn = wi_get(p, use_env, "AWS_ROLE_ARN", "role_arn", &env);
	if (!arn || !*arn)
		return ivs_error_set(err, "InvalidConfig",
				     "web identity token file %s is set but no role: set AWS_ROLE_ARN "
				     "or the profile's role_arn", file);
	const char *session = wi_get(p, use_env, "AWS_ROLE_SESSION_NAME", "role_session_name",
				     &env);
	char gen[64];
	if (!session || !*session) {
		snprintf(gen, sizeof(gen), "ivsvc-session-%lld", (long long)time(NULL));
		session = gen;
	}
	char *token = NULL;
	if (read_token(file, &token, err) < 0)
		return -1;
	struct creds_sts_call call = { .action = "AssumeRoleWithWebIdentity", .profile = p->name,
				       .role_arn = arn, .session_name = session,
				       .web_identity_token = token };
	int rc = creds_sts(&call, out, err);
	free_secret(token);
	if (rc < 0)
		return ivs_error_prefix(err, "web identity (%s)", env_file
					? "AWS_WEB_IDENTITY_TOKEN_FILE" : "profile's web_identity_token_file");
	creds_set_source(out, "web-identity");
	if (env_file)
		creds_set_origin(out, "web identity (AWS_WEB_IDENTITY_TOKEN_FILE) as role %s", arn);
	else
		creds_set_origin(out, "profile %s via web identity as role %s", p->name, arn);
	return 1;
}
