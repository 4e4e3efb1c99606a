/*
 * json.c - the AWS JSON 1.0/1.1 and REST-JSON protocols on cJSON, and their
 * pagination (see json.h).
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

void json_op_init(struct aws_op *op, const struct aws_service *svc, const char *version,
		  const char *target_prefix, const char *operation, const cJSON *body)
{
	aws_op_init(op, svc, operation, "POST");
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
		ivs_error_set(err, "BadResponse", "%s %s: the response is not JSON (%zu bytes)",
			      op->svc ? op->svc->service_id : "AWS", op->name ? op->name : "",
			      b->len);
		return NULL;
	}
	return j;
}

static int send_and_parse(struct aws_client *c, struct aws_op *op, cJSON **out,
			  struct ivs_error *err)
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
	return send_and_parse(c, &op, out, err);
}

int restjson_call(struct aws_client *c, const struct aws_service *svc, const char *operation,
		  const char *method, const char *path, const cJSON *body, cJSON **out,
		  struct ivs_error *err)
{
	if (out)
		*out = NULL;
	struct aws_op op;
	restjson_op_init(&op, svc, operation, method, path, body);
	return send_and_parse(c, &op, out, err);
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

/* --- pagination --- */

struct seen_tokens {
	char **v;
	size_t n, cap;
};

static int seen_add(struct seen_tokens *s, const char *token)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], token) == 0)
			return -1;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n++] = xstrdup(token);
	return 0;
}

static void seen_free(struct seen_tokens *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

int json_paginate(struct aws_client *c, const struct aws_service *svc, const char *version,
		  const char *target_prefix_or_method, const char *operation_or_path,
		  const cJSON *request_body, const char *token_key,
		  int (*page_fn)(const cJSON *page, void *user, struct ivs_error *err),
		  void *user, size_t max_pages, struct ivs_error *err)
{
	cJSON *req = request_body ? cJSON_Duplicate(request_body, 1) : cJSON_CreateObject();
	if (!req)
		return ivs_error_set(err, "OutOfMemory", "could not copy the request");
	/* REST-JSON: the operation name for messages is the path's last segment. */
	const char *name = operation_or_path;
	if (!version) {
		const char *slash = strrchr(operation_or_path, '/');
		if (slash && slash[1])
			name = slash + 1;
	}
	struct seen_tokens seen = { 0 };
	size_t pages = 0;
	int rc = 0;
	for (;;) {
		if (max_pages && pages >= max_pages) {
			rc = ivs_error_set(err, "TooManyPages",
					   "%s %s: stopped after %zu pages; the listing did not end",
					   svc->service_id, name, max_pages);
			break;
		}
		cJSON *page = NULL;
		if (version)
			rc = json_call(c, svc, version, target_prefix_or_method, operation_or_path,
				       req, &page, err);
		else
			rc = restjson_call(c, svc, name, target_prefix_or_method, operation_or_path,
					   req, &page, err);
		if (rc < 0)
			break;
		pages++;
		rc = page_fn(page, user, err);
		const char *token = rc == 0 ? json_str(page, token_key) : NULL;
		if (rc < 0 || !token || !*token) {
			cJSON_Delete(page);
			break;
		}
		if (seen_add(&seen, token) < 0) {
			cJSON_Delete(page);
			rc = ivs_error_set(err, "PaginationLoop",
					   "%s %s: the service returned a %s it had already returned; "
					   "stopping instead of looping",
					   svc->service_id, name, token_key);
			break;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(req, token_key);
		cJSON_AddStringToObject(req, token_key, token);
		cJSON_Delete(page);
	}
	seen_free(&seen);
	cJSON_Delete(req);
	return rc;
}
