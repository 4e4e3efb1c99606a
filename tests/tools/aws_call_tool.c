/*
 * aws_call_tool.c - drives the AWS client for the integration tests: one
 * call through aws_op_send, or N copies of it through aws_ops_send, and one
 * JSON line per op (status, attempts, error code and message, elapsed ms),
 * then a summary line.
 *
 * usage: aws_call_tool [options] SERVICE PROTOCOL OPERATION [BODY]
 *   SERVICE    sts cloudformation s3 iam dynamodb ivs logs events lambda
 *   PROTOCOL   json1.0 | json1.1   OPERATION is TargetPrefix.Operation
 *              restjson            OPERATION is METHOD:/path
 *              query               OPERATION is Action:Version, BODY k=v&k=v (raw)
 *   --count N            N copies at once via aws_ops_send (default: 1, sync)
 *   --concurrent         use aws_ops_send even for one op
 *   --max-in-flight N  --rate R  --burst B  --deadline-ms MS (from now)
 *   --max-attempts N  --base-ms MS  --no-jitter  --timeout-ms MS
 *   --connect-timeout-ms MS
 *   --paginate KEY       page through a listing with the library's pager (KEY:
 *                        "nextToken", "NextToken", or "Marker"); one line per
 *                        page, then a summary with pages and error
 *   --result NAME        query pagination: the result element ("ListStacksResult")
 *   --max-pages N        pagination limit (default 100)
 * Credentials, region and endpoints come from the environment as for ivsvc.
 * Exit status: 0 when every op succeeded, 1 when any failed, 2 usage.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "src/aws/client.h"
#include "src/aws/json.h"
#include "src/aws/pager.h"
#include "src/aws/query.h"
#include "src/aws/sigv4.h"

static long long now_ms(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static const struct aws_service *service_named(const char *s)
{
	static const struct {
		const char *name;
		const struct aws_service *svc;
	} t[] = {
		{ "sts", &AWS_SVC_STS },         { "cloudformation", &AWS_SVC_CLOUDFORMATION },
		{ "s3", &AWS_SVC_S3 },           { "iam", &AWS_SVC_IAM },
		{ "dynamodb", &AWS_SVC_DYNAMODB }, { "ivs", &AWS_SVC_IVS },
		{ "logs", &AWS_SVC_LOGS },       { "events", &AWS_SVC_EVENTBRIDGE },
		{ "lambda", &AWS_SVC_LAMBDA },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(t[i].name, s) == 0)
			return t[i].svc;
	return NULL;
}

static int usage(void)
{
	fprintf(stderr, "usage: aws_call_tool [options] SERVICE PROTOCOL OPERATION [BODY]\n");
	return 2;
}

/* Builds one op; -1 on a bad protocol/operation spelling. op->name points
 * into left, which must outlive the op. */
static int build_op(struct aws_op *op, const struct aws_service *svc, const char *proto,
		    const char *operation, const char *body, char left[256])
{
	const char *colon = strchr(operation, ':');
	const char *dot = strrchr(operation, '.');
	if (strcmp(proto, "json1.0") == 0 || strcmp(proto, "json1.1") == 0) {
		if (!dot || (size_t)(dot - operation) >= 256)
			return -1;
		memcpy(left, operation, (size_t)(dot - operation));
		left[dot - operation] = '\0';
		cJSON *j = body ? cJSON_Parse(body) : NULL;
		if (body && !j)
			return -1;
		json_op_init(op, svc, proto + 4, left, dot + 1, j);
		cJSON_Delete(j);
		return 0;
	}
	if (!colon || (size_t)(colon - operation) >= 256)
		return -1;
	memcpy(left, operation, (size_t)(colon - operation));
	left[colon - operation] = '\0';
	if (strcmp(proto, "restjson") == 0) {
		cJSON *j = body ? cJSON_Parse(body) : NULL;
		if (body && !j)
			return -1;
		const char *slash = strrchr(colon + 1, '/');
		restjson_op_init(op, svc, slash ? slash + 1 : colon + 1, left, colon + 1, j);
		cJSON_Delete(j);
		return 0;
	}
	if (strcmp(proto, "query") == 0) {
		query_op_init(op, svc, left, colon + 1, NULL);
		if (body && *body) {
			buf_putc(&op->body, '&');
			buf_puts(&op->body, body);
		}
		return 0;
	}
	return -1;
}

static void print_json_page(const cJSON *page, size_t n)
{
	char *s = cJSON_PrintUnformatted(page);
	printf("{\"page\":%zu,\"body\":%s}\n", n, s ? s : "null");
	free(s);
}

static void print_xml_page(xmlNodePtr result, size_t n)
{
	char *token = xml_text(result, "NextToken");
	cJSON *j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "page", (double)n);
	cJSON_AddStringToObject(j, "element", (const char *)result->name);
	cJSON_AddStringToObject(j, "token", token ? token : "");
	char *s = cJSON_PrintUnformatted(j);
	printf("%s\n", s);
	free(s);
	cJSON_Delete(j);
	free(token);
}

/* The op for the pager's next page: the token goes in the JSON body, or as
 * one more form parameter. -1 on a bad spelling. */
static int build_page_op(struct aws_op *op, const struct aws_service *svc, const char *proto,
			 const char *operation, const char *body, const char *key,
			 const char *token, char left[256])
{
	if (strcmp(proto, "query") == 0) {
		if (build_op(op, svc, proto, operation, body, left) < 0)
			return -1;
		if (token) {
			buf_printf(&op->body, "&%s=", key);
			sigv4_uri_encode(&op->body, token, strlen(token), 1);
		}
		return 0;
	}
	cJSON *j = body ? cJSON_Parse(body) : cJSON_CreateObject();
	if (!j)
		return -1;
	if (token) {
		cJSON_DeleteItemFromObjectCaseSensitive(j, key);
		cJSON_AddStringToObject(j, key, token);
	}
	char *s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	int rc = build_op(op, svc, proto, operation, s, left);
	free(s);
	return rc;
}

/* Prints a successful page; *next gets its token (malloc'd, may be NULL). */
static int take_page(const struct aws_op *op, const char *proto, const char *key,
		     const char *result, size_t n, char **next, struct ivs_error *err)
{
	*next = NULL;
	if (strcmp(proto, "query") != 0) {
		cJSON *page = json_op_result(op, err);
		if (!page)
			return -1;
		print_json_page(page, n);
		*next = json_str(page, key) ? strdup(json_str(page, key)) : NULL;
		cJSON_Delete(page);
		return 0;
	}
	xmlDocPtr doc = xml_op_result(op, err);
	if (!doc)
		return -1;
	xmlNodePtr node = result ? xml_find(xml_root(doc), result) : xml_root(doc);
	if (node) {
		print_xml_page(node, n);
		*next = xml_text(node, key);
	}
	xmlFreeDoc(doc);
	if (!node)
		return ivs_error_bad_response(err, "the response has no <%s>", result);
	return 0;
}

/* Pagination mode, through the library's pager; returns the exit status. */
static int paginate(struct aws_client *c, const struct aws_service *svc, const char *proto,
		    const char *operation, const char *body, const char *key,
		    const char *result, size_t max_pages)
{
	struct ivs_error err;
	ivs_error_clear(&err);
	struct aws_pager pager;
	aws_pager_init(&pager, operation, key, max_pages);
	int rc = 0;
	while (rc == 0 && !pager.done) {
		char left[256], *next = NULL;
		struct aws_op op;
		if (build_page_op(&op, svc, proto, operation, body, key, aws_pager_token(&pager),
				  left) < 0) {
			aws_pager_free(&pager);
			return 2;
		}
		rc = aws_op_send(c, &op, &err);
		if (rc == 0)
			rc = take_page(&op, proto, key, result, pager.pages, &next, &err);
		if (rc == 0)
			rc = aws_pager_next(&pager, next, &err);
		free(next);
		aws_op_free(&op);
	}
	size_t pages = pager.pages;
	aws_pager_free(&pager);
	cJSON *sum = cJSON_CreateObject();
	cJSON_AddTrueToObject(sum, "summary");
	cJSON_AddNumberToObject(sum, "pages", (double)pages);
	cJSON_AddNumberToObject(sum, "rc", rc);
	cJSON_AddStringToObject(sum, "code", err.code);
	cJSON_AddStringToObject(sum, "message", err.message);
	char *s = cJSON_PrintUnformatted(sum);
	printf("%s\n", s);
	free(s);
	cJSON_Delete(sum);
	return rc < 0 ? 1 : 0;
}

static void print_op(size_t i, const struct aws_op *op, long long elapsed)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "index", (double)i);
	cJSON_AddNumberToObject(j, "rc", op->rc);
	cJSON_AddNumberToObject(j, "status", (double)op->resp.status);
	cJSON_AddNumberToObject(j, "attempts", op->attempts);
	cJSON_AddStringToObject(j, "code", op->rc ? op->err.code : "");
	cJSON_AddStringToObject(j, "message", op->rc ? op->err.message : "");
	cJSON_AddStringToObject(j, "request_id", op->err.request_id);
	cJSON_AddNumberToObject(j, "elapsed_ms", (double)elapsed);
	char excerpt[301];
	snprintf(excerpt, sizeof(excerpt), "%s", buf_cstr(&op->resp.body));
	cJSON_AddStringToObject(j, "body", excerpt);
	char *s = cJSON_PrintUnformatted(j);
	printf("%s\n", s);
	free(s);
	cJSON_Delete(j);
}

int main(int argc, char **argv)
{
	struct aws_client_options co = { 0 };
	struct aws_send_options so = { 0 };
	size_t count = 1;
	int concurrent = 0;
	long long deadline_rel = 0;
	const char *page_key = NULL, *result = NULL;
	size_t max_pages = 100;
	int i = 1;
	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--no-jitter") == 0) {
			co.backoff_no_jitter = 1;
			continue;
		}
		if (strcmp(a, "--concurrent") == 0) {
			concurrent = 1;
			continue;
		}
		if (!v)
			return usage();
		i++;
		if (strcmp(a, "--count") == 0)
			count = strtoul(v, NULL, 10);
		else if (strcmp(a, "--max-in-flight") == 0)
			so.max_in_flight = strtoul(v, NULL, 10);
		else if (strcmp(a, "--rate") == 0)
			so.rate_per_sec = strtod(v, NULL);
		else if (strcmp(a, "--burst") == 0)
			so.burst = strtod(v, NULL);
		else if (strcmp(a, "--deadline-ms") == 0)
			deadline_rel = strtoll(v, NULL, 10);
		else if (strcmp(a, "--max-attempts") == 0)
			co.max_attempts = atoi(v);
		else if (strcmp(a, "--base-ms") == 0)
			co.backoff_base_s = strtod(v, NULL) / 1000.0;
		else if (strcmp(a, "--timeout-ms") == 0)
			co.timeout_ms = strtol(v, NULL, 10);
		else if (strcmp(a, "--paginate") == 0)
			page_key = v;
		else if (strcmp(a, "--result") == 0)
			result = v;
		else if (strcmp(a, "--max-pages") == 0)
			max_pages = strtoul(v, NULL, 10);
		else if (strcmp(a, "--connect-timeout-ms") == 0)
			co.connect_timeout_ms = strtol(v, NULL, 10);
		else
			return usage();
	}
	if (argc - i < 3 || count == 0)
		return usage();
	const struct aws_service *svc = service_named(argv[i]);
	const char *proto = argv[i + 1], *operation = argv[i + 2];
	const char *body = argc - i > 3 ? argv[i + 3] : NULL;
	if (!svc)
		return usage();

	struct ivs_error err;
	struct aws_client *c = NULL;
	if (aws_client_new(&co, &c, &err) < 0) {
		char line[1024];
		fprintf(stderr, "aws_call_tool: %s\n", ivs_error_format(&err, line, sizeof(line)));
		return 1;
	}
	if (page_key) {
		int prc = paginate(c, svc, proto, operation, body, page_key, result, max_pages);
		aws_client_free(c);
		return prc;
	}
	char left[256];
	struct aws_op *ops = calloc(count, sizeof(*ops));
	struct aws_op **ptrs = calloc(count, sizeof(*ptrs));
	int rc = 0;
	for (size_t k = 0; k < count; k++) {
		if (build_op(&ops[k], svc, proto, operation, body, left) < 0) {
			fprintf(stderr, "aws_call_tool: bad protocol, operation or body\n");
			for (size_t m = 0; m < k; m++)
				aws_op_free(&ops[m]);
			free(ops);
			free(ptrs);
			aws_client_free(c);
			return 2;
		}
		ptrs[k] = &ops[k];
	}
	long long t0 = now_ms();
	size_t failed;
	if (count == 1 && !concurrent) {
		failed = aws_op_send(c, &ops[0], NULL) < 0;
	} else {
		if (deadline_rel)
			so.deadline_ms = now_ms() + deadline_rel;
		failed = aws_ops_send(c, ptrs, count, &so);
	}
	long long elapsed = now_ms() - t0;
	for (size_t k = 0; k < count; k++)
		print_op(k, &ops[k], elapsed);
	printf("{\"summary\":true,\"count\":%zu,\"failed\":%zu,\"elapsed_ms\":%lld}\n", count, failed,
	       elapsed);
	rc = failed ? 1 : 0;
	for (size_t k = 0; k < count; k++)
		aws_op_free(&ops[k]);
	free(ops);
	free(ptrs);
	aws_client_free(c);
	return rc;
}
