/*
 * json.c - the AWS JSON 1.0/1.1 and REST-JSON protocols on cJSON, and the
 * reader of their error bodies (see json.h).
 *
 * Owns: nothing between calls; the caller owns every cJSON tree it passes in
 * and every one it gets back.
 */
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void set_json_body(struct aws_op *op, const cJSON *body)
{
	if (!body) {
		buf_puts(&op->body, "{}");
		return;
	}
	char *s = cJSON_PrintUnformatted(body);
	buf_puts(&op->body, s ? s : "{}");
	free(s);
}

void json_read_error(const char *body, size_t len, struct ivs_error *err)
{
	if (!len || body[0] != '{')
		return;
	cJSON *j = cJSON_ParseWithLength(body, len);
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return;
	}
	static const char *const code_keys[] = { "__type", "code", "Code" };
	/* IVS's REST-JSON errors carry theirs in exceptionMessage */
	static const char *const msg_keys[] = { "message", "Message", "errorMessage",
						"exceptionMessage" };
	for (size_t i = 0; i < 3 && !err->code[0]; i++) {
		const char *v = json_str(j, code_keys[i]);
		if (v && *v) {
			aws_error_set_code(err, v);
			break;
		}
	}
	for (size_t i = 0; i < sizeof(msg_keys) / sizeof(msg_keys[0]); i++) {
		const char *v = json_str(j, msg_keys[i]);
		if (v) {
			snprintf(err->message, sizeof(err->message), "%s", v);
			break;
		}
	}
	cJSON_Delete(j);
}

void json_op_init(struct aws_op *op, const struct aws_service *svc, const char *version,
		  const char *target_prefix, const char *operation, const cJSON *body)
{
	aws_op_init(op, svc, operation, "POST");
	op->read_error = json_read_error;
	buf_puts(&op->path, "/");
	char ct[40];
	snprintf(ct, sizeof(ct), "application/x-amz-json-%s", version ? version : "1.0");
	http_headers_add(&op->headers, "Content-Type", ct);
	char *target = xasprintf("%s.%s", target_prefix, operation);
	http_headers_add(&op->headers, "X-Amz-Target", target);
	free(target);
	set_json_body(op, body);
}

void restjson_op_init(struct aws_op *op, const struct aws_service *svc, const char *operation,
		      const char *method, const char *path, const cJSON *body)
{
	aws_op_init(op, svc, operation, method);
	op->read_error = json_read_error;
	buf_puts(&op->path, path && *path ? path : "/");
	if (body) {
		http_headers_add(&op->headers, "Content-Type", "application/json");
		set_json_body(op, body);
	}
}

cJSON *json_op_result(const struct aws_op *op, struct ivs_error *err)
{
	const struct buf *b = &op->resp.body;
	size_t i = 0;
	while (i < b->len && (b->data[i] == ' ' || b->data[i] == '\n' || b->data[i] == '\r' ||
			      b->data[i] == '\t'))
		i++;
	if (i == b->len)
		return cJSON_CreateObject();
	cJSON *j = cJSON_ParseWithLength(b->data + i, b->len - i);
	if (!j) {
		ivs_error_bad_response(err, "%s %s: the response is not JSON (%zu bytes)",
				       op->svc ? op->svc->service_id : "AWS", op->name ? op->name : "",
				       b->len);
		return NULL;
	}
	return j;
}

int json_op_call(struct aws_client *c, struct aws_op *op, cJSON **out, struct ivs_error *err)
{
	int rc = aws_op_send(c, op, err);
	if (rc == 0 && out) {
		*out = json_op_result(op, err);
		if (!*out)
			rc = -1;
	}
	aws_op_free(op);
	return rc;
}

int json_call(struct aws_client *c, const struct aws_service *svc, const char *version,
	      const char *target_prefix, const char *operation, const cJSON *body,
	      cJSON **out, struct ivs_error *err)
{
	if (out)
		*out = NULL;
	struct aws_op op;
	json_op_init(&op, svc, version, target_prefix, operation, body);
	return json_op_call(c, &op, out, err);
}

int restjson_call(struct aws_client *c, const struct aws_service *svc, const char *operation,
		  const char *method, const char *path, const cJSON *body, cJSON **out,
		  struct ivs_error *err)
{
	if (out)
		*out = NULL;
	struct aws_op op;
	restjson_op_init(&op, svc, operation, method, path, body);
	return json_op_call(c, &op, out, err);
}

const char *json_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

double json_num(const cJSON *obj, const char *key, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

void json_copy_strings(const cJSON *obj, const struct json_field *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		*f[i].dst = xstrdup(json_str(obj, f[i].key));
}
