/*
 * prune.c - the stack's handler packages in the asset bucket, kept to what
 * a rollback needs and removed with the stack (see prune.h for how a
 * package is known to be a stack's).
 */
#include "prune.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/s3.h"
#include "output.h"

char *prune_upload_tagging(const char *stack)
{
	if (!stack)
		return NULL;
	/* x-amz-tagging is query-encoded: ':' is %3A. */
	return xasprintf("ivsvc%%3Astack%%3A%s=pending", stack);
}

static long find_tag(const struct s3_tag *tags, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(tags[i].key, name) == 0)
			return (long)i;
	return -1;
}

static int any_stack_tag(const struct s3_tag *tags, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strncmp(tags[i].key, PRUNE_TAG_STACK, strlen(PRUNE_TAG_STACK)) == 0)
			return 1;
	return 0;
}

/* Sets (or replaces) one tag of an object, keeping the others. */
static int set_tag(struct aws_client *c, const char *bucket, const char *key, const char *name,
		   const char *value, struct ivs_error *err)
{
	struct s3_tag *tags;
	size_t n;
	if (s3_get_tags(c, bucket, key, &tags, &n, err) < 0)
		return -1;
	long i = find_tag(tags, n, name);
	if (i < 0) {
		tags = xrealloc(tags, (n + 1) * sizeof(*tags));
		tags[n].key = xstrdup(name);
		tags[n].value = NULL;
		i = (long)n++;
	}
	free(tags[i].value);
	tags[i].value = xstrdup(value);
	int rc = s3_put_tags(c, bucket, key, tags, n, err);
	s3_tags_free(tags, n);
	return rc;
}

/* Removes the stack's tag from tags (tags[i]); deletes the object when no
 * stack's tag is left, else writes the rest back. *deleted says which. */
static int drop_tag(struct aws_client *c, const char *bucket, const char *key,
		    struct s3_tag *tags, size_t n, long i, int *deleted, struct ivs_error *err)
{
	free(tags[i].key);
	free(tags[i].value);
	tags[i] = tags[n - 1];
	n--;
	*deleted = !any_stack_tag(tags, n);
	int rc = *deleted ? s3_delete_object(c, bucket, key, err)
			  : s3_put_tags(c, bucket, key, tags, n, err);
	s3_tags_free(tags, n);
	return rc;
}

/* The stack's packages other than `except`: keys and their tag values. */
struct owned {
	char **keys, **values;
	size_t n;
};

static void owned_free(struct owned *o)
{
	s3_keys_free(o->keys, o->n);
	s3_keys_free(o->values, o->n);
	memset(o, 0, sizeof(*o));
}

static int list_owned(struct aws_client *c, const char *bucket, const char *tag,
		      const char *except, struct owned *o, struct ivs_error *err)
{
	memset(o, 0, sizeof(*o));
	char **keys;
	size_t n;
	if (s3_list_keys(c, bucket, PRUNE_KEY_PREFIX, &keys, &n, err) < 0)
		return -1;
	int rc = 0;
	for (size_t k = 0; k < n && rc == 0; k++) {
		if (except && strcmp(keys[k], except) == 0)
			continue;
		struct s3_tag *tags;
		size_t nt;
		if (s3_get_tags(c, bucket, keys[k], &tags, &nt, err) < 0) {
			rc = -1;
			break;
		}
		long i = find_tag(tags, nt, tag);
		if (i >= 0) {
			o->keys = xrealloc(o->keys, (o->n + 1) * sizeof(char *));
			o->values = xrealloc(o->values, (o->n + 1) * sizeof(char *));
			o->keys[o->n] = xstrdup(keys[k]);
			o->values[o->n++] = xstrdup(tags[i].value);
		}
		s3_tags_free(tags, nt);
	}
	s3_keys_free(keys, n);
	if (rc < 0)
		owned_free(o);
	return rc;
}

/* Takes the stack's tag off key; deletes it when it was the last stack's. */
static int release(struct aws_client *c, const char *bucket, const char *key, const char *tag,
		   int *deleted, struct ivs_error *err)
{
	struct s3_tag *tags;
	size_t n;
	*deleted = 0;
	if (s3_get_tags(c, bucket, key, &tags, &n, err) < 0)
		return -1;
	long i = find_tag(tags, n, tag);
	if (i < 0) {
		s3_tags_free(tags, n);
		return 0;
	}
	return drop_tag(c, bucket, key, tags, n, i, deleted, err);
}

/* Releases every package in o but o->keys[keep] (keep -1: all). */
static int release_all(struct aws_client *c, const char *bucket, const char *tag,
		       const struct owned *o, long keep, struct ivs_error *err)
{
	int removed = 0;
	for (size_t i = 0; i < o->n; i++) {
		if ((long)i == keep)
			continue;
		int deleted;
		if (release(c, bucket, o->keys[i], tag, &deleted, err) < 0)
			return ivs_error_prefix(err, "s3://%s/%s", bucket, o->keys[i]);
		if (deleted)
			printf("Deleted old handler package s3://%s/%s\n", bucket, o->keys[i]);
		removed += deleted;
	}
	return removed;
}

int prune_after_deploy(struct aws_client *c, const char *bucket, const char *stack,
		       const char *key)
{
	char tag[200], now[40];
	snprintf(tag, sizeof(tag), PRUNE_TAG_STACK "%s", stack);
	out_format_utc(aws_client_now_ms(c), now, sizeof(now));
	struct ivs_error err;
	struct owned o;
	if (set_tag(c, bucket, key, tag, now, &err) < 0 ||
	    list_owned(c, bucket, tag, key, &o, &err) < 0) {
		fprintf(stderr, "ivsvc: warning: old handler packages were not pruned: %s\n",
			err.message);
		return -1;
	}
	long prev = -1; /* the most recently deployed of the others */
	for (size_t i = 0; i < o.n; i++)
		if (isdigit((unsigned char)o.values[i][0]) &&
		    (prev < 0 || strcmp(o.values[i], o.values[prev]) > 0))
			prev = (long)i;
	int removed = release_all(c, bucket, tag, &o, prev, &err);
	if (removed < 0)
		fprintf(stderr, "ivsvc: warning: pruning old handler packages stopped: %s\n",
			err.message);
	else if (prev >= 0)
		printf("Kept s3://%s/%s, the previous package, for a rollback\n", bucket,
		       o.keys[prev]);
	owned_free(&o);
	return removed;
}

void prune_announce_destroy(const char *bucket, const char *stack)
{
	printf("Its handler packages in s3://%s go too, and the bucket when ivsvc made it and "
	       "nothing else is left in it (--keep-assets keeps them; stack %s).\n",
	       bucket, stack);
}

/* The bucket itself, when it is empty and ivsvc made it. */
static int drop_bucket(struct aws_client *c, const char *bucket, struct ivs_error *err)
{
	char **keys;
	size_t n;
	if (s3_list_keys(c, bucket, "", &keys, &n, err) < 0)
		return -1;
	s3_keys_free(keys, n);
	if (n) {
		printf("Asset bucket %s kept: it still holds %zu other object%s\n", bucket, n,
		       n == 1 ? "" : "s");
		return 0;
	}
	struct s3_tag *tags;
	size_t nt;
	if (s3_get_tags(c, bucket, NULL, &tags, &nt, err) < 0)
		return -1;
	long i = find_tag(tags, nt, PRUNE_TAG_CREATED_BY);
	int ours = i >= 0 && strcmp(tags[i].value, "ivsvc") == 0;
	s3_tags_free(tags, nt);
	if (!ours) {
		printf("Asset bucket %s kept: it was not made by ivsvc\n", bucket);
		return 0;
	}
	if (s3_delete_bucket(c, bucket, err) < 0)
		return -1;
	printf("Asset bucket %s deleted\n", bucket);
	return 0;
}

int prune_destroy(struct aws_client *c, const char *bucket, const char *stack,
		  struct ivs_error *err)
{
	char tag[200];
	snprintf(tag, sizeof(tag), PRUNE_TAG_STACK "%s", stack);
	struct owned o;
	if (list_owned(c, bucket, tag, NULL, &o, err) < 0) {
		if (strcmp(err->code, "NoSuchBucket") == 0) { /* nothing left to clean */
			printf("Asset bucket %s is already gone\n", bucket);
			ivs_error_clear(err);
			return 0;
		}
		return ivs_error_prefix(err, "listing the handler packages in s3://%s", bucket);
	}
	int removed = release_all(c, bucket, tag, &o, -1, err);
	owned_free(&o);
	if (removed < 0)
		return ivs_error_prefix(err, "removing the handler packages of stack %s", stack);
	if (drop_bucket(c, bucket, err) < 0)
		return ivs_error_prefix(err, "asset bucket %s", bucket);
	return 0;
}
