/*
 * follow.h - waiting on a stack: getting it ready for a change set
 * (stack_prepare), following its events with a progress line until it
 * settles (stack_follow), and its outputs once it has.
 *
 * Owns: struct stack_outcome (stack_outcome_free). Prints events on stdout
 * and the progress line on stderr; never exits.
 *
 * Tests shorten the waits with IVSVC_POLL_MS (cli_poll_ms) and IVSVC_WAIT_TIMEOUT_S (default 3600: how long to wait for another
 * operation already running on the stack).
 */
#ifndef IVS_CLI_FOLLOW_H
#define IVS_CLI_FOLLOW_H

#include <stddef.h>
#include <stdio.h>

#include "aws/cfn.h"
#include "aws/client.h"
#include "changeset.h"

/* Reads the stack's state and gets it ready for a change set: deletes a
 * ROLLBACK_COMPLETE stack (saying so), waits for an operation in progress
 * (with progress), refuses UPDATE_ROLLBACK_FAILED and other stuck states
 * with the command to recover. Returns 0 with *start set, or -1 (err filled;
 * kind IVS_ERR_INTERRUPTED after Ctrl-C). dry_run: never deletes (diff). */
int stack_prepare(struct aws_client *c, const char *stack, int dry_run, enum stack_start *start,
		  struct ivs_error *err);

/* The result of following a stack operation. */
struct stack_outcome {
	char *status;             /* final stack status; "DELETE_COMPLETE" when gone */
	int interrupted;          /* Ctrl-C: we stopped waiting, CloudFormation did not */
	char **failures;          /* "LogicalId (Type): reason" of each failed resource */
	size_t n_failures;
};

/* The stack a command acts on, judged by check (EXIT_OK when the command may
 * go on, else an exit status after saying why). Returns check's verdict with
 * *target the stack's id (the caller frees it), or EXIT_FAILED with *target
 * NULL after saying why there is none (an error, or no such stack here). */
int stack_require(struct aws_client *c, const char *cmd, const char *stack,
		  int (*check)(const struct cfn_stack *), char **target);

/* Follows stack (name or id) from the event after after_id, printing each
 * new event oldest first with done/total, until the stack is in no
 * *_IN_PROGRESS state. total: resources expected to change (0: unknown).
 * timeout_ms > 0: give up after that long (kind IVS_ERR_TIMEOUT). */
int stack_follow(struct aws_client *c, const char *stack, const char *after_id, size_t total,
		 long long timeout_ms, struct stack_outcome *out, struct ivs_error *err);
void stack_outcome_free(struct stack_outcome *o);
/* Also writes each event as one JSON line to out ({"kind":"event",
 * "timestamp","logicalId","resourceType","status"[,"reason"][,"done","total"]});
 * NULL stops. For deploy --json (one process, one follow at a time). */
void stack_follow_json(FILE *out);
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

#endif
