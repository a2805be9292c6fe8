/*
 * test_mail.c - the Maildir transport delivers a message once per
 * Message-ID (CONTRACT §7: "to a Maildir, never" twice), the EHLO name
 * and the TLS settings' refusals (scheduler/mail/mail.h).
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "err.h"
#include "mail.h"

static const char FROM[] = "clubmatch@clubs.example.org";
static const char TO[] = "zoe@example.com";

static char root[256];

/* Names in root/sub (at most 16), sorted; returns how many. */
static int
list(const char *sub, char names[16][256])
{
	char path[512];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "%s/%s", root, sub);
	d = opendir(path);
	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL && n < 16)
		if (de->d_name[0] != '.')
			snprintf(names[n++], 256, "%s", de->d_name);
	closedir(d);
	return n;
}

static char *
message(const char *msgid_line, const char *body)
{
	size_t n = strlen(msgid_line) + strlen(body) + 200;
	char *m = malloc(n);

	snprintf(m, n, "From: Club <%s>\r\nTo: <%s>\r\n%sSubject: hi\r\n"
	    "\r\n%s", FROM, TO, msgid_line, body);
	return m;
}

static int
send1(struct mail_transport *t, const char *msg)
{
	struct err e;

	err_clear(&e);
	return mail_send(t, FROM, TO, msg, strlen(msg), &e);
}

static void
test_maildir_once_per_message_id(void)
{
	struct mail_config cfg = { .maildir = root };
	struct mail_transport *t;
	char names[16][256], from[600], to[600];
	char *a = message("Message-ID: <o1.s0.REQUEST@clubs.example.org>\r\n",
	    "one\r\n");
	char *b = message("Message-Id:   <o2.s0.REQUEST@clubs.example.org> \r\n",
	    "two\r\n");
	char *odd = message("Message-ID: <a/b:c%d@x>\r\n", "odd\r\n");
	char *none = message("", "Message-ID: <in-the-body@x>\r\n");
	struct err e;

	err_clear(&e);
	t = mail_transport_new(&cfg, &e);
	CHECK(t != NULL);
	if (t == NULL)
		return;
	CHECK(send1(t, a) == 0);
	CHECK(list("new", names) == 1);
	CHECK_STR(names[0], "o1.s0.REQUEST@clubs.example.org");
	/* The same message again (a re-send after a crash): success, and
	 * still one file. */
	CHECK(send1(t, a) == 0);
	CHECK(list("new", names) == 1);
	/* A reader moved it to cur/ and flagged it: still delivered. */
	snprintf(from, sizeof(from), "%s/new/%s", root, names[0]);
	snprintf(to, sizeof(to), "%s/cur/%s:2,S", root, names[0]);
	CHECK(rename(from, to) == 0);
	CHECK(send1(t, a) == 0);
	CHECK(list("new", names) == 0);
	CHECK(list("cur", names) == 1);
	/* Another message is another file; a header spelled otherwise is
	 * the same header. */
	CHECK(send1(t, b) == 0);
	CHECK(send1(t, b) == 0);
	CHECK(list("new", names) == 1);
	CHECK_STR(names[0], "o2.s0.REQUEST@clubs.example.org");
	/* No '/' or ':' in a name, whatever the Message-ID holds. */
	CHECK(send1(t, odd) == 0);
	CHECK(send1(t, odd) == 0);
	CHECK(list("new", names) == 2);
	CHECK(strchr(names[0], '/') == NULL && strchr(names[0], ':') == NULL);
	CHECK(strchr(names[1], '/') == NULL && strchr(names[1], ':') == NULL);
	/* Without a Message-ID header (one in the body does not count)
	 * each send is a new message. */
	CHECK(send1(t, none) == 0);
	CHECK(send1(t, none) == 0);
	CHECK(list("new", names) == 4);
	CHECK(list("tmp", names) == 0);
	mail_transport_free(t);
	free(a);
	free(b);
	free(odd);
	free(none);
}

static void
test_ehlo_name(void)
{
	char name[256];

	mail_ehlo_name(FROM, name, sizeof(name));
	CHECK(strchr(name, '.') != NULL);
	mail_ehlo_name("bad", name, sizeof(name));
	CHECK(strchr(name, '.') != NULL);
}

/* A CA file that cannot serve stops the transport at its start, naming
 * the flag (serve then refuses to start). */
static void
test_tls_ca_file_refused(void)
{
	struct mail_config cfg = { .smtp_url = "smtp://127.0.0.1:1" };
	struct mail_transport *t;
	char path[512];
	struct err e;
	FILE *f;

	err_clear(&e);
	snprintf(path, sizeof(path), "%s/missing.pem", root);
	cfg.ca_file = path;
	t = mail_transport_new(&cfg, &e);
	CHECK(t == NULL);
	CHECK(e.code == ERR_INVALID);
	CHECK_STR(e.field, "smtp-ca-file");
	mail_transport_free(t);
	snprintf(path, sizeof(path), "%s/not-a-cert.pem", root);
	f = fopen(path, "w");
	if (f != NULL) {
		fputs("hello\n", f);
		fclose(f);
	}
	err_clear(&e);
	t = mail_transport_new(&cfg, &e);
	CHECK(t == NULL);
	CHECK(strstr(e.msg, "no PEM certificate") != NULL);
	mail_transport_free(t);
	cfg.ca_file = NULL;
	err_clear(&e);
	t = mail_transport_new(&cfg, &e);
	CHECK(t != NULL);
	mail_transport_free(t);
}

int
main(void)
{
	char tmpl[] = "/tmp/clubmatch-test-mail-XXXXXX";

	if (mkdtemp(tmpl) == NULL)
		return check_setup_failed("mkdtemp", "cannot make a directory");
	snprintf(root, sizeof(root), "%s/Maildir", tmpl);
	RUN(test_maildir_once_per_message_id);
	RUN(test_ehlo_name);
	RUN(test_tls_ca_file_refused);
	return check_done();
}
