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

/* Sends an op built above and parses its answer into *out (may be NULL);
 * frees the op. */
int json_op_call(struct aws_client *c, struct aws_op *op, cJSON **out, struct ivs_error *err);
/* Convenience: init + send + parse. *out (may be NULL) receives the response. */
int json_call(struct aws_client *c, const struct aws_service *svc, const char *version,
	      const char *target_prefix, const char *operation, const cJSON *body,
	      cJSON **out, struct ivs_error *err);
int restjson_call(struct aws_client *c, const struct aws_service *svc, const char *operation,
		  const char *method, const char *path, const cJSON *body, cJSON **out,
		  struct ivs_error *err);

/* The error body of both protocols: {"__type"/"code", "message"}; the
 * op_inits above set it as op->read_error. */
void json_read_error(const char *body, size_t len, struct ivs_error *err);

/* Small accessors that never crash on a missing member. */
const char *json_str(const cJSON *obj, const char *key);           /* NULL if absent/not string */
double json_num(const cJSON *obj, const char *key, double dflt);
/* Copies string members into a struct: *dst gets a malloc'd copy of the
 * member key, or NULL when it is absent or not a string. */
struct json_field {
	const char *key;
	char **dst;
};
void json_copy_strings(const cJSON *obj, const struct json_field *f, size_t n);

#endif
