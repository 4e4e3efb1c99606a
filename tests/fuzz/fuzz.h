/*
 * fuzz.h - what the fuzz targets share: a NUL-terminated copy of the input,
 * and the split of an HTTP-message-shaped input (a first line, "Name: value"
 * header lines, an empty line, the body) that the sigv4 and error targets
 * take, so their seeds read like the requests and responses they stand for.
 *
 * Each tests/fuzz/fuzz_<name>.c defines int fuzz_<name>(data, size) and,
 * unless IVS_FUZZ_NO_MAIN is defined, LLVMFuzzerTestOneInput calling it.
 * tests/unit/test_fuzz_regress.c includes the targets with IVS_FUZZ_NO_MAIN
 * to replay the corpus and the crash reproducers in the ordinary test run.
 */
#ifndef IVS_FUZZ_H
#define IVS_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/http.h"

/* The input as a C string (it may hold NULs before the terminator). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = xmalloc(size + 1);
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

struct fuzz_message {
	char *first_line;             /* "GET https://..." or "400" */
	struct http_headers headers;
	const char *body;             /* points into the input; not NUL-terminated */
	size_t body_len;
};

/* One line of [*p, end) without its "\n" or "\r\n"; advances *p. */
static inline char *fuzz_line(const char **p, const char *end)
{
	const char *b = *p;
	const char *e = memchr(b, '\n', (size_t)(end - b));
	*p = e ? e + 1 : end;
	if (!e)
		e = end;
	if (e > b && e[-1] == '\r')
		e--;
	return xstrndup(b, (size_t)(e - b));
}

/* A header line without ':' becomes a header with an empty value, so the
 * fuzzer can still reach odd names. */
static inline void fuzz_message_parse(const uint8_t *data, size_t size, struct fuzz_message *m)
{
	const char *p = (const char *)data, *end = p + size;
	memset(m, 0, sizeof(*m));
	m->first_line = fuzz_line(&p, end);
	while (p < end) {
		char *line = fuzz_line(&p, end);
		if (!*line) {
			free(line);
			break;
		}
		char *colon = strchr(line, ':');
		const char *value = "";
		if (colon) {
			*colon = '\0';
			value = colon + 1;
			while (*value == ' ')
				value++;
		}
		http_headers_add(&m->headers, line, value);
		free(line);
	}
	m->body = p;
	m->body_len = (size_t)(end - p);
}

static inline void fuzz_message_free(struct fuzz_message *m)
{
	free(m->first_line);
	http_headers_free(&m->headers);
}

/* An invariant the code under test broke: abort, so libFuzzer saves the
 * input and the regression test fails. */
static inline void fuzz_require(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz invariant broken: %s\n", what);
		abort();
	}
}

/* Fixed-size text fields (struct ivs_error's) must stay terminated. */
static inline int fuzz_terminated(const char *field, size_t n)
{
	return memchr(field, '\0', n) != NULL;
}

#endif
