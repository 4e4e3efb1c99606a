/*
 * artifact.c - the handler package and its upload (see artifact.h): read,
 * checked as a zip with `bootstrap` at its root (libzip), hashed (OpenSSL)
 * to name its key, and put in the asset bucket once: in one request, or in
 * parts so that a slow or flaky link retries a part, never the whole.
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
#include "output.h"
#include "prune.h"
#include "template.h"

static int read_package(const char *path, const char *arch, struct stack_package *p,
			struct ivs_error *err)
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
	const unsigned char *data;
	if (assets_package_get(arch, &data, &len, err) < 0)
		return -1;
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

int stack_package_load(const char *path, const char *arch, struct stack_package *p,
		       struct ivs_error *err)
{
	memset(p, 0, sizeof(*p));
	if (read_package(path, arch, p, err) < 0 || check_zip(p, err) < 0 ||
	    assets_check_arch(p->data, p->len, p->source, arch, err) < 0) {
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

/* A request's time limit is a floor plus its size at a rate we state as
 * the slowest link we support: 32 KiB/s (about 0.26 Mbit/s). */
#define UPLOAD_FLOOR_MS 60000L
#define UPLOAD_MIN_RATE (32 * 1024L)
#define MULTIPART_THRESHOLD (8u << 20)
#define PART_SIZE (5u << 20) /* S3's smallest part but the last */

long stack_upload_timeout_ms(size_t len)
{
	return UPLOAD_FLOOR_MS + (long)(len / (size_t)UPLOAD_MIN_RATE) * 1000L;
}

/* The progress line: bytes sent of the total and the rate so far. */
struct upload_progress {
	struct out_progress line;
	size_t done, total;       /* bytes of finished requests (parts) */
	size_t shown;             /* bytes the line says */
	long long t0, last;
	const volatile int *interrupted; /* Ctrl-C: no part is started after it */
};

static int on_upload_progress(void *user, long long sent, long long total)
{
	struct upload_progress *u = user;
	(void)total;
	long long now = out_now_ms();
	size_t at = u->done + (size_t)sent;
	/* At most 5 lines a second, the last one always; a stalled upload
	 * still shows its falling rate once a second. */
	if ((now - u->last < 200 && at < u->total) || (at == u->shown && now - u->last < 1000))
		return 0;
	u->last = now;
	u->shown = at;
	double bytes = (double)at;
	double secs = (double)(now - u->t0) / 1000.0;
	out_progress_update(&u->line, "Uploading handler package: %.1f / %.1f MiB (%.0f%%), %.0f KiB/s",
			    bytes / 1048576.0, (double)u->total / 1048576.0,
			    u->total ? 100.0 * bytes / (double)u->total : 100.0,
			    secs > 0 ? bytes / 1024.0 / secs : 0.0);
	return 0;
}

static size_t multipart_threshold(void)
{
	const char *v = getenv("IVSVC_MULTIPART_THRESHOLD"); /* tests: several parts of a small package */
	char *end;
	unsigned long long n = v && *v ? strtoull(v, &end, 10) : 0;
	return n && !*end ? (size_t)n : MULTIPART_THRESHOLD;
}

/* Every part in order; on any failure the upload is aborted so that no
 * half-made upload stays billed in the bucket. */
static int upload_parts(struct aws_client *c, const char *bucket, const char *key,
			const struct stack_package *p, struct s3_put_options *po,
			struct upload_progress *u, size_t part_size, struct ivs_error *err)
{
	char *id = NULL;
	if (s3_create_multipart_upload(c, bucket, key, po, &id, err) < 0)
		return -1;
	size_t n = (p->len + part_size - 1) / part_size;
	char (*etags)[80] = xmalloc(n * sizeof(*etags));
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		size_t off = i * part_size, len = p->len - off < part_size ? p->len - off : part_size;
		po->timeout_ms = stack_upload_timeout_ms(len);
		if (u->interrupted && *u->interrupted)
			rc = ivs_error_set_kind(err, IVS_ERR_INTERRUPTED, "Interrupted", "interrupted");
		else if (s3_upload_part(c, bucket, key, id, (int)i + 1, p->data + off, len, po,
					etags[i], err) < 0)
			rc = ivs_error_prefix(err, "part %zu of %zu", i + 1, n);
		u->done += len;
	}
	if (rc == 0 && s3_complete_multipart_upload(c, bucket, key, id, etags, n, err) < 0)
		rc = -1;
	if (rc < 0) {
		struct ivs_error e;
		size_t l = strlen(err->message);
		if (s3_abort_multipart_upload(c, bucket, key, id, &e) < 0)
			snprintf(err->message + l, sizeof(err->message) - l,
				 "; aborting multipart upload %s failed too (%s): `aws s3api "
				 "list-multipart-uploads --bucket %s` lists it", id, e.message, bucket);
		else
			snprintf(err->message + l, sizeof(err->message) - l,
				 "; the multipart upload was aborted");
	}
	free(etags);
	free(id);
	return rc;
}

/* Creates, secures and tags the bucket. */
static int make_bucket(struct aws_client *c, const char *bucket, const char *region,
		       struct ivs_error *err)
{
	int tls_only = 0;
	if (s3_create_bucket(c, bucket, region, err) < 0)
		return ivs_error_prefix(err, "creating the asset bucket %s", bucket);
	if (s3_secure_bucket(c, bucket, &tls_only, err) < 0)
		return ivs_error_prefix(err, "securing the asset bucket %s", bucket);
	struct s3_tag made = { (char *)PRUNE_TAG_CREATED_BY, (char *)"ivsvc" };
	if (s3_put_tags(c, bucket, NULL, &made, 1, err) < 0)
		return ivs_error_prefix(err, "tagging the asset bucket %s", bucket);
	printf("Created asset bucket %s (encrypted, public access blocked, %s)\n", bucket,
	       tls_only ? "TLS only" : "no TLS-only policy: the S3 endpoint is plain http");
	return 0;
}

int stack_upload_package(struct aws_client *c, const char *bucket, const char *region,
			 const struct stack_package *p, const char *key,
			 const struct stack_upload_options *o, struct ivs_error *err)
{
	int rc = s3_head_bucket(c, bucket, err);
	if (rc < 0)
		return ivs_error_prefix(err, "asset bucket %s", bucket);
	if (rc == 1 && make_bucket(c, bucket, region, err) < 0)
		return -1;
	rc = s3_head_object(c, bucket, key, err);
	if (rc < 0)
		return ivs_error_prefix(err, "checking s3://%s/%s", bucket, key);
	if (rc == 0) {
		printf("Handler package already uploaded: s3://%s/%s\n", bucket, key);
		return 0;
	}
	char *tagging = prune_upload_tagging(o->stack);
	struct upload_progress u = { .total = p->len, .t0 = out_now_ms(),
				     .interrupted = o->interrupted };
	out_progress_init(&u.line, stderr);
	struct s3_put_options po = { "application/zip", tagging, stack_upload_timeout_ms(p->len),
				     o->quiet || !u.line.tty ? NULL : on_upload_progress, &u };
	size_t threshold = multipart_threshold();
	size_t part_size = threshold < PART_SIZE ? threshold : PART_SIZE;
	if (p->len <= threshold)
		rc = s3_put_object(c, bucket, key, p->data, p->len, &po, err);
	else
		rc = upload_parts(c, bucket, key, p, &po, &u, part_size, err);
	out_progress_clear(&u.line);
	free(tagging);
	if (rc < 0)
		return ivs_error_prefix(err, "uploading the handler package to s3://%s/%s", bucket,
					key);
	double secs = (double)(out_now_ms() - u.t0) / 1000.0;
	printf("Uploaded handler package (%zu KiB%s) to s3://%s/%s in %.1f s\n",
	       (p->len + 1023) / 1024, p->len > threshold ? ", in parts" : "", bucket, key, secs);
	return 0;
}
