/*
 * changeset.h - what deploy would change: the parameters it passes, the
 * change set made from them (create, wait until ready, print, discard).
 *
 * Owns: struct stack_plan (stack_plan_free). Prints only in
 * stack_plan_print; never exits. IVSVC_POLL_MS shortens the waits (cli_poll_ms).
 */
#ifndef IVS_CLI_CHANGESET_H
#define IVS_CLI_CHANGESET_H

#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "aws/cfn.h"
#include "aws/client.h"
#include "config.h"
#include "template.h"

/* The parameters for a change set: CodeBucket/CodeKey and what ivsvc.yaml
 * sets, restricted to what the template declares. code_bucket NULL: reuse
 * the stack's previous CodeBucket/CodeKey (diff without a package). The
 * array borrows its strings; free() it. */
struct cfn_param *stack_params(const struct ivs_config *cfg, const struct stack_template *t,
			       const char *code_bucket, const char *code_key, size_t *n);

/* How the stack stands before a deploy (follow.h: stack_prepare). */
enum stack_start {
	STACK_START_CREATE,       /* no stack (or a leftover REVIEW_IN_PROGRESS one) */
	STACK_START_UPDATE,
};

/* What a change set is made from. */
struct stack_inputs {
	const struct stack_template *template;
	const struct cfn_param *params;
	size_t n_params;
	const struct ivs_config *cfg;   /* its tags */
};

struct stack_plan {
	char *stack;
	char *change_set;         /* its name */
	char *stack_id;
	const char *type;         /* "CREATE" or "UPDATE" */
	struct cfn_change_set cs;
	int empty;                /* nothing would change */
	struct cfn_kv *param_changes; /* parameter -> "old -> new" (UPDATE only) */
	size_t n_param_changes;
	struct cfn_kv *tag_changes;   /* tag -> "old -> new", "(none) -> new", "old -> (removed)" */
	size_t n_tag_changes;
};

/* Creates the change set and waits until it is ready (or failed). A change
 * set that failed for any reason but "no changes" is an error (and is
 * discarded); so are Ctrl-C (IVS_ERR_INTERRUPTED) and 30 minutes without an
 * answer (IVS_ERR_TIMEOUT). For an UPDATE it also lists the parameters whose
 * value changes, and adds a Modify for each resource that references one
 * when CloudFormation listed none for it (moto lists none for
 * parameter-only changes; AWS does). Tags added, changed or removed are
 * listed too, and make the plan non-empty even when moto calls a tag-only
 * change set "no changes" (AWS lists the resources whose tags change). */
int stack_plan_create(struct aws_client *c, const char *stack, enum stack_start start,
		      const struct stack_inputs *in, struct stack_plan *plan,
		      struct ivs_error *err);
/* "+ Add / ~ Modify / - Remove" lines. */
void stack_plan_print(const struct stack_plan *plan, FILE *out);
/* The plan as diff --json prints it: stack, changeSetType, noChanges,
 * changes[{action,logicalId,type,replacement?,properties?}], parameters{}, tags{}. */
cJSON *stack_plan_json(const struct stack_plan *plan);
/* Deletes the change set, and for a CREATE the REVIEW_IN_PROGRESS stack
 * it made, so nothing is left behind. */
int stack_plan_discard(struct aws_client *c, struct stack_plan *plan, struct ivs_error *err);
void stack_plan_free(struct stack_plan *plan);

/* The names the stack derives from its own (the function <stack>-viewers,
 * at most 64; its log group) must fit their service's limit, or the first
 * deploy rolls back: an IVS_ERR_BAD_INPUT error saying the longest stack
 * name that fits. */
int stack_check_derived_names(const char *stack_name, struct ivs_error *err);

#endif
