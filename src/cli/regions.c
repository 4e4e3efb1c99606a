/*
 * regions.c - several regions (see regions.h): the IVS region table, the
 * region lists, and the runner that starts one child `ivsvc` per region.
 *
 * A child is this program run again (/proc/self/exe) with --region R in
 * place of the user's --region, and IVSVC_REGION_CHILD=R in its
 * environment. Its stdout and stderr are pipes the runner reads with
 * poll(); its stdin is a pipe the runner answers confirmations on: the
 * child prints the line "\036confirm" when it would ask, and reads "y" or
 * "n". Children run concurrently: a slow region does not hold the others.
 */
#include "regions.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "aws/buf.h"
#include "changeset.h"
#include "cli.h"

#define CONFIRM_LINE "\036confirm"

/* Where IVS runs: botocore's data/endpoints.json, partition "aws", service
 * "ivs" (tests/integration/test_regions.py fails when they differ). */
static const char *const ivs_regions[] = {
	"ap-northeast-1", "ap-northeast-2", "ap-south-1", "eu-central-1",
	"eu-west-1",      "us-east-1",      "us-west-2",
};
#define N_IVS_REGIONS (sizeof(ivs_regions) / sizeof(ivs_regions[0]))

int regions_ivs_offered(const char *region)
{
	for (size_t i = 0; region && i < N_IVS_REGIONS; i++)
		if (strcmp(ivs_regions[i], region) == 0)
			return 1;
	return 0;
}

const char *regions_ivs_list(void)
{
	static char list[256];
	if (!list[0])
		for (size_t i = 0; i < N_IVS_REGIONS; i++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				 i ? ", " : "", ivs_regions[i]);
	return list;
}

int regions_child(void)
{
	const char *v = getenv("IVSVC_REGION_CHILD");
	return v && *v;
}

int regions_child_confirm(void)
{
	fflush(stderr);
	printf("%s\n", CONFIRM_LINE);
	fflush(stdout);
	char line[16];
	if (!fgets(line, sizeof(line), stdin))
		return 0;
	return line[0] == 'y';
}

/* ---- the runner ---- */

struct child {
	const char *region;
	pid_t pid;
	int fd[3];                /* its stdin (we write), stdout, stderr (we read); -1: closed */
	struct buf part[3];       /* [1], [2]: a line not yet ended */
	struct buf json;          /* --json: its stdout, documents not yet printed */
	struct buf block;         /* lines held for grouping: '1' or '2', the line, '\n' */
	int waiting;              /* printed CONFIRM_LINE, not yet answered */
	int status;               /* its exit code once reaped */
	int done;
};

struct runner {
	const struct cli_command *c;
	struct cli_ctx *x;
	struct child *kids;
	size_t n;
	int stream;               /* print lines as they come (logs --follow) */
	int json;
};

/* The child's argv: ivsvc <command> --region R [--yes] <the user's arguments
 * without their --region>. */
static char **child_argv(int argc, char **argv, const char *region, int yes)
{
	char **v = xcalloc((size_t)argc + 6, sizeof(char *));
	int k = 0;
	v[k++] = "ivsvc";
	v[k++] = argv[0];
	v[k++] = "--region";
	v[k++] = (char *)region;
	if (yes)
		v[k++] = "--yes";
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (i < argc)
				v[k++] = argv[i++];
			break;
		}
		if (strcmp(argv[i], "--region") == 0) {
			i++;
			continue;
		}
		if (strncmp(argv[i], "--region=", 9) != 0)
			v[k++] = argv[i];
	}
	return v;
}

static int child_start(struct child *k, int argc, char **argv, int yes)
{
	int p[3][2];
	for (int i = 0; i < 3; i++) {
		if (pipe(p[i]) < 0)
			return -1; /* the few fds made leak into an exit with an error */
		/* Not into the next region's child: it would hold this one's stdin open. */
		fcntl(p[i][0], F_SETFD, FD_CLOEXEC);
		fcntl(p[i][1], F_SETFD, FD_CLOEXEC);
	}
	fflush(stdout);
	fflush(stderr);
	k->pid = fork();
	if (k->pid < 0)
		return -1;
	if (k->pid == 0) {
		dup2(p[0][0], 0);
		dup2(p[1][1], 1);
		dup2(p[2][1], 2);
		for (int i = 0; i < 3; i++) {
			close(p[i][0]);
			close(p[i][1]);
		}
		setenv("IVSVC_REGION_CHILD", k->region, 1);
		char **v = child_argv(argc, argv, k->region, yes);
		execv("/proc/self/exe", v);
		fprintf(stderr, "ivsvc: cannot run itself again for %s: %s\n", k->region,
			strerror(errno));
		_exit(EXIT_FAILED);
	}
	k->fd[0] = p[0][1];
	k->fd[1] = p[1][0];
	k->fd[2] = p[2][0];
	close(p[0][0]);
	close(p[1][1]);
	close(p[2][1]);
	return 0;
}

static void buf_drop_front(struct buf *b, size_t n)
{
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	if (b->data)
		b->data[b->len] = '\0';
}

/* Prints one JSON document with "region" as its first member, on one line. */
static void json_emit(const char *region, cJSON *doc)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "region", region);
	if (cJSON_IsObject(doc)) {
		while (doc->child) {
			cJSON *it = cJSON_DetachItemViaPointer(doc, doc->child);
			cJSON_AddItemToObject(o, it->string, it);
		}
		cJSON_Delete(doc);
	} else {
		cJSON_AddItemToObject(o, "document", doc);
	}
	char *s = cJSON_PrintUnformatted(o);
	if (s)
		printf("%s\n", s);
	free(s);
	cJSON_Delete(o);
	fflush(stdout);
}

/* --json: prints the whole documents the child's stdout holds so far; at its
 * end (last) what does not parse goes to stderr, prefixed. */
static void json_drain(struct child *k, int last)
{
	size_t off = 0;
	while (off < k->json.len) {
		const char *s = k->json.data + off;
		size_t skip = strspn(s, " \t\r\n");
		if (off + skip >= k->json.len)
			break;
		const char *end = NULL;
		cJSON *doc = cJSON_ParseWithLengthOpts(s + skip, k->json.len - off - skip, &end, 0);
		if (!doc) {
			if (last)
				fprintf(stderr, "[%s] %.*s\n", k->region,
					(int)(k->json.len - off - skip), s + skip);
			off = last ? k->json.len : off;
			break;
		}
		json_emit(k->region, doc);
		off = (size_t)(end - k->json.data);
	}
	buf_drop_front(&k->json, off);
}

static void line_print(const struct runner *r, const struct child *k, int stream,
		       const char *line)
{
	FILE *out = stream == 1 ? stdout : stderr;
	fprintf(out, "[%s] %s\n", k->region, line);
	if (r->stream)
		fflush(out);
}

/* Prints the lines held for k, in the order they came. */
static void block_flush(const struct runner *r, struct child *k)
{
	char *p = k->block.data, *end = p + k->block.len;
	while (p && p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		*nl = '\0';
		line_print(r, k, p[0] - '0', p + 1);
		p = nl + 1;
	}
	fflush(stdout);
	fflush(stderr);
	buf_reset(&k->block);
}

/* One whole line from the child's stream 1 or 2. */
static void line_take(struct runner *r, struct child *k, int stream, const char *line)
{
	if (stream == 1 && strcmp(line, CONFIRM_LINE) == 0) {
		k->waiting = 1;
		return;
	}
	if (stream == 1 && r->json) {
		buf_printf(&k->json, "%s\n", line);
		json_drain(k, 0);
	} else if (r->stream) {
		line_print(r, k, stream, line);
	} else {
		buf_printf(&k->block, "%d%s\n", stream, line);
	}
}

/* Reads what fd i of k has; at its end closes it. */
static void child_read(struct runner *r, struct child *k, int i)
{
	char chunk[4096];
	ssize_t got = read(k->fd[i], chunk, sizeof(chunk));
	if (got < 0 && errno == EINTR)
		return;
	if (got <= 0) {
		if (k->part[i].len)
			line_take(r, k, i, buf_cstr(&k->part[i]));
		buf_reset(&k->part[i]);
		close(k->fd[i]);
		k->fd[i] = -1;
		return;
	}
	buf_append(&k->part[i], chunk, (size_t)got);
	char *nl;
	while ((nl = memchr(k->part[i].data, '\n', k->part[i].len)) != NULL) {
		*nl = '\0';
		line_take(r, k, i, k->part[i].data);
		buf_drop_front(&k->part[i], (size_t)(nl - k->part[i].data) + 1);
	}
}

/* Both its output pipes ended: reaps k and prints what it held. */
static void child_finish(struct runner *r, struct child *k)
{
	int st = 0;
	while (waitpid(k->pid, &st, 0) < 0 && errno == EINTR)
		;
	k->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	k->done = 1;
	k->waiting = 0;
	if (k->fd[0] >= 0)
		close(k->fd[0]);
	k->fd[0] = -1;
	if (r->json)
		json_drain(k, 1);
	block_flush(r, k);
}

/* Waits for output from any child and takes it. */
static void runner_poll(struct runner *r)
{
	struct pollfd pf[64];
	size_t who[64], n = 0;
	for (size_t i = 0; i < r->n && n + 2 <= 64; i++)
		for (int s = 1; s <= 2; s++)
			if (r->kids[i].fd[s] >= 0) {
				pf[n].fd = r->kids[i].fd[s];
				pf[n].events = POLLIN;
				who[n++] = i * 4 + (size_t)s;
			}
	if (poll(pf, n, 1000) <= 0)
		return;
	for (size_t j = 0; j < n; j++)
		if (pf[j].revents)
			child_read(r, &r->kids[who[j] / 4], (int)(who[j] % 4));
	for (size_t i = 0; i < r->n; i++) {
		struct child *k = &r->kids[i];
		if (!k->done && k->fd[1] < 0 && k->fd[2] < 0)
			child_finish(r, k);
	}
}

/* Every child waits for an answer or is done, and one waits: shows their
 * plans, asks once, answers each. */
static void runner_ask(struct runner *r)
{
	struct buf names = BUF_INIT;
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++) {
		if (!r->kids[i].waiting)
			continue;
		block_flush(r, &r->kids[i]);
		buf_printf(&names, "%s%s", n++ ? ", " : "", r->kids[i].region);
	}
	char prompt[512];
	snprintf(prompt, sizeof(prompt), "Go ahead with `%s` of stack %s in %zu region%s (%s)?",
		 r->c->name, r->x->cfg.stack_name, n, n == 1 ? "" : "s", buf_cstr(&names));
	buf_free(&names);
	int yes = cli_confirm(&r->x->o, prompt) > 0 && !cli_interrupted;
	for (size_t i = 0; i < r->n; i++) {
		struct child *k = &r->kids[i];
		if (!k->waiting)
			continue;
		k->waiting = 0;
		if (write(k->fd[0], yes ? "y\n" : "n\n", 2) != 2)
			cli_error("%s: could not answer the run for %s", r->c->name, k->region);
	}
}

static int runner_settled(const struct runner *r, int *any_waiting)
{
	*any_waiting = 0;
	for (size_t i = 0; i < r->n; i++) {
		if (r->kids[i].waiting)
			*any_waiting = 1;
		else if (!r->kids[i].done)
			return 0;
	}
	return 1;
}

/* The summary at the end, and the exit code the regions share. */
static int runner_summary(const struct runner *r)
{
	int rc = EXIT_OK;
	fprintf(stderr, "%s in %zu regions:\n", r->c->name, r->n);
	for (size_t i = 0; i < r->n; i++) {
		const struct child *k = &r->kids[i];
		const char *what = k->status == EXIT_OK		? "ok"
				   : k->status == EXIT_REFUSED	? "not done (refused)"
				   : k->status == EXIT_INTERRUPTED ? "interrupted"
							       : "failed";
		fprintf(stderr, "  %-16s %s", k->region, what);
		if (k->status != EXIT_OK)
			fprintf(stderr, " (exit %d)", k->status);
		fputc('\n', stderr);
		if (k->status != EXIT_OK)
			rc = rc == EXIT_OK || rc == k->status ? k->status : EXIT_FAILED;
	}
	return rc;
}

static int ivs_refuse(const struct cli_command *c, const char *region)
{
	cli_error("%s: IVS is not offered in %s; it is in %s", c->name, region, regions_ivs_list());
	return EXIT_USAGE;
}

int regions_check_ivs(const struct cli_command *c, struct cli_ctx *x)
{
	const char *region = aws_client_region(x->client);
	return regions_ivs_offered(region) ? EXIT_OK : ivs_refuse(c, region);
}

int regions_prepare(const struct cli_command *c, struct cli_ctx *x)
{
	struct ivs_error err;
	if ((c->needs & CLI_NEW_NAMES) && stack_check_derived_names(x->cfg.stack_name, &err) < 0) {
		cli_error("%s: %s", c->name, err.message);
		return EXIT_USAGE;
	}
	if (x->cfg.n_regions < 2 || !(c->needs & CLI_CLIENT))
		return EXIT_OK;
	if (!(c->needs & CLI_REGIONS)) {
		cli_error("%s: acts on one region; pass --region R (ivsvc.yaml names %zu)", c->name,
			  x->cfg.n_regions);
		return EXIT_USAGE;
	}
	for (size_t i = 0; (c->needs & CLI_IVS_REGION) && i < x->cfg.n_regions; i++)
		if (!regions_ivs_offered(x->cfg.regions[i]))
			return ivs_refuse(c, x->cfg.regions[i]);
	return EXIT_OK;
}

int regions_run(const struct cli_command *c, int argc, char **argv, struct cli_ctx *x)
{
	struct runner r = { .c = c, .x = x, .n = x->cfg.n_regions, .json = x->o.json,
			    .stream = x->o.follow };
	r.kids = xcalloc(r.n, sizeof(*r.kids));
	for (size_t i = 0; i < r.n; i++) {
		struct child *k = &r.kids[i];
		k->region = x->cfg.regions[i];
		k->fd[0] = k->fd[1] = k->fd[2] = -1;
	}
	int rc = EXIT_OK;
	signal(SIGPIPE, SIG_IGN); /* a child that died before its answer: write() fails */
	for (size_t i = 0; rc == EXIT_OK && i < r.n; i++) {
		if (child_start(&r.kids[i], argc, argv, x->o.yes) < 0) {
			cli_error("%s: cannot start the run for %s: %s", c->name, r.kids[i].region,
				  strerror(errno));
			r.kids[i].done = 1;
			r.kids[i].status = EXIT_FAILED;
		}
	}
	for (int waiting; rc == EXIT_OK;) {
		if (runner_settled(&r, &waiting)) {
			if (!waiting)
				break;
			runner_ask(&r);
			continue;
		}
		runner_poll(&r);
	}
	if (rc == EXIT_OK)
		rc = runner_summary(&r);
	for (size_t i = 0; i < r.n; i++) {
		for (int s = 0; s < 3; s++) {
			buf_free(&r.kids[i].part[s]);
			if (r.kids[i].fd[s] >= 0)
				close(r.kids[i].fd[s]);
		}
		buf_free(&r.kids[i].json);
		buf_free(&r.kids[i].block);
	}
	free(r.kids);
	return rc;
}
