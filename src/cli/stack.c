/*
 * stack.c - the machinery deploy, diff and destroy share (see stack.h):
 * template and package, asset upload, change sets, and following a stack's
 * events until it settles.
 */
#include "stack.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <yaml.h>
#include <zip.h>

#include "assets.h"
#include "aws/endpoint.h"
#include "aws/s3.h"
#include "cli.h"
#include "output.h"

/* ---- waiting ---- */

long stack_poll_ms(void)
{
	const char *v = getenv("IVSVC_POLL_MS");
	long ms = v && *v ? strtol(v, NULL, 10) : 0;
	return ms > 0 ? ms : 2000;
}

static long long wait_timeout_ms(void)
{
	const char *v = getenv("IVSVC_WAIT_TIMEOUT_S");
	long s = v && *v ? strtol(v, NULL, 10) : 0;
	return (s > 0 ? s : 3600) * 1000LL;
}

int stack_sleep(long ms)
{
	while (ms > 0) {
		if (cli_interrupted)
			return -1;
		long step = ms < 100 ? ms : 100;
		struct timespec ts = { 0, step * 1000000L };
		nanosleep(&ts, NULL);
		ms -= step;
	}
	return cli_interrupted ? -1 : 0;
}

int stack_load_config(struct cli_opts *o, struct ivs_config *cfg)
{
	struct ivs_error err;
	if (o->stack_name && !config_stack_name_valid(o->stack_name)) {
		cli_error("--stack-name '%.128s%s' is not a stack name: a letter, then letters, "
			  "digits and '-', at most 128", o->stack_name,
			  strlen(o->stack_name) > 128 ? "..." : "");
		return EXIT_USAGE;
	}
	if (config_load(o->config_path, cfg, &err) < 0) {
		cli_error("%s", err.message);
		return EXIT_USAGE;
	}
	config_apply_flags(cfg, o->stack_name, o->region, o->profile);
	o->stack_name = cfg->stack_name;
	o->region = cfg->region;
	o->profile = cfg->profile;
	return EXIT_OK;
}

int stack_load_inputs(struct cli_opts *o, const char *cmd, struct ivs_config *cfg,
		      struct stack_template *t)
{
	int rc = stack_load_config(o, cfg);
	if (rc != EXIT_OK)
		return rc;
	struct ivs_error err;
	if (stack_template_load(o->template_path, t, &err) < 0) {
		cli_error("%s: %s", cmd, err.message);
		stack_template_free(t);
		config_free(cfg);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* ---- template ---- */

static int read_whole_file(const char *path, struct buf *out, struct ivs_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return ivs_error_set(err, "BadInput", "cannot read %s: %s", path, strerror(errno));
	char chunk[16384];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(out, chunk, n);
	int bad = ferror(f);
	fclose(f);
	if (bad)
		return ivs_error_set(err, "BadInput", "cannot read %s", path);
	return 0;
}

static const char *scalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static yaml_node_t *map_get(yaml_document_t *d, yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		const char *k = scalar(yaml_document_get_node(d, p->key));
		if (k && strcmp(k, key) == 0)
			return yaml_document_get_node(d, p->value);
	}
	return NULL;
}

/* Collects the parameters a resource refers to: !Ref P, {Ref: P}, and
 * ${P} inside !Sub / Fn::Sub strings. */
static void collect_refs(yaml_document_t *d, yaml_node_t *n, int in_sub, struct buf *out)
{
	if (!n)
		return;
	const char *tag = (const char *)n->tag;
	if (n->type == YAML_SCALAR_NODE) {
		const char *v = (const char *)n->data.scalar.value;
		if (tag && strcmp(tag, "!Ref") == 0) {
			buf_printf(out, "%s,", v);
		} else if (in_sub || (tag && strcmp(tag, "!Sub") == 0)) {
			for (const char *p = strstr(v, "${"); p; p = strstr(p + 2, "${")) {
				const char *end = strchr(p, '}');
				if (end && !memchr(p + 2, '.', (size_t)(end - p - 2)) && p[2] != '!')
					buf_printf(out, "%.*s,", (int)(end - p - 2), p + 2);
			}
		}
		return;
	}
	int sub = tag && strcmp(tag, "!Sub") == 0;
	if (n->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *i = n->data.sequence.items.start;
		     i < n->data.sequence.items.top; i++)
			collect_refs(d, yaml_document_get_node(d, *i), sub, out);
		return;
	}
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		const char *k = scalar(yaml_document_get_node(d, p->key));
		yaml_node_t *v = yaml_document_get_node(d, p->value);
		if (k && strcmp(k, "Ref") == 0 && scalar(v))
			buf_printf(out, "%s,", scalar(v));
		else
			collect_refs(d, v, k && strcmp(k, "Fn::Sub") == 0, out);
	}
}

static void analyze_template(struct stack_template *t)
{
	yaml_parser_t p;
	yaml_document_t d;
	if (!yaml_parser_initialize(&p))
		return;
	yaml_parser_set_input_string(&p, (const unsigned char *)t->body, t->len);
	if (!yaml_parser_load(&p, &d)) {
		yaml_parser_delete(&p);
		return;
	}
	yaml_node_t *root = yaml_document_get_root_node(&d);
	if (root && root->type == YAML_MAPPING_NODE) {
		yaml_node_t *resources = map_get(&d, root, "Resources");
		if (resources && resources->type == YAML_MAPPING_NODE)
			t->parsed = 1;
		yaml_node_t *params = map_get(&d, root, "Parameters");
		if (params && params->type == YAML_MAPPING_NODE) {
			size_t n = (size_t)(params->data.mapping.pairs.top -
					    params->data.mapping.pairs.start);
			t->params = xcalloc(n + 1, sizeof(char *));
			t->param_defaults = xcalloc(n + 1, sizeof(char *));
			for (yaml_node_pair_t *pr = params->data.mapping.pairs.start;
			     pr < params->data.mapping.pairs.top; pr++) {
				const char *k = scalar(yaml_document_get_node(&d, pr->key));
				if (!k)
					continue;
				yaml_node_t *decl = yaml_document_get_node(&d, pr->value);
				const char *dflt = scalar(map_get(&d, decl, "Default"));
				t->params[t->n_params] = xstrdup(k);
				t->param_defaults[t->n_params] = xstrdup(dflt);
				t->n_params++;
			}
		}
		if (t->parsed) {
			size_t n = (size_t)(resources->data.mapping.pairs.top -
					    resources->data.mapping.pairs.start);
			t->resources = xcalloc(n + 1, sizeof(char *));
			t->types = xcalloc(n + 1, sizeof(char *));
			t->refs = xcalloc(n + 1, sizeof(char *));
			for (yaml_node_pair_t *pr = resources->data.mapping.pairs.start;
			     pr < resources->data.mapping.pairs.top; pr++) {
				const char *k = scalar(yaml_document_get_node(&d, pr->key));
				yaml_node_t *res = yaml_document_get_node(&d, pr->value);
				const char *type = scalar(map_get(&d, res, "Type"));
				if (!k)
					continue;
				t->resources[t->n_resources] = xstrdup(k);
				t->types[t->n_resources] = xstrdup(type ? type : "?");
				struct buf refs = BUF_INIT;
				buf_putc(&refs, ',');
				collect_refs(&d, res, 0, &refs);
				t->refs[t->n_resources] = buf_detach(&refs);
				t->n_resources++;
				if (!type || strncmp(type, "AWS::IAM::", 10) != 0)
					continue;
				t->needs_iam = 1;
				/* Custom names on IAM resources need CAPABILITY_NAMED_IAM. */
				yaml_node_t *props = map_get(&d, res, "Properties");
				static const char *const named[] = { "RoleName", "UserName", "GroupName",
								     "ManagedPolicyName",
								     "InstanceProfileName" };
				for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
					if (map_get(&d, props, named[i]))
						t->needs_named_iam = 1;
			}
		}
	}
	yaml_document_delete(&d);
	yaml_parser_delete(&p);
}

int stack_template_load(const char *path, struct stack_template *t, struct ivs_error *err)
{
	memset(t, 0, sizeof(*t));
	if (path) {
		struct buf b = BUF_INIT;
		if (read_whole_file(path, &b, err) < 0) {
			buf_free(&b);
			return -1;
		}
		t->len = b.len;
		t->body = buf_detach(&b);
		t->source = xstrdup(path);
	} else {
		size_t len;
		const char *body = assets_template(&len);
		t->body = xstrndup(body, len);
		t->len = len;
		t->source = xstrdup("the embedded template");
	}
	if (t->len > 51200)
		return ivs_error_set(err, "BadInput",
				     "%s is %zu bytes; CloudFormation takes at most 51,200 in a "
				     "request", t->source, t->len);
	analyze_template(t);
	return 0;
}

int stack_template_declares(const struct stack_template *t, const char *param)
{
	if (!t->parsed)
		return 1; /* cannot tell: pass everything, CloudFormation will judge */
	for (size_t i = 0; i < t->n_params; i++)
		if (strcmp(t->params[i], param) == 0)
			return 1;
	return 0;
}

void stack_template_free(struct stack_template *t)
{
	free(t->body);
	free(t->source);
	for (size_t i = 0; i < t->n_params; i++) {
		free(t->params[i]);
		free(t->param_defaults[i]);
	}
	free(t->params);
	free(t->param_defaults);
	for (size_t i = 0; i < t->n_resources; i++) {
		free(t->resources[i]);
		free(t->types[i]);
		free(t->refs[i]);
	}
	free(t->resources);
	free(t->types);
	free(t->refs);
	memset(t, 0, sizeof(*t));
}

/* ---- package ---- */

int stack_package_load(const char *path, struct stack_package *p, struct ivs_error *err)
{
	memset(p, 0, sizeof(*p));
	if (path) {
		struct buf b = BUF_INIT;
		if (read_whole_file(path, &b, err) < 0) {
			buf_free(&b);
			return -1;
		}
		p->len = b.len;
		p->data = (unsigned char *)buf_detach(&b);
		p->source = xstrdup(path);
	} else {
		size_t len;
		const unsigned char *data = assets_package(&len);
		if (!data || !len)
			return ivs_error_set(err, "NoPackage",
					     "this ivsvc was built without the handler package: pass "
					     "--handler-zip FILE (a zip with `bootstrap` at its root), "
					     "or build ivsvc with the lambda/ directory present");
		p->data = xmalloc(len);
		memcpy(p->data, data, len);
		p->len = len;
		p->source = xstrdup("the embedded package");
	}
	zip_error_t ze;
	zip_error_init(&ze);
	zip_source_t *src = zip_source_buffer_create(p->data, p->len, 0, &ze);
	zip_t *za = src ? zip_open_from_source(src, ZIP_RDONLY, &ze) : NULL;
	int rc = 0;
	if (!za) {
		rc = ivs_error_set(err, "BadPackage", "%s is not a zip file: %s", p->source,
				   zip_error_strerror(&ze));
		if (src)
			zip_source_free(src);
	} else {
		if (zip_name_locate(za, "bootstrap", 0) < 0)
			rc = ivs_error_set(err, "BadPackage",
					   "%s has no `bootstrap` at its root: the provided.al2023 "
					   "runtime would have nothing to start", p->source);
		zip_discard(za); /* frees src too */
	}
	zip_error_fini(&ze);
	if (rc < 0) {
		stack_package_free(p);
		return -1;
	}
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_Digest(p->data, p->len, md, &mdlen, EVP_sha256(), NULL);
	for (unsigned int i = 0; i < mdlen && i < 32; i++)
		snprintf(p->sha256 + 2 * i, 3, "%02x", md[i]);
	return 0;
}

void stack_package_free(struct stack_package *p)
{
	free(p->data);
	free(p->source);
	memset(p, 0, sizeof(*p));
}

char *stack_package_key(const struct stack_package *p)
{
	return xasprintf("ivsvc/%s.zip", p->sha256);
}

char *stack_asset_bucket_name(const struct ivs_config *cfg, const char *account,
			      const char *region)
{
	if (cfg->asset_bucket)
		return xstrdup(cfg->asset_bucket);
	return xasprintf("ivsvc-assets-%s-%s", account, region);
}

int stack_upload_package(struct aws_client *c, const char *bucket, const char *region,
			 const struct stack_package *p, const char *key, struct ivs_error *err)
{
	int rc = s3_head_bucket(c, bucket, err);
	if (rc < 0)
		return ivs_error_prefix(err, "asset bucket %s", bucket);
	if (rc == 1) {
		if (s3_create_bucket(c, bucket, region, err) < 0)
			return ivs_error_prefix(err, "creating the asset bucket %s", bucket);
		if (s3_put_bucket_encryption(c, bucket, err) < 0 ||
		    s3_put_public_access_block(c, bucket, err) < 0)
			return ivs_error_prefix(err, "securing the asset bucket %s", bucket);
		/* A TLS-only policy on an endpoint reached without TLS (a local
		 * emulator) would lock us out of our own bucket. */
		struct aws_endpoint ep;
		int plain = endpoint_resolve(&AWS_SVC_S3, region, &ep, err) == 0 &&
			    strncmp(ep.url, "http://", 7) == 0;
		if (!plain && s3_put_tls_only_policy(c, bucket, endpoint_partition(region), err) < 0)
			return ivs_error_prefix(err, "securing the asset bucket %s", bucket);
		printf("Created asset bucket %s (encrypted, public access blocked, %s)\n", bucket,
		       plain ? "no TLS-only policy: the S3 endpoint is plain http" : "TLS only");
	}
	rc = s3_head_object(c, bucket, key, err);
	if (rc < 0)
		return ivs_error_prefix(err, "checking s3://%s/%s", bucket, key);
	if (rc == 0) {
		printf("Handler package already uploaded: s3://%s/%s\n", bucket, key);
		return 0;
	}
	if (s3_put_object(c, bucket, key, p->data, p->len, "application/zip", err) < 0)
		return ivs_error_prefix(err, "uploading the handler package to s3://%s/%s", bucket,
					key);
	printf("Uploaded handler package (%zu KiB) to s3://%s/%s\n", (p->len + 1023) / 1024,
	       bucket, key);
	return 0;
}

struct cfn_param *stack_params(const struct ivs_config *cfg, const struct stack_template *t,
			       const char *code_bucket, const char *code_key, size_t *n)
{
	struct cfn_param *v = xcalloc(CONFIG_NPARAMS + 2, sizeof(*v));
	*n = 0;
	if (stack_template_declares(t, "CodeBucket")) {
		v[*n].key = "CodeBucket";
		v[*n].value = code_bucket;
		v[*n].use_previous = code_bucket == NULL;
		(*n)++;
	}
	if (stack_template_declares(t, "CodeKey")) {
		v[*n].key = "CodeKey";
		v[*n].value = code_key;
		v[*n].use_previous = code_key == NULL;
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

/* ---- the stack's state before a deploy ---- */

int stack_prepare(struct aws_client *c, const char *stack, int dry_run, enum stack_start *start,
		  struct ivs_error *err)
{
	for (int round = 0; round < 5; round++) {
		struct cfn_stack s;
		int rc = cfn_describe_stack(c, stack, &s, err);
		if (rc < 0)
			return ivs_error_prefix(err, "reading stack %s", stack);
		if (rc == 1) {
			*start = STACK_START_CREATE;
			return 0;
		}
		const char *st = s.status;
		if (strcmp(st, "REVIEW_IN_PROGRESS") == 0) {
			/* Created by a change set never executed: it has no resources. */
			cfn_stack_free(&s);
			*start = STACK_START_CREATE;
			return 0;
		}
		if (strcmp(st, "ROLLBACK_COMPLETE") == 0) {
			if (dry_run) {
				cfn_stack_free(&s);
				return ivs_error_set(err, "RollbackComplete",
						     "stack %s is in ROLLBACK_COMPLETE (its first "
						     "create failed; it holds no resources): `ivsvc "
						     "deploy` deletes it and creates it again",
						     stack);
			}
			printf("Stack %s is in ROLLBACK_COMPLETE: its first create failed and it "
			       "holds no resources. Deleting it, then creating it again.\n",
			       stack);
			char *after = NULL;
			if (stack_newest_event_id(c, s.id, &after, err) < 0) {
				cfn_stack_free(&s);
				return ivs_error_prefix(err, "reading the events of %s", stack);
			}
			char *id = xstrdup(s.id);
			cfn_stack_free(&s);
			if (cfn_delete_stack(c, id, err) < 0) {
				free(after);
				free(id);
				return ivs_error_prefix(err, "deleting the failed stack %s", stack);
			}
			struct stack_outcome o;
			rc = stack_follow(c, id, after, 0, 0, &o, err);
			free(after);
			free(id);
			if (rc < 0)
				return -1;
			if (o.interrupted) {
				stack_outcome_free(&o);
				return ivs_error_set(err, "Interrupted", "interrupted");
			}
			int gone = strcmp(o.status, "DELETE_COMPLETE") == 0;
			char *final = xstrdup(o.status);
			stack_outcome_free(&o);
			if (!gone) {
				ivs_error_set(err, "DeleteFailed",
					      "could not delete the failed stack %s (%s): see `ivsvc "
					      "status`, fix the cause and run `ivsvc destroy`",
					      stack, final);
				free(final);
				return -1;
			}
			free(final);
			continue;
		}
		if (cfn_status_in_progress(st)) {
			if (dry_run) {
				ivs_error_set(err, "Busy",
					      "stack %s is busy (%s): try again when it settles "
					      "(`ivsvc status`)", stack, st);
				cfn_stack_free(&s);
				return -1;
			}
			long long timeout = wait_timeout_ms();
			printf("Stack %s is busy (%s): another operation is running. Waiting for "
			       "it to finish before deploying (at most %lld min; Ctrl-C stops "
			       "waiting).\n",
			       stack, st, timeout / 60000);
			fflush(stdout);
			char *after = NULL;
			if (stack_newest_event_id(c, s.id, &after, err) < 0) {
				cfn_stack_free(&s);
				return ivs_error_prefix(err, "reading the events of %s", stack);
			}
			char *id = xstrdup(s.id);
			cfn_stack_free(&s);
			struct stack_outcome o;
			rc = stack_follow(c, id, after, 0, timeout, &o, err);
			free(after);
			free(id);
			if (rc < 0) {
				if (strcmp(err->code, "TimedOut") == 0)
					ivs_error_set(err, "TimedOut",
						      "stack %s is still busy after %lld min; not "
						      "starting another operation on top of it. Check "
						      "`ivsvc status` and deploy again once it settles",
						      stack, timeout / 60000);
				return -1;
			}
			int interrupted = o.interrupted;
			stack_outcome_free(&o);
			if (interrupted)
				return ivs_error_set(err, "Interrupted", "interrupted");
			continue; /* look again: it may have settled anywhere */
		}
		if (strcmp(st, "UPDATE_ROLLBACK_FAILED") == 0) {
			ivs_error_set(err, "UpdateRollbackFailed",
				      "stack %s is in UPDATE_ROLLBACK_FAILED: an update failed and "
				      "rolling it back failed too, so it takes no update. Recover "
				      "with `aws cloudformation continue-update-rollback "
				      "--stack-name %s` (then `ivsvc deploy` again), or remove it "
				      "with `ivsvc destroy --stack-name %s`",
				      stack, stack, stack);
			cfn_stack_free(&s);
			return -1;
		}
		if (cfn_status_failed(st) && strcmp(st, "UPDATE_ROLLBACK_COMPLETE") != 0 &&
		    strcmp(st, "IMPORT_ROLLBACK_COMPLETE") != 0) {
			ivs_error_set(err, "StackFailed",
				      "stack %s is in %s%s%s: it takes no update. Remove it with "
				      "`ivsvc destroy --stack-name %s`, then deploy again",
				      stack, st, s.status_reason ? " - " : "",
				      s.status_reason ? s.status_reason : "", stack);
			cfn_stack_free(&s);
			return -1;
		}
		cfn_stack_free(&s);
		*start = STACK_START_UPDATE;
		return 0;
	}
	return ivs_error_set(err, "Busy", "stack %s keeps changing state; try again later", stack);
}

/* ---- change sets ---- */

static int plan_lists(const struct stack_plan *plan, const char *logical_id)
{
	for (size_t i = 0; i < plan->cs.n_changes; i++)
		if (strcmp(plan->cs.changes[i].logical_id, logical_id) == 0)
			return 1;
	return 0;
}

/* Which parameter values change, and the resources that use them. */
static void plan_param_changes(struct aws_client *c, const char *stack,
			       const struct stack_template *t, const struct cfn_param *params,
			       size_t n_params, struct stack_plan *plan)
{
	struct cfn_stack s;
	struct ivs_error ignored;
	if (cfn_describe_stack(c, stack, &s, &ignored) != 0)
		return;
	for (size_t i = 0; i < t->n_params; i++) {
		const char *name = t->params[i];
		const char *old = cfn_kv_get(s.params, s.n_params, name);
		const char *new = t->param_defaults[i];
		for (size_t k = 0; k < n_params; k++)
			if (strcmp(params[k].key, name) == 0)
				new = params[k].use_previous ? old : params[k].value;
		if (!old || !new || strcmp(old, new) == 0)
			continue;
		plan->param_changes = xrealloc(plan->param_changes, (plan->n_param_changes + 1) *
								    sizeof(*plan->param_changes));
		plan->param_changes[plan->n_param_changes].key = xstrdup(name);
		plan->param_changes[plan->n_param_changes].value = xasprintf("%s -> %s", old, new);
		plan->n_param_changes++;
		if (plan->empty)
			continue;
		char needle[160];
		snprintf(needle, sizeof(needle), ",%s,", name);
		for (size_t r = 0; r < t->n_resources; r++) {
			if (!strstr(t->refs[r], needle) || plan_lists(plan, t->resources[r]))
				continue;
			struct cfn_change_set *cs = &plan->cs;
			cs->changes = xrealloc(cs->changes, (cs->n_changes + 1) * sizeof(*cs->changes));
			struct cfn_change *ch = &cs->changes[cs->n_changes++];
			memset(ch, 0, sizeof(*ch));
			ch->action = xstrdup("Modify");
			ch->logical_id = xstrdup(t->resources[r]);
			ch->type = xstrdup(t->types[r]);
			ch->details = xasprintf("parameter %s", name);
		}
	}
	cfn_stack_free(&s);
}

/* cdk's shortcut: the same template, parameter values and tags as the
 * stack runs now means nothing to deploy, without a change set. (moto also
 * needs it: it keeps a stack's first parameters after an update, so its own
 * "no changes" check misfires.) */
static int stack_up_to_date(struct aws_client *c, const char *stack,
			    const struct stack_template *t, const struct cfn_param *params,
			    size_t n_params, const struct ivs_config *cfg)
{
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
		const char *now = cfn_kv_get(s.params, s.n_params, t->params[i]);
		const char *want = t->param_defaults[i];
		for (size_t k = 0; k < n_params; k++)
			if (strcmp(params[k].key, t->params[i]) == 0)
				want = params[k].use_previous ? now : params[k].value;
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

int stack_plan_create(struct aws_client *c, const char *stack, enum stack_start start,
		      const struct stack_template *t, const struct cfn_param *params,
		      size_t n_params, const struct ivs_config *cfg, struct stack_plan *plan,
		      struct ivs_error *err)
{
	memset(plan, 0, sizeof(*plan));
	plan->stack = xstrdup(stack);
	plan->type = start == STACK_START_CREATE ? "CREATE" : "UPDATE";
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	char stamp[32];
	strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", &tm);
	char *change_set = xasprintf("ivsvc-%s-%ld", stamp, (long)getpid());

	if (start == STACK_START_UPDATE && stack_up_to_date(c, stack, t, params, n_params, cfg)) {
		free(change_set);
		plan->empty = 1;
		return 0;
	}
	plan->change_set = change_set;

	const char *caps[1];
	size_t n_caps = 0;
	if (t->needs_named_iam || !t->parsed)
		caps[n_caps++] = "CAPABILITY_NAMED_IAM";
	else if (t->needs_iam)
		caps[n_caps++] = "CAPABILITY_IAM";

	struct cfn_kv *tags = cfg->n_tags ? xcalloc(cfg->n_tags, sizeof(*tags)) : NULL;
	for (size_t i = 0; i < cfg->n_tags; i++) {
		tags[i].key = cfg->tags[i].key;
		tags[i].value = cfg->tags[i].value;
	}
	struct cfn_change_set_request req = {
		.stack_name = stack,
		.change_set_name = change_set,
		.type = plan->type,
		.template_body = t->body,
		.description = "ivsvc deploy",
		.params = params,
		.n_params = n_params,
		.capabilities = caps,
		.n_capabilities = n_caps,
		.tags = tags,
		.n_tags = cfg->n_tags,
	};
	char *cs_id = NULL;
	int rc = cfn_create_change_set(c, &req, &cs_id, &plan->stack_id, err);
	free(tags);
	free(cs_id);
	if (rc < 0) {
		/* Only the answer may have been lost: remove what the call may have made. */
		struct ivs_error ignored;
		stack_plan_discard(c, plan, &ignored);
		if (strcmp(err->code, "NetworkError") == 0)
			return ivs_error_prefix(err, "creating the change set for %s", stack);
		return ivs_error_prefix(err, "CloudFormation refused the change set for %s (%s)",
					stack, t->source);
	}

	long long deadline = out_now_ms() + 30 * 60 * 1000LL;
	for (;;) {
		cfn_change_set_free(&plan->cs);
		if (cfn_describe_change_set(c, stack, plan->change_set, &plan->cs, err) < 0) {
			struct ivs_error ignored;
			stack_plan_discard(c, plan, &ignored);
			return ivs_error_prefix(err, "reading change set %s", plan->change_set);
		}
		const char *st = plan->cs.status;
		if (strcmp(st, "CREATE_PENDING") != 0 && strcmp(st, "CREATE_IN_PROGRESS") != 0)
			break;
		if (out_now_ms() > deadline || stack_sleep(stack_poll_ms()) < 0) {
			struct ivs_error ignored;
			stack_plan_discard(c, plan, &ignored);
			if (cli_interrupted)
				return ivs_error_set(err, "Interrupted", "interrupted");
			return ivs_error_set(err, "TimedOut",
					     "change set %s was not ready after 30 min",
					     plan->change_set);
		}
	}
	if (start == STACK_START_UPDATE)
		plan_param_changes(c, stack, t, params, n_params, plan);
	if (strcmp(plan->cs.status, "FAILED") == 0) {
		if (cfn_change_set_is_empty_failure(&plan->cs)) {
			plan->empty = 1;
			return 0;
		}
		char reason[400];
		snprintf(reason, sizeof(reason), "%s",
			 plan->cs.status_reason ? plan->cs.status_reason : "no reason given");
		struct ivs_error ignored;
		stack_plan_discard(c, plan, &ignored);
		return ivs_error_set(err, "ChangeSetFailed",
				     "CloudFormation could not prepare the change for %s: %s", stack,
				     reason);
	}
	return 0;
}

void stack_plan_print(const struct stack_plan *plan, FILE *out)
{
	fprintf(out, "Changes to stack %s (%s):\n", plan->stack,
		strcmp(plan->type, "CREATE") == 0 ? "new stack" : "update");
	struct out_table t;
	out_table_init(&t, 4);
	for (size_t i = 0; i < plan->cs.n_changes; i++) {
		const struct cfn_change *ch = &plan->cs.changes[i];
		const char *sym = strcmp(ch->action, "Add") == 0      ? "+"
				  : strcmp(ch->action, "Remove") == 0 ? "-"
				  : strcmp(ch->action, "Modify") == 0 ? "~"
								      : "*";
		char action[32];
		snprintf(action, sizeof(action), "%s %s", sym, ch->action);
		struct buf note = BUF_INIT;
		if (ch->details)
			buf_printf(&note, "(%s)", ch->details);
		if (ch->replacement && (strcmp(ch->replacement, "True") == 0 ||
					strcmp(ch->replacement, "Conditional") == 0))
			buf_printf(&note, "%s(replacement: %s)", note.len ? " " : "",
				   ch->replacement);
		const char *row[4] = { action, ch->logical_id, ch->type, buf_cstr(&note) };
		out_table_add(&t, row);
		buf_free(&note);
	}
	out_table_print(&t, out, 2);
	out_table_free(&t);
	if (!plan->cs.n_changes)
		fprintf(out, "  (no resource changes; parameters, tags or outputs only)\n");
	if (plan->n_param_changes) {
		fprintf(out, "Parameters:\n");
		out_table_init(&t, 2);
		for (size_t i = 0; i < plan->n_param_changes; i++) {
			char name[160];
			snprintf(name, sizeof(name), "~ %s", plan->param_changes[i].key);
			const char *row[2] = { name, plan->param_changes[i].value };
			out_table_add(&t, row);
		}
		out_table_print(&t, out, 2);
		out_table_free(&t);
	}
}

int stack_plan_discard(struct aws_client *c, struct stack_plan *plan, struct ivs_error *err)
{
	int rc = 0;
	if (plan->change_set && cfn_delete_change_set(c, plan->stack, plan->change_set, err) < 0)
		rc = -1;
	if (strcmp(plan->type, "CREATE") == 0) {
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
	for (size_t i = 0; i < plan->n_param_changes; i++) {
		free(plan->param_changes[i].key);
		free(plan->param_changes[i].value);
	}
	free(plan->param_changes);
	memset(plan, 0, sizeof(*plan));
}

/* ---- following events ---- */

int stack_newest_event_id(struct aws_client *c, const char *stack, char **id,
			  struct ivs_error *err)
{
	struct cfn_event *ev = NULL;
	size_t n = 0;
	*id = NULL;
	if (cfn_stack_events(c, stack, NULL, 1, &ev, &n, err) < 0)
		return -1;
	*id = n ? xstrdup(ev[0].id) : NULL;
	cfn_events_free(ev, n);
	return 0;
}

struct tracker {
	char **ids;
	char **status;
	size_t n, cap;
};

static void track(struct tracker *t, const char *id, const char *status)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->ids[i], id) == 0) {
			free(t->status[i]);
			t->status[i] = xstrdup(status);
			return;
		}
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->ids = xrealloc(t->ids, t->cap * sizeof(char *));
		t->status = xrealloc(t->status, t->cap * sizeof(char *));
	}
	t->ids[t->n] = xstrdup(id);
	t->status[t->n] = xstrdup(status);
	t->n++;
}

static size_t tracked_done(const struct tracker *t)
{
	size_t done = 0;
	for (size_t i = 0; i < t->n; i++)
		if (cfn_status_complete(t->status[i]) || strcmp(t->status[i], "DELETE_SKIPPED") == 0)
			done++;
	return done;
}

static void tracker_free(struct tracker *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->ids[i]);
		free(t->status[i]);
	}
	free(t->ids);
	free(t->status);
}

static int is_stack_event(const struct cfn_event *e)
{
	return strcmp(e->type, "AWS::CloudFormation::Stack") == 0 && e->stack_name &&
	       strcmp(e->logical_id, e->stack_name) == 0;
}

int stack_follow(struct aws_client *c, const char *stack, const char *after_id, size_t total,
		 long long timeout_ms, struct stack_outcome *out, struct ivs_error *err)
{
	memset(out, 0, sizeof(*out));
	struct tracker tr = { 0 };
	struct out_progress prog;
	out_progress_init(&prog, stderr);
	char *last = xstrdup(after_id);
	long long started = out_now_ms();
	const char *cur_id = NULL;
	char cur[256] = "";
	int rc = 0;
	for (;;) {
		struct cfn_stack s;
		int found = cfn_describe_stack(c, stack, &s, err);
		if (found < 0) {
			rc = -1;
			break;
		}
		struct cfn_event *ev = NULL;
		size_t n = 0;
		if (cfn_stack_events(c, found == 0 ? s.id : stack, last, 0, &ev, &n, err) < 0) {
			/* A stack deleted by name has no events to read any more. */
			if (found == 1) {
				ev = NULL;
				n = 0;
			} else {
				cfn_stack_free(&s);
				rc = -1;
				break;
			}
		}
		for (size_t k = n; k-- > 0;) {
			const struct cfn_event *e = &ev[k];
			int own = is_stack_event(e);
			if (!own)
				track(&tr, e->logical_id, e->status);
			long long ms;
			char when[32] = "";
			if (out_parse_iso8601(e->timestamp, &ms) == 0)
				out_format_local(ms, 0, when, sizeof(when));
			out_progress_clear(&prog);
			size_t done = tracked_done(&tr);
			char count[48] = "";
			/* The stack's own *_COMPLETE means every resource is done (moto
			 * reports no per-resource events at all). */
			if (own && cfn_status_complete(e->status))
				done = total;
			if (total && (!own || done == total))
				snprintf(count, sizeof(count), "  [%zu/%zu]",
					 done < total ? done : total, total);
			printf("  %-8s  %-28s  %-28s  %s%s\n", when, e->status, e->type, e->logical_id,
			       count);
			if (e->reason && *e->reason && (!own || cfn_status_failed(e->status)))
				printf("            %s\n", e->reason);
			if (!own && cfn_status_failed(e->status) && strstr(e->status, "FAILED") &&
			    e->reason) {
				out->failures = xrealloc(out->failures,
							 (out->n_failures + 1) * sizeof(char *));
				out->failures[out->n_failures++] =
					xasprintf("%s (%s): %s", e->logical_id, e->type, e->reason);
			}
			snprintf(cur, sizeof(cur), "%s %s", e->logical_id, e->status);
			cur_id = cur;
		}
		fflush(stdout);
		if (n) {
			free(last);
			last = xstrdup(ev[0].id);
		}
		cfn_events_free(ev, n);
		const char *status = found == 0 ? s.status : "DELETE_COMPLETE";
		if (!cfn_status_in_progress(status)) {
			out_progress_clear(&prog);
			out->status = xstrdup(status);
			if (found == 0)
				cfn_stack_free(&s);
			break;
		}
		long long secs = (out_now_ms() - started) / 1000;
		size_t done = tracked_done(&tr);
		if (total)
			out_progress_update(&prog, "%s [%zu/%zu] %s (%llds)", status,
					    done < total ? done : total, total, cur_id ? cur_id : "",
					    secs);
		else
			out_progress_update(&prog, "%s %s (%llds)", status, cur_id ? cur_id : "",
					    secs);
		char *now = xstrdup(status);
		cfn_stack_free(&s);
		if (timeout_ms > 0 && out_now_ms() - started > timeout_ms) {
			out_progress_clear(&prog);
			rc = ivs_error_set(err, "TimedOut", "stack %s did not settle in time", stack);
			free(now);
			break;
		}
		if (stack_sleep(stack_poll_ms()) < 0) {
			out_progress_clear(&prog);
			out->interrupted = 1;
			out->status = now;
			break;
		}
		free(now);
	}
	free(last);
	tracker_free(&tr);
	if (rc < 0)
		stack_outcome_free(out);
	return rc;
}

void stack_outcome_free(struct stack_outcome *o)
{
	free(o->status);
	for (size_t i = 0; i < o->n_failures; i++)
		free(o->failures[i]);
	free(o->failures);
	memset(o, 0, sizeof(*o));
}

/* ---- outputs ---- */

int stack_fill_outputs(struct aws_client *c, struct cfn_stack *s, struct ivs_error *err)
{
	if (s->n_outputs)
		return 0;
	struct cfn_resource *res = NULL;
	size_t n = 0;
	if (cfn_describe_stack_resources(c, s->id ? s->id : s->name, &res, &n, err) < 0)
		return -1;
	static const struct {
		const char *type, *output;
	} map[] = {
		{ "AWS::DynamoDB::Table", "TableName" },
		{ "AWS::Lambda::Function", "FunctionName" },
		{ "AWS::Events::Rule", "RuleName" },
		{ "AWS::Logs::LogGroup", "LogGroupName" },
	};
	for (size_t k = 0; k < sizeof(map) / sizeof(map[0]); k++)
		for (size_t i = 0; i < n; i++) {
			if (!res[i].type || !res[i].physical_id || strcmp(res[i].type, map[k].type))
				continue;
			s->outputs = xrealloc(s->outputs, (s->n_outputs + 1) * sizeof(*s->outputs));
			s->outputs[s->n_outputs].key = xstrdup(map[k].output);
			s->outputs[s->n_outputs].value = xstrdup(res[i].physical_id);
			s->n_outputs++;
			break;
		}
	cfn_resources_free(res, n);
	return 0;
}

void stack_print_outputs(const struct cfn_stack *s, FILE *out)
{
	if (!s->n_outputs)
		return;
	fprintf(out, "Outputs:\n");
	struct out_table t;
	out_table_init(&t, 2);
	for (size_t i = 0; i < s->n_outputs; i++) {
		const char *row[2] = { s->outputs[i].key, s->outputs[i].value };
		out_table_add(&t, row);
	}
	out_table_print(&t, out, 2);
	out_table_free(&t);
}
