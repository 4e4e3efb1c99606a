/*
 * artifact.c - the handler package and its upload (see artifact.h): read,
 * checked as a zip with `bootstrap` at its root (libzip), hashed (OpenSSL)
 * to name its key, and put in the asset bucket once.
 */
#include "artifact.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <zip.h>

#include "assets.h"
#include "aws/buf.h"
#include "aws/s3.h"
#include "template.h"

static int read_package(const char *path, struct stack_package *p, struct ivs_error *err)
{
	if (path) {
		char *data = NULL;
		if (stack_read_file(path, &data, &p->len, err) < 0)
			return -1;
		p->data = (unsigned char *)data;
		p->source = xstrdup(path);
		return 0;
	}
	size_t len;
	const unsigned char *data = assets_package(&len);
	if (!data || !len)
		return ivs_error_set_kind(err, IVS_ERR_BAD_INPUT, "NoPackage",
					  "this ivsvc was built without the handler package: pass "
					  "--handler-zip FILE (a zip with `bootstrap` at its root), "
					  "or build ivsvc with the lambda/ directory present");
	p->data = xmalloc(len);
	memcpy(p->data, data, len);
	p->len = len;
	p->source = xstrdup("the embedded package");
	return 0;
}

static int check_zip(const struct stack_package *p, struct ivs_error *err)
{
	zip_error_t ze;
	zip_error_init(&ze);
	zip_source_t *src = zip_source_buffer_create(p->data, p->len, 0, &ze);
	zip_t *za = src ? zip_open_from_source(src, ZIP_RDONLY, &ze) : NULL;
	int rc = 0;
	if (!za) {
		rc = ivs_error_set_kind(err, IVS_ERR_BAD_INPUT, "BadPackage",
					"%s is not a zip file: %s", p->source,
					zip_error_strerror(&ze));
		if (src)
			zip_source_free(src);
	} else {
		if (zip_name_locate(za, "bootstrap", 0) < 0)
			rc = ivs_error_set_kind(err, IVS_ERR_BAD_INPUT, "BadPackage",
						"%s has no `bootstrap` at its root: the "
						"provided.al2023 runtime would have nothing to start",
						p->source);
		zip_discard(za); /* frees src too */
	}
	zip_error_fini(&ze);
	return rc;
}

int stack_package_load(const char *path, struct stack_package *p, struct ivs_error *err)
{
	memset(p, 0, sizeof(*p));
	if (read_package(path, p, err) < 0 || check_zip(p, err) < 0) {
		stack_package_free(p);
		return -1;
	}
	stack_sha256_hex(p->data, p->len, p->sha256);
	return 0;
}

void stack_sha256_hex(const unsigned char *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	for (unsigned int i = 0; i < n && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[64] = '\0';
}

void stack_package_free(struct stack_package *p)
{
	free(p->data);
	free(p->source);
	memset(p, 0, sizeof(*p));
}

char *stack_package_key(const struct stack_package *p)
{
	return xasprintf("ivsvc/%s.zip", p->sha256);
}

char *stack_asset_bucket_name(const struct ivs_config *cfg, const char *account,
			      const char *region)
{
	if (cfg->asset_bucket)
		return xstrdup(cfg->asset_bucket);
	return xasprintf("ivsvc-assets-%s-%s", account, region);
}

int stack_upload_package(struct aws_client *c, const char *bucket, const char *region,
			 const struct stack_package *p, const char *key, struct ivs_error *err)
{
	int rc = s3_head_bucket(c, bucket, err);
	if (rc < 0)
		return ivs_error_prefix(err, "asset bucket %s", bucket);
	if (rc == 1) {
		int tls_only = 0;
		if (s3_create_bucket(c, bucket, region, err) < 0)
			return ivs_error_prefix(err, "creating the asset bucket %s", bucket);
		if (s3_secure_bucket(c, bucket, &tls_only, err) < 0)
			return ivs_error_prefix(err, "securing the asset bucket %s", bucket);
		printf("Created asset bucket %s (encrypted, public access blocked, %s)\n", bucket,
		       tls_only ? "TLS only" : "no TLS-only policy: the S3 endpoint is plain http");
	}
	rc = s3_head_object(c, bucket, key, err);
	if (rc < 0)
		return ivs_error_prefix(err, "checking s3://%s/%s", bucket, key);
	if (rc == 0) {
		printf("Handler package already uploaded: s3://%s/%s\n", bucket, key);
		return 0;
	}
	if (s3_put_object(c, bucket, key, p->data, p->len, "application/zip", err) < 0)
		return ivs_error_prefix(err, "uploading the handler package to s3://%s/%s", bucket,
					key);
	printf("Uploaded handler package (%zu KiB) to s3://%s/%s\n", (p->len + 1023) / 1024,
	       bucket, key);
	return 0;
}
