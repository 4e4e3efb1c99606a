/*
 * buf.h - growable byte buffer and the allocation helpers every module uses.
 *
 * Owns: nothing global. A struct buf owns its data until buf_free() or
 * buf_detach(). Allocation failure aborts (like git's xmalloc): the tool and
 * the handler cannot do anything useful without memory, and checking every
 * small allocation would hide the real logic.
 */
#ifndef IVS_BUF_H
#define IVS_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;   /* always NUL-terminated when non-NULL */
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

void buf_init(struct buf *b);
void buf_append(struct buf *b, const void *p, size_t n);
/* Like buf_append, but a growth never leaves the old bytes behind in freed
 * memory (they are cleansed): for bodies that may carry credentials. */
void buf_append_wipe(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
void buf_reset(struct buf *b);            /* len = 0, keeps memory */
char *buf_detach(struct buf *b);          /* caller frees; b is reset */
const char *buf_cstr(const struct buf *b); /* "" when empty */
void buf_free(struct buf *b);
/* Zero the bytes (OPENSSL_cleanse) before freeing: for anything that held a secret. */
void buf_free_secret(struct buf *b);

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);             /* NULL in, NULL out */
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Frees n strings (NULLs allowed): a struct's string members in one call,
 * as `char *s[] = { r->name, r->arn }; free_strings(s, 2);`. */
void free_strings(char *const *v, size_t n);
/* Cleanse and free a NUL-terminated secret. */
void free_secret(char *s);

#endif
