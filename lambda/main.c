/*
 * main.c - the Lambda function's executable: the package's `bootstrap`
 * itself (one static musl executable, x86_64 or arm64, that Lambda execs
 * directly), and the host build's ivsvc-handler (the same sources on the
 * system's libraries, for valgrind and the sanitizers). Process-wide set-up
 * and `--version` only; the work is in handler.c.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "bundled.h"
#include "handler.h"

/* Amazon Linux keeps its CA bundle here. The static build's libcurl already
 * defaults to it; the host build's (Debian's) does not. */
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
