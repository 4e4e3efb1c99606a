/*
 * stack.h - what deploy, diff and destroy share: the template and what it
 * declares, the handler package and its upload to the asset bucket, change
 * sets (create, wait, print, discard), and following a stack's events with
 * a progress line until it settles.
 *
 * Owns: struct stack_template, struct stack_package and struct stack_plan
 * (each with its *_free). Prints to stdout (events, changes) and stderr
 * (the progress line); never exits.
 *
 * Tests shorten the waits with IVSVC_POLL_MS (default 2000: between polls)
 * and IVSVC_WAIT_TIMEOUT_S (default 3600: how long to wait for another
 * operation already running on the stack).
 */
#ifndef IVS_CLI_STACK_H
#define IVS_CLI_STACK_H

#include <stddef.h>
#include <stdio.h>

#include "aws/cfn.h"
#include "aws/client.h"
#include "config.h"

/* The template as read, and what it declares. */
struct stack_template {
	char *body;
	size_t len;
	char *source;             /* "the embedded template" or the file's path */
	int parsed;               /* 0: not YAML/JSON we could read (CloudFormation will say why) */
	char **params;            /* declared parameter names */
	char **param_defaults;    /* their Default (NULL when none) */
	size_t n_params;
	char **resources;         /* logical ids */
	char **types;             /* their Type */
	char **refs;              /* parameters each references: ",MemorySize,CodeKey," */
	size_t n_resources;
	int needs_iam, needs_named_iam;
};

int stack_template_load(const char *path, struct stack_template *t, struct ivs_error *err);
int stack_template_declares(const struct stack_template *t, const char *param);
void stack_template_free(struct stack_template *t);

/* The handler zip: --handler-zip FILE or the embedded one. */
struct stack_package {
	unsigned char *data;      /* owned copy */
	size_t len;
	char sha256[65];
	char *source;
};

/* No package at all is an error that says how to get one. Checks that the
 * zip has `bootstrap` at its root. */
int stack_package_load(const char *path, struct stack_package *p, struct ivs_error *err);
void stack_package_free(struct stack_package *p);
/* "ivsvc/<sha256>.zip" */
char *stack_package_key(const struct stack_package *p);

/* The asset bucket's name: config asset_bucket, else ivsvc-assets-<account>-<region>. */
char *stack_asset_bucket_name(const struct ivs_config *cfg, const char *account,
			      const char *region);
/* Creates and secures the bucket the first time; uploads the package unless
 * the key is already there. Says what it did on stdout. */
int stack_upload_package(struct aws_client *c, const char *bucket, const char *region,
			 const struct stack_package *p, const char *key, struct ivs_error *err);

/* The parameters for a change set: CodeBucket/CodeKey and what ivsvc.yaml
 * sets, restricted to what the template declares. code_bucket NULL: reuse
 * the stack's previous CodeBucket/CodeKey (diff without a package). */
struct cfn_param *stack_params(const struct ivs_config *cfg, const struct stack_template *t,
			       const char *code_bucket, const char *code_key, size_t *n);

/* How the stack stands before a deploy. */
enum stack_start {
	STACK_START_CREATE,       /* no stack (or a leftover REVIEW_IN_PROGRESS one) */
	STACK_START_UPDATE,
};

/* Reads the stack's state and gets it ready for a change set: deletes a
 * ROLLBACK_COMPLETE stack (saying so), waits for an operation in progress
 * (with progress), refuses UPDATE_ROLLBACK_FAILED and other stuck states
 * with the command to recover. Returns 0 with *start set, or -1 (err filled;
 * err->code "Interrupted" after Ctrl-C). dry_run: never deletes (diff). */
int stack_prepare(struct aws_client *c, const char *stack, int dry_run, enum stack_start *start,
		  struct ivs_error *err);

struct stack_plan {
	char *stack;
	char *change_set;         /* its name */
	char *stack_id;
	const char *type;         /* "CREATE" or "UPDATE" */
	struct cfn_change_set cs;
	int empty;                /* FAILED only because nothing would change */
	struct cfn_kv *param_changes; /* parameter -> "old -> new" (UPDATE only) */
	size_t n_param_changes;
};

/* Creates the change set and waits until it is ready (or failed). A change
 * set that failed for any reason but "no changes" is an error (and is
 * discarded). For an UPDATE it also lists the parameters whose value
 * changes, and adds a Modify for each resource that references one when
 * CloudFormation listed none for it (moto lists none for parameter-only
 * changes; AWS does). */
int stack_plan_create(struct aws_client *c, const char *stack, enum stack_start start,
		      const struct stack_template *t, const struct cfn_param *params,
		      size_t n_params, const struct ivs_config *cfg, struct stack_plan *plan,
		      struct ivs_error *err);
/* "+ Add / ~ Modify / - Remove" lines. */
void stack_plan_print(const struct stack_plan *plan, FILE *out);
/* Deletes the change set, and for a CREATE the REVIEW_IN_PROGRESS stack
 * it made, so nothing is left behind. */
int stack_plan_discard(struct aws_client *c, struct stack_plan *plan, struct ivs_error *err);
void stack_plan_free(struct stack_plan *plan);

/* The result of following a stack operation. */
struct stack_outcome {
	char *status;             /* final stack status; "DELETE_COMPLETE" when gone */
	int interrupted;          /* Ctrl-C: we stopped waiting, CloudFormation did not */
	char **failures;          /* "LogicalId (Type): reason" of each failed resource */
	size_t n_failures;
};

/* Follows stack (name or id) from the event after after_id, printing each
 * new event oldest first with done/total, until the stack is in no
 * *_IN_PROGRESS state. total: resources expected to change (0: unknown).
 * timeout_ms > 0: give up after that long (err code "TimedOut"). */
int stack_follow(struct aws_client *c, const char *stack, const char *after_id, size_t total,
		 long long timeout_ms, struct stack_outcome *out, struct ivs_error *err);
void stack_outcome_free(struct stack_outcome *o);
/* The newest event's id (NULL when none), to follow from. */
/* The id of the stack's newest event into *id (NULL when it has none), so
 * following starts after it and never shows an earlier operation's events as
 * this one's. -1 when the events could not be read: do not start then. */
int stack_newest_event_id(struct aws_client *c, const char *stack, char **id,
			  struct ivs_error *err);

/* When a stack came without Outputs (moto after a change set), fills them
 * from its resources' physical ids: TableName, FunctionName, RuleName,
 * LogGroupName. */
int stack_fill_outputs(struct aws_client *c, struct cfn_stack *s, struct ivs_error *err);
void stack_print_outputs(const struct cfn_stack *s, FILE *out);

struct cli_opts;
/* Reads ivsvc.yaml (--config or ./ivsvc.yaml), lets --stack-name, --region
 * and --profile win, and points o's region and profile at the result (cfg
 * owns them). Returns EXIT_OK, or EXIT_USAGE after printing the error. */
int stack_load_config(struct cli_opts *o, struct ivs_config *cfg);
/* stack_load_config, then the template (--template or the embedded one).
 * Returns EXIT_OK with both loaded, or EXIT_USAGE after printing
 * "<cmd>: <why>" with nothing left to free. */
int stack_load_inputs(struct cli_opts *o, const char *cmd, struct ivs_config *cfg,
		      struct stack_template *t);

/* Sleeps ms in short steps; returns -1 early on Ctrl-C. */
int stack_sleep(long ms);
long stack_poll_ms(void);

#endif
