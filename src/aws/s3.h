/*
 * s3.h - the S3 calls ivsvc's asset bucket needs (REST-XML, path-style):
 * HeadBucket, CreateBucket, PutBucketEncryption, PutPublicAccessBlock,
 * PutBucketPolicy, HeadObject, PutObject.
 *
 * Owns: nothing; bodies are borrowed for the call.
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
int s3_put_object(struct aws_client *c, const char *bucket, const char *key, const void *data,
		  size_t len, const char *content_type, struct ivs_error *err);

#endif
