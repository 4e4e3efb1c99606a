/*
 * s3.h - the S3 calls ivsvc's asset bucket needs (REST-XML, path-style):
 * HeadBucket, CreateBucket, PutBucketEncryption, PutPublicAccessBlock,
 * PutBucketPolicy, HeadObject, PutObject; multipart uploads (Create/
 * UploadPart/Complete/Abort); ListObjectsV2, DeleteObject, DeleteBucket;
 * object and bucket tagging. Every body sent carries Content-MD5.
 *
 * Owns: nothing of the caller's; bodies are borrowed for the call. Returned
 * strings and arrays are the caller's (s3_tags_free, s3_keys_free).
 */
#ifndef IVS_S3_H
#define IVS_S3_H

#include <stddef.h>

#include "client.h"

/* 0 the bucket exists and we may use it, 1 it does not exist, -1 error (a
 * 403 means another account owns the name: the message says so). */
int s3_head_bucket(struct aws_client *c, const char *bucket, struct ivs_error *err);
/* Creates bucket in region (LocationConstraint outside us-east-1). A bucket
 * we already own counts as created. */
int s3_create_bucket(struct aws_client *c, const char *bucket, const char *region,
		     struct ivs_error *err);
/* Default encryption SSE-S3 (AES256). */
int s3_put_bucket_encryption(struct aws_client *c, const char *bucket, struct ivs_error *err);
/* All four public access blocks on. */
int s3_put_public_access_block(struct aws_client *c, const char *bucket, struct ivs_error *err);
/* A policy denying every request not made over TLS (aws:SecureTransport). */
int s3_put_tls_only_policy(struct aws_client *c, const char *bucket, const char *partition,
			   struct ivs_error *err);
/* Secures a bucket we just created: default encryption, all public access
 * blocks, and the TLS-only policy (in the client's partition) unless the
 * client reaches S3 over plain http (a local emulator), where that policy
 * would lock us out of our own bucket. *tls_only (may be NULL) says whether
 * the policy was put. err is not prefixed: the caller names the bucket. */
int s3_secure_bucket(struct aws_client *c, const char *bucket, int *tls_only,
		     struct ivs_error *err);
/* 0 the object exists, 1 it does not, -1 error. */
int s3_head_object(struct aws_client *c, const char *bucket, const char *key,
		   struct ivs_error *err);

/* How an upload request goes: all optional. */
struct s3_put_options {
	const char *content_type;
	const char *tagging;          /* x-amz-tagging, already query-encoded ("k=v&k2=v2") */
	long timeout_ms;              /* per attempt; 0: the client's */
	http_progress_fn progress;    /* upload progress, restarted from 0 on a retry */
	void *progress_user;
};

/* PutObject with Content-MD5 (S3 rejects a body that does not match it). */
int s3_put_object(struct aws_client *c, const char *bucket, const char *key, const void *data,
		  size_t len, const struct s3_put_options *o, struct ivs_error *err);

/* Multipart upload. *upload_id is malloc'd. Only content_type and tagging of o are used. */
int s3_create_multipart_upload(struct aws_client *c, const char *bucket, const char *key,
			       const struct s3_put_options *o, char **upload_id,
			       struct ivs_error *err);
/* One part (1..10000), retried by the client on its own. The answer's ETag
 * is checked against the part's MD5 (unless the bucket encrypts with KMS,
 * where the ETag is no MD5 and S3's own Content-MD5 check stands) and copied
 * to etag ("\"<32 hex>\""). */
int s3_upload_part(struct aws_client *c, const char *bucket, const char *key,
		   const char *upload_id, int part, const void *data, size_t len,
		   const struct s3_put_options *o, char etag[80], struct ivs_error *err);
/* Completes with the parts' ETags in order (etags[i] is part i + 1). An
 * <Error> in a 200 answer is a failure; a NoSuchUpload after a retry whose
 * first try may have completed is checked with HeadObject. */
int s3_complete_multipart_upload(struct aws_client *c, const char *bucket, const char *key,
				 const char *upload_id, char (*etags)[80], size_t n,
				 struct ivs_error *err);
int s3_abort_multipart_upload(struct aws_client *c, const char *bucket, const char *key,
			      const char *upload_id, struct ivs_error *err);

/* Every key under prefix (ListObjectsV2, all pages). */
int s3_list_keys(struct aws_client *c, const char *bucket, const char *prefix, char ***keys,
		 size_t *n, struct ivs_error *err);
void s3_keys_free(char **keys, size_t n);
/* A missing key counts as deleted (S3 answers 204 either way). */
int s3_delete_object(struct aws_client *c, const char *bucket, const char *key,
		     struct ivs_error *err);
int s3_delete_bucket(struct aws_client *c, const char *bucket, struct ivs_error *err);

struct s3_tag {
	char *key, *value;
};
/* key NULL: the bucket's tags (none set is an empty set, not an error). */
int s3_get_tags(struct aws_client *c, const char *bucket, const char *key, struct s3_tag **tags,
		size_t *n, struct ivs_error *err);
/* Replaces the whole tag set (n 0: DeleteObjectTagging / DeleteBucketTagging). */
int s3_put_tags(struct aws_client *c, const char *bucket, const char *key,
		const struct s3_tag *tags, size_t n, struct ivs_error *err);
void s3_tags_free(struct s3_tag *tags, size_t n);

#endif
