/*
 * events.h - EventBridge DescribeRule (JSON 1.1, "AWSEvents"), for `ivsvc
 * status`: is the schedule enabled, and what is it.
 *
 * Owns: the strings in struct events_rule (events_rule_free).
 */
#ifndef IVS_EVENTS_H
#define IVS_EVENTS_H

#include "client.h"

struct events_rule {
	char *name;
	char *arn;
	char *state;              /* ENABLED, DISABLED */
	char *schedule;           /* "rate(1 minute)"; NULL for event-pattern rules */
};

/* 0 found, 1 no such rule, -1 error. */
int events_describe_rule(struct aws_client *c, const char *name, struct events_rule *out,
			 struct ivs_error *err);
void events_rule_free(struct events_rule *r);

#endif
