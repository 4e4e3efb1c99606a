/*
 * lambdafn.c - Lambda GetFunctionConfiguration and Invoke (see lambdafn.h).
 */
#include "lambdafn.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "json.h"

/* "/2015-03-31/functions/<name, URI-encoded>/<tail>" */
static void function_path(struct buf *path, const char *name, const char *tail)
{
	buf_puts(path, "/2015-03-31/functions/");
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if (isalnum(*p) || strchr("-_.~", *p))
			buf_putc(path, (char)*p);
		else
			buf_printf(path, "%%%02X", *p);
	}
	buf_puts(path, tail);
}

int lambdafn_get_configuration(struct aws_client *c, const char *name,
			       struct lambdafn_config *out, struct ivs_error *err)
{
	memset(out, 0, sizeof(*out));
	struct buf path = BUF_INIT;
	function_path(&path, name, "/configuration");
	cJSON *resp = NULL;
	int rc = restjson_call(c, &AWS_SVC_LAMBDA, "GetFunctionConfiguration", "GET", path.data,
			       NULL, &resp, err);
	buf_free(&path);
	if (rc < 0)
		return err->kind == IVS_ERR_NOT_FOUND ? 1 : -1;
	const struct json_field fields[] = {
		{ "FunctionName", &out->name },
		{ "FunctionArn", &out->arn },
		{ "Runtime", &out->runtime },
		{ "State", &out->state },
		{ "StateReason", &out->state_reason },
		{ "LastUpdateStatus", &out->last_update_status },
		{ "LastModified", &out->last_modified },
	};
	json_copy_strings(resp, fields, 7);
	out->memory_mb = (int)json_num(resp, "MemorySize", 0);
	out->timeout_s = (int)json_num(resp, "Timeout", 0);
	cJSON_Delete(resp);
	if (!out->name)
		out->name = xstrdup(name);
	return 0;
}

void lambdafn_config_free(struct lambdafn_config *cfg)
{
	char *s[] = { cfg->name, cfg->arn, cfg->runtime, cfg->state, cfg->state_reason,
		      cfg->last_update_status, cfg->last_modified };
	free_strings(s, 7);
	memset(cfg, 0, sizeof(*cfg));
}

/* Base64 text -> bytes, NUL-ended; NULL when it is not base64. */
static char *base64_decode(const char *s)
{
	size_t len = strlen(s);
	if (len % 4)
		return NULL;
	unsigned char *out = xmalloc(len / 4 * 3 + 1);
	int n = len ? EVP_DecodeBlock(out, (const unsigned char *)s, (int)len) : 0;
	if (n < 0) {
		free(out);
		return NULL;
	}
	/* EVP_DecodeBlock counts the padding as bytes: take them back off. */
	for (size_t i = len; i > 0 && s[i - 1] == '='; i--)
		n--;
	out[n] = '\0';
	return (char *)out;
}

int lambdafn_invoke(struct aws_client *c, const char *name, const char *payload,
		    struct lambdafn_invocation *out, struct ivs_error *err)
{
	memset(out, 0, sizeof(*out));
	struct buf path = BUF_INIT;
	function_path(&path, name, "/invocations");
	struct aws_op op;
	restjson_op_init(&op, &AWS_SVC_LAMBDA, "Invoke", "POST", path.data, NULL);
	buf_free(&path);
	http_headers_add(&op.headers, "Content-Type", "application/json");
	http_headers_add(&op.headers, "X-Amz-Invocation-Type", "RequestResponse");
	http_headers_add(&op.headers, "X-Amz-Log-Type", "Tail");
	buf_puts(&op.body, payload ? payload : "{}");
	int rc = aws_op_send(c, &op, err);
	if (rc == 0) {
		const struct http_headers *h = &op.resp.headers;
		const char *tail = http_headers_get(h, "X-Amz-Log-Result");
		out->status = op.resp.status;
		out->function_error = xstrdup(http_headers_get(h, "X-Amz-Function-Error"));
		out->executed_version = xstrdup(http_headers_get(h, "X-Amz-Executed-Version"));
		out->log_tail = tail ? base64_decode(tail) : NULL;
		out->payload_len = op.resp.body.len;
		out->payload = xstrndup(buf_cstr(&op.resp.body), op.resp.body.len);
		if (tail && !out->log_tail)
			out->log_tail = xstrdup("(the log tail was not base64)");
	}
	aws_op_free(&op);
	return rc;
}

void lambdafn_invocation_free(struct lambdafn_invocation *inv)
{
	char *s[] = { inv->function_error, inv->log_tail, inv->executed_version, inv->payload };
	free_strings(s, 4);
	memset(inv, 0, sizeof(*inv));
}
