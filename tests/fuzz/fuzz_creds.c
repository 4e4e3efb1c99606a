/*
 * fuzz_creds.c - the JSON credential sources send (src/aws/creds.c): a
 * credential_process's output ("Version": 1, "SessionToken") and the
 * container / IMDS document ("Token"), plus their "Expiration" time parser
 * on the raw input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/creds.h"
#include "fuzz.h"

static void creds_shape(const uint8_t *data, size_t size, const char *token_key,
			int want_version)
{
	struct aws_creds c;
	char why[160];
	memset(&c, 0, sizeof(c));
	why[0] = '\0';
	int rc = creds_from_json((const char *)data, size, token_key, want_version, &c, why,
				 sizeof(why));
	if (rc == 0) {
		fuzz_require(c.access_key_id && *c.access_key_id, "an access key id");
		fuzz_require(c.secret_access_key && *c.secret_access_key, "a secret key");
	} else {
		fuzz_require(rc == -1 && why[0] != '\0', "a failure says why");
		fuzz_require(!c.access_key_id && !c.secret_access_key, "nothing kept on failure");
	}
	creds_free(&c);
}

int fuzz_creds(const uint8_t *data, size_t size)
{
	creds_shape(data, size, "SessionToken", 1);
	creds_shape(data, size, "Token", 0);

	char *s = fuzz_cstr(data, size);
	time_t t;
	(void)creds_parse_time(s, &t);
	free(s);
	return 0;
}

#ifndef IVS_FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_creds(data, size);
}
#endif
