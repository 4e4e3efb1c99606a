/*
 * fuzz_config.c - ivsvc.yaml (src/cli/config.c, on libyaml's event API): the
 * input is the file, parsed into a config prepared as config_load prepares
 * one (the default stack name set). A failure names "ivsvc.yaml:LINE"; a
 * success keeps a stack name and survives the flag overrides. Either way
 * config_free frees everything.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/config.h"
#include "fuzz.h"

int fuzz_config(const uint8_t *data, size_t size)
{
	struct ivs_config cfg;
	struct ivs_error err;
	memset(&cfg, 0, sizeof(cfg));
	cfg.stack_name = xstrdup(CONFIG_DEFAULT_STACK);
	ivs_error_clear(&err);
	int rc = config_parse("ivsvc.yaml", (const char *)data, size, &cfg, &err);
	if (rc == 0) {
		fuzz_require(cfg.stack_name && *cfg.stack_name, "a parsed config has a stack name");
		for (size_t i = 0; i < cfg.n_tags; i++)
			fuzz_require(cfg.tags[i].key && cfg.tags[i].value, "tags have keys and values");
		for (int p = 0; p < CONFIG_NPARAMS; p++)
			if (cfg.params[p])
				(void)strlen(cfg.params[p]);
		config_apply_flags(&cfg, "Other", NULL, "dev");
		fuzz_require(strcmp(cfg.stack_name, "Other") == 0, "--stack-name wins");
	} else {
		fuzz_require(err.code[0] != '\0', "a parse error has a code");
		fuzz_require(strncmp(err.message, "ivsvc.yaml", 10) == 0, "error names the file");
	}
	config_free(&cfg);
	return 0;
}

#ifndef IVS_FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_config(data, size);
}
#endif
