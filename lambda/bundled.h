/*
 * bundled.h - what the handler has linked in: `bootstrap --version` prints
 * the versions of libcurl, OpenSSL, cJSON and the C library, so a security
 * review can tell what a deployed package carries.
 */
#ifndef IVS_LAMBDA_BUNDLED_H
#define IVS_LAMBDA_BUNDLED_H

#include <stdio.h>

/* Writes one "name version" line per library (and the Debian source
 * versions, when the static build recorded them) to out. Returns 0, or -1
 * when writing failed. */
int bundled_print_versions(FILE *out);

#endif
