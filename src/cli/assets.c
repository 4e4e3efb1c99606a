/*
 * assets.c - access to the bytes cmake/embed.cmake linked in (see assets.h).
 */
#include "assets.h"

extern const unsigned char ivs_embedded_template[];
extern const unsigned char ivs_embedded_template_end[];

const char *assets_template(size_t *len)
{
	*len = (size_t)(ivs_embedded_template_end - ivs_embedded_template);
	return (const char *)ivs_embedded_template;
}

#ifdef IVSVC_HAVE_PACKAGE
extern const unsigned char ivs_embedded_package[];
extern const unsigned char ivs_embedded_package_end[];

const unsigned char *assets_package(size_t *len)
{
	*len = (size_t)(ivs_embedded_package_end - ivs_embedded_package);
	return ivs_embedded_package;
}
#else
const unsigned char *assets_package(size_t *len)
{
	*len = 0;
	return NULL;
}
#endif
