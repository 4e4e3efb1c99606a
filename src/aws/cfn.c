/*
 * cfn.c - CloudFormation over the query protocol (see cfn.h).
 */
#include "cfn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pager.h"
#include "query.h"

#define CFN_VERSION "2010-05-15"

/* Every CloudFormation call goes through here, so that a missing stack is
 * recognised in one place: CloudFormation says "Stack with id X does not
 * exist" as a ValidationError and gives no other signal, so the message is
 * read once, here, and callers test the kind IVS_ERR_NOT_FOUND. */
static int cfn_call(struct aws_client *c, const char *action, const struct query_params *q,
		    xmlDocPtr *doc, struct ivs_error *err)
{
	if (query_call(c, &AWS_SVC_CLOUDFORMATION, action, CFN_VERSION, q, doc, err) == 0)
		return 0;
	if (err && strcmp(err->code, "ValidationError") == 0 &&
	    strstr(err->message, "does not exist"))
		err->kind = IVS_ERR_NOT_FOUND;
	return -1;
}

/* One page of a listing: action with q plus the pager's token (q is freed
 * here); *result is the answer's <actionResult>, in *doc (caller frees). */
static int cfn_page(struct aws_client *c, const char *action, struct query_params *q,
		    const struct aws_pager *pg, xmlDocPtr *doc, xmlNodePtr *result,
		    struct ivs_error *err)
{
	*doc = NULL;
	if (aws_pager_token(pg))
		query_params_add(q, "NextToken", aws_pager_token(pg));
	int rc = cfn_call(c, action, q, doc, err);
	query_params_free(q);
	if (rc < 0)
		return -1;
	char name[96];
	snprintf(name, sizeof(name), "%sResult", action);
	*result = xml_find(xml_root(*doc), name);
	if (*result)
		return 0;
	xmlFreeDoc(*doc);
	*doc = NULL;
	return ivs_error_bad_response(err, "CloudFormation %s answered without a result", action);
}

/* Moves the pager past a page whose result is r. */
static int cfn_page_next(struct aws_pager *pg, xmlNodePtr r, struct ivs_error *err)
{
	char *next = r ? xml_text(r, "NextToken") : NULL;
	int rc = aws_pager_next(pg, next, err);
	free(next);
	return rc;
}

static void kv_free(struct cfn_kv *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].key);
		free(v[i].value);
	}
	free(v);
}

static struct cfn_kv *read_kv_list(xmlNodePtr list, const char *kname, const char *vname,
				   size_t *n)
{
	*n = 0;
	size_t cap = 0;
	struct cfn_kv *v = NULL;
	if (!list)
		return NULL;
	for (xmlNodePtr m = xml_first(list, "member"); m; m = xml_next(m, "member")) {
		char *k = xml_text(m, kname);
		if (!k)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[*n].key = k;
		v[*n].value = xml_text(m, vname);
		if (!v[*n].value)
			v[*n].value = xstrdup("");
		(*n)++;
	}
	return v;
}

const char *cfn_kv_get(const struct cfn_kv *v, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].key, key) == 0)
			return v[i].value;
	return NULL;
}

int cfn_describe_stack(struct aws_client *c, const char *name, struct cfn_stack *out,
		       struct ivs_error *err)
{
	memset(out, 0, sizeof(*out));
	struct query_params q = { 0 };
	query_params_add(&q, "StackName", name);
	xmlDocPtr doc = NULL;
	int rc = cfn_call(c, "DescribeStacks", &q, &doc, err);
	query_params_free(&q);
	if (rc < 0)
		return err->kind == IVS_ERR_NOT_FOUND ? 1 : -1;
	xmlNodePtr stacks = xml_find(xml_root(doc), "DescribeStacksResult/Stacks");
	xmlNodePtr m = stacks ? xml_first(stacks, "member") : NULL;
	if (!m) {
		xmlFreeDoc(doc);
		return 1;
	}
	out->id = xml_text(m, "StackId");
	out->name = xml_text(m, "StackName");
	out->status = xml_text(m, "StackStatus");
	out->status_reason = xml_text(m, "StackStatusReason");
	out->updated = xml_text(m, "LastUpdatedTime");
	if (!out->updated)
		out->updated = xml_text(m, "CreationTime");
	out->outputs = read_kv_list(xml_child(m, "Outputs"), "OutputKey", "OutputValue",
				    &out->n_outputs);
	out->params = read_kv_list(xml_child(m, "Parameters"), "ParameterKey", "ParameterValue",
				   &out->n_params);
	out->tags = read_kv_list(xml_child(m, "Tags"), "Key", "Value", &out->n_tags);
	xmlFreeDoc(doc);
	if (!out->status || !out->name) {
		cfn_stack_free(out);
		return ivs_error_bad_response(err,
				"CloudFormation DescribeStacks answered without a stack status");
	}
	/* A deleted stack asked for by id still answers, as DELETE_COMPLETE. */
	if (strcmp(out->status, "DELETE_COMPLETE") == 0) {
		cfn_stack_free(out);
		return 1;
	}
	return 0;
}

void cfn_stack_free(struct cfn_stack *s)
{
	char *v[] = { s->id, s->name, s->status, s->status_reason, s->updated };
	free_strings(v, 5);
	kv_free(s->outputs, s->n_outputs);
	kv_free(s->params, s->n_params);
	kv_free(s->tags, s->n_tags);
	memset(s, 0, sizeof(*s));
}

int cfn_get_template(struct aws_client *c, const char *stack, char **body,
		     struct ivs_error *err)
{
	*body = NULL;
	struct query_params q = { 0 };
	query_params_add(&q, "StackName", stack);
	query_params_add(&q, "TemplateStage", "Original");
	xmlDocPtr doc = NULL;
	int rc = cfn_call(c, "GetTemplate", &q, &doc, err);
	query_params_free(&q);
	if (rc < 0)
		return -1;
	*body = xml_text(xml_root(doc), "GetTemplateResult/TemplateBody");
	xmlFreeDoc(doc);
	if (!*body)
		return ivs_error_bad_response(err,
				"CloudFormation GetTemplate answered without a TemplateBody");
	return 0;
}

int cfn_create_change_set(struct aws_client *c, const struct cfn_change_set_request *req,
			  char **id, char **stack_id, struct ivs_error *err)
{
	struct query_params q = { 0 };
	query_params_add(&q, "StackName", req->stack_name);
	query_params_add(&q, "ChangeSetName", req->change_set_name);
	query_params_add(&q, "ChangeSetType", req->type);
	query_params_add(&q, "TemplateBody", req->template_body);
	if (req->description)
		query_params_add(&q, "Description", req->description);
	char key[96];
	for (size_t i = 0; i < req->n_params; i++) {
		snprintf(key, sizeof(key), "Parameters.member.%zu.ParameterKey", i + 1);
		query_params_add(&q, key, req->params[i].key);
		if (req->params[i].use_previous) {
			snprintf(key, sizeof(key), "Parameters.member.%zu.UsePreviousValue", i + 1);
			query_params_add(&q, key, "true");
		} else {
			snprintf(key, sizeof(key), "Parameters.member.%zu.ParameterValue", i + 1);
			query_params_add(&q, key, req->params[i].value);
		}
	}
	for (size_t i = 0; i < req->n_capabilities; i++) {
		snprintf(key, sizeof(key), "Capabilities.member.%zu", i + 1);
		query_params_add(&q, key, req->capabilities[i]);
	}
	if (!req->n_tags)
		query_params_add(&q, "Tags", ""); /* the query protocol's empty list */
	for (size_t i = 0; i < req->n_tags; i++) {
		snprintf(key, sizeof(key), "Tags.member.%zu.Key", i + 1);
		query_params_add(&q, key, req->tags[i].key);
		snprintf(key, sizeof(key), "Tags.member.%zu.Value", i + 1);
		query_params_add(&q, key, req->tags[i].value);
	}
	xmlDocPtr doc = NULL;
	int rc = cfn_call(c, "CreateChangeSet", &q, &doc, err);
	query_params_free(&q);
	if (rc < 0)
		return -1;
	xmlNodePtr r = xml_find(xml_root(doc), "CreateChangeSetResult");
	if (id)
		*id = r ? xml_text(r, "Id") : NULL;
	if (stack_id)
		*stack_id = r ? xml_text(r, "StackId") : NULL;
	xmlFreeDoc(doc);
	return 0;
}

/* Names of the properties a Modify touches, from Details/member/Target/Name. */
static char *change_details(xmlNodePtr rc)
{
	xmlNodePtr details = xml_child(rc, "Details");
	if (!details)
		return NULL;
	struct buf b = BUF_INIT;
	for (xmlNodePtr m = xml_first(details, "member"); m; m = xml_next(m, "member")) {
		char *name = xml_text(m, "Target/Name");
		if (!name)
			continue;
		/* The same property is listed once per cause; keep it once. */
		int seen = 0;
		const char *p = buf_cstr(&b);
		size_t nl = strlen(name);
		while ((p = strstr(p, name)) != NULL) {
			if ((p == buf_cstr(&b) || p[-1] == ' ') && (p[nl] == ',' || p[nl] == '\0')) {
				seen = 1;
				break;
			}
			p += nl;
		}
		if (!seen) {
			if (b.len)
				buf_puts(&b, ", ");
			buf_puts(&b, name);
		}
		free(name);
	}
	if (!b.len) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b);
}

static void take_change(xmlNodePtr rcn, struct cfn_change *ch)
{
	const struct xml_field fields[] = {
		{ "Action", &ch->action },
		{ "LogicalResourceId", &ch->logical_id },
		{ "PhysicalResourceId", &ch->physical_id },
		{ "ResourceType", &ch->type },
		{ "Replacement", &ch->replacement },
	};
	xml_copy_texts(rcn, fields, 5);
	ch->details = change_details(rcn);
	if (!ch->action)
		ch->action = xstrdup("?");
	if (!ch->logical_id)
		ch->logical_id = xstrdup("?");
	if (!ch->type)
		ch->type = xstrdup("?");
}

/* Appends one page's changes (and, from the first page, the status). */
static void take_change_set_page(xmlNodePtr r, struct cfn_change_set *out, size_t *cap)
{
	if (!out->status) {
		out->id = xml_text(r, "ChangeSetId");
		out->status = xml_text(r, "Status");
		out->status_reason = xml_text(r, "StatusReason");
		out->execution_status = xml_text(r, "ExecutionStatus");
		out->created = xml_text(r, "CreationTime");
	}
	xmlNodePtr changes = xml_child(r, "Changes");
	for (xmlNodePtr m = xml_first(changes, "member"); m; m = xml_next(m, "member")) {
		xmlNodePtr rcn = xml_child(m, "ResourceChange");
		if (!rcn)
			continue;
		if (out->n_changes == *cap) {
			*cap = *cap ? *cap * 2 : 16;
			out->changes = xrealloc(out->changes, *cap * sizeof(*out->changes));
		}
		take_change(rcn, &out->changes[out->n_changes++]);
	}
}

int cfn_describe_change_set(struct aws_client *c, const char *stack_name, const char *name,
			    struct cfn_change_set *out, struct ivs_error *err)
{
	memset(out, 0, sizeof(*out));
	struct aws_pager pg;
	aws_pager_init(&pg, "CloudFormation DescribeChangeSet", "NextToken", 100);
	size_t cap = 0;
	int rc = 0;
	while (rc == 0 && !pg.done) {
		struct query_params q = { 0 };
		query_params_add(&q, "StackName", stack_name);
		query_params_add(&q, "ChangeSetName", name);
		xmlDocPtr doc;
		xmlNodePtr r;
		rc = cfn_page(c, "DescribeChangeSet", &q, &pg, &doc, &r, err);
		if (rc == 0) {
			take_change_set_page(r, out, &cap);
			rc = cfn_page_next(&pg, r, err);
		}
		xmlFreeDoc(doc);
	}
	aws_pager_free(&pg);
	if (rc == 0 && !out->status)
		rc = ivs_error_bad_response(err, "CloudFormation DescribeChangeSet answered without "
					    "a status");
	if (rc < 0)
		cfn_change_set_free(out);
	return rc;
}

void cfn_change_set_free(struct cfn_change_set *cs)
{
	for (size_t i = 0; i < cs->n_changes; i++) {
		struct cfn_change *ch = &cs->changes[i];
		char *s[] = { ch->action, ch->logical_id, ch->physical_id,
			      ch->type, ch->replacement, ch->details };
		free_strings(s, 6);
	}
	free(cs->changes);
	char *s[] = { cs->id, cs->status, cs->status_reason, cs->execution_status,
		      cs->created };
	free_strings(s, 5);
	memset(cs, 0, sizeof(*cs));
}

int cfn_change_set_is_empty_failure(const struct cfn_change_set *cs)
{
	if (!cs->status || strcmp(cs->status, "FAILED") != 0 || !cs->status_reason)
		return 0;
	return strstr(cs->status_reason, "didn't contain changes") != NULL ||
	       strstr(cs->status_reason, "No updates are to be performed") != NULL;
}

static int change_set_action(struct aws_client *c, const char *action, const char *stack_name,
			     const char *name, struct ivs_error *err)
{
	struct query_params q = { 0 };
	query_params_add(&q, "StackName", stack_name);
	query_params_add(&q, "ChangeSetName", name);
	xmlDocPtr doc = NULL;
	int rc = cfn_call(c, action, &q, &doc, err);
	query_params_free(&q);
	if (doc)
		xmlFreeDoc(doc);
	return rc < 0 ? -1 : 0;
}

int cfn_execute_change_set(struct aws_client *c, const char *stack_name, const char *name,
			   struct ivs_error *err)
{
	return change_set_action(c, "ExecuteChangeSet", stack_name, name, err);
}

int cfn_delete_change_set(struct aws_client *c, const char *stack_name, const char *name,
			  struct ivs_error *err)
{
	return change_set_action(c, "DeleteChangeSet", stack_name, name, err);
}

/* action on stack_name with a list of logical ids as list.member.N (none: no list). */
static int stack_action(struct aws_client *c, const char *action, const char *stack_name,
			const char *list, const char *const *ids, size_t n, struct ivs_error *err)
{
	struct query_params q = { 0 };
	query_params_add(&q, "StackName", stack_name);
	char key[96];
	for (size_t i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "%s.member.%zu", list, i + 1);
		query_params_add(&q, key, ids[i]);
	}
	xmlDocPtr doc = NULL;
	int rc = cfn_call(c, action, &q, &doc, err);
	query_params_free(&q);
	if (doc)
		xmlFreeDoc(doc);
	return rc < 0 ? -1 : 0;
}

int cfn_delete_stack(struct aws_client *c, const char *stack_name, struct ivs_error *err)
{
	return stack_action(c, "DeleteStack", stack_name, NULL, NULL, 0, err);
}

int cfn_delete_stack_retaining(struct aws_client *c, const char *stack_name,
			       const char *const *retain, size_t n, struct ivs_error *err)
{
	return stack_action(c, "DeleteStack", stack_name, "RetainResources", retain, n, err);
}

int cfn_continue_update_rollback(struct aws_client *c, const char *stack_name,
				 const char *const *skip, size_t n, struct ivs_error *err)
{
	return stack_action(c, "ContinueUpdateRollback", stack_name, "ResourcesToSkip", skip, n,
			    err);
}

static void take_event(xmlNodePtr m, char *id, struct cfn_event *e)
{
	e->id = id;
	const struct xml_field fields[] = {
		{ "StackName", &e->stack_name },
		{ "LogicalResourceId", &e->logical_id },
		{ "PhysicalResourceId", &e->physical_id },
		{ "ResourceType", &e->type },
		{ "ResourceStatus", &e->status },
		{ "ResourceStatusReason", &e->reason },
		{ "Timestamp", &e->timestamp },
	};
	xml_copy_texts(m, fields, 7);
	if (!e->logical_id)
		e->logical_id = xstrdup("?");
	if (!e->type)
		e->type = xstrdup("?");
	if (!e->status)
		e->status = xstrdup("?");
	if (!e->timestamp)
		e->timestamp = xstrdup("");
}

/* Appends one page's events newer than after_id; 1 when after_id was met. */
static int take_events_page(xmlNodePtr r, const char *after_id, struct cfn_event **out,
			    size_t *n, size_t *cap)
{
	xmlNodePtr list = xml_child(r, "StackEvents");
	for (xmlNodePtr m = xml_first(list, "member"); m; m = xml_next(m, "member")) {
		char *id = xml_text(m, "EventId");
		if (!id)
			continue;
		if (after_id && strcmp(id, after_id) == 0) {
			free(id);
			return 1;
		}
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 32;
			*out = xrealloc(*out, *cap * sizeof(**out));
		}
		take_event(m, id, &(*out)[(*n)++]);
	}
	return 0;
}

int cfn_stack_events(struct aws_client *c, const char *stack, const char *after_id,
		     size_t max_pages, struct cfn_event **out, size_t *n, struct ivs_error *err)
{
	*out = NULL;
	*n = 0;
	size_t cap = 0;
	struct aws_pager pg;
	aws_pager_init(&pg, "CloudFormation DescribeStackEvents", "NextToken", 0);
	int rc = 0;
	/* max_pages bounds how far back we look for after_id: past it we stop
	 * with what we have, which is not an error. */
	while (rc == 0 && !pg.done && pg.pages < (max_pages ? max_pages : 20)) {
		struct query_params q = { 0 };
		query_params_add(&q, "StackName", stack);
		xmlDocPtr doc;
		xmlNodePtr r;
		rc = cfn_page(c, "DescribeStackEvents", &q, &pg, &doc, &r, err);
		if (rc == 0) {
			int met = take_events_page(r, after_id, out, n, &cap);
			/* Without after_id only the newest page is wanted. */
			rc = cfn_page_next(&pg, met || !after_id ? NULL : r, err);
		}
		xmlFreeDoc(doc);
	}
	aws_pager_free(&pg);
	if (rc < 0) {
		cfn_events_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

void cfn_events_free(struct cfn_event *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct cfn_event *e = &v[i];
		char *s[] = { e->id, e->stack_name, e->logical_id, e->physical_id,
			      e->type, e->status, e->reason, e->timestamp };
		free_strings(s, 8);
	}
	free(v);
}

int cfn_describe_stack_resources(struct aws_client *c, const char *stack,
				 struct cfn_resource **out, size_t *n, struct ivs_error *err)
{
	*out = NULL;
	*n = 0;
	struct query_params q = { 0 };
	query_params_add(&q, "StackName", stack);
	xmlDocPtr doc = NULL;
	int rc = cfn_call(c, "DescribeStackResources", &q, &doc, err);
	query_params_free(&q);
	if (rc < 0)
		return -1;
	xmlNodePtr list = xml_find(xml_root(doc), "DescribeStackResourcesResult/StackResources");
	size_t cap = 0;
	for (xmlNodePtr m = list ? xml_first(list, "member") : NULL; m; m = xml_next(m, "member")) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*out = xrealloc(*out, cap * sizeof(**out));
		}
		struct cfn_resource *r = &(*out)[(*n)++];
		const struct xml_field fields[] = {
			{ "LogicalResourceId", &r->logical_id },
			{ "PhysicalResourceId", &r->physical_id },
			{ "ResourceType", &r->type },
			{ "ResourceStatus", &r->status },
			{ "ResourceStatusReason", &r->reason },
		};
		xml_copy_texts(m, fields, 5);
	}
	xmlFreeDoc(doc);
	return 0;
}

void cfn_resources_free(struct cfn_resource *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *s[] = { v[i].logical_id, v[i].physical_id, v[i].type, v[i].status,
			      v[i].reason };
		free_strings(s, 5);
	}
	free(v);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

int cfn_status_in_progress(const char *status)
{
	return status && ends_with(status, "_IN_PROGRESS");
}

int cfn_status_failed(const char *status)
{
	if (!status || cfn_status_in_progress(status))
		return 0;
	return ends_with(status, "_FAILED") || strstr(status, "ROLLBACK") != NULL;
}

int cfn_status_complete(const char *status)
{
	return status && ends_with(status, "_COMPLETE") && !strstr(status, "ROLLBACK");
}
