/*
 * output.h - how the subcommands print: durations ("10m", "3m ago"), times
 * (CloudFormation's ISO 8601 in, local time out), aligned tables, the one
 * progress line a wait keeps rewriting, and --json documents.
 *
 * Owns: struct out_table's cells (out_table_free). Knows nothing of AWS, so
 * tests/unit/test_output.c builds it alone.
 */
#ifndef IVS_CLI_OUTPUT_H
#define IVS_CLI_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

/* "30s", "10m", "2h", "1d", "1h30m", "500ms" -> milliseconds. A bare number
 * is seconds. Returns -1 for anything else (empty, negative, unknown unit). */
int out_parse_duration(const char *s, long long *ms);

/* A short age for humans: "12s", "4m", "2h05m", "3d04h". Negative ages (a
 * clock ahead of ours) print as "0s". */
void out_format_age(long long seconds, char *buf, size_t n);

/* "2024-05-01T12:03:04.123Z" (or without fraction / with +hh:mm) ->
 * milliseconds since the epoch. -1 when it is not such a time. */
int out_parse_iso8601(const char *s, long long *ms);

/* Local time: "2024-05-01 14:03:04" (with_date) or "14:03:04". */
void out_format_local(long long epoch_ms, int with_date, char *buf, size_t n);
/* UTC, ISO 8601 with milliseconds: "2024-05-01T12:03:04.123Z". */
void out_format_utc(long long epoch_ms, char *buf, size_t n);

/* Wall clock in milliseconds. */
long long out_now_ms(void);

/* A table printed with columns padded to their widest cell. */
struct out_table {
	size_t ncols, nrows, cap;
	char **cells;          /* nrows * ncols, row-major; row 0 is the header */
};

void out_table_init(struct out_table *t, size_t ncols);
/* Adds a row of ncols strings (NULL prints as "-"); copies them. */
void out_table_add(struct out_table *t, const char *const *row);
/* Prints every row with `indent` spaces first; the last column is not padded. */
void out_table_print(const struct out_table *t, FILE *out, int indent);
void out_table_free(struct out_table *t);

/* The progress line: on a terminal one line rewritten in place ("\r...\033[K");
 * elsewhere nothing (the event lines already say the same, one per line). */
struct out_progress {
	FILE *out;
	int tty;
	int shown;             /* a line is on screen and must be cleared first */
};

void out_progress_init(struct out_progress *p, FILE *out);
void out_progress_update(struct out_progress *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Clears the line (before printing anything else on that stream). */
void out_progress_clear(struct out_progress *p);

/* Prints doc formatted, with a newline; `compact` for one line (JSON lines). */
void out_json_print(const cJSON *doc, FILE *out, int compact);

/* Trailing newlines and carriage returns removed in place; returns s. */
char *out_chomp(char *s);

#endif
