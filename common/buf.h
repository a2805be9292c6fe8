/*
 * buf.h - a growable byte string (git's strbuf, curl's dynbuf).
 *
 * Invariant: b->data is always NUL-terminated when b->len > 0 or after
 * buf_init(), so it can be handed to C string functions.  A struct buf is
 * owned by whoever embeds it; it is not thread-safe.
 */
#ifndef CLUBMATCH_BUF_H
#define CLUBMATCH_BUF_H

#include <stddef.h>

struct buf {
	char *data;	/* NUL-terminated contents, never NULL after init */
	size_t len;	/* bytes used, not counting the NUL */
	size_t cap;	/* bytes allocated */
};

void buf_init(struct buf *b);
/* Frees the contents; the struct can be reused after buf_init(). */
void buf_release(struct buf *b);
void buf_reset(struct buf *b);
void buf_add(struct buf *b, const void *data, size_t len);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Hands the contents to the caller (free() them) and re-initialises b. */
char *buf_take(struct buf *b, size_t *len);

#endif
