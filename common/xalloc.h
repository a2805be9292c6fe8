/*
 * xalloc.h - allocation that never returns NULL.
 *
 * Out of memory logs the size and aborts (as Redis' zmalloc does), so no
 * caller carries an untestable OOM branch.
 */
#ifndef CLUBMATCH_XALLOC_H
#define CLUBMATCH_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* reallocarray() that aborts on overflow or OOM. */
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* A new string formatted as by printf; free() it. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
