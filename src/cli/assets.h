/*
 * assets.h - what is embedded into the ivsvc binary at build time: the
 * CloudFormation template and (once the handler is built) the Lambda package.
 */
#ifndef IVS_ASSETS_H
#define IVS_ASSETS_H

#include <stddef.h>

/* templates/stack.yaml as built in; NUL-terminated. */
const char *assets_template(size_t *len);
/* The handler's function.zip; NULL (and *len 0) when this build has none. */
const unsigned char *assets_package(size_t *len);

#endif
