/*
 * regionlist.h - a list of region names, as ivsvc.yaml's regions: and
 * --region a,b give it: each a region name, none twice.
 *
 * Sits under config.c and regions.c; includes nothing of the CLI's, so
 * both may use it. Owns: the arrays regionlist_parse makes (regionlist_free).
 */
#ifndef IVS_CLI_REGIONLIST_H
#define IVS_CLI_REGIONLIST_H

#include <stddef.h>

#include "aws/error.h"

/* Why r cannot join the regions v[0..n): NULL when it can. */
const char *regionlist_problem(char *const *v, size_t n, const char *r);
/* "a" or "a,b,c" into *v (malloc'd names), *n. A name that is not a region,
 * an empty item or a repeat: IVS_ERR_BAD_INPUT, the message starting with
 * what ("--region"), and nothing made. */
int regionlist_parse(const char *list, const char *what, char ***v, size_t *n,
		     struct ivs_error *err);
void regionlist_free(char **v, size_t n);

#endif
