/*
 * pack.c - ivsvc-pack, the build's host tool that writes the Lambda
 * package (function.zip) for the provided.al2023 runtime:
 *
 *   bootstrap              the handler: one static executable (musl, with
 *                          libcurl, OpenSSL and cJSON linked in), 0755
 *   licenses/<name>.txt    the licences of what is linked in, 0644
 *
 * No loader, no lib/ and no script: Lambda execs bootstrap directly, and a
 * static executable cannot pick up anything from the host's /lib. A binary
 * that asks for a dynamic loader (has a PT_INTERP program header) is refused.
 *
 * The zip is reproducible: entries sorted by name, one fixed timestamp,
 * fixed permissions in the UNIX external attributes, fixed compression level.
 *
 * usage: ivsvc-pack --binary PATH --output FILE.zip [--file NAME=PATH]...
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zip.h>

/* 1980-01-01 00:00:00 (the DOS epoch) in DOS date/time form: no TZ involved. */
#define FIXED_DOS_DATE ((0 << 9) | (1 << 5) | 1)
#define FIXED_DOS_TIME 0
#define MAX_ENTRIES 32

struct entry {
	const char *name;  /* path in the zip (points into argv or a literal) */
	const char *src;   /* file to read */
	unsigned mode;
};

static struct entry entries[MAX_ENTRIES];
static size_t n_entries;

static void die(const char *fmt, const char *a)
{
	fprintf(stderr, "ivsvc-pack: ");
	fprintf(stderr, fmt, a);
	fputc('\n', stderr);
	exit(1);
}

static void add_entry(const char *name, const char *src, unsigned mode)
{
	if (!*name || name[0] == '/' || strstr(name, ".."))
		die("bad name in the package: %s", name);
	for (size_t i = 0; i < n_entries; i++)
		if (strcmp(entries[i].name, name) == 0)
			die("%s is in the package twice", name);
	if (n_entries == MAX_ENTRIES)
		die("%s", "too many files for a package");
	entries[n_entries++] = (struct entry){ name, src, mode };
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

/* Refuses anything but a 64-bit ELF executable without PT_INTERP: Lambda
 * would exec a dynamic one through a loader the package no longer carries. */
static void check_static_executable(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		die("cannot open %s", path);
	Elf64_Ehdr eh;
	if (fread(&eh, sizeof(eh), 1, f) != 1 || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB)
		die("%s is not a 64-bit little-endian ELF file", path);
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
		die("%s is not an executable", path);
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0)
		die("%s has no program headers", path);
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		if (fseek(f, (long)(eh.e_phoff + (Elf64_Off)i * sizeof(ph)), SEEK_SET) != 0 ||
		    fread(&ph, sizeof(ph), 1, f) != 1)
			die("%s: truncated program headers", path);
		if (ph.p_type == PT_INTERP || ph.p_type == PT_DYNAMIC)
			die("%s is dynamically linked; the package needs the static bootstrap", path);
	}
	fclose(f);
}

static void write_zip(const char *tmp)
{
	int zerr = 0;
	zip_t *za = zip_open(tmp, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
	if (!za)
		die("cannot create %s", tmp);
	for (size_t i = 0; i < n_entries; i++) {
		struct entry *e = &entries[i];
		zip_source_t *src = zip_source_file(za, e->src, 0, -1);
		if (!src)
			die("cannot read %s", e->src);
		zip_int64_t idx = zip_file_add(za, e->name, src, ZIP_FL_ENC_UTF_8);
		if (idx < 0) {
			zip_source_free(src);
			die("cannot add %s", e->name);
		}
		if (zip_file_set_external_attributes(za, (zip_uint64_t)idx, 0, ZIP_OPSYS_UNIX,
						     (zip_uint32_t)(S_IFREG | e->mode) << 16) < 0 ||
		    zip_file_set_dostime(za, (zip_uint64_t)idx, FIXED_DOS_TIME, FIXED_DOS_DATE, 0) < 0 ||
		    zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_DEFLATE, 9) < 0)
			die("cannot set the attributes of %s", e->name);
	}
	if (zip_close(za) < 0) {
		fprintf(stderr, "ivsvc-pack: writing %s: %s\n", tmp, zip_strerror(za));
		zip_discard(za);
		unlink(tmp);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	const char *binary = NULL, *output = NULL;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--binary") == 0) {
			binary = argv[i + 1];
		} else if (strcmp(argv[i], "--output") == 0) {
			output = argv[i + 1];
		} else if (strcmp(argv[i], "--file") == 0) {
			char *eq = strchr(argv[i + 1], '=');
			if (!eq)
				die("--file wants NAME=PATH, not %s", argv[i + 1]);
			*eq = '\0';
			add_entry(argv[i + 1], eq + 1, 0644);
		} else {
			die("unknown option %s", argv[i]);
		}
	}
	if (!binary || !output || argc % 2 == 0) {
		fprintf(stderr, "usage: ivsvc-pack --binary PATH --output FILE.zip [--file NAME=PATH]...\n");
		return 2;
	}
	check_static_executable(binary);
	add_entry("bootstrap", binary, 0755);
	qsort(entries, n_entries, sizeof(*entries), cmp_entry);

	/* written beside the target, then renamed: a half-written zip is never
	 * taken for the package */
	size_t tn = strlen(output) + 32;
	char *tmp = malloc(tn);
	if (!tmp)
		die("%s", "out of memory");
	snprintf(tmp, tn, "%s.tmp%ld", output, (long)getpid());
	write_zip(tmp);
	if (rename(tmp, output) < 0) {
		unlink(tmp);
		die("cannot write %s", output);
	}
	printf("ivsvc-pack: %s: %zu files (bootstrap, %zu licences)\n", output, n_entries,
	       n_entries - 1);
	free(tmp);
	return 0;
}
