/*
 * pager.h - the one loop guard of every paged listing (CloudFormation,
 * CloudWatch Logs, IVS): which token to send next, and when a listing that
 * does not end is an error instead of a loop.
 *
 * Owns: copies of the tokens the service has returned (aws_pager_free).
 * The caller sends each page with aws_pager_token() and gives the page's
 * next token to aws_pager_next() until p->done.
 */
#ifndef IVS_PAGER_H
#define IVS_PAGER_H

#include <stddef.h>

#include "error.h"

/* A listing this long is looping (a token that never runs out): 100,000
 * pages of 100 is 10 million items. */
#define AWS_PAGER_MAX_PAGES 100000

struct aws_pager {
	const char *what;         /* for messages: "IVS ListChannels" (borrowed) */
	const char *token_name;   /* for messages: "nextToken" (borrowed) */
	size_t max_pages;         /* more pages than this is an error */
	size_t pages;             /* pages taken so far */
	int done;                 /* the last page has been taken */
	char *token;              /* to send next; NULL before the first page and after the last */
	char **seen;              /* hash set of the tokens returned so far */
	size_t n_seen, cap_seen;
};

/* max_pages 0: AWS_PAGER_MAX_PAGES. */
void aws_pager_init(struct aws_pager *p, const char *what, const char *token_name,
		    size_t max_pages);
/* The token to send with the next page (NULL: the first page). */
const char *aws_pager_token(const struct aws_pager *p);
/* Takes a page's next token; NULL or "" ends the listing. Fails with
 * "PaginationLoop" when the service returns a token it returned before, and
 * "TooManyPages" when the listing goes on past max_pages (both kind
 * IVS_ERR_BAD_RESPONSE). */
int aws_pager_next(struct aws_pager *p, const char *next, struct ivs_error *err);
void aws_pager_free(struct aws_pager *p);

#endif
