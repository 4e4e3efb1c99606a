/*
 * recover.c - `ivsvc recover`: gets a stack out of UPDATE_ROLLBACK_FAILED
 * (CloudFormation ContinueUpdateRollback) and follows the rollback to its
 * end, as cancel follows its own.
 *
 * The resources that failed to roll back (UPDATE_FAILED) are skipped
 * (ResourcesToSkip) only when they are safe to recreate: the function, its
 * role, schedule rule, permission, log group, invoke config. CloudFormation
 * then marks them rolled back although they are not, and the next deploy
 * puts them right. The table is never skipped: its data is the product, and
 * a skipped table would stay in whatever state the failed update left it;
 * when it is the failed resource, we say what the user must do and call
 * nothing. Every other stack state is refused with what to do instead.
 *
 * Owns: nothing beyond the call.
 */
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "cli.h"
#include "follow.h"

/* Types whose resource holds no data: recreating it loses nothing. */
static const char *const safe_types[] = {
	"AWS::Lambda::Function",   "AWS::Lambda::Permission", "AWS::Lambda::EventInvokeConfig",
	"AWS::Events::Rule",       "AWS::Logs::LogGroup",     "AWS::IAM::Role",
	"AWS::IAM::Policy",        NULL,
};

static int safe_to_skip(const char *type)
{
	for (size_t i = 0; type && safe_types[i]; i++)
		if (strcmp(type, safe_types[i]) == 0)
			return 1;
	return 0;
}

/* EXIT_OK when the stack is UPDATE_ROLLBACK_FAILED; else why not, and 1. */
static int recoverable(const struct cfn_stack *s)
{
	const char *st = s->status, *n = s->name;
	if (strcmp(st, "UPDATE_ROLLBACK_FAILED") == 0)
		return EXIT_OK;
	if (strcmp(st, "DELETE_FAILED") == 0)
		cli_error("recover: stack %s is DELETE_FAILED: run `ivsvc destroy --stack-name %s`, "
			  "which retries and offers to retain what blocks the delete", n, n);
	else if (strcmp(st, "ROLLBACK_COMPLETE") == 0 || strcmp(st, "ROLLBACK_FAILED") == 0)
		cli_error("recover: stack %s is %s (its first create failed): `ivsvc deploy` deletes "
			  "and creates it again", n, st);
	else if (cfn_status_in_progress(st))
		cli_error("recover: stack %s is %s: wait for it to settle (`ivsvc status --stack-name "
			  "%s`)", n, st, n);
	else
		cli_error("recover: stack %s is %s: nothing to recover (only UPDATE_ROLLBACK_FAILED "
			  "is)", n, st);
	return EXIT_FAILED;
}

/* The UPDATE_FAILED resources into *skip (borrowed logical ids); EXIT_OK, or
 * EXIT_FAILED after naming the ones that must not be skipped and the way out. */
static int pick_skips(const char *stack, const struct cfn_resource *r, size_t n,
		      const char ***skip, size_t *n_skip)
{
	*skip = xcalloc(n + 1, sizeof(**skip));
	*n_skip = 0;
	struct buf unsafe = BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		if (!r[i].status || strcmp(r[i].status, "UPDATE_FAILED") != 0)
			continue;
		if (safe_to_skip(r[i].type)) {
			(*skip)[(*n_skip)++] = r[i].logical_id;
			continue;
		}
		cli_error("recover: %s (%s) failed to roll back: %s", r[i].logical_id,
			  r[i].type ? r[i].type : "?", r[i].reason ? r[i].reason : "no reason given");
		buf_printf(&unsafe, "%s%s", unsafe.len ? " " : "", r[i].logical_id);
	}
	if (!unsafe.len)
		return EXIT_OK;
	cli_error("recover: ivsvc never skips %s: it holds the viewer-count history, and a skipped "
		  "resource stays as the failed update left it. Nothing was changed. Fix the cause "
		  "above (a setting changed by hand, a quota, a permission), then run `ivsvc recover "
		  "--stack-name %s` again. To skip it anyway, export the history first (`ivsvc "
		  "history --all --format csv > history.csv`), then `aws cloudformation "
		  "continue-update-rollback --stack-name %s --resources-to-skip %s`",
		  buf_cstr(&unsafe), stack, stack, buf_cstr(&unsafe));
	buf_free(&unsafe);
	return EXIT_FAILED;
}

static void print_skips(const struct cfn_resource *r, size_t n, const char *const *skip,
			size_t n_skip)
{
	if (!n_skip) {
		printf("No resource is UPDATE_FAILED: continuing the rollback without skipping any\n");
		return;
	}
	printf("Skipping %zu resource(s) that failed to roll back (safe to recreate; the next "
	       "`ivsvc deploy` puts them right):\n", n_skip);
	for (size_t k = 0; k < n_skip; k++)
		for (size_t i = 0; i < n; i++)
			if (r[i].logical_id == skip[k])
				printf("  %s (%s): %s\n", r[i].logical_id, r[i].type,
				       r[i].reason ? r[i].reason : "no reason given");
}

/* How the continued rollback ended. */
static int judge(const char *stack, const char *const *skip, size_t n_skip,
		 const struct stack_outcome *o)
{
	if (o->interrupted) {
		fprintf(stderr, "\nStopped watching. The rollback keeps going in CloudFormation (now "
				"%s): `ivsvc status --stack-name %s` shows how it ends.\n",
			o->status, stack);
		return EXIT_INTERRUPTED;
	}
	if (strcmp(o->status, "UPDATE_ROLLBACK_COMPLETE") == 0) {
		printf("Recovered: stack %s is %s", stack, o->status);
		for (size_t i = 0; i < n_skip; i++)
			printf("%s%s", i ? ", " : "; skipped: ", skip[i]);
		printf("\nNext: `ivsvc deploy` to update the stack again\n");
		return EXIT_OK;
	}
	for (size_t i = 0; i < o->n_failures; i++)
		cli_error("  %s", o->failures[i]);
	cli_error("recover: the rollback of stack %s ended %s: fix the cause above, then run "
		  "`ivsvc recover --stack-name %s` again", stack, o->status, stack);
	return EXIT_FAILED;
}

/* Asks, calls ContinueUpdateRollback and follows it. */
static int continue_rollback(struct cli_ctx *x, const char *target, const char *const *skip,
			     size_t n_skip)
{
	const char *stack = x->cfg.stack_name;
	struct aws_client *c = x->client;
	struct ivs_error err;
	char prompt[300];
	snprintf(prompt, sizeof(prompt), "Continue the rollback of stack %s%s?", stack,
		 n_skip ? ", skipping the resources above" : "");
	int yes = cli_confirm(&x->o, prompt);
	if (yes <= 0) {
		if (yes == 0)
			cli_error("recover: not continued; nothing was changed");
		return EXIT_REFUSED;
	}
	char *after = NULL;
	if (stack_newest_event_id(c, target, &after, &err) < 0 ||
	    cfn_continue_update_rollback(c, stack, skip, n_skip, &err) < 0) {
		ivs_error_prefix(&err, "recover");
		cli_report(&err);
		free(after);
		return cli_exit_code(&err);
	}
	printf("Continuing the rollback of stack %s (Ctrl-C stops watching, not the rollback)\n",
	       stack);
	fflush(stdout);
	struct stack_outcome o;
	int rc;
	if (stack_follow(c, target, after, 0, 0, &o, &err) < 0) {
		cli_report(&err);
		rc = cli_exit_code(&err);
	} else {
		rc = judge(stack, skip, n_skip, &o);
		stack_outcome_free(&o);
	}
	free(after);
	return rc;
}

int cmd_recover(struct cli_ctx *x)
{
	struct aws_client *c = x->client;
	const char *stack = x->cfg.stack_name;
	struct ivs_error err;
	char *target;
	int rc = stack_require(c, "recover", stack, recoverable, &target);
	if (!target)
		return rc;
	struct cfn_resource *res = NULL;
	size_t n_res = 0;
	if (rc == EXIT_OK && cfn_describe_stack_resources(c, target, &res, &n_res, &err) < 0) {
		cli_report(&err);
		rc = cli_exit_code(&err);
	}
	const char **skip = NULL;
	size_t n_skip = 0;
	if (rc == EXIT_OK)
		rc = pick_skips(stack, res, n_res, &skip, &n_skip);
	if (rc == EXIT_OK) {
		printf("Stack %s is UPDATE_ROLLBACK_FAILED: a rollback stopped on resources it could "
		       "not put back.\n", stack);
		print_skips(res, n_res, skip, n_skip);
		rc = continue_rollback(x, target, skip, n_skip);
	}
	free(skip);
	cfn_resources_free(res, n_res);
	free(target);
	return rc;
}
