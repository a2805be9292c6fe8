/*
 * log.c - key=value events on stderr, one write(2) per line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static bool
is_bare_byte(unsigned char c)
{
	return c > ' ' && c < 0x7f && c != '"' && c != '=' && c != '\\';
}

bool
log_value_is_bare(const char *value)
{
	const char *p;

	if (value == NULL || value[0] == '\0')
		return false;
	for (p = value; *p; p++)
		if (!is_bare_byte((unsigned char)*p))
			return false;
	return p - value <= LOG_VALUE_MAX;
}

void
log_value(struct buf *b, const char *value)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)(value ? value : "");
	size_t n;

	if (log_value_is_bare(value)) {
		buf_adds(b, value);
		return;
	}
	buf_addc(b, '"');
	for (n = 0; p[n] && n < LOG_VALUE_MAX; n++) {
		unsigned char c = p[n];

		if (c == '"' || c == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, (char)c);
		} else if (c >= ' ' && c < 0x7f) {
			buf_addc(b, (char)c);
		} else {
			buf_adds(b, "\\x");
			buf_addc(b, hex[c >> 4]);
			buf_addc(b, hex[c & 15]);
		}
	}
	if (p[n])
		buf_adds(b, "...");
	buf_addc(b, '"');
}

/* Writes all of b to stderr; a short write (a pipe) is continued, but a
 * log that cannot be written is no reason to stop the server. */
static void
write_all(const struct buf *b)
{
	size_t off = 0;

	while (off < b->len) {
		ssize_t w = write(STDERR_FILENO, b->data + off, b->len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		off += (size_t)w;
	}
}

void
log_event(const char *event, ...)
{
	const char *key, *value;
	char ts[32];
	struct tm tm;
	time_t now = time(NULL);
	struct buf b;
	va_list ap;

	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	buf_init(&b);
	buf_addf(&b, "ts=%s event=", ts);
	log_value(&b, event);
	va_start(ap, event);
	for (;;) {
		key = va_arg(ap, const char *);
		if (key == NULL)
			break;
		value = va_arg(ap, const char *);
		if (value == NULL)
			continue;
		buf_addf(&b, " %s=", key);
		log_value(&b, value);
	}
	va_end(ap);
	buf_addc(&b, '\n');
	write_all(&b);
	buf_release(&b);
}
