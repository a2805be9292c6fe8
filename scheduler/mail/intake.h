/*
 * intake.h - where received mail comes from: a Maildir, an IMAP mailbox,
 * or one file / standard input (CONTRACT §10; docs/email.md, "Replies").
 *
 * Each source hands every message, as raw bytes, to one callback:
 *
 *   int take(const char *data, size_t len, void *arg);
 *
 * which returns 0 when the message is dealt with (taken, or deliberately
 * ignored) and -1 on a runtime failure (the database is busy...): the
 * message is then kept for a later poll.  A message is at most
 * INTAKE_MAX_SIZE bytes as handed over; a longer one is cut there, so
 * the callback sees more than READER_MAX_SIZE and calls it too large.
 *
 * Thread safety: no shared state; each call uses its own handles.
 */
#ifndef CLUBMATCH_INTAKE_H
#define CLUBMATCH_INTAKE_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/* 10 MiB and one byte: enough to tell "too large" (READER_MAX_SIZE). */
#define INTAKE_MAX_SIZE		(10u * 1024 * 1024 + 1)
/* Messages handled per poll; the rest wait for the next one. */
#define INTAKE_MAX_PER_POLL	500

/*
 * Takes each file in DIR/new/ (oldest name first): calls take, and on 0
 * moves it to DIR/cur/ with the "S" flag (NAME:2,S); on -1 it stays in
 * new/.  Creates DIR, tmp/, new/ and cur/ when missing.  Returns the
 * number of messages taken, or -1 (err set) when the Maildir cannot be
 * created or read.
 */
int intake_maildir_poll(const char *dir,
    int (*take)(const char *data, size_t len, void *arg), void *arg,
    struct err *err);

/*
 * One poll of an IMAP mailbox: url is imap://HOST[:PORT]/MAILBOX or
 * imaps://...; user may be NULL (no login), password NULL means "".
 * With a user over imap:// STARTTLS is required; certificates are always
 * verified, and ca_file (may be NULL) names a CA to trust besides the
 * system's.  Runs UID SEARCH UNSEEN, fetches each message, calls take,
 * and on 0 sets \Seen.  Returns the number taken, or -1 (err set) when
 * the server cannot be reached, refuses the login or the mailbox.
 *
 * libcurl 7.88.1 fetches ";UID=n" with UID FETCH n BODY[], which sets
 * \Seen on the server at once (it offers no BODY.PEEK[]); so when take
 * returns -1 the flag is removed again (UID STORE n -FLAGS (\Seen)).
 * NEEDSWORK: a crash between the fetch and the take leaves that message
 * seen and not taken.
 */
int intake_imap_poll(const char *url, const char *user,
    const char *password, const char *ca_file,
    int (*take)(const char *data, size_t len, void *arg), void *arg,
    struct err *err);

/*
 * Reads one message from path, or standard input when path is NULL, into
 * buf (which the caller has initialised).  Fails (ERR_INVALID, "too
 * large") beyond READER_MAX_SIZE bytes, reading at most INTAKE_MAX_SIZE,
 * or with ERR_UNAVAILABLE when the file cannot be read.
 */
int intake_read_file(const char *path, struct buf *buf, struct err *err);

#endif
