/*
 * fuzz_ini.c - the shared config files' INI dialect (src/aws/profile.c):
 * the input is one ~/.aws/config or ~/.aws/credentials file, loaded as each
 * kind of section the tool asks for, then read the way creds.c, endpoint.c
 * and region_resolve read it.
 *
 * Beyond memory errors: an error names file:line and never quotes the file
 * (it may hold a secret), so a message must not contain "SECRET" even when
 * the input does.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/profile.h"
#include "fuzz.h"

static void ini_load_as(const char *text, int has_marker, enum profile_ini_kind kind,
			const char *name)
{
	static const char *keys[] = { "aws_access_key_id", "aws_secret_access_key",
				      "aws_session_token", "region", "credential_process",
				      "services", "endpoint_url", "dynamodb.endpoint_url",
				      "s3.max_concurrent_requests", "max_attempts", "" };
	struct profile_section s;
	struct ivs_error err;
	ivs_error_clear(&err);
	int rc = profile_ini_parse("fuzz.ini", text, kind, name, &s, &err);
	fuzz_require(rc == 0 || rc == -1, "profile_ini_parse returns 0 or -1");
	fuzz_require(fuzz_terminated(s.label, sizeof(s.label)), "label terminated");
	if (rc < 0) {
		fuzz_require(err.code[0] != '\0', "a parse error has a code");
		fuzz_require(strncmp(err.message, "fuzz.ini:", 9) == 0, "error names file:line");
		fuzz_require(!has_marker || !strstr(err.message, "SECRET"),
			     "error message quotes the file");
		fuzz_require(s.n == 0, "no keys kept after an error");
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = profile_section_get(&s, keys[i]);
		if (v)
			(void)strlen(v);
	}
	for (size_t i = 0; i < s.n; i++)
		fuzz_require(s.v[i].key && s.v[i].value, "keys and values are set");
	profile_section_free(&s);
}

int fuzz_ini(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	int has_marker = strstr(text, "SECRET") != NULL;
	ini_load_as(text, has_marker, PROFILE_INI_CREDENTIALS, "default");
	ini_load_as(text, has_marker, PROFILE_INI_CONFIG, "default");
	ini_load_as(text, has_marker, PROFILE_INI_CONFIG, "dev");
	ini_load_as(text, has_marker, PROFILE_INI_SERVICES, "local");
	free(text);
	return 0;
}

#ifndef IVS_FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_ini(data, size);
}
#endif
