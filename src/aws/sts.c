/*
 * sts.c - STS GetCallerIdentity, and AssumeRole / AssumeRoleWithWebIdentity
 * for the credential chain (see sts.h).
 */
#include "sts.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "query.h"

int sts_get_caller_identity(struct aws_client *c, struct sts_identity *out,
			    struct ivs_error *err)
{
	memset(out, 0, sizeof(*out));
	xmlDocPtr doc = NULL;
	if (query_call(c, &AWS_SVC_STS, "GetCallerIdentity", "2011-06-15", NULL, &doc, err) < 0)
		return -1;
	xmlNodePtr root = xml_root(doc);
	out->account = xml_text(root, "GetCallerIdentityResult/Account");
	out->arn = xml_text(root, "GetCallerIdentityResult/Arn");
	out->user_id = xml_text(root, "GetCallerIdentityResult/UserId");
	xmlFreeDoc(doc);
	/* An empty account would name the asset bucket "ivsvc-assets--<region>". */
	if (!out->account || !*out->account || !out->arn || !*out->arn) {
		sts_identity_free(out);
		return ivs_error_bad_response(err,
				"STS GetCallerIdentity answered without Account/Arn");
	}
	if (!out->user_id)
		out->user_id = xstrdup("");
	return 0;
}

void sts_identity_free(struct sts_identity *id)
{
	char *s[] = { id->account, id->arn, id->user_id };
	free_strings(s, 3);
	memset(id, 0, sizeof(*id));
}

/* ---- the credential chain's calls (creds.h) ---- */

static void add_opt(struct query_params *q, const char *key, const char *v)
{
	if (v && *v)
		query_params_add(q, key, v);
}

static void sts_params(const struct creds_sts_call *call, struct query_params *q)
{
	query_params_add(q, "RoleArn", call->role_arn);
	query_params_add(q, "RoleSessionName", call->session_name);
	add_opt(q, "ExternalId", call->external_id);
	add_opt(q, "SerialNumber", call->serial);
	add_opt(q, "TokenCode", call->token_code);
	add_opt(q, "WebIdentityToken", call->web_identity_token);
	if (call->duration_s > 0)
		query_params_addf(q, "DurationSeconds", "%ld", call->duration_s);
}

/* Credentials out of an AssumeRole*Response; -1 (err) when incomplete. */
static int sts_answer(xmlDocPtr doc, const char *action, struct aws_creds *out,
		      struct ivs_error *err)
{
	char path[96];
	snprintf(path, sizeof(path), "%sResult/Credentials", action);
	xmlNodePtr cr = xml_find(xml_root(doc), path);
	char *exp = xml_text(cr, "Expiration");
	out->access_key_id = xml_text(cr, "AccessKeyId");
	out->secret_access_key = xml_text(cr, "SecretAccessKey");
	out->session_token = xml_text(cr, "SessionToken");
	int ok = out->access_key_id && out->secret_access_key && exp &&
		 creds_parse_time(exp, &out->expiration) == 0;
	free(exp);
	if (!ok)
		return ivs_error_bad_response(err, "STS %s answered without credentials", action);
	return 0;
}

static int sts_credentials_call(const struct creds_sts_call *call, struct aws_creds *out,
				struct ivs_error *err)
{
	/* STS in the profile's region (regional endpoints, as the SDKs now
	 * default to); the global one's region when the profile has none. */
	char region[64];
	struct ivs_error ignored;
	if (region_resolve(NULL, call->profile, region, sizeof(region), &ignored) < 0)
		snprintf(region, sizeof(region), "us-east-1");
	struct aws_creds anonymous;
	memset(&anonymous, 0, sizeof(anonymous));
	struct aws_client_options o = { 0 };
	o.profile = call->profile;
	o.region = region;
	o.creds = call->signer ? call->signer : &anonymous;
	struct aws_client *c;
	if (aws_client_new(&o, &c, err) < 0)
		return -1;
	struct query_params q;
	memset(&q, 0, sizeof(q));
	sts_params(call, &q);
	xmlDocPtr doc = NULL;
	int rc = query_call(c, &AWS_SVC_STS, call->action, "2011-06-15", &q, &doc, err);
	/* The web identity token and the MFA code are secrets too. */
	for (size_t i = 0; i < q.kv.n; i++)
		OPENSSL_cleanse(q.kv.v[i].value, strlen(q.kv.v[i].value));
	query_params_free(&q);
	aws_client_free(c);
	if (rc == 0) {
		rc = sts_answer(doc, call->action, out, err);
		if (rc < 0)
			creds_free(out);
	}
	if (doc)
		xmlFreeDoc(doc);
	return rc;
}

void sts_register_credentials(void)
{
	creds_set_sts(sts_credentials_call);
}
