/*
 * cfn.h - the CloudFormation calls ivsvc uses (query protocol, 2010-05-15):
 * stacks, change sets, stack events and resources.
 *
 * Owns: the structs it fills (free them with the matching *_free). Every
 * list call follows NextToken itself. Knows nothing of how deploy uses them
 * (that is src/cli/stack.c).
 */
#ifndef IVS_CFN_H
#define IVS_CFN_H

#include <stddef.h>

#include "client.h"

struct cfn_kv {
	char *key;
	char *value;
};

struct cfn_stack {
	char *id;
	char *name;
	char *status;
	char *status_reason;      /* NULL when none */
	char *updated;            /* LastUpdatedTime, else CreationTime (ISO 8601) */
	struct cfn_kv *outputs;   /* OutputKey -> OutputValue */
	size_t n_outputs;
	struct cfn_kv *params;    /* ParameterKey -> ParameterValue */
	size_t n_params;
	struct cfn_kv *tags;      /* Key -> Value */
	size_t n_tags;
};

/* 0 found, 1 no such stack, -1 error. name may be a stack id. */
int cfn_describe_stack(struct aws_client *c, const char *name, struct cfn_stack *out,
		       struct ivs_error *err);
void cfn_stack_free(struct cfn_stack *s);
/* The template the stack runs (GetTemplate, stage Original), malloc'd. */
int cfn_get_template(struct aws_client *c, const char *stack, char **body,
		     struct ivs_error *err);
/* The value for key in a kv list; NULL when absent. */
const char *cfn_kv_get(const struct cfn_kv *v, size_t n, const char *key);

struct cfn_param {
	const char *key;
	const char *value;        /* ignored when use_previous */
	int use_previous;
};

struct cfn_change_set_request {
	const char *stack_name;
	const char *change_set_name;
	const char *type;             /* "CREATE" or "UPDATE" */
	const char *template_body;
	const char *description;      /* may be NULL */
	const struct cfn_param *params;
	size_t n_params;
	const char *const *capabilities;
	size_t n_capabilities;
	const struct cfn_kv *tags;
	size_t n_tags;                /* 0 sends an empty Tags: the stack keeps no tags (none
				       * sent at all would keep the ones it has) */
};

/* *id and *stack_id (either may be NULL) receive malloc'd ids. */
int cfn_create_change_set(struct aws_client *c, const struct cfn_change_set_request *req,
			  char **id, char **stack_id, struct ivs_error *err);

struct cfn_change {
	char *action;             /* Add, Modify, Remove, Import, Dynamic */
	char *logical_id;
	char *physical_id;        /* NULL for Add */
	char *type;
	char *replacement;        /* True, False, Conditional; NULL for Add/Remove */
	char *details;            /* changed properties, comma-separated; NULL when none */
};

struct cfn_change_set {
	char *id;
	char *status;             /* CREATE_PENDING, CREATE_IN_PROGRESS, CREATE_COMPLETE, FAILED, ... */
	char *status_reason;
	char *execution_status;
	char *created;            /* CreationTime (ISO 8601); NULL when not given */
	struct cfn_change *changes;
	size_t n_changes;
};

int cfn_describe_change_set(struct aws_client *c, const char *stack_name, const char *name,
			    struct cfn_change_set *out, struct ivs_error *err);
void cfn_change_set_free(struct cfn_change_set *cs);
/* True when a FAILED change set failed only because nothing would change. */
int cfn_change_set_is_empty_failure(const struct cfn_change_set *cs);

int cfn_execute_change_set(struct aws_client *c, const char *stack_name, const char *name,
			   struct ivs_error *err);
int cfn_delete_change_set(struct aws_client *c, const char *stack_name, const char *name,
			  struct ivs_error *err);
int cfn_delete_stack(struct aws_client *c, const char *stack_name, struct ivs_error *err);
/* DeleteStack of a DELETE_FAILED stack, keeping the resources named (logical
 * ids) in the account instead of deleting them (RetainResources). */
int cfn_delete_stack_retaining(struct aws_client *c, const char *stack_name,
			       const char *const *retain, size_t n, struct ivs_error *err);
/* ContinueUpdateRollback of an UPDATE_ROLLBACK_FAILED stack; skip: logical
 * ids of UPDATE_FAILED resources CloudFormation marks rolled back unchanged. */
int cfn_continue_update_rollback(struct aws_client *c, const char *stack_name,
				 const char *const *skip, size_t n, struct ivs_error *err);

struct cfn_event {
	char *id;
	char *stack_name;
	char *logical_id;
	char *physical_id;
	char *type;
	char *status;
	char *reason;             /* NULL when none */
	char *timestamp;          /* ISO 8601 */
};

/* The stack's events newer than after_id, newest first (as the API lists
 * them). after_id NULL: only the newest page. Stops after max_pages pages
 * when after_id is never met (0: 20). */
int cfn_stack_events(struct aws_client *c, const char *stack, const char *after_id,
		     size_t max_pages, struct cfn_event **out, size_t *n, struct ivs_error *err);
void cfn_events_free(struct cfn_event *v, size_t n);

struct cfn_resource {
	char *logical_id;
	char *physical_id;
	char *type;
	char *status;
	char *reason;             /* ResourceStatusReason; NULL when none */
};

int cfn_describe_stack_resources(struct aws_client *c, const char *stack,
				 struct cfn_resource **out, size_t *n, struct ivs_error *err);
void cfn_resources_free(struct cfn_resource *v, size_t n);

/* Status classes. */
int cfn_status_in_progress(const char *status);   /* *_IN_PROGRESS */
int cfn_status_failed(const char *status);        /* *_FAILED, ROLLBACK_*, UPDATE_ROLLBACK_* */
int cfn_status_complete(const char *status);      /* CREATE_/UPDATE_/DELETE_/IMPORT_COMPLETE */

#endif
