/*
 * json.h - the AWS JSON 1.0/1.1 protocol (DynamoDB, EventBridge, CloudWatch
 * Logs) and REST-JSON (IVS, Lambda), both on cJSON.
 *
 * Owns: nothing; the caller owns the cJSON trees it passes and receives.
 */
#ifndef IVS_JSON_H
#define IVS_JSON_H

#include <cjson/cJSON.h>

#include "client.h"

/* JSON 1.0/1.1: POST / with X-Amz-Target: <target_prefix>.<operation>.
 * version is "1.0" or "1.1". body may be NULL ("{}"). */
void json_op_init(struct aws_op *op, const struct aws_service *svc, const char *version,
		  const char *target_prefix, const char *operation, const cJSON *body);

/* REST-JSON: method and an already-encoded path (and query). body may be NULL. */
void restjson_op_init(struct aws_op *op, const struct aws_service *svc, const char *operation,
		      const char *method, const char *path, const cJSON *body);

/* Parses a successful op's body; an empty body gives an empty object.
 * Returns NULL (and fills err) when it is not JSON. */
cJSON *json_op_result(const struct aws_op *op, struct ivs_error *err);

/* Convenience: init + send + parse. *out (may be NULL) receives the response. */
int json_call(struct aws_client *c, const struct aws_service *svc, const char *version,
	      const char *target_prefix, const char *operation, const cJSON *body,
	      cJSON **out, struct ivs_error *err);
int restjson_call(struct aws_client *c, const struct aws_service *svc, const char *operation,
		  const char *method, const char *path, const cJSON *body, cJSON **out,
		  struct ivs_error *err);

/* Pages through a listing. JSON 1.x: version "1.0"/"1.1", then the target
 * prefix and operation; REST-JSON: version NULL, then the method and the
 * path (the token goes in the JSON body, as IVS's List* calls take it).
 * token_key ("NextToken", "nextToken") is read from each page and sent with
 * the next request; paging stops when it is absent or empty. page_fn sees
 * each parsed page (owned by the pager) and may stop it by returning < 0.
 * A token the service already returned is a loop (error "PaginationLoop");
 * more than max_pages (0: no limit) is error "TooManyPages". */
int json_paginate(struct aws_client *c, const struct aws_service *svc, const char *version,
		  const char *target_prefix_or_method, const char *operation_or_path,
		  const cJSON *request_body, const char *token_key,
		  int (*page_fn)(const cJSON *page, void *user, struct ivs_error *err),
		  void *user, size_t max_pages, struct ivs_error *err);

/* Small accessors that never crash on a missing member. */
const char *json_str(const cJSON *obj, const char *key);           /* NULL if absent/not string */
double json_num(const cJSON *obj, const char *key, double dflt);

#endif
