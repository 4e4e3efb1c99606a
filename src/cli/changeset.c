/*
 * changeset.c - change sets for deploy and diff (see changeset.h): the
 * parameters, the shortcut when nothing changed, creating one and waiting
 * for it, what it would change, and removing it again.
 */
#include "changeset.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws/buf.h"
#include "cli.h"
#include "output.h"

#define CHANGE_SET_WAIT_MS (30 * 60 * 1000LL)

struct cfn_param *stack_params(const struct ivs_config *cfg, const struct stack_template *t,
			       const char *code_bucket, const char *code_key, size_t *n)
{
	struct cfn_param *v = xcalloc(CONFIG_NPARAMS + 2, sizeof(*v));
	*n = 0;
	const char *code[2][2] = { { "CodeBucket", code_bucket }, { "CodeKey", code_key } };
	for (int i = 0; i < 2; i++) {
		if (!stack_template_declares(t, code[i][0]))
			continue;
		v[*n].key = code[i][0];
		v[*n].value = code[i][1];
		v[*n].use_previous = code[i][1] == NULL;
		(*n)++;
	}
	for (int i = 0; i < CONFIG_NPARAMS; i++) {
		const char *name = config_param_template_name((enum config_param)i);
		if (!cfg->params[i] || !stack_template_declares(t, name))
			continue;
		v[*n].key = name;
		v[*n].value = cfg->params[i];
		(*n)++;
	}
	return v;
}

/* The value the change set gives parameter p of the template; now: the
 * stack's current value (what "use previous" keeps). */
static const char *param_wanted(const struct stack_inputs *in, const struct stack_param *p,
				const char *now)
{
	const char *want = p->default_value;
	for (size_t k = 0; k < in->n_params; k++)
		if (strcmp(in->params[k].key, p->name) == 0)
			want = in->params[k].use_previous ? now : in->params[k].value;
	return want;
}

static int plan_lists(const struct stack_plan *plan, const char *logical_id)
{
	for (size_t i = 0; i < plan->cs.n_changes; i++)
		if (strcmp(plan->cs.changes[i].logical_id, logical_id) == 0)
			return 1;
	return 0;
}

/* A Modify for each resource that uses parameter name, unless listed. */
static void plan_add_param_users(struct stack_plan *plan, const struct stack_template *t,
				 const char *name)
{
	char needle[160];
	snprintf(needle, sizeof(needle), ",%s,", name);
	for (size_t r = 0; r < t->n_resources; r++) {
		const struct stack_resource *res = &t->resources[r];
		if (!strstr(res->refs, needle) || plan_lists(plan, res->id))
			continue;
		struct cfn_change_set *cs = &plan->cs;
		cs->changes = xrealloc(cs->changes, (cs->n_changes + 1) * sizeof(*cs->changes));
		struct cfn_change *ch = &cs->changes[cs->n_changes++];
		memset(ch, 0, sizeof(*ch));
		ch->action = xstrdup("Modify");
		ch->logical_id = xstrdup(res->id);
		ch->type = xstrdup(res->type);
		ch->details = xasprintf("parameter %s", name);
	}
}

static void kv_push(struct cfn_kv **v, size_t *n, const char *key, char *value)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n].key = xstrdup(key);
	(*v)[*n].value = value;
	(*n)++;
}

/* The stack's tags s against the ones ivsvc.yaml gives. */
static void plan_tag_changes(const struct cfn_stack *s, const struct ivs_config *cfg,
			     struct stack_plan *plan)
{
	for (size_t i = 0; i < cfg->n_tags; i++) {
		const char *old = cfn_kv_get(s->tags, s->n_tags, cfg->tags[i].key);
		if (!old || strcmp(old, cfg->tags[i].value) != 0)
			kv_push(&plan->tag_changes, &plan->n_tag_changes, cfg->tags[i].key,
				xasprintf("%s -> %s", old ? old : "(none)", cfg->tags[i].value));
	}
	for (size_t i = 0; i < s->n_tags; i++) {
		int kept = 0;
		for (size_t k = 0; k < cfg->n_tags && !kept; k++)
			kept = strcmp(cfg->tags[k].key, s->tags[i].key) == 0;
		if (!kept)
			kv_push(&plan->tag_changes, &plan->n_tag_changes, s->tags[i].key,
				xasprintf("%s -> (removed)", s->tags[i].value));
	}
}

/* Which parameter values and tags change, and the resources that use them. */
static void plan_param_changes(struct aws_client *c, const char *stack,
			       const struct stack_inputs *in, struct stack_plan *plan)
{
	const struct stack_template *t = in->template;
	struct cfn_stack s;
	struct ivs_error ignored;
	if (cfn_describe_stack(c, stack, &s, &ignored) != 0)
		return;
	for (size_t i = 0; i < t->n_params; i++) {
		const char *name = t->params[i].name;
		const char *old = cfn_kv_get(s.params, s.n_params, name);
		const char *new = param_wanted(in, &t->params[i], old);
		if (!old || !new || strcmp(old, new) == 0)
			continue;
		kv_push(&plan->param_changes, &plan->n_param_changes, name,
			xasprintf("%s -> %s", old, new));
		if (!plan->empty)
			plan_add_param_users(plan, t, name);
	}
	plan_tag_changes(&s, in->cfg, plan);
	cfn_stack_free(&s);
}

/* cdk's shortcut: the same template, parameter values and tags as the
 * stack runs now means nothing to deploy, without a change set. (moto also
 * needs it: it keeps a stack's first parameters after an update, so its own
 * "no changes" check misfires.) */
static int stack_up_to_date(struct aws_client *c, const char *stack,
			    const struct stack_inputs *in)
{
	const struct stack_template *t = in->template;
	const struct ivs_config *cfg = in->cfg;
	if (!t->parsed)
		return 0;
	struct cfn_stack s;
	struct ivs_error ignored;
	if (cfn_describe_stack(c, stack, &s, &ignored) != 0)
		return 0;
	int same = s.n_tags == cfg->n_tags;
	for (size_t i = 0; same && i < cfg->n_tags; i++) {
		const char *v = cfn_kv_get(s.tags, s.n_tags, cfg->tags[i].key);
		same = v && strcmp(v, cfg->tags[i].value) == 0;
	}
	for (size_t i = 0; same && i < t->n_params; i++) {
		const char *now = cfn_kv_get(s.params, s.n_params, t->params[i].name);
		const char *want = param_wanted(in, &t->params[i], now);
		same = now && want && strcmp(now, want) == 0;
	}
	same = same && s.n_params == t->n_params;
	cfn_stack_free(&s);
	if (!same)
		return 0;
	char *body = NULL;
	if (cfn_get_template(c, stack, &body, &ignored) < 0)
		return 0;
	same = strcmp(body, t->body) == 0;
	free(body);
	return same;
}

static char *change_set_name(void)
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	char stamp[32];
	strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", &tm);
	return xasprintf("ivsvc-%s-%ld", stamp, (long)getpid());
}

static int send_change_set(struct aws_client *c, const struct stack_inputs *in,
			   struct stack_plan *plan, struct ivs_error *err)
{
	const struct ivs_config *cfg = in->cfg;
	const char *caps[1] = { stack_template_capability(in->template) };
	struct cfn_kv *tags = cfg->n_tags ? xcalloc(cfg->n_tags, sizeof(*tags)) : NULL;
	for (size_t i = 0; i < cfg->n_tags; i++) {
		tags[i].key = cfg->tags[i].key;
		tags[i].value = cfg->tags[i].value;
	}
	struct cfn_change_set_request req = {
		.stack_name = plan->stack,
		.change_set_name = plan->change_set,
		.type = plan->type,
		.template_body = in->template->body,
		.description = "ivsvc deploy",
		.params = in->params,
		.n_params = in->n_params,
		.capabilities = caps,
		.n_capabilities = caps[0] ? 1 : 0,
		.tags = tags,
		.n_tags = cfg->n_tags,
	};
	char *cs_id = NULL;
	int rc = cfn_create_change_set(c, &req, &cs_id, &plan->stack_id, err);
	free(tags);
	free(cs_id);
	return rc;
}

/* Polls until the change set leaves CREATE_PENDING / CREATE_IN_PROGRESS. */
static int wait_ready(struct aws_client *c, struct stack_plan *plan, struct ivs_error *err)
{
	long long deadline = out_now_ms() + CHANGE_SET_WAIT_MS;
	for (;;) {
		cfn_change_set_free(&plan->cs);
		if (cfn_describe_change_set(c, plan->stack, plan->change_set, &plan->cs, err) < 0)
			return ivs_error_prefix(err, "reading change set %s", plan->change_set);
		const char *st = plan->cs.status;
		if (strcmp(st, "CREATE_PENDING") != 0 && strcmp(st, "CREATE_IN_PROGRESS") != 0)
			return 0;
		if (out_now_ms() > deadline || cli_sleep(cli_poll_ms()) < 0) {
			if (cli_interrupted)
				return ivs_error_set_kind(err, IVS_ERR_INTERRUPTED, "Interrupted",
							  "interrupted");
			return ivs_error_set_kind(err, IVS_ERR_TIMEOUT, "TimedOut",
						  "change set %s was not ready after 30 min",
						  plan->change_set);
		}
	}
}

/* Removes whatever the failed step may have made; returns -1. */
static int plan_abandon(struct aws_client *c, struct stack_plan *plan)
{
	struct ivs_error ignored;
	stack_plan_discard(c, plan, &ignored);
	return -1;
}

int stack_plan_create(struct aws_client *c, const char *stack, enum stack_start start,
		      const struct stack_inputs *in, struct stack_plan *plan,
		      struct ivs_error *err)
{
	memset(plan, 0, sizeof(*plan));
	plan->stack = xstrdup(stack);
	plan->type = start == STACK_START_CREATE ? "CREATE" : "UPDATE";
	if (start == STACK_START_UPDATE && stack_up_to_date(c, stack, in)) {
		plan->empty = 1;
		return 0;
	}
	plan->change_set = change_set_name();
	if (send_change_set(c, in, plan, err) < 0) {
		/* Only the answer may have been lost: remove what the call may have made. */
		plan_abandon(c, plan);
		if (err->kind == IVS_ERR_NETWORK || err->kind == IVS_ERR_TIMEOUT)
			return ivs_error_prefix(err, "creating the change set for %s", stack);
		return ivs_error_prefix(err, "CloudFormation refused the change set for %s (%s)",
					stack, in->template->source);
	}
	if (wait_ready(c, plan, err) < 0)
		return plan_abandon(c, plan);
	if (start == STACK_START_UPDATE)
		plan_param_changes(c, stack, in, plan);
	if (strcmp(plan->cs.status, "FAILED") != 0)
		return 0;
	if (cfn_change_set_is_empty_failure(&plan->cs)) {
		/* moto's answer when only the tags change: executing it applies them. */
		plan->empty = plan->n_tag_changes == 0;
		return 0;
	}
	char reason[400];
	snprintf(reason, sizeof(reason), "%s",
		 plan->cs.status_reason ? plan->cs.status_reason : "no reason given");
	plan_abandon(c, plan);
	return ivs_error_set(err, "ChangeSetFailed",
			     "CloudFormation could not prepare the change for %s: %s", stack, reason);
}

static void print_change(struct out_table *t, const struct cfn_change *ch)
{
	const char *sym = strcmp(ch->action, "Add") == 0      ? "+"
			  : strcmp(ch->action, "Remove") == 0 ? "-"
			  : strcmp(ch->action, "Modify") == 0 ? "~"
							      : "*";
	char action[32];
	snprintf(action, sizeof(action), "%s %s", sym, ch->action);
	struct buf note = BUF_INIT;
	if (ch->details)
		buf_printf(&note, "(%s)", ch->details);
	if (ch->replacement &&
	    (strcmp(ch->replacement, "True") == 0 || strcmp(ch->replacement, "Conditional") == 0))
		buf_printf(&note, "%s(replacement: %s)", note.len ? " " : "", ch->replacement);
	const char *row[4] = { action, ch->logical_id, ch->type, buf_cstr(&note) };
	out_table_add(t, row);
	buf_free(&note);
}

/* "Parameters:" (or "Tags:") and a "~ name  old -> new" line for each. */
static void print_kv_changes(const char *title, const struct cfn_kv *v, size_t n, FILE *out)
{
	if (!n)
		return;
	fprintf(out, "%s:\n", title);
	struct out_table t;
	out_table_init(&t, 2);
	for (size_t i = 0; i < n; i++) {
		char name[160];
		snprintf(name, sizeof(name), "~ %s", v[i].key);
		const char *row[2] = { name, v[i].value };
		out_table_add(&t, row);
	}
	out_table_print(&t, out, 2);
	out_table_free(&t);
}

void stack_plan_print(const struct stack_plan *plan, FILE *out)
{
	fprintf(out, "Changes to stack %s (%s):\n", plan->stack,
		strcmp(plan->type, "CREATE") == 0 ? "new stack" : "update");
	struct out_table t;
	out_table_init(&t, 4);
	for (size_t i = 0; i < plan->cs.n_changes; i++)
		print_change(&t, &plan->cs.changes[i]);
	out_table_print(&t, out, 2);
	out_table_free(&t);
	if (!plan->cs.n_changes)
		fprintf(out, "  (no resource changes; parameters, tags or outputs only)\n");
	print_kv_changes("Parameters", plan->param_changes, plan->n_param_changes, out);
	print_kv_changes("Tags", plan->tag_changes, plan->n_tag_changes, out);
}

cJSON *stack_plan_json(const struct stack_plan *plan)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "stack", plan->stack);
	cJSON_AddStringToObject(doc, "changeSetType", plan->type);
	cJSON_AddBoolToObject(doc, "noChanges", plan->empty);
	cJSON *arr = cJSON_AddArrayToObject(doc, "changes");
	for (size_t i = 0; !plan->empty && i < plan->cs.n_changes; i++) {
		const struct cfn_change *ch = &plan->cs.changes[i];
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "action", ch->action);
		cJSON_AddStringToObject(j, "logicalId", ch->logical_id);
		cJSON_AddStringToObject(j, "type", ch->type);
		if (ch->replacement)
			cJSON_AddStringToObject(j, "replacement", ch->replacement);
		if (ch->details)
			cJSON_AddStringToObject(j, "properties", ch->details);
		cJSON_AddItemToArray(arr, j);
	}
	/* name -> "old -> new", as the text shows them */
	const struct { const char *key; const struct cfn_kv *v; size_t n; } maps[] = {
		{ "parameters", plan->param_changes, plan->n_param_changes },
		{ "tags", plan->tag_changes, plan->n_tag_changes },
	};
	for (size_t m = 0; m < 2; m++) {
		cJSON *o = cJSON_AddObjectToObject(doc, maps[m].key);
		for (size_t i = 0; i < maps[m].n; i++)
			cJSON_AddStringToObject(o, maps[m].v[i].key, maps[m].v[i].value);
	}
	return doc;
}

int stack_plan_discard(struct aws_client *c, struct stack_plan *plan, struct ivs_error *err)
{
	int rc = 0;
	if (plan->change_set && cfn_delete_change_set(c, plan->stack, plan->change_set, err) < 0)
		rc = -1;
	if (plan->type && strcmp(plan->type, "CREATE") == 0) {
		/* A CREATE change set made an empty REVIEW_IN_PROGRESS stack: remove it too. */
		struct cfn_stack s;
		struct ivs_error e;
		int found = cfn_describe_stack(c, plan->stack_id ? plan->stack_id : plan->stack, &s,
					       &e);
		if (found == 0) {
			if (strcmp(s.status, "REVIEW_IN_PROGRESS") == 0 &&
			    cfn_delete_stack(c, s.id, err) < 0)
				rc = -1;
			cfn_stack_free(&s);
		}
	}
	return rc;
}

void stack_plan_free(struct stack_plan *plan)
{
	free(plan->stack);
	free(plan->change_set);
	free(plan->stack_id);
	cfn_change_set_free(&plan->cs);
	struct cfn_kv *lists[2] = { plan->param_changes, plan->tag_changes };
	size_t counts[2] = { plan->n_param_changes, plan->n_tag_changes };
	for (int l = 0; l < 2; l++) {
		for (size_t i = 0; i < counts[l]; i++) {
			free(lists[l][i].key);
			free(lists[l][i].value);
		}
		free(lists[l]);
	}
	memset(plan, 0, sizeof(*plan));
}

/* What the stack names after itself (templates/stack.yaml): the pattern and
 * its service's limit. The role, rule and table get names CloudFormation
 * makes and shortens itself. */
static const struct {
	const char *what;
	const char *prefix, *suffix;
	size_t max;
} derived_names[] = {
	{ "Lambda function", "", "-viewers", 64 },
	{ "log group", "/aws/lambda/", "-viewers", 512 },
};

int stack_check_derived_names(const char *stack_name, struct ivs_error *err)
{
	size_t n = strlen(stack_name);
	for (size_t i = 0; i < sizeof(derived_names) / sizeof(derived_names[0]); i++) {
		size_t extra = strlen(derived_names[i].prefix) + strlen(derived_names[i].suffix);
		if (n + extra <= derived_names[i].max)
			continue;
		return ivs_error_set_kind(err, IVS_ERR_BAD_INPUT, "NameTooLong",
					  "stack name '%s' is %zu characters: its %s %s%s%s would be "
					  "%zu, over the %zu allowed; use at most %zu",
					  stack_name, n, derived_names[i].what,
					  derived_names[i].prefix, stack_name,
					  derived_names[i].suffix, n + extra, derived_names[i].max,
					  derived_names[i].max - extra);
	}
	return 0;
}
