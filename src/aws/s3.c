/*
 * s3.c - the asset bucket's S3 calls (see s3.h). Configuration bodies carry
 * Content-MD5, which S3 requires for them.
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

static void add_content_md5(struct aws_op *op, const void *body, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char b64[64];
	EVP_Digest(body, len, md, &mdlen, EVP_md5(), NULL);
	EVP_EncodeBlock((unsigned char *)b64, md, (int)mdlen);
	http_headers_set(&op->headers, "Content-MD5", b64);
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
	add_content_md5(&op, body, len);
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
	struct buf path = BUF_INIT;
	object_path(&path, bucket, key);
	struct aws_op op;
	restxml_op_init(&op, &AWS_SVC_S3, "HeadObject", "HEAD", path.data, NULL, 0);
	int rc = aws_op_send(c, &op, err);
	int missing = op.err.kind == IVS_ERR_NOT_FOUND;
	aws_op_free(&op);
	buf_free(&path);
	if (rc == 0)
		return 0;
	return missing ? 1 : -1;
}

int s3_put_object(struct aws_client *c, const char *bucket, const char *key, const void *data,
		  size_t len, const char *content_type, struct ivs_error *err)
{
	struct buf path = BUF_INIT;
	object_path(&path, bucket, key);
	struct aws_op op;
	restxml_op_init(&op, &AWS_SVC_S3, "PutObject", "PUT", path.data, data, len);
	if (content_type)
		http_headers_set(&op.headers, "Content-Type", content_type);
	buf_free(&path);
	return send_op(c, &op, err);
}
