/*
 * runtime.c - the Lambda Runtime API client (see runtime.h), over http.h.
 */
#include "runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws/http.h"

#define RUNTIME_PREFIX "/2018-06-01/runtime"
/* /next blocks while the sandbox is frozen, for as long as Lambda likes; the
 * HTTP layer's timeout is "whole request", so give it a day. */
#define RUNTIME_NEXT_TIMEOUT_MS (24L * 3600 * 1000)

struct runtime {
	char base[300];        /* http://host:port/2018-06-01/runtime */
	struct http_client *http;
};

int runtime_new(const char *api, struct runtime **out, struct ivs_error *err)
{
	*out = NULL;
	if (!api || !*api || strlen(api) > 200 || strchr(api, '/'))
		return ivs_error_set(err, "InvalidRuntime",
				     "AWS_LAMBDA_RUNTIME_API must be host:port (it is set by Lambda)");
	struct runtime *rt = xcalloc(1, sizeof(*rt));
	snprintf(rt->base, sizeof(rt->base), "http://%s" RUNTIME_PREFIX, api);
	struct http_options ho = { .connect_timeout_ms = 2000, .timeout_ms = RUNTIME_NEXT_TIMEOUT_MS,
				   .max_body = 7u << 20 };
	rt->http = http_client_new(&ho);
	if (!rt->http) {
		free(rt);
		return ivs_error_set(err, "InvalidRuntime", "could not start the HTTP client");
	}
	*out = rt;
	return 0;
}

void runtime_free(struct runtime *rt)
{
	if (!rt)
		return;
	http_client_free(rt->http);
	free(rt);
}

static int post(struct runtime *rt, const char *path, const char *body, size_t len,
		const char *error_type, struct ivs_error *err)
{
	char *url = xasprintf("%s%s", rt->base, path);
	struct http_request req = { .method = "POST", .url = url, .body = body, .body_len = len };
	http_headers_add(&req.headers, "Content-Type", "application/json");
	if (error_type)
		http_headers_add(&req.headers, "Lambda-Runtime-Function-Error-Type", error_type);
	struct http_response resp = { 0 };
	int rc = http_send(rt->http, &req, &resp);
	if (rc < 0)
		ivs_error_set(err, "RuntimeUnreachable", "POST %s: %s", path, resp.transport_msg);
	else if (resp.status < 200 || resp.status > 299)
		rc = ivs_error_set(err, "RuntimeRefused", "POST %s: HTTP %ld: %.200s", path, resp.status,
				   buf_cstr(&resp.body));
	http_headers_free(&req.headers);
	http_response_free(&resp);
	free(url);
	return rc;
}

int runtime_next(struct runtime *rt, struct runtime_invocation *inv, struct ivs_error *err)
{
	memset(inv, 0, sizeof(*inv));
	char *url = xasprintf("%s/invocation/next", rt->base);
	struct http_request req = { .method = "GET", .url = url };
	struct http_response resp = { 0 };
	int rc = http_send(rt->http, &req, &resp);
	free(url);
	if (rc < 0) {
		ivs_error_set(err, "RuntimeUnreachable", "GET /invocation/next: %s", resp.transport_msg);
		http_response_free(&resp);
		return -1;
	}
	if (resp.status != 200) {
		ivs_error_set(err, "RuntimeRefused", "GET /invocation/next: HTTP %ld: %.200s",
			      resp.status, buf_cstr(&resp.body));
		http_response_free(&resp);
		return -1;
	}
	const char *id = http_headers_get(&resp.headers, "Lambda-Runtime-Aws-Request-Id");
	const char *deadline = http_headers_get(&resp.headers, "Lambda-Runtime-Deadline-Ms");
	const char *trace = http_headers_get(&resp.headers, "Lambda-Runtime-Trace-Id");
	if (!id || !*id || strlen(id) >= sizeof(inv->request_id) || strpbrk(id, "/?#% ")) {
		http_response_free(&resp);
		return ivs_error_set(err, "RuntimeRefused",
				     "GET /invocation/next answered without a usable request id");
	}
	snprintf(inv->request_id, sizeof(inv->request_id), "%s", id);
	inv->deadline_ms = deadline ? strtoll(deadline, NULL, 10) : 0;
	snprintf(inv->trace_id, sizeof(inv->trace_id), "%s", trace ? trace : "");
	inv->event = resp.body; /* take the body over */
	buf_init(&resp.body);
	http_response_free(&resp);
	return 0;
}

int runtime_respond(struct runtime *rt, const char *request_id, const char *body, size_t len,
		    struct ivs_error *err)
{
	char path[200];
	snprintf(path, sizeof(path), "/invocation/%s/response", request_id);
	return post(rt, path, body, len, NULL, err);
}

int runtime_fail(struct runtime *rt, const char *request_id, const char *type,
		 const char *message, struct ivs_error *err)
{
	char path[200];
	if (request_id)
		snprintf(path, sizeof(path), "/invocation/%s/error", request_id);
	else
		snprintf(path, sizeof(path), "/init/error");
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "errorMessage", message ? message : "");
	cJSON_AddStringToObject(o, "errorType", type ? type : "Error");
	char *body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	int rc = post(rt, path, body, strlen(body), request_id ? "Unhandled" : "Runtime.InitError", err);
	free(body);
	return rc;
}

void runtime_invocation_free(struct runtime_invocation *inv)
{
	buf_free(&inv->event);
}
