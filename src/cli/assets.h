/*
 * assets.h - what is embedded into the ivsvc binary at build time: the
 * CloudFormation template and (once the handler is built) the Lambda
 * packages, one per architecture the build had a compiler for (x86_64
 * always, arm64 with the cross toolchain), with what each package's
 * `bootstrap --version` says about its libraries. Also which architecture a
 * package is for, read from its bootstrap's ELF header, and the versions
 * `ivsvc version --verbose` prints.
 */
#ifndef IVS_ASSETS_H
#define IVS_ASSETS_H

#include <stddef.h>
#include <stdio.h>

#include "aws/error.h"

/* Lambda's names for the architectures (the template's Architectures). */
#define ASSETS_ARCH_X86_64 "x86_64"
#define ASSETS_ARCH_ARM64 "arm64"

/* templates/stack.yaml as built in; NUL-terminated. */
const char *assets_template(size_t *len);
/* The handler's function.zip for arch (NULL: x86_64); NULL (and *len 0)
 * when this build has none for it. */
const unsigned char *assets_package(const char *arch, size_t *len);
/* The embedded package for arch, or an IVS_ERR_BAD_INPUT error that says
 * how to get one. */
int assets_package_get(const char *arch, const unsigned char **data, size_t *len,
		       struct ivs_error *err);
/* The lines `bootstrap --version` of arch's embedded package prints about
 * its libraries (libcurl, openssl, cjson, libc, debian sources), recorded
 * at build time; NULL when there is no such package. */
const char *assets_package_versions(const char *arch);
/* An IVS_ERR_BAD_INPUT error naming both when zip's `bootstrap` is an ELF
 * executable for the other architecture than arch (NULL: x86_64; source
 * names the zip); 0 otherwise (also for a script bootstrap). */
int assets_check_arch(const unsigned char *zip, size_t len, const char *source,
		      const char *arch, struct ivs_error *err);
/* `ivsvc version --verbose`: the versions of the libraries this binary
 * runs with, then each embedded package's bundled versions. */
void assets_print_versions(FILE *out);

#endif
