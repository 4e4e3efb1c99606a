/*
 * artifact.h - the handler package deploy uploads (--handler-zip FILE or
 * the one embedded at build time), its content-addressed key, and the asset
 * bucket it goes to (created and secured the first time).
 *
 * Owns: struct stack_package's bytes (stack_package_free). Says what it
 * uploaded on stdout, its progress on a terminal's stderr; never exits.
 */
#ifndef IVS_CLI_ARTIFACT_H
#define IVS_CLI_ARTIFACT_H

#include <stddef.h>

#include "aws/client.h"
#include "config.h"

/* The handler zip: --handler-zip FILE or the embedded one. */
struct stack_package {
	unsigned char *data;      /* owned copy */
	size_t len;
	char sha256[65];
	char *source;
};

/* No package at all is an error that says how to get one. Checks that the
 * zip has `bootstrap` at its root, an executable for arch ("x86_64" or
 * "arm64"; NULL: x86_64), which also picks the embedded package. Errors are
 * IVS_ERR_BAD_INPUT. */
int stack_package_load(const char *path, const char *arch, struct stack_package *p,
		       struct ivs_error *err);
void stack_package_free(struct stack_package *p);
/* SHA-256 of data as 64 hex digits (the package's key; what Lambda's
 * CodeSha256 is checked against). */
void stack_sha256_hex(const unsigned char *data, size_t len, char out[65]);
/* "ivsvc/<sha256>.zip" */
char *stack_package_key(const struct stack_package *p);

/* The asset bucket's name: config asset_bucket, else ivsvc-assets-<account>-<region>. */
char *stack_asset_bucket_name(const struct ivs_config *cfg, const char *account,
			      const char *region);
/* How the package goes up. */
struct stack_upload_options {
	const char *stack;            /* the package is tagged as this stack's (prune.h) */
	int quiet;                    /* no progress line even on a terminal (--json) */
	const volatile int *interrupted; /* may be NULL; set: stop between parts, abort */
};

/* Creates, secures and tags (created-by ivsvc) the bucket the first time;
 * uploads the package unless the key is already there: one PutObject up to
 * the multipart threshold (8 MiB; IVSVC_MULTIPART_THRESHOLD=BYTES for
 * tests, which also caps the part size), else a multipart upload in 5 MiB
 * parts, each retried on its own and aborted as a whole when one fails for
 * good. Each request's time limit is 60 s plus its size at 32 KiB/s.
 * Progress on stderr when it is a terminal. Says what it did on stdout. */
int stack_upload_package(struct aws_client *c, const char *bucket, const char *region,
			 const struct stack_package *p, const char *key,
			 const struct stack_upload_options *o, struct ivs_error *err);
/* The time limit of one request carrying len bytes, in ms. */
long stack_upload_timeout_ms(size_t len);

#endif
