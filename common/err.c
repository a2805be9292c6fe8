#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

/* The format attribute lets the compiler check the callers' formats
 * through this one (clang's -Wformat-nonliteral). */
static void __attribute__((format(printf, 4, 0)))
err_vset(struct err *e, enum err_code code, const char *field,
    const char *fmt, va_list ap)
{
	e->code = code;
	snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
}

int
err_set(struct err *e, enum err_code code, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	va_start(ap, fmt);
	err_vset(e, code, NULL, fmt, ap);
	va_end(ap);
	return -1;
}

int
err_set_field(struct err *e, enum err_code code, const char *field,
    const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	va_start(ap, fmt);
	err_vset(e, code, field, fmt, ap);
	va_end(ap);
	return -1;
}

void
err_clear(struct err *e)
{
	memset(e, 0, sizeof(*e));
}
