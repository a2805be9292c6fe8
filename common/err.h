/*
 * err.h - one error convention for the whole program.
 *
 * A function that can fail takes a struct err * as its last argument and
 * returns -1 (or NULL) after calling err_set().  On success the struct is
 * left untouched, so calls can be chained.  Only the HTTP layer maps
 * err->code to a status (http_status_for()); nothing parses err->msg.
 */
#ifndef CLUBMATCH_ERR_H
#define CLUBMATCH_ERR_H

enum err_code {
	ERR_OK = 0,
	ERR_INVALID,		/* bad input: 422 over HTTP (field names it) */
	ERR_MALFORMED,		/* unparseable input: 400 */
	ERR_NOT_FOUND,		/* 404 */
	ERR_CONFLICT,		/* 409 */
	ERR_FORBIDDEN,		/* 403 */
	ERR_UNAVAILABLE,	/* a resource is busy or down; retry later */
	ERR_INTERNAL,		/* a bug or a broken environment: 500 */
};

struct err {
	enum err_code code;	/* ERR_OK until err_set() */
	char field[64];		/* the offending input field, or "" */
	char msg[256];		/* lowercase, no full stop */
};

/* Fills *e (which may be NULL) and returns -1, so "return err_set(...)". */
int err_set(struct err *e, enum err_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* As err_set(), and names the input field that is wrong. */
int err_set_field(struct err *e, enum err_code code, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Resets *e to ERR_OK with empty strings. */
void err_clear(struct err *e);

#endif
