/*
 * pager.c - the paging loop guard (see pager.h): the tokens seen so far are
 * kept in an open-addressing hash set, so a long listing costs a constant
 * per page, not a scan of every token before it.
 */
#include "pager.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void aws_pager_init(struct aws_pager *p, const char *what, const char *token_name,
		    size_t max_pages)
{
	memset(p, 0, sizeof(*p));
	p->what = what;
	p->token_name = token_name;
	p->max_pages = max_pages ? max_pages : AWS_PAGER_MAX_PAGES;
}

const char *aws_pager_token(const struct aws_pager *p)
{
	return p->token;
}

static uint64_t token_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The slot holding s, or the empty slot where it belongs. */
static size_t seen_slot(char *const *v, size_t cap, const char *s)
{
	size_t i = (size_t)token_hash(s) & (cap - 1);
	while (v[i] && strcmp(v[i], s) != 0)
		i = (i + 1) & (cap - 1);
	return i;
}

static void seen_grow(struct aws_pager *p)
{
	size_t cap = p->cap_seen ? p->cap_seen * 2 : 16;
	char **v = xcalloc(cap, sizeof(*v));
	for (size_t i = 0; i < p->cap_seen; i++)
		if (p->seen[i])
			v[seen_slot(v, cap, p->seen[i])] = p->seen[i];
	free(p->seen);
	p->seen = v;
	p->cap_seen = cap;
}

/* 0 when token is new (and now remembered), -1 when seen before. */
static int seen_add(struct aws_pager *p, const char *token)
{
	if (2 * (p->n_seen + 1) > p->cap_seen)
		seen_grow(p);
	size_t i = seen_slot(p->seen, p->cap_seen, token);
	if (p->seen[i])
		return -1;
	p->seen[i] = xstrdup(token);
	p->n_seen++;
	return 0;
}

int aws_pager_next(struct aws_pager *p, const char *next, struct ivs_error *err)
{
	p->pages++;
	free(p->token);
	p->token = NULL;
	if (!next || !*next) {
		p->done = 1;
		return 0;
	}
	if (seen_add(p, next) < 0)
		return ivs_error_set_kind(err, IVS_ERR_BAD_RESPONSE, "PaginationLoop",
					  "%s: the service returned a %s it had already returned; "
					  "stopping instead of looping",
					  p->what, p->token_name);
	if (p->pages >= p->max_pages)
		return ivs_error_set_kind(err, IVS_ERR_BAD_RESPONSE, "TooManyPages",
					  "%s: stopped after %zu pages; the listing did not end",
					  p->what, p->max_pages);
	p->token = xstrdup(next);
	return 0;
}

void aws_pager_free(struct aws_pager *p)
{
	for (size_t i = 0; i < p->cap_seen; i++)
		free(p->seen[i]);
	free(p->seen);
	free(p->token);
	memset(p, 0, sizeof(*p));
}
