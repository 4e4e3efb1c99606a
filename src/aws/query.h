/*
 * query.h - the AWS query protocol (CloudFormation, STS, IAM): form-encoded
 * POST with Action and Version, XML responses read with libxml2; and the
 * REST-XML protocol of S3.
 *
 * Owns: struct query_params and the xmlDoc it returns (caller frees with
 * xmlFreeDoc). XML lookups go by local names so namespaces never matter.
 */
#ifndef IVS_QUERY_H
#define IVS_QUERY_H

#include <libxml/tree.h>

#include "client.h"

struct query_params {
	struct http_headers kv;       /* reuses the name/value list */
};

void query_params_add(struct query_params *q, const char *key, const char *value);
void query_params_addf(struct query_params *q, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void query_params_free(struct query_params *q);

void query_op_init(struct aws_op *op, const struct aws_service *svc, const char *action,
		   const char *version, const struct query_params *params);
/* Parses a successful op's XML body; NULL (err filled) when it is not XML. */
xmlDocPtr xml_op_result(const struct aws_op *op, struct ivs_error *err);
int query_call(struct aws_client *c, const struct aws_service *svc, const char *action,
	       const char *version, const struct query_params *params, xmlDocPtr *out,
	       struct ivs_error *err);

/* The XML error bodies of the query and REST-XML protocols:
 * <ErrorResponse><Error><Code/><Message/></Error><RequestId/></ErrorResponse>,
 * S3's <Error><Code/>...<RequestId/></Error>, EC2's <Response><Errors><Error>. */
void query_parse_xml_error(const char *body, size_t len, struct ivs_error *err);
/* The error reader of the query and REST-XML ops (op->read_error): XML
 * bodies as above, JSON ones as json_read_error. */
void query_read_error(const char *body, size_t len, struct ivs_error *err);
/* Every error shape AWS sends (headers, JSON and XML bodies) into err. */
void aws_parse_error(const struct http_response *resp, struct ivs_error *err);

/* REST-XML (S3): path is "/<bucket>/<key>" already encoded; body borrowed
 * (op->body_ref: it must outlive the send). Add headers to op->headers. */
void restxml_op_init(struct aws_op *op, const struct aws_service *svc, const char *operation,
		     const char *method, const char *path, const void *body, size_t body_len);

/* XML navigation by local names. path is '/'-separated from node, e.g.
 * "GetCallerIdentityResult/Account". */
xmlNodePtr xml_child(xmlNodePtr node, const char *name);
xmlNodePtr xml_find(xmlNodePtr node, const char *path);
/* Text of the node at path, malloc'd; NULL when absent. */
char *xml_text(xmlNodePtr node, const char *path);
/* Copies texts into a struct: *dst gets xml_text(node, path). */
struct xml_field {
	const char *path;
	char **dst;
};
void xml_copy_texts(xmlNodePtr node, const struct xml_field *f, size_t n);
/* Root element of doc. */
xmlNodePtr xml_root(xmlDocPtr doc);
/* Iterate element children named name: for (n = xml_first(p, "member"); n; n = xml_next(n, "member")) */
xmlNodePtr xml_first(xmlNodePtr parent, const char *name);
xmlNodePtr xml_next(xmlNodePtr node, const char *name);

#endif
