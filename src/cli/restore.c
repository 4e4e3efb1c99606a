/*
 * restore.c - `ivsvc restore`: the viewer-count history brought back.
 *
 *   ivsvc restore --list [--table SOURCE]         the backups (and SOURCE's window)
 *   ivsvc restore BACKUP_ARN --table NEW          a backup into the new table NEW
 *   ivsvc restore SOURCE --at ISO|latest --table NEW   a live table as it was then
 *
 * What DynamoDB offers: on-demand backups (USER), and when a table with
 * point-in-time recovery (the stack's has it) is deleted, one SYSTEM backup
 * named "<table>$DeletedTableBackup" kept 35 days. Point-in-time restores
 * need the source table alive; a deleted one is restored from that system
 * backup. A restore always makes a new table, so an existing NEW is refused
 * before anything is asked of DynamoDB. We wait until the new table is
 * ACTIVE (Ctrl-C stops waiting, not the restore), then say how to read it.
 *
 * Owns: nothing beyond the call.
 */
#include <stdlib.h>
#include <string.h>

#include "aws/ddb_backup.h"
#include "cli.h"
#include "output.h"

/* A backup ARN: ...:table/NAME/backup/ID. */
static int is_backup_arn(const char *s)
{
	return strncmp(s, "arn:", 4) == 0 && strstr(s, "/backup/") != NULL;
}

int cmd_restore_check(struct cli_ctx *x)
{
	const struct cli_opts *o = &x->o;
	if (o->list) {
		if (o->nargs || o->at) {
			cli_error("restore: --list takes no BACKUP and no --at");
			return EXIT_USAGE;
		}
		return EXIT_OK;
	}
	if (o->nargs != 1 || !o->table) {
		cli_error("restore: usage: ivsvc restore --list | ivsvc restore BACKUP_ARN --table NEW "
			  "| ivsvc restore SOURCE_TABLE --at ISO|latest --table NEW");
		return EXIT_USAGE;
	}
	long long ms;
	if (is_backup_arn(o->args[0]) && o->at) {
		cli_error("restore: --at is for a live table, not a backup");
		return EXIT_USAGE;
	}
	if (!is_backup_arn(o->args[0]) && !o->at) {
		cli_error("restore: %s is not a backup ARN (see `ivsvc restore --list`); to restore a "
			  "live table to a point in time add --at ISO|latest", o->args[0]);
		return EXIT_USAGE;
	}
	if (o->at && strcmp(o->at, "latest") != 0 && out_parse_iso8601(o->at, &ms) < 0) {
		cli_error("restore: --at %s: want an ISO 8601 time (2026-11-28T10:00:00Z) or latest",
			  o->at);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static void utc(double epoch_s, char *buf, size_t n)
{
	if (epoch_s <= 0)
		snprintf(buf, n, "-");
	else
		out_format_utc((long long)(epoch_s * 1000), buf, n);
}

/* Newest first. */
static int by_created_desc(const void *a, const void *b)
{
	double x = ((const struct ddb_backup *)a)->created, y = ((const struct ddb_backup *)b)->created;
	return x < y ? 1 : x > y ? -1 : 0;
}

static cJSON *backups_json(const struct ddb_backup *v, size_t n)
{
	cJSON *arr = cJSON_CreateArray();
	char when[40];
	for (size_t i = 0; i < n; i++) {
		cJSON *b = cJSON_CreateObject();
		cJSON_AddStringToObject(b, "arn", v[i].arn);
		cJSON_AddStringToObject(b, "name", v[i].name ? v[i].name : "");
		cJSON_AddStringToObject(b, "table", v[i].table ? v[i].table : "");
		cJSON_AddStringToObject(b, "type", v[i].type ? v[i].type : "");
		cJSON_AddStringToObject(b, "status", v[i].status ? v[i].status : "");
		utc(v[i].created, when, sizeof(when));
		cJSON_AddStringToObject(b, "created", when);
		if (v[i].size >= 0)
			cJSON_AddNumberToObject(b, "sizeBytes", v[i].size);
		cJSON_AddItemToArray(arr, b);
	}
	return arr;
}

static void backups_print(const struct ddb_backup *v, size_t n)
{
	if (!n) {
		printf("No backups. DynamoDB makes one (SYSTEM, kept 35 days) when a table with "
		       "point-in-time recovery is deleted.\n");
		return;
	}
	struct out_table t;
	out_table_init(&t, 6);
	const char *head[] = { "CREATED (UTC)", "TYPE", "STATUS", "TABLE", "SIZE", "BACKUP" };
	out_table_add(&t, head);
	for (size_t i = 0; i < n; i++) {
		char when[40], size[32];
		utc(v[i].created, when, sizeof(when));
		snprintf(size, sizeof(size), "%.0f", v[i].size);
		const char *row[] = { when, v[i].type, v[i].status, v[i].table,
				      v[i].size >= 0 ? size : NULL, v[i].arn };
		out_table_add(&t, row);
	}
	out_table_print(&t, stdout, 0);
	out_table_free(&t);
	printf("Restore one: ivsvc restore BACKUP --table NEW_TABLE\n");
}

/* --table's point-in-time window, as text or into doc. */
static int pitr_show(struct aws_client *c, const char *table, cJSON *doc)
{
	struct ivs_error err;
	char *status = NULL;
	double from, to;
	int rc = ddb_pitr_window(c, table, &status, &from, &to, &err);
	if (rc < 0) {
		cli_report(&err);
		return EXIT_FAILED;
	}
	char a[40], b[40];
	utc(from, a, sizeof(a));
	utc(to, b, sizeof(b));
	if (doc) {
		cJSON *p = cJSON_AddObjectToObject(doc, "pointInTime");
		cJSON_AddStringToObject(p, "table", table);
		cJSON_AddStringToObject(p, "status", rc == 1 ? "TABLE_NOT_FOUND" : status);
		if (rc == 0 && from > 0)
			cJSON_AddStringToObject(p, "earliest", a);
		if (rc == 0 && to > 0)
			cJSON_AddStringToObject(p, "latest", b);
	} else if (rc == 1) {
		printf("Table %s does not exist (deleted?): restore its SYSTEM backup above, if any\n",
		       table);
	} else if (strcmp(status, "ENABLED") == 0) {
		printf("Point-in-time recovery of %s: %s to %s; restore with `ivsvc restore %s --at "
		       "ISO|latest --table NEW_TABLE`\n", table, a, b, table);
	} else {
		printf("Point-in-time recovery of %s: %s\n", table, status);
	}
	free(status);
	return EXIT_OK;
}

static int restore_list(struct cli_ctx *x)
{
	struct ivs_error err;
	struct ddb_backup *v;
	size_t n;
	if (ddb_backups_list(x->client, x->o.table, &v, &n, &err) < 0) {
		cli_report(&err);
		return cli_exit_code(&err);
	}
	if (n) /* qsort wants a non-NULL array even for none */
		qsort(v, n, sizeof(*v), by_created_desc);
	cJSON *doc = x->o.json ? cJSON_CreateObject() : NULL;
	if (doc)
		cJSON_AddItemToObject(doc, "backups", backups_json(v, n));
	else
		backups_print(v, n);
	int rc = x->o.table ? pitr_show(x->client, x->o.table, doc) : EXIT_OK;
	if (doc && rc == EXIT_OK)
		out_json_print(doc, stdout, 0);
	cJSON_Delete(doc);
	ddb_backups_free(v, n);
	return rc;
}

/* Why a restore call failed, in the user's words. */
static void restore_failed(const char *source, const char *target, struct ivs_error *err)
{
	if (strcmp(err->code, "TableAlreadyExistsException") == 0)
		cli_error("restore: table %s already exists: restore into a new name", target);
	else if (strcmp(err->code, "SourceTableNotFoundException") == 0)
		cli_error("restore: table %s does not exist (deleted?): a deleted table is restored "
			  "from its SYSTEM backup: `ivsvc restore --list`", source);
	else if (strcmp(err->code, "PointInTimeRecoveryUnavailableException") == 0)
		cli_error("restore: point-in-time recovery is not enabled on table %s: restore a "
			  "backup instead (`ivsvc restore --list --table %s`)", source, source);
	else {
		ivs_error_prefix(err, "restore");
		cli_report(err);
	}
}

/* Polls until target is ACTIVE. EXIT_OK with *items. */
static int wait_active(struct aws_client *c, const char *target, long long *items, FILE *info)
{
	struct out_progress p;
	out_progress_init(&p, stderr);
	long long t0 = out_now_ms();
	char *last = NULL;
	int rc = EXIT_OK;
	for (;;) {
		struct ivs_error err;
		char *status = NULL;
		int found = ddb_table_status(c, target, &status, items, &err);
		if (found < 0) {
			out_progress_clear(&p);
			cli_report(&err);
			rc = cli_exit_code(&err);
			break;
		}
		const char *st = found == 1 ? "NOT_YET_LISTED" : status;
		if (strcmp(st, "ACTIVE") == 0) {
			free(status);
			break;
		}
		if (!last || strcmp(last, st) != 0) {
			out_progress_clear(&p);
			fprintf(info, "  table %s is %s\n", target, st);
			fflush(info);
			free(last);
			last = xstrdup(st);
		}
		out_progress_update(&p, "restoring into %s: %s (%llds)", target, st,
				    (out_now_ms() - t0) / 1000);
		free(status);
		if (cli_sleep(cli_poll_ms()) < 0) {
			out_progress_clear(&p);
			fprintf(stderr, "\nStopped waiting. The restore keeps going in DynamoDB: `ivsvc "
					"restore --list` and `ivsvc history --table %s` once it is ACTIVE.\n",
				target);
			rc = EXIT_INTERRUPTED;
			break;
		}
	}
	out_progress_clear(&p);
	free(last);
	return rc;
}

int cmd_restore(struct cli_ctx *x)
{
	if (x->o.list)
		return restore_list(x);
	struct aws_client *c = x->client;
	const char *source = x->o.args[0], *target = x->o.table;
	struct ivs_error err;
	char *status = NULL;
	long long items = -1;
	int found = ddb_table_status(c, target, &status, &items, &err);
	free(status);
	if (found <= 0) {
		if (found < 0)
			cli_report(&err);
		else
			cli_error("restore: table %s already exists: a restore makes a new table; "
				  "choose another --table", target);
		return EXIT_FAILED;
	}
	double at = -1;
	long long ms;
	if (x->o.at && strcmp(x->o.at, "latest") != 0 && out_parse_iso8601(x->o.at, &ms) == 0)
		at = (double)ms / 1000.0;
	int rc = is_backup_arn(source) ? ddb_restore_from_backup(c, source, target, &err)
				       : ddb_restore_to_time(c, source, at, target, &err);
	if (rc < 0) {
		restore_failed(source, target, &err);
		return EXIT_FAILED;
	}
	FILE *info = x->o.json ? stderr : stdout; /* stdout is the JSON document's */
	fprintf(info, "Restoring %s%s%s into the new table %s (Ctrl-C stops waiting, not the "
		"restore)\n", source, x->o.at ? " as of " : "", x->o.at ? x->o.at : "", target);
	fflush(info);
	rc = wait_active(c, target, &items, info);
	if (rc != EXIT_OK)
		return rc;
	if (x->o.json) {
		cJSON *doc = cJSON_CreateObject();
		cJSON_AddStringToObject(doc, "table", target);
		cJSON_AddStringToObject(doc, "status", "ACTIVE");
		cJSON_AddStringToObject(doc, "source", source);
		if (x->o.at)
			cJSON_AddStringToObject(doc, "at", x->o.at);
		out_json_print(doc, stdout, 0);
		cJSON_Delete(doc);
		return EXIT_OK;
	}
	printf("Restored into table %s (ACTIVE). Read it: ivsvc history --table %s --all\n", target,
	       target);
	return EXIT_OK;
}
