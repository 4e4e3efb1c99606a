/*
 * ddb_backup.h - DynamoDB backups and restores: ListBackups (every type:
 * the on-demand ones the user made and the SYSTEM backup DynamoDB makes when
 * a table with point-in-time recovery is deleted, kept 35 days),
 * DescribeContinuousBackups (a live table's point-in-time window),
 * RestoreTableFromBackup, RestoreTableToPointInTime and DescribeTable to
 * wait for the new table.
 *
 * Owns: the structs it fills (free them with the matching *_free).
 */
#ifndef IVS_DDB_BACKUP_H
#define IVS_DDB_BACKUP_H

#include <stddef.h>

#include "client.h"

struct ddb_backup {
	char *arn;
	char *name;
	char *table;              /* the source table's name */
	char *type;               /* USER, SYSTEM, AWS_BACKUP */
	char *status;             /* CREATING, AVAILABLE, DELETED */
	double created;           /* BackupCreationDateTime, epoch seconds */
	double size;              /* BackupSizeBytes; -1 when not given */
};

/* Every backup (BackupType ALL), of table only when table is not NULL,
 * following LastEvaluatedBackupArn. */
int ddb_backups_list(struct aws_client *c, const char *table, struct ddb_backup **out, size_t *n,
		     struct ivs_error *err);
void ddb_backups_free(struct ddb_backup *v, size_t n);

/* A live table's point-in-time recovery: *status ENABLED or DISABLED
 * (malloc'd), *earliest and *latest epoch seconds (0 when not given).
 * 0, 1 when the table does not exist, -1 error. */
int ddb_pitr_window(struct aws_client *c, const char *table, char **status, double *earliest,
		    double *latest, struct ivs_error *err);

/* The table's TableStatus (malloc'd) and item count (-1: not given).
 * 0, 1 when the table does not exist, -1 error. */
int ddb_table_status(struct aws_client *c, const char *table, char **status, long long *items,
		     struct ivs_error *err);

/* Restores the backup into the new table target. */
int ddb_restore_from_backup(struct aws_client *c, const char *backup_arn, const char *target,
			    struct ivs_error *err);
/* Restores the live table source as it was at `at` (epoch seconds; < 0: the
 * latest restorable time) into the new table target. */
int ddb_restore_to_time(struct aws_client *c, const char *source, double at, const char *target,
			struct ivs_error *err);

#endif
