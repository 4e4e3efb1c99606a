/*
 * template.c - reading the template and what it declares (see template.h),
 * with libyaml's document API: parameters, resources and the parameters
 * each resource references, IAM resources and their custom names.
 */
#include "template.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "assets.h"
#include "aws/buf.h"

int stack_read_file(const char *path, char **data, size_t *len, struct ivs_error *err)
{
	*data = NULL;
	*len = 0;
	FILE *f = fopen(path, "rb");
	if (!f)
		return ivs_error_set_kind(err, IVS_ERR_BAD_INPUT, "BadInput", "cannot read %s: %s",
					  path, strerror(errno));
	struct buf b = BUF_INIT;
	char chunk[16384];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		buf_free(&b);
		return ivs_error_set_kind(err, IVS_ERR_BAD_INPUT, "BadInput", "cannot read %s",
					  path);
	}
	*len = b.len;
	*data = buf_detach(&b);
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

static size_t map_size(const yaml_node_t *map)
{
	return (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
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

static void read_params(yaml_document_t *d, yaml_node_t *params, struct stack_template *t)
{
	if (!params || params->type != YAML_MAPPING_NODE)
		return;
	t->params = xcalloc(map_size(params) + 1, sizeof(*t->params));
	for (yaml_node_pair_t *pr = params->data.mapping.pairs.start;
	     pr < params->data.mapping.pairs.top; pr++) {
		const char *k = scalar(yaml_document_get_node(d, pr->key));
		if (!k)
			continue;
		yaml_node_t *decl = yaml_document_get_node(d, pr->value);
		struct stack_param *p = &t->params[t->n_params++];
		p->name = xstrdup(k);
		p->default_value = xstrdup(scalar(map_get(d, decl, "Default")));
	}
}

/* Custom names on IAM resources need CAPABILITY_NAMED_IAM. */
static int has_iam_name(yaml_document_t *d, yaml_node_t *res)
{
	static const char *const named[] = { "RoleName", "UserName", "GroupName",
					     "ManagedPolicyName", "InstanceProfileName" };
	yaml_node_t *props = map_get(d, res, "Properties");
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (map_get(d, props, named[i]))
			return 1;
	return 0;
}

static void read_resources(yaml_document_t *d, yaml_node_t *resources, struct stack_template *t)
{
	t->resources = xcalloc(map_size(resources) + 1, sizeof(*t->resources));
	for (yaml_node_pair_t *pr = resources->data.mapping.pairs.start;
	     pr < resources->data.mapping.pairs.top; pr++) {
		const char *k = scalar(yaml_document_get_node(d, pr->key));
		yaml_node_t *res = yaml_document_get_node(d, pr->value);
		const char *type = scalar(map_get(d, res, "Type"));
		if (!k)
			continue;
		struct stack_resource *r = &t->resources[t->n_resources++];
		r->id = xstrdup(k);
		r->type = xstrdup(type ? type : "?");
		struct buf refs = BUF_INIT;
		buf_putc(&refs, ',');
		collect_refs(d, res, 0, &refs);
		r->refs = buf_detach(&refs);
		if (!type || strncmp(type, "AWS::IAM::", 10) != 0)
			continue;
		t->needs_iam = 1;
		if (has_iam_name(d, res))
			t->needs_named_iam = 1;
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
		read_params(&d, map_get(&d, root, "Parameters"), t);
		if (resources && resources->type == YAML_MAPPING_NODE) {
			t->parsed = 1;
			read_resources(&d, resources, t);
		}
	}
	yaml_document_delete(&d);
	yaml_parser_delete(&p);
}

int stack_template_load(const char *path, struct stack_template *t, struct ivs_error *err)
{
	memset(t, 0, sizeof(*t));
	if (path) {
		if (stack_read_file(path, &t->body, &t->len, err) < 0)
			return -1;
		t->source = xstrdup(path);
	} else {
		size_t len;
		const char *body = assets_template(&len);
		t->body = xstrndup(body, len);
		t->len = len;
		t->source = xstrdup("the embedded template");
	}
	if (t->len > 51200)
		return ivs_error_set_kind(err, IVS_ERR_BAD_INPUT, "BadInput",
					  "%s is %zu bytes; CloudFormation takes at most 51,200 in "
					  "a request", t->source, t->len);
	analyze_template(t);
	return 0;
}

int stack_template_declares(const struct stack_template *t, const char *param)
{
	if (!t->parsed)
		return 1; /* cannot tell: pass everything, CloudFormation will judge */
	for (size_t i = 0; i < t->n_params; i++)
		if (strcmp(t->params[i].name, param) == 0)
			return 1;
	return 0;
}

const char *stack_template_capability(const struct stack_template *t)
{
	if (t->needs_named_iam || !t->parsed)
		return "CAPABILITY_NAMED_IAM";
	return t->needs_iam ? "CAPABILITY_IAM" : NULL;
}

void stack_template_free(struct stack_template *t)
{
	free(t->body);
	free(t->source);
	for (size_t i = 0; i < t->n_params; i++) {
		free(t->params[i].name);
		free(t->params[i].default_value);
	}
	free(t->params);
	for (size_t i = 0; i < t->n_resources; i++) {
		free(t->resources[i].id);
		free(t->resources[i].type);
		free(t->resources[i].refs);
	}
	free(t->resources);
	memset(t, 0, sizeof(*t));
}
