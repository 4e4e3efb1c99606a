/*
 * ddb_backup.c - DynamoDB backups and restores (see ddb_backup.h): each a
 * single JSON call through ddb_call; ListBackups pages with the pager.
 *
 * Owns: nothing between calls.
 */
#include "ddb_backup.h"

#include <stdlib.h>
#include <string.h>

#include "ddb.h"
#include "json.h"
#include "pager.h"

static void take_backup(const cJSON *m, struct ddb_backup *b)
{
	memset(b, 0, sizeof(*b));
	const struct json_field f[] = {
		{ "BackupArn", &b->arn },       { "BackupName", &b->name },
		{ "TableName", &b->table },     { "BackupType", &b->type },
		{ "BackupStatus", &b->status },
	};
	json_copy_strings(m, f, 5);
	b->created = json_num(m, "BackupCreationDateTime", 0);
	b->size = json_num(m, "BackupSizeBytes", -1);
}

/* One page's summaries appended to *out. */
static void take_page(const cJSON *res, struct ddb_backup **out, size_t *n, size_t *cap)
{
	const cJSON *m;
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(res, "BackupSummaries")) {
		if (!json_str(m, "BackupArn"))
			continue;
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 16;
			*out = xrealloc(*out, *cap * sizeof(**out));
		}
		take_backup(m, &(*out)[(*n)++]);
	}
}

int ddb_backups_list(struct aws_client *c, const char *table, struct ddb_backup **out, size_t *n,
		     struct ivs_error *err)
{
	*out = NULL;
	*n = 0;
	size_t cap = 0;
	struct aws_pager pg;
	aws_pager_init(&pg, "DynamoDB ListBackups", "LastEvaluatedBackupArn", 0);
	int rc = 0;
	while (rc == 0 && !pg.done) {
		cJSON *body = cJSON_CreateObject();
		cJSON_AddStringToObject(body, "BackupType", "ALL");
		if (table)
			cJSON_AddStringToObject(body, "TableName", table);
		if (aws_pager_token(&pg))
			cJSON_AddStringToObject(body, "ExclusiveStartBackupArn", aws_pager_token(&pg));
		cJSON *res = NULL;
		rc = ddb_call(c, "ListBackups", body, &res, err);
		cJSON_Delete(body);
		if (rc == 0) {
			take_page(res, out, n, &cap);
			rc = aws_pager_next(&pg, json_str(res, "LastEvaluatedBackupArn"), err);
		}
		cJSON_Delete(res);
	}
	aws_pager_free(&pg);
	if (rc < 0) {
		ddb_backups_free(*out, *n);
		*out = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

void ddb_backups_free(struct ddb_backup *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].arn);
		free(v[i].name);
		free(v[i].table);
		free(v[i].type);
		free(v[i].status);
	}
	free(v);
}

/* operation on {"TableName": table}: 0 with *res, 1 not found, -1. */
static int table_call(struct aws_client *c, const char *operation, const char *table,
		      cJSON **res, struct ivs_error *err)
{
	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "TableName", table);
	int rc = ddb_call(c, operation, body, res, err);
	cJSON_Delete(body);
	if (rc < 0)
		return err->kind == IVS_ERR_NOT_FOUND ? 1 : -1;
	return 0;
}

int ddb_pitr_window(struct aws_client *c, const char *table, char **status, double *earliest,
		    double *latest, struct ivs_error *err)
{
	*status = NULL;
	*earliest = *latest = 0;
	cJSON *res = NULL;
	int rc = table_call(c, "DescribeContinuousBackups", table, &res, err);
	if (rc != 0)
		return rc;
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(res, "ContinuousBackupsDescription"),
		"PointInTimeRecoveryDescription");
	const char *s = json_str(d, "PointInTimeRecoveryStatus");
	*status = xstrdup(s ? s : "DISABLED");
	*earliest = json_num(d, "EarliestRestorableDateTime", 0);
	*latest = json_num(d, "LatestRestorableDateTime", 0);
	cJSON_Delete(res);
	return 0;
}

int ddb_table_status(struct aws_client *c, const char *table, char **status, long long *items,
		     struct ivs_error *err)
{
	*status = NULL;
	*items = -1;
	cJSON *res = NULL;
	int rc = table_call(c, "DescribeTable", table, &res, err);
	if (rc != 0)
		return rc;
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(res, "Table");
	const char *s = json_str(t, "TableStatus");
	*items = (long long)json_num(t, "ItemCount", -1);
	if (s)
		*status = xstrdup(s);
	cJSON_Delete(res);
	if (!s)
		return ivs_error_bad_response(err, "DynamoDB DescribeTable answered without a "
					      "TableStatus");
	return 0;
}

static int restore_call(struct aws_client *c, const char *operation, cJSON *body,
			struct ivs_error *err)
{
	int rc = ddb_call(c, operation, body, NULL, err);
	cJSON_Delete(body);
	return rc < 0 ? -1 : 0;
}

int ddb_restore_from_backup(struct aws_client *c, const char *backup_arn, const char *target,
			    struct ivs_error *err)
{
	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "TargetTableName", target);
	cJSON_AddStringToObject(body, "BackupArn", backup_arn);
	return restore_call(c, "RestoreTableFromBackup", body, err);
}

int ddb_restore_to_time(struct aws_client *c, const char *source, double at, const char *target,
			struct ivs_error *err)
{
	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, source[0] == 'a' && strncmp(source, "arn:", 4) == 0
					      ? "SourceTableArn" : "SourceTableName", source);
	cJSON_AddStringToObject(body, "TargetTableName", target);
	if (at < 0)
		cJSON_AddBoolToObject(body, "UseLatestRestorableTime", 1);
	else
		cJSON_AddNumberToObject(body, "RestoreDateTime", at);
	return restore_call(c, "RestoreTableToPointInTime", body, err);
}
