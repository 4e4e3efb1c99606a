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

#include "assets.h"
#include "aws/buf.h"
#include "cli.h"

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

int cmd_package_check(struct cli_ctx *x)
{
	if (x->o.nargs > 0) {
		cli_error("package: unexpected argument '%s' (did you mean --output %s?)",
			  x->o.args[0], x->o.args[0]);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int cmd_package(struct cli_ctx *x)
{
	const char *path = x->o.output && *x->o.output ? x->o.output : "function.zip";

	size_t len = 0;
	const unsigned char *zip = assets_package(NULL, &len); /* x86_64 */
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
	stack_sha256_hex(zip, len, hex);
	printf("%s\n  size    %zu bytes (%.1f MB)\n  sha256  %s\n", path, len,
	       (double)len / (1024.0 * 1024.0), hex);
	return EXIT_OK;
}
