/*
 * ics_check.c - validates a calendar file with libical, for the
 * integration tests (t0200/t0210).
 *
 *   ics_check FILE [PUBLISH|REQUEST|CANCEL]
 *
 * Runs ics_calendar_check() (parse with libical, no X-LIC-ERROR, METHOD,
 * icalrestriction_check, a VTIMEZONE per TZID, UTC DTSTAMP, CRLF lines of
 * at most 75 octets) on FILE ("-": standard input) and prints "OK" or the
 * first problem.  Exit status 0 when it passes, 1 when not, 2 on bad
 * usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ics.h"

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *text = NULL;
	size_t n = 0, cap = 0, got;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (cap - n < 4096) {
			cap = cap ? 2 * cap : 65536;
			text = realloc(text, cap + 1);
			if (text == NULL)
				abort();
		}
		got = fread(text + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (f != stdin)
		fclose(f);
	text[n] = '\0';
	*len = n;
	return text;
}

int
main(int argc, char **argv)
{
	enum ics_method method = ICS_PUBLISH;
	struct err err;
	size_t len = 0;
	char *text;
	int rc;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: ics_check FILE [PUBLISH|REQUEST|CANCEL]\n");
		return 2;
	}
	if (argc == 3) {
		if (strcmp(argv[2], "PUBLISH") == 0)
			method = ICS_PUBLISH;
		else if (strcmp(argv[2], "REQUEST") == 0)
			method = ICS_REQUEST;
		else if (strcmp(argv[2], "CANCEL") == 0)
			method = ICS_CANCEL;
		else {
			fprintf(stderr, "ics_check: unknown method '%s': use "
			    "PUBLISH, REQUEST or CANCEL\n", argv[2]);
			return 2;
		}
	}
	text = slurp(argv[1], &len);
	if (text == NULL) {
		fprintf(stderr, "ics_check: cannot read '%s': %s\n", argv[1],
		    strerror(errno));
		return 2;
	}
	if (strlen(text) != len) {
		printf("NUL byte in calendar text\n");
		free(text);
		return 1;
	}
	err_clear(&err);
	if (ics_init(&err) != 0) {
		fprintf(stderr, "ics_check: %s\n", err.msg);
		free(text);
		return 2;
	}
	err_clear(&err);
	rc = ics_calendar_check(text, method, &err);
	if (rc == 0)
		printf("OK\n");
	else
		printf("%s\n", err.msg);
	free(text);
	ics_shutdown();
	return rc == 0 ? 0 : 1;
}
