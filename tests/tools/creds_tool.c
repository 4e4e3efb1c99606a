/*
 * creds_tool.c - resolves the credential chain the way the CLI does and
 * prints what the integration tests check: the source, the key id, whether
 * a session token came with it, the SHA-256 of the secret (never the secret),
 * the expiration and any warning.
 *
 *   creds_tool [--profile NAME]
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "aws/creds.h"
#include "aws/sts.h"

int main(int argc, char **argv)
{
	const char *profile = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--profile") == 0 && i + 1 < argc) {
			profile = argv[++i];
		} else {
			fprintf(stderr, "usage: creds_tool [--profile NAME]\n");
			return 2;
		}
	}
	sts_register_credentials();
	struct aws_creds c;
	struct ivs_error err;
	ivs_error_clear(&err);
	if (creds_resolve(profile, &c, &err) < 0) {
		char line[1024];
		fprintf(stderr, "creds_tool: %s\n", ivs_error_format(&err, line, sizeof(line)));
		return 1;
	}
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_Digest(c.secret_access_key, strlen(c.secret_access_key), md, &mdlen, EVP_sha256(), NULL);
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	for (unsigned int i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);

	char exp[32] = "none";
	if (c.expiration) {
		struct tm tm;
		gmtime_r(&c.expiration, &tm);
		strftime(exp, sizeof(exp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	printf("source: %s\n", c.source);
	printf("access_key_id: %s\n", c.access_key_id);
	printf("session_token: %s\n", c.session_token ? "yes" : "no");
	printf("secret_sha256: %s\n", hex);
	printf("expiration: %s\n", exp);
	printf("expiring_in_5_min: %s\n", creds_expiring(&c, time(NULL), 300) ? "yes" : "no");
	printf("warning: %s\n", c.warning[0] ? c.warning : "none");
	printf("origin: %s\n", c.origin);
	creds_free(&c);
	return 0;
}
