/*
 * pack.c - ivsvc-pack, the build's host tool that writes the Lambda
 * package (function.zip) for the provided.al2023 runtime:
 *
 *   bootstrap              #!/bin/sh: execs bin/<handler> through lib/'s loader
 *   bin/<handler>          the handler executable
 *   lib/<soname>           every shared library `ldd` lists for it, libc and
 *                          the dynamic loader included
 *
 * Amazon Linux 2023 has no libcurl/libcjson/libxml2 and another glibc, so the
 * function brings its own and starts through its own loader with
 * --library-path: nothing of the host's /lib is used.
 *
 * The zip is reproducible: entries sorted by name, one fixed timestamp,
 * fixed permissions (0755 for bootstrap, the handler and the loader; 0644
 * for libraries) in the UNIX external attributes.
 *
 * usage: ivsvc-pack --binary PATH --output FILE.zip [--ldd PROGRAM]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zip.h>

/* 1980-01-01 00:00:00 (the DOS epoch) in DOS date/time form: no TZ involved. */
#define FIXED_DOS_DATE ((0 << 9) | (1 << 5) | 1)
#define FIXED_DOS_TIME 0

struct entry {
	char *name;        /* path in the zip */
	char *src;         /* file to read; NULL: data */
	char *data;
	unsigned mode;
};

static struct entry *entries;
static size_t n_entries, cap_entries;

static void die(const char *fmt, const char *a)
{
	fprintf(stderr, "ivsvc-pack: ");
	fprintf(stderr, fmt, a);
	fputc('\n', stderr);
	exit(1);
}

static char *dupstr(const char *s)
{
	char *p = strdup(s);
	if (!p)
		die("%s", "out of memory");
	return p;
}

static void add_entry(const char *name, const char *src, char *data, unsigned mode)
{
	for (size_t i = 0; i < n_entries; i++)
		if (strcmp(entries[i].name, name) == 0)
			return; /* ldd can name a library twice */
	if (n_entries == cap_entries) {
		cap_entries = cap_entries ? cap_entries * 2 : 32;
		entries = realloc(entries, cap_entries * sizeof(*entries));
		if (!entries)
			die("%s", "out of memory");
	}
	entries[n_entries++] = (struct entry){ dupstr(name), src ? dupstr(src) : NULL, data, mode };
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

/* Runs `ldd binary` and adds lib/<name> for each library; returns the
 * loader's file name (e.g. ld-linux-x86-64.so.2). */
static char *add_libraries(const char *ldd, const char *binary)
{
	int fd[2];
	if (pipe(fd) < 0)
		die("pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execlp(ldd, ldd, binary, (char *)NULL);
		fprintf(stderr, "ivsvc-pack: cannot run %s: %s\n", ldd, strerror(errno));
		_exit(127);
	}
	close(fd[1]);
	FILE *in = fdopen(fd[0], "r");
	char line[4096];
	char *loader = NULL;
	while (in && fgets(line, sizeof(line), in)) {
		char *p = line + strspn(line, " \t");
		p[strcspn(p, "\n")] = '\0';
		if (strstr(p, "not found"))
			die("a library of the handler is missing on this machine: %s", p);
		char *arrow = strstr(p, " => ");
		char name[2048], path[2048];
		if (arrow) {
			/* "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" */
			snprintf(name, sizeof(name), "%.*s", (int)(arrow - p), p);
			char *q = arrow + 4;
			if (*q != '/')
				continue; /* e.g. "linux-vdso.so.1 =>  (0x...)" */
			snprintf(path, sizeof(path), "%.*s", (int)strcspn(q, " "), q);
		} else if (*p == '/') {
			/* the loader: "/lib64/ld-linux-x86-64.so.2 (0x...)" */
			snprintf(path, sizeof(path), "%.*s", (int)strcspn(p, " "), p);
			snprintf(name, sizeof(name), "%s", base_name(path));
			free(loader);
			loader = dupstr(name);
		} else {
			continue; /* the vDSO, which the kernel provides */
		}
		char zname[sizeof(name) + 8];
		snprintf(zname, sizeof(zname), "lib/%s", name);
		int is_loader = loader && strcmp(loader, name) == 0;
		add_entry(zname, path, NULL, is_loader ? 0755 : 0644);
	}
	if (in)
		fclose(in);
	int status;
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("`ldd %s` failed (is the handler a dynamic executable?)", binary);
	if (!loader)
		die("`ldd %s` named no dynamic loader", binary);
	return loader;
}

static char *bootstrap_script(const char *loader, const char *handler)
{
	const char *fmt =
		"#!/bin/sh\n"
		"# Lambda custom runtime entry point (written by ivsvc-pack).\n"
		"# Starts the handler through the dynamic loader and libraries shipped in\n"
		"# lib/, so nothing of the host's /lib is needed. LAMBDA_TASK_ROOT is set by\n"
		"# Lambda; elsewhere it is this script's directory.\n"
		"if [ -z \"$LAMBDA_TASK_ROOT\" ]; then\n"
		"  case \"$0\" in */*) d=\"${0%%/*}\" ;; *) d=. ;; esac\n"
		"  LAMBDA_TASK_ROOT=$(cd \"$d\" && pwd) || exit 1\n"
		"  export LAMBDA_TASK_ROOT\n"
		"fi\n"
		"exec \"$LAMBDA_TASK_ROOT/lib/%s\" --library-path \"$LAMBDA_TASK_ROOT/lib\" "
		"\"$LAMBDA_TASK_ROOT/bin/%s\" \"$@\"\n";
	size_t n = strlen(fmt) + strlen(loader) + strlen(handler) + 1;
	char *s = malloc(n);
	if (!s)
		die("%s", "out of memory");
	snprintf(s, n, fmt, loader, handler);
	return s;
}

int main(int argc, char **argv)
{
	const char *binary = NULL, *output = NULL, *ldd = "ldd";
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--binary") == 0)
			binary = argv[i + 1];
		else if (strcmp(argv[i], "--output") == 0)
			output = argv[i + 1];
		else if (strcmp(argv[i], "--ldd") == 0)
			ldd = argv[i + 1];
		else
			die("unknown option %s", argv[i]);
	}
	if (!binary || !output) {
		fprintf(stderr, "usage: ivsvc-pack --binary PATH --output FILE.zip [--ldd PROGRAM]\n");
		return 2;
	}
	const char *handler = base_name(binary);
	char zname[600];
	snprintf(zname, sizeof(zname), "bin/%s", handler);
	add_entry(zname, binary, NULL, 0755);
	char *loader = add_libraries(ldd, binary);
	add_entry("bootstrap", NULL, bootstrap_script(loader, handler), 0755);
	qsort(entries, n_entries, sizeof(*entries), cmp_entry);

	/* written beside the target, then renamed: a half-written zip is never
	 * taken for the package */
	size_t tn = strlen(output) + 16;
	char *tmp = malloc(tn);
	if (!tmp)
		die("%s", "out of memory");
	snprintf(tmp, tn, "%s.tmp%ld", output, (long)getpid());
	int zerr = 0;
	zip_t *za = zip_open(tmp, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
	if (!za)
		die("cannot create %s", tmp);
	for (size_t i = 0; i < n_entries; i++) {
		struct entry *e = &entries[i];
		zip_source_t *src = e->src ? zip_source_file(za, e->src, 0, -1)
					   : zip_source_buffer(za, e->data, strlen(e->data), 0);
		if (!src)
			die("cannot read %s", e->src ? e->src : e->name);
		zip_int64_t idx = zip_file_add(za, e->name, src, ZIP_FL_ENC_UTF_8);
		if (idx < 0) {
			zip_source_free(src);
			die("cannot add %s", e->name);
		}
		if (zip_file_set_external_attributes(za, (zip_uint64_t)idx, 0, ZIP_OPSYS_UNIX,
						     (zip_uint32_t)(S_IFREG | e->mode) << 16) < 0 ||
		    zip_file_set_dostime(za, (zip_uint64_t)idx, FIXED_DOS_TIME, FIXED_DOS_DATE, 0) < 0 ||
		    zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_DEFLATE, 0) < 0)
			die("cannot set the attributes of %s", e->name);
	}
	if (zip_close(za) < 0) {
		fprintf(stderr, "ivsvc-pack: writing %s: %s\n", tmp, zip_strerror(za));
		zip_discard(za);
		unlink(tmp);
		return 1;
	}
	if (rename(tmp, output) < 0) {
		unlink(tmp);
		die("cannot write %s", output);
	}
	printf("ivsvc-pack: %s: %zu files (bootstrap, bin/%s, %zu libraries)\n", output, n_entries,
	       handler, n_entries - 2);
	for (size_t i = 0; i < n_entries; i++) {
		free(entries[i].name);
		free(entries[i].src);
		free(entries[i].data);
	}
	free(entries);
	free(loader);
	free(tmp);
	return 0;
}
