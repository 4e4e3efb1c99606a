/*
 * query.c - the AWS query protocol (form-encoded POST, XML answers), the
 * REST-XML request shape of S3, and XML navigation by local name (see
 * query.h).
 *
 * Owns: nothing between calls. XML is parsed by libxml2 with the network off
 * and entity substitution off (XML_PARSE_NOENT is deliberately absent), so a
 * response can neither fetch anything nor expand entities into our memory.
 */
#include "query.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "json.h"
#include "sigv4.h"

#define QUERY_CONTENT_TYPE "application/x-www-form-urlencoded; charset=utf-8"

void query_params_add(struct query_params *q, const char *key, const char *value)
{
	http_headers_add(&q->kv, key, value ? value : "");
}

void query_params_addf(struct query_params *q, const char *key, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	query_params_add(q, key, buf_cstr(&b));
	buf_free(&b);
}

void query_params_free(struct query_params *q)
{
	http_headers_free(&q->kv);
}

static void put_param(struct buf *body, const char *key, const char *value)
{
	if (body->len)
		buf_putc(body, '&');
	sigv4_uri_encode(body, key, strlen(key), 1);
	buf_putc(body, '=');
	sigv4_uri_encode(body, value, strlen(value), 1);
}

void query_op_init(struct aws_op *op, const struct aws_service *svc, const char *action,
		   const char *version, const struct query_params *params)
{
	aws_op_init(op, svc, action, "POST");
	op->read_error = query_read_error;
	buf_puts(&op->path, "/");
	http_headers_add(&op->headers, "Content-Type", QUERY_CONTENT_TYPE);
	put_param(&op->body, "Action", action);
	put_param(&op->body, "Version", version);
	for (size_t i = 0; params && i < params->kv.n; i++)
		put_param(&op->body, params->kv.v[i].name, params->kv.v[i].value);
}

void restxml_op_init(struct aws_op *op, const struct aws_service *svc, const char *operation,
		     const char *method, const char *path, const void *body, size_t body_len)
{
	aws_op_init(op, svc, operation, method);
	op->read_error = query_read_error;
	buf_puts(&op->path, path && *path ? path : "/");
	if (body) {
		op->body_ref = body;
		op->body_ref_len = body_len;
	}
}

static void xml_discard(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

/* libxml2 2.9 prints some errors (bad encodings) to stderr even with
 * XML_PARSE_NOERROR; a service's malformed answer must not spray the
 * terminal: we report it ourselves. */
static void xml_quiet(void)
{
	xmlSetGenericErrorFunc(NULL, xml_discard);
}

/* First element with this local name, depth first. */
static xmlNodePtr find_error_element(xmlNodePtr n, const char *name)
{
	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)n->name, name) == 0)
			return n;
		xmlNodePtr f = find_error_element(n->children, name);
		if (f)
			return f;
	}
	return NULL;
}

static void copy_child_text(xmlNodePtr parent, const char *name, char *dst, size_t n)
{
	xmlNodePtr c = parent ? find_error_element(parent->children, name) : NULL;
	if (!c)
		return;
	xmlChar *t = xmlNodeGetContent(c);
	if (t) {
		const char *s = (const char *)t;
		while (isspace((unsigned char)*s))
			s++;
		size_t len = strlen(s);
		while (len && isspace((unsigned char)s[len - 1]))
			len--;
		if (len >= n)
			len = n - 1;
		memcpy(dst, s, len);
		dst[len] = '\0';
		xmlFree(t);
	}
}

/* <ErrorResponse><Error><Code/><Message/></Error><RequestId/></ErrorResponse>
 * (query), <Error><Code/>...<RequestId/></Error> (S3), <Response><Errors>
 * <Error>... (EC2 style). */
void query_parse_xml_error(const char *body, size_t len, struct ivs_error *err)
{
	if (len > (size_t)INT32_MAX)
		return;
	xml_quiet();
	xmlDocPtr doc = xmlReadMemory(body, (int)len, NULL, NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return;
	xmlNodePtr root = xmlDocGetRootElement(doc);
	xmlNodePtr e = find_error_element(root, "Error");
	if (e) {
		if (!err->code[0]) {
			char code[sizeof(err->code)] = "";
			copy_child_text(e, "Code", code, sizeof(code));
			if (code[0])
				aws_error_set_code(err, code);
		}
		copy_child_text(e, "Message", err->message, sizeof(err->message));
	}
	if (!err->request_id[0] && root) {
		/* The root itself may be the <Error> (S3); search from it. */
		xmlNodePtr holder = root;
		copy_child_text(holder, "RequestId", err->request_id, sizeof(err->request_id));
		if (!err->request_id[0])
			copy_child_text(holder, "RequestID", err->request_id, sizeof(err->request_id));
	}
	xmlFreeDoc(doc);
}

void query_read_error(const char *body, size_t len, struct ivs_error *err)
{
	if (len && body[0] == '<')
		query_parse_xml_error(body, len, err);
	else
		json_read_error(body, len, err);
}

void aws_parse_error(const struct http_response *resp, struct ivs_error *err)
{
	aws_parse_error_with(resp, query_read_error, err);
}

xmlDocPtr xml_op_result(const struct aws_op *op, struct ivs_error *err)
{
	const struct buf *b = &op->resp.body;
	if (!b->len || b->len > (size_t)INT32_MAX) {
		ivs_error_bad_response(err, "%s %s: the response is not XML (%zu bytes)",
				       op->svc ? op->svc->service_id : "AWS", op->name ? op->name : "",
				       b->len);
		return NULL;
	}
	xml_quiet();
	xmlDocPtr doc = xmlReadMemory(b->data, (int)b->len, NULL, NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc || !xmlDocGetRootElement(doc)) {
		xmlFreeDoc(doc);
		ivs_error_bad_response(err, "%s %s: the response is not well-formed XML",
				       op->svc ? op->svc->service_id : "AWS", op->name ? op->name : "");
		return NULL;
	}
	return doc;
}

int query_call(struct aws_client *c, const struct aws_service *svc, const char *action,
	       const char *version, const struct query_params *params, xmlDocPtr *out,
	       struct ivs_error *err)
{
	struct aws_op op;
	query_op_init(&op, svc, action, version, params);
	int rc = aws_op_send(c, &op, err);
	if (rc == 0 && out) {
		*out = xml_op_result(&op, err);
		if (!*out)
			rc = -1;
	}
	aws_op_free(&op);
	return rc;
}

/* --- navigation --- */

static int is_named(xmlNodePtr n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && n->name &&
	       strcmp((const char *)n->name, name) == 0;
}

xmlNodePtr xml_root(xmlDocPtr doc)
{
	return doc ? xmlDocGetRootElement(doc) : NULL;
}

xmlNodePtr xml_child(xmlNodePtr node, const char *name)
{
	if (!node || !name)
		return NULL;
	for (xmlNodePtr c = node->children; c; c = c->next)
		if (is_named(c, name))
			return c;
	return NULL;
}

xmlNodePtr xml_find(xmlNodePtr node, const char *path)
{
	if (!node || !path)
		return node;
	const char *p = path;
	char seg[256];
	while (node && *p) {
		size_t len = strcspn(p, "/");
		if (len) {
			if (len >= sizeof(seg))
				return NULL;
			memcpy(seg, p, len);
			seg[len] = '\0';
			node = xml_child(node, seg);
		}
		p += len;
		if (*p == '/')
			p++;
	}
	return node;
}

char *xml_text(xmlNodePtr node, const char *path)
{
	xmlNodePtr n = xml_find(node, path);
	if (!n)
		return NULL;
	xmlChar *t = xmlNodeGetContent(n);
	char *s = xstrdup(t ? (const char *)t : "");
	xmlFree(t);
	return s;
}

void xml_copy_texts(xmlNodePtr node, const struct xml_field *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		*f[i].dst = xml_text(node, f[i].path);
}

xmlNodePtr xml_first(xmlNodePtr parent, const char *name)
{
	return xml_child(parent, name);
}

xmlNodePtr xml_next(xmlNodePtr node, const char *name)
{
	for (xmlNodePtr c = node ? node->next : NULL; c; c = c->next)
		if (is_named(c, name))
			return c;
	return NULL;
}
