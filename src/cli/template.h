/*
 * template.h - the CloudFormation template deploy, diff and synth send:
 * --template FILE or the embedded one, and what it declares (parameters
 * with their defaults, resources with the parameters each uses, whether it
 * needs an IAM capability).
 *
 * Owns: struct stack_template and everything in it (stack_template_free).
 */
#ifndef IVS_CLI_TEMPLATE_H
#define IVS_CLI_TEMPLATE_H

#include <stddef.h>

#include "aws/error.h"

struct stack_param {
	char *name;
	char *default_value;      /* NULL when it has no Default */
};

struct stack_resource {
	char *id;                 /* logical id */
	char *type;               /* "AWS::Lambda::Function"; "?" when missing */
	char *refs;               /* parameters it references: ",MemorySize,CodeKey," */
};

/* The template as read, and what it declares. */
struct stack_template {
	char *body;
	size_t len;
	char *source;             /* "the embedded template" or the file's path */
	int parsed;               /* 0: not YAML/JSON we could read (CloudFormation will say why) */
	struct stack_param *params;
	size_t n_params;
	struct stack_resource *resources;
	size_t n_resources;
	int needs_iam, needs_named_iam;
};

/* A whole file into *data (NUL-terminated; caller frees): the template, and
 * the package (artifact.c). Errors are IVS_ERR_BAD_INPUT: "cannot read FILE: why". */
int stack_read_file(const char *path, char **data, size_t *len, struct ivs_error *err);

/* path NULL: the embedded template. Errors are IVS_ERR_BAD_INPUT. */
int stack_template_load(const char *path, struct stack_template *t, struct ivs_error *err);
/* 1 when the template declares param (or could not be read: then
 * CloudFormation judges). */
int stack_template_declares(const struct stack_template *t, const char *param);
/* The capability a change set for it needs: NULL, "CAPABILITY_IAM" or
 * "CAPABILITY_NAMED_IAM" (also for a template we could not read). */
const char *stack_template_capability(const struct stack_template *t);
void stack_template_free(struct stack_template *t);

#endif
