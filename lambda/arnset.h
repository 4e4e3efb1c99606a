/*
 * arnset.h - a set of strings (channel ARNs) for one tick: which channels
 * the listings have named, so each gets one item however the pages repeat
 * it, and which are live. Open addressing, FNV-1a.
 *
 * Owns: a copy of every string added (arnset_free).
 */
#ifndef IVS_LAMBDA_ARNSET_H
#define IVS_LAMBDA_ARNSET_H

#include <stddef.h>

struct arnset {
	char **slot;
	size_t cap, n;
};

/* The set's copy of s, or NULL when absent. */
const char *arnset_get(const struct arnset *set, const char *s);
/* Adds s; returns the set's copy and *added 1, or the one already there
 * and *added 0. */
const char *arnset_add(struct arnset *set, const char *s, int *added);
void arnset_free(struct arnset *set);

#endif
