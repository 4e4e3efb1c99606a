/*
 * bundled.c - the versions of the libraries in the handler's executable,
 * as the libraries themselves report them at run time (not the headers'),
 * plus the Debian source versions the static build was made from.
 */
#include "bundled.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <cjson/cJSON.h>
#ifdef __GLIBC__
#include <gnu/libc-version.h>
#endif

#ifndef IVSVC_VERSION
#define IVSVC_VERSION "0"
#endif
/* Set by the static build (cmake/bootstrap): musl has no version call. */
#ifndef IVSVC_LIBC_VERSION
#define IVSVC_LIBC_VERSION "unknown"
#endif
/* Set by the static build: "curl 7.88.1-10+deb12u15, openssl ..." */
#ifndef IVSVC_DEBIAN_SOURCES
#define IVSVC_DEBIAN_SOURCES NULL
#endif

static const char *libc_version(void)
{
#ifdef __GLIBC__
	static char buf[64];
	snprintf(buf, sizeof(buf), "glibc %s", gnu_get_libc_version());
	return buf;
#else
	return IVSVC_LIBC_VERSION;
#endif
}

int bundled_print_versions(FILE *out)
{
	const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
	const char *debian = IVSVC_DEBIAN_SOURCES;
	fprintf(out, "ivsvc-handler %s\n", IVSVC_VERSION);
	fprintf(out, "libcurl %s (%s) protocols:", cv->version, cv->ssl_version ? cv->ssl_version : "no TLS");
	for (const char *const *p = cv->protocols; p && *p; p++)
		fprintf(out, " %s", *p);
	fputc('\n', out);
	/* where TLS looks for CAs when neither SSL_CERT_FILE nor the client says */
	CURL *probe = curl_easy_init();
	char *cainfo = NULL;
	if (probe && curl_easy_getinfo(probe, CURLINFO_CAINFO, &cainfo) == CURLE_OK && cainfo)
		fprintf(out, "ca bundle default: %s\n", cainfo);
	curl_easy_cleanup(probe);
	fprintf(out, "openssl %s\n", OpenSSL_version(OPENSSL_VERSION));
	fprintf(out, "cjson %s\n", cJSON_Version());
	fprintf(out, "libc %s\n", libc_version());
	if (debian)
		fprintf(out, "debian sources: %s\n", debian);
	return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}
