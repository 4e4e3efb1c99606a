/*
 * s3.c - the asset bucket's S3 calls (see s3.h). Every body carries
 * Content-MD5: S3 requires it for configuration bodies and checks it on
 * uploads, so a body damaged on the way is refused, not stored.
 */
#include "s3.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "query.h"
#include "region.h"
#include "sigv4.h"

#define S3_XMLNS "http://s3.amazonaws.com/doc/2006-03-01/"

/* "/<bucket>/<key>" with the key URI-encoded except '/'. */
static void object_path(struct buf *b, const char *bucket, const char *key)
{
	buf_printf(b, "/%s/", bucket);
	for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
		if (isalnum(*p) || strchr("-_.~/", *p))
			buf_putc(b, (char)*p);
		else
			buf_printf(b, "%%%02X", *p);
	}
}

/* Adds Content-MD5; md (may be NULL) gets the raw 16 bytes. */
/* An op on one object, with no query. */
static void object_op(struct aws_op *op, const char *bucket, const char *key, const char *name,
		      const char *method, const void *body, size_t len)
{
	struct buf path = BUF_INIT;
	object_path(&path, bucket, key);
	restxml_op_init(op, &AWS_SVC_S3, name, method, path.data, body, len);
	buf_free(&path);
}

static void add_content_md5(struct aws_op *op, const void *body, size_t len, unsigned char *md)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char b64[64];
	EVP_Digest(body, len, d, &mdlen, EVP_md5(), NULL);
	EVP_EncodeBlock((unsigned char *)b64, d, (int)mdlen);
	http_headers_set(&op->headers, "Content-MD5", b64);
	if (md)
		memcpy(md, d, 16);
}

static int send_op(struct aws_client *c, struct aws_op *op, struct ivs_error *err)
{
	int rc = aws_op_send(c, op, err);
	aws_op_free(op);
	return rc < 0 ? -1 : 0;
}

int s3_head_bucket(struct aws_client *c, const char *bucket, struct ivs_error *err)
{
	struct aws_op op;
	char path[300];
	snprintf(path, sizeof(path), "/%s", bucket);
	restxml_op_init(&op, &AWS_SVC_S3, "HeadBucket", "HEAD", path, NULL, 0);
	int rc = aws_op_send(c, &op, err);
	long status = op.resp.status;
	int missing = op.err.kind == IVS_ERR_NOT_FOUND;
	aws_op_free(&op);
	if (rc == 0)
		return 0;
	if (missing)
		return 1;
	if (status == 403)
		return ivs_error_set(err, "AccessDenied",
				     "S3 bucket %s exists but this account may not use it (another "
				     "account owns the name?): set asset_bucket in ivsvc.yaml to a "
				     "bucket of yours", bucket);
	if (status == 301)
		return ivs_error_set(err, "PermanentRedirect",
				     "S3 bucket %s is in another region: set asset_bucket in "
				     "ivsvc.yaml to a bucket in this region", bucket);
	return -1;
}

int s3_create_bucket(struct aws_client *c, const char *bucket, const char *region,
		     struct ivs_error *err)
{
	char path[300];
	snprintf(path, sizeof(path), "/%s", bucket);
	struct buf body = BUF_INIT;
	if (region && strcmp(region, "us-east-1") != 0)
		buf_printf(&body,
			   "<CreateBucketConfiguration xmlns=\"" S3_XMLNS "\">"
			   "<LocationConstraint>%s</LocationConstraint>"
			   "</CreateBucketConfiguration>", region);
	struct aws_op op;
	restxml_op_init(&op, &AWS_SVC_S3, "CreateBucket", "PUT", path, body.data, body.len);
	if (body.len)
		http_headers_set(&op.headers, "Content-Type", "application/xml");
	struct ivs_error e;
	int rc = aws_op_send(c, &op, &e);
	aws_op_free(&op);
	buf_free(&body);
	if (rc < 0 && strcmp(e.code, "BucketAlreadyOwnedByYou") != 0) {
		if (err)
			*err = e;
		return -1;
	}
	return 0;
}

static int put_bucket_config(struct aws_client *c, const char *bucket, const char *operation,
			     const char *subresource, const char *body, const char *content_type,
			     struct ivs_error *err)
{
	char path[320];
	snprintf(path, sizeof(path), "/%s?%s", bucket, subresource);
	struct aws_op op;
	size_t len = strlen(body);
	restxml_op_init(&op, &AWS_SVC_S3, operation, "PUT", path, body, len);
	http_headers_set(&op.headers, "Content-Type", content_type);
	add_content_md5(&op, body, len, NULL);
	return send_op(c, &op, err);
}

int s3_put_bucket_encryption(struct aws_client *c, const char *bucket, struct ivs_error *err)
{
	static const char body[] =
		"<ServerSideEncryptionConfiguration xmlns=\"" S3_XMLNS "\"><Rule>"
		"<ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm>"
		"</ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>";
	return put_bucket_config(c, bucket, "PutBucketEncryption", "encryption", body,
				 "application/xml", err);
}

int s3_put_public_access_block(struct aws_client *c, const char *bucket, struct ivs_error *err)
{
	static const char body[] =
		"<PublicAccessBlockConfiguration xmlns=\"" S3_XMLNS "\">"
		"<BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls>"
		"<BlockPublicPolicy>true</BlockPublicPolicy>"
		"<RestrictPublicBuckets>true</RestrictPublicBuckets>"
		"</PublicAccessBlockConfiguration>";
	return put_bucket_config(c, bucket, "PutPublicAccessBlock", "publicAccessBlock", body,
				 "application/xml", err);
}

int s3_put_tls_only_policy(struct aws_client *c, const char *bucket, const char *partition,
			   struct ivs_error *err)
{
	char *policy = xasprintf(
		"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"DenyInsecureTransport\","
		"\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:*\","
		"\"Resource\":[\"arn:%s:s3:::%s\",\"arn:%s:s3:::%s/*\"],"
		"\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"false\"}}}]}",
		partition, bucket, partition, bucket);
	int rc = put_bucket_config(c, bucket, "PutBucketPolicy", "policy", policy,
				   "application/json", err);
	free(policy);
	return rc;
}

int s3_secure_bucket(struct aws_client *c, const char *bucket, int *tls_only,
		     struct ivs_error *err)
{
	if (tls_only)
		*tls_only = 0;
	if (s3_put_bucket_encryption(c, bucket, err) < 0 ||
	    s3_put_public_access_block(c, bucket, err) < 0)
		return -1;
	struct aws_endpoint ep;
	if (aws_client_endpoint(c, &AWS_SVC_S3, &ep, err) < 0)
		return -1;
	if (strncasecmp(ep.url, "http://", 7) == 0)
		return 0;
	const char *partition = region_partition(aws_client_region(c));
	if (s3_put_tls_only_policy(c, bucket, partition, err) < 0)
		return -1;
	if (tls_only)
		*tls_only = 1;
	return 0;
}

int s3_head_object(struct aws_client *c, const char *bucket, const char *key,
		   struct ivs_error *err)
{
	struct aws_op op;
	object_op(&op, bucket, key, "HeadObject", "HEAD", NULL, 0);
	int rc = aws_op_send(c, &op, err);
	int missing = op.err.kind == IVS_ERR_NOT_FOUND;
	aws_op_free(&op);
	if (rc == 0)
		return 0;
	return missing ? 1 : -1;
}


/* Sets the per-call options of an upload request. */
static void apply_put_options(struct aws_op *op, const struct s3_put_options *o, int transfer)
{
	if (!o)
		return;
	if (o->content_type)
		http_headers_set(&op->headers, "Content-Type", o->content_type);
	if (o->tagging)
		http_headers_set(&op->headers, "x-amz-tagging", o->tagging);
	if (!transfer)
		return;
	op->timeout_ms = o->timeout_ms;
	op->progress = o->progress;
	op->progress_user = o->progress_user;
}

int s3_put_object(struct aws_client *c, const char *bucket, const char *key, const void *data,
		  size_t len, const struct s3_put_options *o, struct ivs_error *err)
{
	struct aws_op op;
	object_op(&op, bucket, key, "PutObject", "PUT", data, len);
	apply_put_options(&op, o, 1);
	add_content_md5(&op, data, len, NULL);
	return send_op(c, &op, err);
}

/* "/<bucket>/<key>?uploadId=<id>" plus extra query text (may be ""). */
static void upload_path(struct buf *b, const char *bucket, const char *key, const char *id,
			const char *extra)
{
	object_path(b, bucket, key);
	buf_puts(b, "?");
	buf_puts(b, extra);
	buf_puts(b, "uploadId=");
	sigv4_uri_encode(b, id, strlen(id), 1);
}

/* A successful op's XML result; an <Error> root (S3 may answer 200 with
 * one, for CompleteMultipartUpload) is a failure. */
static xmlDocPtr result_doc(struct aws_op *op, struct ivs_error *err)
{
	xmlDocPtr doc = xml_op_result(op, err);
	if (!doc)
		return NULL;
	xmlNodePtr root = xml_root(doc);
	if (root && strcmp((const char *)root->name, "Error") == 0) {
		char *code = xml_text(root, "Code"), *msg = xml_text(root, "Message");
		ivs_error_set(err, code ? code : "InternalError", "%s failed: %s", op->name,
			      msg ? msg : "an error in a 200 answer");
		free(code);
		free(msg);
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

int s3_create_multipart_upload(struct aws_client *c, const char *bucket, const char *key,
			       const struct s3_put_options *o, char **upload_id,
			       struct ivs_error *err)
{
	*upload_id = NULL;
	struct buf path = BUF_INIT;
	object_path(&path, bucket, key);
	buf_puts(&path, "?uploads");
	struct aws_op op;
	restxml_op_init(&op, &AWS_SVC_S3, "CreateMultipartUpload", "POST", path.data, NULL, 0);
	buf_free(&path);
	apply_put_options(&op, o, 0);
	xmlDocPtr doc = NULL;
	if (aws_op_send(c, &op, err) == 0 && (doc = result_doc(&op, err)) != NULL) {
		*upload_id = xml_text(xml_root(doc), "UploadId");
		if (!*upload_id || !**upload_id) {
			free(*upload_id);
			*upload_id = NULL;
			ivs_error_bad_response(err, "CreateMultipartUpload answered no UploadId");
		}
		xmlFreeDoc(doc);
	}
	aws_op_free(&op);
	return *upload_id ? 0 : -1;
}

/* Whether the answer says the object is encrypted with KMS, where S3's
 * ETag is not the MD5 of the data. */
static int kms_encrypted(const struct http_response *r)
{
	const char *sse = http_headers_get(&r->headers, "x-amz-server-side-encryption");
	return sse && strncmp(sse, "aws:kms", 7) == 0;
}

static void md5_hex(const unsigned char md[16], char out[33])
{
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

int s3_upload_part(struct aws_client *c, const char *bucket, const char *key,
		   const char *upload_id, int part, const void *data, size_t len,
		   const struct s3_put_options *o, char etag[80], struct ivs_error *err)
{
	char extra[40];
	snprintf(extra, sizeof(extra), "partNumber=%d&", part);
	struct buf path = BUF_INIT;
	upload_path(&path, bucket, key, upload_id, extra);
	struct aws_op op;
	restxml_op_init(&op, &AWS_SVC_S3, "UploadPart", "PUT", path.data, data, len);
	buf_free(&path);
	apply_put_options(&op, o, 1);
	http_headers_set(&op.headers, "Content-Type", "application/octet-stream");
	unsigned char md[16];
	add_content_md5(&op, data, len, md);
	int rc = aws_op_send(c, &op, err);
	if (rc == 0) {
		char hex[33], want[40];
		md5_hex(md, hex);
		snprintf(want, sizeof(want), "\"%s\"", hex);
		const char *got = http_headers_get(&op.resp.headers, "ETag");
		if (!got || !*got || strlen(got) >= 80)
			rc = ivs_error_bad_response(err, "UploadPart %d answered no ETag", part);
		else if (!kms_encrypted(&op.resp) && strcmp(got, want) != 0 && strcmp(got, hex) != 0)
			rc = ivs_error_bad_response(err, "UploadPart %d: S3 stored ETag %s, not the "
						    "part's MD5 %s", part, got, want);
		else
			snprintf(etag, 80, "%s", got);
	}
	aws_op_free(&op);
	return rc < 0 ? -1 : 0;
}

/* The ETag S3 gives a multipart object: the MD5 of the parts' binary MD5s,
 * then "-<parts>". Empty when a part's ETag is no MD5. */
static void multipart_etag(char (*etags)[80], size_t n, char out[64])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, EVP_md5(), NULL);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const char *h = etags[i][0] == '"' ? etags[i] + 1 : etags[i];
		unsigned char md[16];
		for (int j = 0; j < 16; j++) {
			unsigned v;
			if (sscanf(h + 2 * j, "%2x", &v) != 1) {
				EVP_MD_CTX_free(ctx);
				return;
			}
			md[j] = (unsigned char)v;
		}
		EVP_DigestUpdate(ctx, md, 16);
	}
	unsigned char all[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	EVP_DigestFinal_ex(ctx, all, &len);
	EVP_MD_CTX_free(ctx);
	char hex[33];
	md5_hex(all, hex);
	snprintf(out, 64, "\"%s-%zu\"", hex, n);
}

/* The completed object's ETag against the one its parts make. */
static int check_complete(struct aws_op *op, char (*etags)[80], size_t n, struct ivs_error *err)
{
	xmlDocPtr doc = result_doc(op, err);
	if (!doc)
		return -1;
	char *got = xml_text(xml_root(doc), "ETag");
	xmlFreeDoc(doc);
	char want[64];
	multipart_etag(etags, n, want);
	int rc = 0;
	if (!got || !*got)
		rc = ivs_error_bad_response(err, "CompleteMultipartUpload answered no ETag");
	else if (want[0] && !kms_encrypted(&op->resp) && strcmp(got, want) != 0)
		rc = ivs_error_bad_response(err, "CompleteMultipartUpload: the object's ETag %s "
					    "is not the one its parts make (%s)", got, want);
	free(got);
	return rc;
}

int s3_complete_multipart_upload(struct aws_client *c, const char *bucket, const char *key,
				 const char *upload_id, char (*etags)[80], size_t n,
				 struct ivs_error *err)
{
	struct buf body = BUF_INIT, path = BUF_INIT;
	buf_puts(&body, "<CompleteMultipartUpload xmlns=\"" S3_XMLNS "\">");
	for (size_t i = 0; i < n; i++)
		buf_printf(&body, "<Part><ETag>%s</ETag><PartNumber>%zu</PartNumber></Part>",
			   etags[i], i + 1);
	buf_puts(&body, "</CompleteMultipartUpload>");
	upload_path(&path, bucket, key, upload_id, "");
	struct aws_op op;
	restxml_op_init(&op, &AWS_SVC_S3, "CompleteMultipartUpload", "POST", path.data, body.data,
			body.len);
	http_headers_set(&op.headers, "Content-Type", "application/xml");
	add_content_md5(&op, body.data, body.len, NULL);
	struct ivs_error e;
	int rc = aws_op_send(c, &op, &e);
	if (rc == 0)
		rc = check_complete(&op, etags, n, &e);
	else if (op.attempts > 1 && strcmp(e.code, "NoSuchUpload") == 0 &&
		 s3_head_object(c, bucket, key, NULL) == 0)
		rc = 0; /* an earlier try completed it; only its answer was lost */
	aws_op_free(&op);
	buf_free(&path);
	buf_free(&body);
	if (rc < 0 && err)
		*err = e;
	return rc < 0 ? -1 : 0;
}

int s3_abort_multipart_upload(struct aws_client *c, const char *bucket, const char *key,
			      const char *upload_id, struct ivs_error *err)
{
	struct buf path = BUF_INIT;
	upload_path(&path, bucket, key, upload_id, "");
	struct aws_op op;
	restxml_op_init(&op, &AWS_SVC_S3, "AbortMultipartUpload", "DELETE", path.data, NULL, 0);
	buf_free(&path);
	return send_op(c, &op, err);
}

void s3_keys_free(char **keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
}

/* One ListObjectsV2 page: its keys appended; *token the next page's or NULL. */
static int list_page(struct aws_client *c, const char *bucket, const char *prefix, char **token,
		     char ***keys, size_t *n, struct ivs_error *err)
{
	struct buf path = BUF_INIT;
	buf_printf(&path, "/%s?list-type=2&prefix=", bucket);
	sigv4_uri_encode(&path, prefix, strlen(prefix), 1);
	if (*token) {
		buf_puts(&path, "&continuation-token=");
		sigv4_uri_encode(&path, *token, strlen(*token), 1);
		free(*token);
		*token = NULL;
	}
	struct aws_op op;
	restxml_op_init(&op, &AWS_SVC_S3, "ListObjectsV2", "GET", path.data, NULL, 0);
	buf_free(&path);
	xmlDocPtr doc = NULL;
	int rc = aws_op_send(c, &op, err) == 0 && (doc = result_doc(&op, err)) ? 0 : -1;
	aws_op_free(&op);
	if (rc < 0)
		return -1;
	xmlNodePtr root = xml_root(doc);
	for (xmlNodePtr it = xml_first(root, "Contents"); it; it = xml_next(it, "Contents")) {
		char *k = xml_text(it, "Key");
		if (!k)
			continue;
		*keys = xrealloc(*keys, (*n + 1) * sizeof(**keys));
		(*keys)[(*n)++] = k;
	}
	char *more = xml_text(root, "IsTruncated");
	if (more && strcmp(more, "true") == 0)
		*token = xml_text(root, "NextContinuationToken");
	free(more);
	xmlFreeDoc(doc);
	return 0;
}

int s3_list_keys(struct aws_client *c, const char *bucket, const char *prefix, char ***keys,
		 size_t *n, struct ivs_error *err)
{
	*keys = NULL;
	*n = 0;
	char *token = NULL;
	do {
		if (list_page(c, bucket, prefix, &token, keys, n, err) < 0) {
			s3_keys_free(*keys, *n);
			*keys = NULL;
			*n = 0;
			return -1;
		}
	} while (token);
	return 0;
}

int s3_delete_object(struct aws_client *c, const char *bucket, const char *key,
		     struct ivs_error *err)
{
	struct aws_op op;
	object_op(&op, bucket, key, "DeleteObject", "DELETE", NULL, 0);
	return send_op(c, &op, err);
}

int s3_delete_bucket(struct aws_client *c, const char *bucket, struct ivs_error *err)
{
	char path[300];
	snprintf(path, sizeof(path), "/%s", bucket);
	struct aws_op op;
	restxml_op_init(&op, &AWS_SVC_S3, "DeleteBucket", "DELETE", path, NULL, 0);
	return send_op(c, &op, err);
}

void s3_tags_free(struct s3_tag *tags, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(tags[i].key);
		free(tags[i].value);
	}
	free(tags);
}

static void tagging_path(struct buf *b, const char *bucket, const char *key)
{
	if (key)
		object_path(b, bucket, key);
	else
		buf_printf(b, "/%s", bucket);
	buf_puts(b, "?tagging");
}

int s3_get_tags(struct aws_client *c, const char *bucket, const char *key, struct s3_tag **tags,
		size_t *n, struct ivs_error *err)
{
	*tags = NULL;
	*n = 0;
	struct buf path = BUF_INIT;
	tagging_path(&path, bucket, key);
	struct aws_op op;
	restxml_op_init(&op, &AWS_SVC_S3, key ? "GetObjectTagging" : "GetBucketTagging", "GET",
			path.data, NULL, 0);
	buf_free(&path);
	struct ivs_error e;
	xmlDocPtr doc = NULL;
	int rc = aws_op_send(c, &op, &e) == 0 && (doc = result_doc(&op, &e)) ? 0 : -1;
	aws_op_free(&op);
	if (rc < 0) {
		if (!key && strcmp(e.code, "NoSuchTagSet") == 0)
			return 0; /* a bucket without tags */
		if (err)
			*err = e;
		return -1;
	}
	xmlNodePtr set = xml_find(xml_root(doc), "TagSet");
	for (xmlNodePtr t = xml_first(set, "Tag"); t; t = xml_next(t, "Tag")) {
		char *k = xml_text(t, "Key"), *v = xml_text(t, "Value");
		if (!k) {
			free(v);
			continue;
		}
		*tags = xrealloc(*tags, (*n + 1) * sizeof(**tags));
		(*tags)[(*n)++] = (struct s3_tag){ k, v ? v : xstrdup("") };
	}
	xmlFreeDoc(doc);
	return 0;
}

static void xml_escaped(struct buf *b, const char *s)
{
	for (; *s; s++)
		buf_puts(b, *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;"
								     : (char[]){ *s, 0 });
}

int s3_put_tags(struct aws_client *c, const char *bucket, const char *key,
		const struct s3_tag *tags, size_t n, struct ivs_error *err)
{
	struct buf path = BUF_INIT, body = BUF_INIT;
	tagging_path(&path, bucket, key);
	struct aws_op op;
	if (n == 0) {
		restxml_op_init(&op, &AWS_SVC_S3, key ? "DeleteObjectTagging" : "DeleteBucketTagging",
				"DELETE", path.data, NULL, 0);
		buf_free(&path);
		return send_op(c, &op, err);
	}
	buf_puts(&body, "<Tagging xmlns=\"" S3_XMLNS "\"><TagSet>");
	for (size_t i = 0; i < n; i++) {
		buf_puts(&body, "<Tag><Key>");
		xml_escaped(&body, tags[i].key);
		buf_puts(&body, "</Key><Value>");
		xml_escaped(&body, tags[i].value);
		buf_puts(&body, "</Value></Tag>");
	}
	buf_puts(&body, "</TagSet></Tagging>");
	restxml_op_init(&op, &AWS_SVC_S3, key ? "PutObjectTagging" : "PutBucketTagging", "PUT",
			path.data, body.data, body.len);
	http_headers_set(&op.headers, "Content-Type", "application/xml");
	add_content_md5(&op, body.data, body.len, NULL);
	int rc = send_op(c, &op, err);
	buf_free(&path);
	buf_free(&body);
	return rc;
}
