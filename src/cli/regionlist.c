/*
 * regionlist.c - lists of region names (see regionlist.h).
 */
#include "regionlist.h"

#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/region.h"

const char *regionlist_problem(char *const *v, size_t n, const char *r)
{
	if (!region_valid(r))
		return "is not a region name like eu-west-1";
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], r) == 0)
			return "is given twice";
	return NULL;
}

void regionlist_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int regionlist_parse(const char *list, const char *what, char ***out, size_t *nout,
		     struct ivs_error *err)
{
	char **v = NULL;
	size_t n = 0;
	for (const char *s = list;;) {
		size_t len = strcspn(s, ",");
		char *r = xasprintf("%.*s", (int)len, s);
		const char *why = regionlist_problem(v, n, r);
		if (why) {
			ivs_error_set_kind(err, IVS_ERR_BAD_INPUT, "BadRegion", "%s: region '%.64s' %s",
					   what, r, why);
			free(r);
			regionlist_free(v, n);
			return -1;
		}
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = r;
		if (!s[len])
			break;
		s += len + 1;
	}
	*out = v;
	*nout = n;
	return 0;
}
