/*
 * prune.h - which handler packages in the asset bucket belong to which
 * stack, and removing those no stack needs: after a successful deploy (the
 * stack keeps its current package and the one before, which a rollback
 * needs) and on destroy (all of the stack's, then the bucket when ivsvc
 * made it and nothing is left in it).
 *
 * Ownership is written on the objects as S3 tags, because one package key
 * (its SHA-256) may serve several stacks sharing a bucket: the tag
 * "ivsvc:stack:<stack>" is "pending" from the upload until a deploy using
 * it succeeds, then that deploy's time (ISO 8601 UTC, so that times sort as
 * text). An object is deleted only when no stack's tag is left on it;
 * packages without our tags (uploaded by an older ivsvc, or by hand) are
 * never touched.
 *
 * Owns: nothing kept; prints what it removed on stdout.
 */
#ifndef IVS_CLI_PRUNE_H
#define IVS_CLI_PRUNE_H

#include <stddef.h>

#include "aws/client.h"

#define PRUNE_TAG_STACK "ivsvc:stack:"
#define PRUNE_TAG_CREATED_BY "ivsvc:created-by"
#define PRUNE_KEY_PREFIX "ivsvc/"

/* x-amz-tagging for a new upload: the stack's tag, "pending". malloc'd;
 * NULL when stack is NULL. */
char *prune_upload_tagging(const char *stack);
/* After a successful deploy whose package is key: key is marked as the
 * stack's current package; of the stack's others, the one most recently
 * deployed is kept and the rest lose the stack's tag (deleted when no tag
 * is left). Never fails the deploy: a problem is a warning on stderr.
 * Returns the number of packages deleted, -1 when it could not finish. */
int prune_after_deploy(struct aws_client *c, const char *bucket, const char *stack,
		       const char *key);
/* Destroy's part: prints what goes (the stack's packages in bucket, and
 * the bucket when ivsvc made it) for the one question. */
void prune_announce_destroy(const char *bucket, const char *stack);
/* After the stack is deleted: removes the stack's packages, then the bucket
 * when it is empty and tagged as made by ivsvc. -1 (err filled) on failure. */
int prune_destroy(struct aws_client *c, const char *bucket, const char *stack,
		  struct ivs_error *err);

#endif
