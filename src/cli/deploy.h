/*
 * deploy.h - the parts of `ivsvc deploy` beside its main flow (deploy.c):
 * which changes need a yes (approval.c), the JSON lines and the outputs
 * file (deploy_json.c), a prepared change set run later (prepared.c), what a
 * failed operation leaves (deploy_report.c) and the proof that the new
 * version runs (invoke.c: now, or at its next scheduled run).
 *
 * Only the CLI layer uses these; each prints, none exits.
 */
#ifndef IVS_CLI_DEPLOY_H
#define IVS_CLI_DEPLOY_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include "changeset.h"
#include "cli.h"
#include "follow.h"

/* ---- approval.c ---- */

/* --require-approval, with cdk's meaning. */
enum approval {
	APPROVAL_ANY_CHANGE,      /* ask for any change (the default) */
	APPROVAL_BROADENING,      /* ask only for a change plan_broadening() names */
	APPROVAL_NEVER,           /* never ask (the data-loss guard still applies) */
};

/* NULL is the default; -1 for anything but never|broadening|any-change. */
int approval_parse(const char *s, enum approval *out);
/* 1 when the plan may widen access (an IAM role, policy or resource policy
 * added or modified: the change set does not show the statements, so any
 * such change counts) or deletes or replaces anything; *why says the first
 * such change. 0 otherwise. */
int plan_broadening(const struct stack_plan *plan, char *why, size_t n);
/* 1 when the plan removes or replaces (Replacement True or Conditional) the
 * DynamoDB table, losing its history; *what names the change. */
int plan_data_loss(const struct stack_plan *plan, char *what, size_t n);
/* Asks as --require-approval, --yes and --allow-data-loss say. A data loss
 * needs the stack's name typed on the terminal, even with --yes, unless
 * --allow-data-loss; without a terminal it is refused. Returns EXIT_OK to
 * execute, else the exit code (after saying why). */
int deploy_approve(struct cli_ctx *x, const struct stack_plan *plan, const char *stack,
		   const char *region);

/* ---- deploy_json.c ---- */

/* --json: returns the stream the JSON lines go to (the real stdout) and
 * points stdout at stderr, so every human line goes there. */
FILE *deploy_json_begin(void);
/* Puts stdout back and closes the JSON stream. */
void deploy_json_end(FILE *json);
/* Prints doc on one line to json and deletes it. */
void deploy_json_line(FILE *json, cJSON *doc);
/* {"<OutputKey>": "<value>", ...} */
cJSON *deploy_outputs_json(const struct cfn_stack *s);
/* Writes {"<stack>": {"<OutputKey>": "<value>"}} as cdk deploy --outputs-file
 * does (2-space indent, final newline), through a temporary file renamed
 * into place; in a run over several regions, one file per region with the
 * region before the extension (out.json -> out.us-east-1.json). */
int deploy_write_outputs(const char *path, const char *stack, const struct cfn_stack *s,
			 struct ivs_error *err);

/* ---- deploy_report.c ---- */

/* "<what> of stack S failed: it ended in STATUS", the failed resources and
 * what to run next (stderr). */
void stack_report_failure(const char *what, const char *stack, const struct stack_outcome *o);
/* A change set was made but is not known to have run (see deploy.c). */
void deploy_report_not_deployed(struct aws_client *c, const char *stack,
				struct stack_plan *plan, int execute_sent,
				const char *after_event);

/* ---- prepared.c ---- */

/* --execute NAME: reads that change set into *plan (and the stack's start),
 * refusing one that can no longer run as reviewed: not CREATE_COMPLETE and
 * AVAILABLE, or the stack updated after it was made. EXIT_OK or the exit
 * code after a one-line error. */
int deploy_load_prepared(struct aws_client *c, const char *stack, const char *name,
			 struct stack_plan *plan, enum stack_start *start);

/* ---- status_follow.c ---- */

/* `status --follow`: when the stack has an operation in progress, follows
 * its events (from the operation's start) until it settles and returns the
 * exit code deploy would (0 complete, 1 failed, 130 Ctrl-C). -1 when
 * nothing is in progress (the caller prints the status). */
int status_follow(struct cli_ctx *x);

/* ---- invoke.c: deploy's last step ---- */

/* One invocation of the stack's function now, its summary printed. EXIT_OK
 * when the new version works, else EXIT_FAILED after naming a cause the
 * user can act on. *result (may be NULL): {"mode":"invoke","ok":...}. */
int cli_verify_deploy(struct cli_ctx *x, const char *stack, cJSON **result);
/* --verify wait: watches the function's log group from since_ms for the
 * next scheduled tick's result line (at most the schedule's period plus a
 * minute; IVSVC_VERIFY_WAIT_S overrides) and judges it as above. */
int cli_verify_wait(struct cli_ctx *x, const char *stack, long long since_ms, cJSON **result);
/* The period in seconds of "rate(N unit)"; 60 for anything else. */
long stack_schedule_period(const char *schedule);

#endif
