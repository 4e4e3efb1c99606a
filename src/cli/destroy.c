/*
 * destroy.c - `ivsvc destroy`: delete the stack (and with it the table and
 * every viewer count in it), following its events until it is gone. The
 * asset bucket stays, as `cdk destroy` leaves the bootstrap bucket.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "follow.h"
#include "history.h"

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
	int kept = history_before_destroy(c, table, x->o.export_path); /* what goes; --export */
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
	char *after = NULL;
	if (stack_newest_event_id(c, id, &after, &err) < 0) {
		ivs_error_prefix(&err, "reading the events of stack %s; not deleted", stack);
		cli_report(&err);
		free(id);
		return EXIT_FAILED;
	}
	if (cfn_delete_stack(c, id, &err) < 0) {
		cli_report(&err);
		free(after);
		free(id);
		return EXIT_FAILED;
	}
	printf("Deleting stack %s (Ctrl-C stops watching, not the delete)\n", stack);
	fflush(stdout);
	struct stack_outcome out;
	int rc = stack_follow(c, id, after, n_res, 0, &out, &err);
	free(after);
	free(id);
	if (rc < 0) {
		cli_report(&err);
		return EXIT_FAILED;
	}
	if (out.interrupted) {
		fprintf(stderr, "\nStopped watching. The delete keeps going in CloudFormation: run "
				"`ivsvc status --stack-name %s` to see how it ends.\n", stack);
		stack_outcome_free(&out);
		return EXIT_INTERRUPTED;
	}
	if (strcmp(out.status, "DELETE_COMPLETE") != 0) {
		cli_error("deleting stack %s failed: it is %s", stack, out.status);
		for (size_t i = 0; i < out.n_failures; i++)
			fprintf(stderr, "  %s\n", out.failures[i]);
		fprintf(stderr, "Next: fix the cause above (e.g. a resource changed by hand), then "
				"run `ivsvc destroy --stack-name %s` again.\n", stack);
		stack_outcome_free(&out);
		return EXIT_FAILED;
	}
	stack_outcome_free(&out);
	printf("Stack %s deleted\n", stack);
	return EXIT_OK;
}
