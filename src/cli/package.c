/*
 * package.c - `ivsvc package [--output FILE]`: writes the Lambda package
 * built into this binary (function.zip: bootstrap, bin/ivsvc-handler, lib/
 * with its libraries and loader) to FILE, default ./function.zip, and prints
 * its path, size and SHA-256 (what `deploy` uploads and what the function's
 * CodeSha256 is checked against).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "assets.h"
#include "aws/buf.h"
#include "cli.h"

static void sha256_hex(const unsigned char *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	for (unsigned int i = 0; i < n && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[64] = '\0';
}

/* Writes beside the target and renames, so an interrupted write never
 * leaves a truncated zip under the name deploy would pick up. */
static int write_file(const char *path, const unsigned char *data, size_t len)
{
	char *tmp = xasprintf("%s.tmp%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "wb");
	if (!f) {
		cli_error("package: cannot create %s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	int ok = fwrite(data, 1, len, f) == len;
	ok = (fclose(f) == 0) && ok;
	if (!ok || rename(tmp, path) < 0) {
		cli_error("package: cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

int cmd_package(int argc, char **argv)
{
	struct cli_opts o;
	if (cli_parse(argc, argv, "output", &o) < 0) {
		free(o.args);
		return EXIT_USAGE;
	}
	if (o.nargs > 0) {
		cli_error("package: unexpected argument '%s' (did you mean --output %s?)", o.args[0],
			  o.args[0]);
		free(o.args);
		return EXIT_USAGE;
	}
	const char *path = o.output && *o.output ? o.output : "function.zip";
	free(o.args);

	size_t len = 0;
	const unsigned char *zip = assets_package(&len);
	if (!zip || !len) {
		cli_error("package: this ivsvc was built without the Lambda package "
			  "(lambda/ was missing at build time); rebuild from a full checkout");
		return EXIT_FAILED;
	}
	struct stat st;
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			cli_error("package: %s is a folder; give a file name, e.g. --output %s/function.zip",
				  path, path);
			return EXIT_USAGE;
		}
		fprintf(stderr, "ivsvc: package: replacing the existing %s\n", path);
	}
	if (write_file(path, zip, len) < 0)
		return EXIT_FAILED;
	char hex[65];
	sha256_hex(zip, len, hex);
	printf("%s\n  size    %zu bytes (%.1f MB)\n  sha256  %s\n", path, len,
	       (double)len / (1024.0 * 1024.0), hex);
	return EXIT_OK;
}
