/*
 * main.c - the Lambda function's executable (bin/ivsvc-handler in the
 * package, started by the package's `bootstrap` script). Process-wide set-up
 * only; the work is in handler.c.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "bundled.h"
#include "handler.h"

/* Amazon Linux keeps its CA bundle here; the libcurl and OpenSSL we ship
 * were built for Debian's paths. */
#define AL2023_CA_BUNDLE "/etc/pki/tls/certs/ca-bundle.crt"

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--version") == 0)
		return bundled_print_versions(stdout) == 0 ? 0 : 1;
	if (!getenv("SSL_CERT_FILE") && access(AL2023_CA_BUNDLE, R_OK) == 0)
		setenv("SSL_CERT_FILE", AL2023_CA_BUNDLE, 0);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int rc = handler_main();
	curl_global_cleanup();
	return rc;
}
