/*
 * destroy.c - `ivsvc destroy`: delete the stack (and with it the table and
 * every viewer count in it), following its events until it is gone; then
 * the stack's handler packages, and the asset bucket when ivsvc made it and
 * it is empty (prune.h; --keep-assets keeps them).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "follow.h"
#include "history.h"
#include "prune.h"

/* One DeleteStack (keeping retain[0..n_retain) when n_retain > 0), followed
 * to its end. EXIT_OK with *out filled, or the exit code after saying why. */
static int delete_once(struct aws_client *c, const char *stack, const char *id,
		       const char *const *retain, size_t n_retain, size_t n_res,
		       struct stack_outcome *out)
{
	struct ivs_error err;
	char *after = NULL;
	if (stack_newest_event_id(c, id, &after, &err) < 0) {
		ivs_error_prefix(&err, "reading the events of stack %s; not deleted", stack);
		cli_report(&err);
		return EXIT_FAILED;
	}
	int rc = n_retain ? cfn_delete_stack_retaining(c, id, retain, n_retain, &err)
			  : cfn_delete_stack(c, id, &err);
	if (rc == 0) {
		printf("Deleting stack %s (Ctrl-C stops watching, not the delete)\n", stack);
		fflush(stdout);
		rc = stack_follow(c, id, after, n_res, 0, out, &err);
	}
	free(after);
	if (rc < 0) {
		cli_report(&err);
		return EXIT_FAILED;
	}
	if (out->interrupted) {
		fprintf(stderr, "\nStopped watching. The delete keeps going in CloudFormation: run "
				"`ivsvc status --stack-name %s` to see how it ends.\n", stack);
		stack_outcome_free(out);
		return EXIT_INTERRUPTED;
	}
	return EXIT_OK;
}

static int is_deleted(const struct stack_outcome *o)
{
	return strcmp(o->status, "DELETE_COMPLETE") == 0;
}

static void print_failures(const char *stack, const struct stack_outcome *o)
{
	cli_error("deleting stack %s failed: it is %s", stack, o->status);
	for (size_t i = 0; i < o->n_failures; i++)
		fprintf(stderr, "  %s\n", o->failures[i]);
}

/* After a second DELETE_FAILED: the resources that block the delete
 * (DELETE_FAILED), named, and whether to retain only them (asked; --yes
 * alone refuses: keeping resources out of any stack is never done silently,
 * --retain-failed says so). EXIT_OK with *ids (borrowed from *res) to retain. */
static int ask_retain(const struct cli_ctx *x, const char *id, struct cfn_resource **res,
		      size_t *n_res, const char ***ids, size_t *n_ids)
{
	const char *stack = x->cfg.stack_name;
	struct ivs_error err;
	if (cfn_describe_stack_resources(x->client, id, res, n_res, &err) < 0) {
		cli_report(&err);
		return EXIT_FAILED;
	}
	*ids = xcalloc(*n_res + 1, sizeof(**ids));
	*n_ids = 0;
	for (size_t i = 0; i < *n_res; i++)
		if ((*res)[i].status && strcmp((*res)[i].status, "DELETE_FAILED") == 0)
			(*ids)[(*n_ids)++] = (*res)[i].logical_id;
	if (!*n_ids) {
		cli_error("stack %s is still not deleted and no resource says why: see `ivsvc status "
			  "--stack-name %s`", stack, stack);
		return EXIT_FAILED;
	}
	fprintf(stderr, "These resources block the delete; retained, they stay in your account "
			"(outside any stack) and the rest of the stack is deleted:\n");
	for (size_t i = 0; i < *n_res; i++)
		if ((*res)[i].status && strcmp((*res)[i].status, "DELETE_FAILED") == 0)
			fprintf(stderr, "  %s (%s) %s\n", (*res)[i].logical_id, (*res)[i].type,
				(*res)[i].physical_id ? (*res)[i].physical_id : "");
	if (x->o.retain_failed)
		return EXIT_OK;
	if (x->o.yes) {
		cli_error("not retained: --yes alone never keeps resources out of a stack; run "
			  "`ivsvc destroy --stack-name %s --yes --retain-failed` to retain the resources "
			  "above, or fix their cause and run `ivsvc destroy` again", stack);
		return EXIT_REFUSED;
	}
	int yes = cli_confirm(&x->o, "Retain only the resources above and delete the rest?");
	if (yes <= 0) {
		cli_error("not retained; stack %s stays DELETE_FAILED. Fix the cause above, then run "
			  "`ivsvc destroy --stack-name %s` again", stack, stack);
		return EXIT_REFUSED;
	}
	return EXIT_OK;
}

/* Deletes the stack; DELETE_FAILED: once more, then offers to retain only
 * what blocks the delete. */
static int delete_with_retry(const struct cli_ctx *x, const char *id, size_t n_res)
{
	const char *stack = x->cfg.stack_name;
	struct stack_outcome out;
	int rc = EXIT_OK;
	for (int attempt = 0; attempt < 2 && rc == EXIT_OK; attempt++) {
		rc = delete_once(x->client, stack, id, NULL, 0, n_res, &out);
		if (rc != EXIT_OK)
			return rc;
		if (is_deleted(&out))
			break;
		print_failures(stack, &out);
		rc = strcmp(out.status, "DELETE_FAILED") == 0 ? EXIT_OK : EXIT_FAILED;
		stack_outcome_free(&out);
		if (rc == EXIT_OK && attempt == 0)
			printf("Retrying the delete once (a resource may only have been busy)\n");
		else if (rc == EXIT_OK)
			rc = -1; /* failed twice */
	}
	if (rc == EXIT_OK) {
		stack_outcome_free(&out);
		printf("Stack %s deleted\n", stack);
		return EXIT_OK;
	}
	if (rc != -1) {
		fprintf(stderr, "Next: fix the cause above (e.g. a resource changed by hand), then "
				"run `ivsvc destroy --stack-name %s` again.\n", stack);
		return rc;
	}
	struct cfn_resource *res = NULL;
	size_t n = 0, n_ids = 0;
	const char **ids = NULL;
	rc = ask_retain(x, id, &res, &n, &ids, &n_ids);
	if (rc == EXIT_OK)
		rc = delete_once(x->client, stack, id, ids, n_ids, n_res, &out);
	if (rc == EXIT_OK) {
		if (is_deleted(&out)) {
			printf("Stack %s deleted; retained (delete them yourself once their cause is "
			       "fixed):", stack);
			for (size_t i = 0; i < n_ids; i++)
				printf(" %s", ids[i]);
			printf("\n");
		} else {
			print_failures(stack, &out);
			rc = EXIT_FAILED;
		}
		stack_outcome_free(&out);
	}
	free(ids);
	cfn_resources_free(res, n);
	return rc;
}

int cmd_destroy(struct cli_ctx *x)
{
	struct aws_client *c = x->client;
	const char *stack = x->cfg.stack_name;
	struct ivs_error err;
	struct cfn_stack s;
	int found = cfn_describe_stack(c, stack, &s, &err);
	if (found < 0) {
		cli_report(&err);
		return EXIT_FAILED;
	}
	if (found == 1) {
		printf("stack %s does not exist; nothing to do (region %s)\n", stack,
		       aws_client_region(c));
		return EXIT_OK;
	}
	char *id = xstrdup(s.id);
	const char *table = NULL;
	if (stack_fill_outputs(c, &s, &err) == 0)
		table = cfn_kv_get(s.outputs, s.n_outputs, "TableName");
	printf("Stack %s (%s) in %s will be deleted with everything it created:\n"
	       "the function, its schedule and logs, and the DynamoDB table%s%s with all of "
	       "its viewer-count history.\n",
	       stack, s.status, aws_client_region(c), table ? " " : "", table ? table : "");
	if (table) /* the template turns point-in-time recovery on */
		printf("DynamoDB keeps a backup of the table for 35 days after it is deleted "
		       "(point-in-time recovery): `ivsvc restore --list` shows it.\n");
	int kept = history_before_destroy(c, table, x->o.export_path); /* what goes; --export */
	char assets[128] = ""; /* the asset bucket whose packages of this stack go too */
	const char *code_bucket = cfn_kv_get(s.params, s.n_params, "CodeBucket");
	if (code_bucket && !x->o.keep_assets) {
		snprintf(assets, sizeof(assets), "%s", code_bucket);
		prune_announce_destroy(assets, stack);
	}
	struct cfn_resource *res = NULL;
	size_t n_res = 0;
	if (cfn_describe_stack_resources(c, id, &res, &n_res, &err) == 0)
		cfn_resources_free(res, n_res);
	cfn_stack_free(&s);

	char prompt[300];
	snprintf(prompt, sizeof(prompt), "Delete stack %s and its viewer-count history?", stack);
	int yes = kept == EXIT_OK ? cli_confirm(&x->o, prompt) : 0; /* a failed export deletes nothing */
	if (yes <= 0 || cli_interrupted) {
		cli_error("not deleted; nothing was changed");
		free(id);
		return cli_interrupted ? EXIT_INTERRUPTED : kept != EXIT_OK ? kept : EXIT_REFUSED;
	}
	int rc = delete_with_retry(x, id, n_res);
	free(id);
	if (rc == EXIT_OK && assets[0] && prune_destroy(c, assets, stack, &err) < 0) {
		cli_report(&err);
		cli_error("the stack is deleted; its handler packages may remain in s3://%s/" PRUNE_KEY_PREFIX
			  " (remove them with `aws s3 rm`)", assets);
		rc = EXIT_FAILED;
	}
	return rc;
}
