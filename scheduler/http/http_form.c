/*
 * http_form.c - the fields of an HTML form post
 * (application/x-www-form-urlencoded), for the pages that work without
 * JavaScript: RSVP, joining, the member's page (docs/api.md, "Pages").
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http_int.h"
#include "text.h"

bool
http_form_ok(struct request *rq)
{
	const char *ct = http_header(rq, "Content-Type");
	size_t n = strlen("application/x-www-form-urlencoded");

	if (rq->body.len == 0)
		return true;	/* a bare button post carries no fields */
	return ct && strncasecmp(ct, "application/x-www-form-urlencoded",
	    n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes s[0..len) into out (NUL-terminated); false when an escape is
 * broken, it is a NUL, the result does not fit, or it is not UTF-8. */
static bool
form_decode(const char *s, size_t len, char *out, size_t size)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		int c = (unsigned char)s[i];

		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int hi, lo;

			if (i + 2 >= len)
				return false;
			hi = hex_value(s[i + 1]);
			lo = hex_value(s[i + 2]);
			if (hi < 0 || lo < 0)
				return false;
			c = hi * 16 + lo;
			i += 2;
			if (c == 0)
				return false;	/* would cut the value short */
		}
		if (o + 1 >= size)
			return false;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return text_utf8_valid(out, o, NULL);
}

int
http_form_get(struct request *rq, const char *name, char *out, size_t size)
{
	const char *p = rq->body.data, *end = p + rq->body.len;
	char key[64];

	if (p == NULL || !http_form_ok(rq))
		return 0;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));

		if (eq && form_decode(p, (size_t)(eq - p), key, sizeof(key)) &&
		    strcmp(key, name) == 0)
			return form_decode(eq + 1, (size_t)(stop - eq - 1), out,
			    size) ? 1 : -1;
		p = stop + 1;
	}
	return 0;
}

bool
http_date_param(const char *s)
{
	static const char shape[] = "dddd-dd-dd";
	size_t i;

	for (i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') :
		    s[i] != shape[i])
			return false;
	return s[i] == '\0';
}
