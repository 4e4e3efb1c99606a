/*
 * arnset.c - a set of strings (see arnset.h).
 */
#include "arnset.h"

#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The slot holding s, or the empty slot where it would go. */
static size_t find(const struct arnset *set, const char *s)
{
	size_t i = hash(s) & (set->cap - 1);
	while (set->slot[i] && strcmp(set->slot[i], s) != 0)
		i = (i + 1) & (set->cap - 1);
	return i;
}

const char *arnset_get(const struct arnset *set, const char *s)
{
	return set->cap ? set->slot[find(set, s)] : NULL;
}

static void grow(struct arnset *set)
{
	struct arnset bigger = { xcalloc(set->cap ? set->cap * 2 : 256, sizeof(char *)),
				 set->cap ? set->cap * 2 : 256, set->n };
	for (size_t i = 0; i < set->cap; i++)
		if (set->slot[i])
			bigger.slot[find(&bigger, set->slot[i])] = set->slot[i];
	free(set->slot);
	*set = bigger;
}

const char *arnset_add(struct arnset *set, const char *s, int *added)
{
	if ((set->n + 1) * 2 > set->cap)
		grow(set);
	size_t i = find(set, s);
	*added = set->slot[i] == NULL;
	if (*added) {
		set->slot[i] = xstrdup(s);
		set->n++;
	}
	return set->slot[i];
}

void arnset_free(struct arnset *set)
{
	for (size_t i = 0; i < set->cap; i++)
		free(set->slot[i]);
	free(set->slot);
	memset(set, 0, sizeof(*set));
}
