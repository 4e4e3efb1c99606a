/*
 * regions.h - several regions: which regions offer IVS, the region list of
 * ivsvc.yaml (regions: [a, b]) and --region a,b, and running a command in
 * every region at once.
 *
 * The runner (regions_run) is the seam for any command that acts on every
 * region: give it CLI_REGIONS in command.c's table and, with several
 * regions, the runner starts one `ivsvc <command> --region R` per region
 * instead of calling the command. Their output comes back grouped by region,
 * each line prefixed "[R] " (with --json each document gets a "region"
 * member, one per line); a confirmation the children ask for is asked once
 * for all of them after every plan is shown; a region that fails leaves the
 * others as they are; a summary per region ends it.
 *
 * Owns: the IVS region table. (Region lists: regionlist.h.)
 */
#ifndef IVS_CLI_REGIONS_H
#define IVS_CLI_REGIONS_H

struct cli_command;
struct cli_ctx;

/* 1 when region offers IVS (botocore's endpoints.json "ivs" entry; the
 * test test_regions.py checks the table against it). */
int regions_ivs_offered(const char *region);
/* "ap-northeast-1, ap-northeast-2, ...": for messages. */
const char *regions_ivs_list(void);

/* 1 in an `ivsvc` the runner started for one region: its confirmation is
 * asked of the runner (cli_confirm), not of a terminal. */
int regions_child(void);
/* What cli_confirm does in such a child: tells the runner, waits for its
 * answer. 1 yes, 0 no. */
int regions_child_confirm(void);

/* The runner's checks before a command runs: the derived names of a
 * CLI_NEW_NAMES command; with several regions, that c takes them
 * (CLI_REGIONS) and, for CLI_IVS_REGION, that each offers IVS. Exit code. */
int regions_prepare(const struct cli_command *c, struct cli_ctx *x);
/* For CLI_IVS_REGION: the client's region must offer IVS; else exit 2
 * naming the regions that do. */
int regions_check_ivs(const struct cli_command *c, struct cli_ctx *x);

/* Runs c in each of x->cfg.regions concurrently (argv: the command's name
 * and its arguments, as the runner got them). Returns 0 when every region
 * succeeded; else the exit code they share, or EXIT_FAILED when they differ. */
int regions_run(const struct cli_command *c, int argc, char **argv, struct cli_ctx *x);

#endif
