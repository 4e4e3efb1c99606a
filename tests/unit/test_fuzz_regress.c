/*
 * test_fuzz_regress.c - replays every fuzz seed (tests/fuzz/corpus/<name>/)
 * and crash reproducer (tests/fuzz/regress/<name>/) through the same entry
 * points the libFuzzer targets use, without libFuzzer, so the ordinary
 * ASan+UBSan test run keeps fixed crashes fixed. A crash here is the
 * sanitizer's report; the input is the last "replay" line printed before it.
 *
 * The targets are compiled in from tests/fuzz/ (IVS_FUZZ_NO_MAIN leaves out
 * their LLVMFuzzerTestOneInput). A directory with no target here fails the
 * test, so a new target cannot be forgotten. Only "config" is not here:
 * src/cli/ is no library the unit tests link (nor libyaml); the fuzz build's
 * ctest "fuzz.config" replays its inputs instead.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"

#define IVS_FUZZ_NO_MAIN
#include "tests/fuzz/fuzz_arn.c"
#include "tests/fuzz/fuzz_creds.c"
#include "tests/fuzz/fuzz_error.c"
#include "tests/fuzz/fuzz_event.c"
#include "tests/fuzz/fuzz_ini.c"
#include "tests/fuzz/fuzz_json.c"
#include "tests/fuzz/fuzz_sigv4.c"
#include "tests/fuzz/fuzz_xml.c"

static const struct {
	const char *name;
	int (*fn)(const uint8_t *data, size_t size);
} targets[] = {
	{ "arn", fuzz_arn },
	{ "creds", fuzz_creds },
	{ "error", fuzz_error },
	{ "event", fuzz_event },
	{ "ini", fuzz_ini },
	{ "json", fuzz_json },
	{ "sigv4", fuzz_sigv4 },
	{ "xml", fuzz_xml },
};

/* Replayed by ctest "fuzz.<name>" in the fuzz build only (see above). */
static const char *const fuzz_build_only[] = { "config" };

static int (*target_fn(const char *name))(const uint8_t *, size_t)
{
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
		if (strcmp(targets[i].name, name) == 0)
			return targets[i].fn;
	return NULL;
}

static int read_file(const char *path, uint8_t **data, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	int bad = ferror(f);
	fclose(f);
	*size = b.len;
	*data = (uint8_t *)buf_detach(&b);
	if (!*data)
		*data = (uint8_t *)xstrdup("");
	return bad ? -1 : 0;
}

/* Runs every regular file of dir/<target> through its target; returns how many. */
static size_t replay_dir(const char *dir, const char *target,
			 int (*fn)(const uint8_t *, size_t))
{
	char path[2048];
	snprintf(path, sizeof(path), "%.1500s/%.500s", dir, target);
	DIR *d = opendir(path);
	CHECK(d != NULL);
	if (!d)
		return 0;
	size_t count = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		char file[4096 + 256];
		struct stat st;
		snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
		if (e->d_name[0] == '.' || stat(file, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		uint8_t *data = NULL;
		size_t size = 0;
		printf("replay %s\n", file);
		fflush(stdout);
		CHECK(read_file(file, &data, &size) == 0);
		CHECK(fn(data, size) == 0);
		free(data);
		count++;
	}
	closedir(d);
	return count;
}

/* Every <dir>/<target>/ under root/tests/fuzz/<kind>. */
static size_t replay_kind(const char *root, const char *kind)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/tests/fuzz/%s", root, kind);
	DIR *d = opendir(dir);
	if (!d)
		return 0; /* regress/ appears with the first reproducer */
	size_t total = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		int elsewhere = 0;
		for (size_t i = 0; i < sizeof(fuzz_build_only) / sizeof(fuzz_build_only[0]); i++)
			elsewhere |= strcmp(e->d_name, fuzz_build_only[i]) == 0;
		if (elsewhere)
			continue;
		int (*fn)(const uint8_t *, size_t) = target_fn(e->d_name);
		if (!fn) {
			fprintf(stderr, "tests/fuzz/%s/%s: no fuzz target of that name in "
				"test_fuzz_regress.c\n", kind, e->d_name);
			CHECK(fn != NULL);
			continue;
		}
		total += replay_dir(dir, e->d_name, fn);
	}
	closedir(d);
	return total;
}

int main(void)
{
	const char *root = getenv("IVSVC_SOURCE_DIR");
	char from_file[4096];
	if (!root || !*root) {
		/* Run by hand: this file is <root>/tests/unit/test_fuzz_regress.c. */
		snprintf(from_file, sizeof(from_file), "%s", __FILE__);
		char *cut = strstr(from_file, "/tests/unit/");
		if (cut)
			*cut = '\0';
		root = cut ? from_file : ".";
	}
	/* IMDS and the like are never reached, but keep the run hermetic anyway. */
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);

	size_t seeds = replay_kind(root, "corpus");
	size_t crashes = replay_kind(root, "regress");
	printf("replayed %zu seeds and %zu reproducers\n", seeds, crashes);
	CHECK(seeds > 0);
	return CHECK_DONE();
}
