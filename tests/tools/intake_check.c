/*
 * intake_check.c - polls one intake once and prints what the reader makes
 * of each message, so that Python tests can drive the real transports
 * (tests/integration/t0600_intake_transport.py).
 *
 *   intake_check [--fail] [--mail-from ADDR] maildir DIR
 *   intake_check [--fail] [--mail-from ADDR] imap URL [USER PASSWORD [CA]]
 *   intake_check [--mail-from ADDR] file [FILE]     (standard input: -)
 *
 * One line per message: "KIND MESSAGE-ID TAGS" ("-" for none; tags joined
 * by ","), then "taken N".  --fail makes every take fail (-1), so the
 * messages must stay for a later poll.  (libcurl initialises itself on
 * first use; this program has one thread.)  Exit status 0, 1 when the poll
 * failed (the error on stderr), 2 on bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ics.h"
#include "intake.h"
#include "reader.h"

struct opts {
	const char *mail_from;
	int fail;
};

static int
take(const char *data, size_t len, void *arg)
{
	const struct opts *o = arg;
	struct reader_msg m;
	struct err e;
	size_t i;

	err_clear(&e);
	if (reader_parse(data, len, o->mail_from, &m, &e) != 0) {
		fprintf(stderr, "intake_check: %s\n", e.msg);
		return -1;
	}
	printf("%s %s ", reader_kind_name(m.kind),
	    m.message_id != NULL ? m.message_id : "-");
	for (i = 0; i < m.n_tags; i++)
		printf("%s%s", i ? "," : "", m.tags[i]);
	printf("%s\n", m.n_tags ? "" : "-");
	fflush(stdout);
	reader_msg_free(&m);
	return o->fail ? -1 : 0;
}

static int
usage(void)
{
	fprintf(stderr, "usage: intake_check [--fail] [--mail-from ADDR] "
	    "maildir DIR | imap URL [USER PASSWORD [CA]] | file [FILE]\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct opts o = { "clubmatch@clubs.example.org", 0 };
	struct err e;
	int i = 1, n = -1;

	while (i < argc && strncmp(argv[i], "--", 2) == 0) {
		if (strcmp(argv[i], "--fail") == 0) {
			o.fail = 1;
			i++;
		} else if (strcmp(argv[i], "--mail-from") == 0 &&
		    i + 1 < argc) {
			o.mail_from = argv[i + 1];
			i += 2;
		} else {
			return usage();
		}
	}
	if (i >= argc)
		return usage();
	err_clear(&e);
	if (ics_init(&e) != 0) {
		fprintf(stderr, "intake_check: %s\n", e.msg);
		return 1;
	}
	reader_init();
	if (strcmp(argv[i], "maildir") == 0 && i + 2 == argc) {
		n = intake_maildir_poll(argv[i + 1], take, &o, &e);
	} else if (strcmp(argv[i], "imap") == 0 && i + 2 <= argc &&
	    argc <= i + 5) {
		n = intake_imap_poll(argv[i + 1], i + 2 < argc ? argv[i + 2] :
		    NULL, i + 3 < argc ? argv[i + 3] : NULL, i + 4 < argc ?
		    argv[i + 4] : NULL, take, &o, &e);
	} else if (strcmp(argv[i], "file") == 0 && argc <= i + 2) {
		struct buf b;
		const char *path = i + 1 < argc && strcmp(argv[i + 1], "-") ?
		    argv[i + 1] : NULL;

		buf_init(&b);
		if (intake_read_file(path, &b, &e) == 0)
			n = take(b.data, b.len, &o) == 0 ? 1 : 0;
		buf_release(&b);
	} else {
		n = -2;
	}
	reader_shutdown();
	ics_shutdown();
	if (n == -2)
		return usage();
	if (n < 0) {
		fprintf(stderr, "intake_check: %s\n", e.msg);
		return 1;
	}
	printf("taken %d\n", n);
	return 0;
}
