/*
 * synth.c - `ivsvc synth`: the template deploy would send, and the parameter
 * values it would pass, without calling AWS.
 *
 * The template is printed unchanged (so it stays byte-identical to what
 * CloudFormation receives); the resolved parameters and tags follow as YAML
 * comments, so the output is still a valid template. Each value says where
 * it came from: ivsvc.yaml, the package, or the template's own Default.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *config_value_for(const struct ivs_config *cfg, const char *param)
{
	for (int i = 0; i < CONFIG_NPARAMS; i++)
		if (strcmp(config_param_template_name((enum config_param)i), param) == 0)
			return cfg->params[i];
	return NULL;
}

/* Each parameter's value and where it comes from, as YAML comments. */
static void print_params(const struct cli_ctx *x)
{
	const struct ivs_config *cfg = &x->cfg;
	const struct stack_template *t = &x->tmpl;
	const char *key = x->code_key;
	for (size_t i = 0; i < t->n_params; i++) {
		const char *name = t->params[i].name;
		const char *v = config_value_for(cfg, name);
		const char *from = cfg->path ? cfg->path : "settings";
		char *owned = NULL;
		if (strcmp(name, "CodeBucket") == 0) {
			if (cfg->asset_bucket) {
				v = cfg->asset_bucket;
			} else {
				v = owned = xasprintf("ivsvc-assets-<account>-%s",
						      cfg->region ? cfg->region : "<region>");
				from = "the account, at deploy time";
			}
		} else if (strcmp(name, "CodeKey") == 0) {
			v = key ? key : "ivsvc/<sha256 of the handler zip>.zip";
			from = key ? "the handler package" : "the handler package (none in this build)";
		} else if (!v) {
			v = t->params[i].default_value;
			from = "template Default";
		}
		printf("#   %s: %s  # %s\n", name, v ? v : "(none)", v ? from : "no value");
		free(owned);
	}
}

int cmd_synth(struct cli_ctx *x)
{
	const struct ivs_config *cfg = &x->cfg;
	const struct stack_template *t = &x->tmpl;
	fwrite(t->body, 1, t->len, stdout);
	if (t->len && t->body[t->len - 1] != '\n')
		putchar('\n');
	printf("# ---- ivsvc synth: what `ivsvc deploy` passes with this template ----\n");
	printf("# stack: %s\n", cfg->stack_name);
	printf("# settings: %s\n", cfg->path ? cfg->path : "none (no ivsvc.yaml): defaults");
	printf("# parameters:\n");
	print_params(x);
	if (cfg->n_tags) {
		printf("# tags:\n");
		for (size_t i = 0; i < cfg->n_tags; i++)
			printf("#   %s: %s\n", cfg->tags[i].key, cfg->tags[i].value);
	}
	const char *cap = stack_template_capability(t);
	if (t->parsed)
		printf("# capabilities: %s\n", cap ? cap : "none");
	else
		printf("# warning: %s could not be read as a template (YAML/JSON with "
		       "Resources); CloudFormation will say why\n", t->source);
	return EXIT_OK;
}
