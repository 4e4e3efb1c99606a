/*
 * approval.c - which changes need a yes before deploy executes them
 * (--require-approval, cdk's levels) and the guard on the table's history
 * (a change set that removes or replaces it needs the stack's name typed).
 * See deploy.h.
 *
 * The change set is all we judge from: it names each resource's action,
 * type and replacement, not the policy statements, so "broadening" is
 * conservative: any added or modified IAM or resource policy counts.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deploy.h"
#include "output.h"
#include "regions.h"

int approval_parse(const char *s, enum approval *out)
{
	*out = APPROVAL_ANY_CHANGE;
	if (!s || strcmp(s, "any-change") == 0)
		return 0;
	if (strcmp(s, "broadening") == 0)
		*out = APPROVAL_BROADENING;
	else if (strcmp(s, "never") == 0)
		*out = APPROVAL_NEVER;
	else
		return -1;
	return 0;
}

/* Types whose change may grant access to someone or something. */
static const char *const access_types[] = {
	"AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy",
	"AWS::IAM::User", "AWS::IAM::UserPolicy", "AWS::IAM::Group", "AWS::IAM::GroupPolicy",
	"AWS::IAM::InstanceProfile", "AWS::Lambda::Permission", "AWS::S3::BucketPolicy",
	"AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy", "AWS::KMS::Key",
	"AWS::Logs::ResourcePolicy", "AWS::Events::EventBusPolicy",
};

static int is_access_type(const char *type)
{
	for (size_t i = 0; i < sizeof(access_types) / sizeof(access_types[0]); i++)
		if (type && strcmp(type, access_types[i]) == 0)
			return 1;
	return 0;
}

static int replaces(const struct cfn_change *ch)
{
	return strcmp(ch->action, "Modify") == 0 && ch->replacement &&
	       (strcmp(ch->replacement, "True") == 0 || strcmp(ch->replacement, "Conditional") == 0);
}

int plan_broadening(const struct stack_plan *plan, char *why, size_t n)
{
	for (size_t i = 0; i < plan->cs.n_changes; i++) {
		const struct cfn_change *ch = &plan->cs.changes[i];
		int grant = is_access_type(ch->type) &&
			    (strcmp(ch->action, "Add") == 0 || strcmp(ch->action, "Modify") == 0);
		if (grant)
			snprintf(why, n, "%s %s (%s) may widen access", ch->action, ch->logical_id,
				 ch->type);
		else if (strcmp(ch->action, "Remove") == 0)
			snprintf(why, n, "Remove %s (%s) deletes it", ch->logical_id, ch->type);
		else if (replaces(ch))
			snprintf(why, n, "Modify %s (%s) replaces it (replacement: %s)",
				 ch->logical_id, ch->type, ch->replacement);
		else
			continue;
		return 1;
	}
	return 0;
}

int plan_data_loss(const struct stack_plan *plan, char *what, size_t n)
{
	for (size_t i = 0; i < plan->cs.n_changes; i++) {
		const struct cfn_change *ch = &plan->cs.changes[i];
		if (!ch->type || strcmp(ch->type, "AWS::DynamoDB::Table") != 0)
			continue;
		if (strcmp(ch->action, "Remove") == 0)
			snprintf(what, n, "deletes the table %s", ch->logical_id);
		else if (replaces(ch))
			snprintf(what, n, "replaces the table %s (replacement: %s)", ch->logical_id,
				 ch->replacement);
		else
			continue;
		return 1;
	}
	return 0;
}

/* The stack's name typed on the terminal: EXIT_OK when it matches. */
static int data_loss_confirm(const struct cli_opts *o, const char *stack, const char *what)
{
	fprintf(stderr, "This change %s: every viewer count it holds is lost.\n", what);
	if (regions_child() || !isatty(STDIN_FILENO)) {
		cli_error("not deployed: the change %s of stack %s (its history is lost); no "
			  "terminal to type the stack's name on, so pass --allow-data-loss to allow "
			  "it", what, stack);
		return EXIT_REFUSED;
	}
	(void)o; /* --yes does not answer this one */
	fprintf(stderr, "Type the stack's name (%s) to go on: ", stack);
	fflush(stderr);
	char line[256];
	if (!fgets(line, sizeof(line), stdin) || strcmp(out_chomp(line), stack) != 0) {
		cli_error("not deployed: the name typed is not %s", stack);
		return EXIT_REFUSED;
	}
	return EXIT_OK;
}

int deploy_approve(struct cli_ctx *x, const struct stack_plan *plan, const char *stack,
		   const char *region)
{
	char why[400];
	if (plan_data_loss(plan, why, sizeof(why)) && !x->o.allow_data_loss) {
		int rc = data_loss_confirm(&x->o, stack, why);
		if (rc != EXIT_OK || cli_interrupted)
			return cli_interrupted ? EXIT_INTERRUPTED : rc;
		return EXIT_OK; /* typing the name is the yes */
	}
	enum approval level;
	approval_parse(x->o.require_approval, &level); /* the check judged it */
	int broad = plan_broadening(plan, why, sizeof(why));
	if (level == APPROVAL_NEVER || (level == APPROVAL_BROADENING && !broad)) {
		fprintf(stderr, "No approval needed (--require-approval %s)\n",
			level == APPROVAL_NEVER ? "never" : "broadening: nothing widens access or "
							    "deletes");
		return EXIT_OK;
	}
	if (broad)
		fprintf(stderr, "Needs approval: %s\n", why);
	char prompt[300];
	snprintf(prompt, sizeof(prompt), "Deploy these changes to %s in %s?", stack, region);
	int yes = cli_confirm(&x->o, prompt);
	if (cli_interrupted)
		return EXIT_INTERRUPTED;
	return yes > 0 ? EXIT_OK : EXIT_REFUSED;
}
