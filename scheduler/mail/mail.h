/*
 * mail.h - delivering one finished RFC 5322 message: by SMTP (libcurl) or
 * into a Maildir.
 *
 * The message bytes come from imip_message_build() and are sent exactly
 * as given, so a Maildir file and what an SMTP server receives are the
 * same bytes (libcurl only dot-stuffs them on the wire).
 *
 * Thread-safety: a struct mail_transport is owned by one thread at a
 * time (an outbox lane); it holds one libcurl easy handle, whose SMTP
 * connection stays open across mail_send() calls.  Different transports
 * may be used from different threads at once.  mail_transport_new()
 * initialises libcurl (curl_global_init), which is thread-safe in the
 * libcurl 7.88 Debian ships.
 *
 * Errors: ERR_UNAVAILABLE means "try again later" (cannot connect, time
 * out, a 4xx reply, AUTH refused, a failed Maildir write); ERR_INVALID
 * means the server refused this message for good (any other 5xx reply,
 * 530 "authentication required" included) or an envelope address is not
 * valid.  The outbox retries the first and gives up on the second.
 */
#ifndef CLUBMATCH_MAIL_H
#define CLUBMATCH_MAIL_H

#include <stddef.h>

#include "err.h"

/* Borrowed by mail_transport_new() only: the transport copies what it
 * keeps. */
struct mail_config {
	const char *smtp_url;		/* smtp://host[:port] or smtps://...;
					 * NULL or "" writes to the Maildir */
	const char *smtp_user;		/* AUTH user, or NULL for no AUTH */
	const char *smtp_password;	/* its password (from a file) */
	const char *maildir;		/* the Maildir root, when no smtp_url */
	const char *ca_file;		/* a PEM CA trusted besides the
					 * system's, or NULL */
	const char *mail_from;		/* the --mail-from address: its domain
					 * is the EHLO name when the host has
					 * no fully qualified name; or NULL */
	long timeout_seconds;		/* connect and per-message limit;
					 * <= 0 means 30 */
};

struct mail_transport;

/*
 * Returns a new transport, or NULL with *err set (ERR_INVALID for an URL
 * that is not smtp:// or smtps://, or no Maildir given; ERR_UNAVAILABLE
 * when the Maildir cannot be created).  No connection is made yet: the
 * first mail_send() connects.  Free with mail_transport_free().
 */
struct mail_transport *mail_transport_new(const struct mail_config *cfg,
    struct err *err);

/* Closes the SMTP connection (QUIT) and frees t.  NULL is a no-op. */
void mail_transport_free(struct mail_transport *t);

/*
 * Delivers msg (len bytes, CRLF line ends) with the envelope sender
 * from_addr and the single envelope recipient to_addr (both must pass
 * text_email_is_valid()).  Returns 0 once the SMTP server answered 250
 * to the data, or the Maildir file is durably in new/; -1 with *err set
 * otherwise (see the error codes above).
 *
 * SMTP: smtp:// upgrades with STARTTLS when the server offers it, and
 * requires it when smtp_user is set (a server without STARTTLS gets no
 * password and no mail: ERR_UNAVAILABLE saying so); smtps:// is TLS from
 * the start; certificates are always verified (mail_curl_tls()); AUTH
 * is used when smtp_user is set.  EHLO greets with mail_ehlo_name()
 * unless the URL has a path of its own.
 * Connecting and the whole exchange for one message are each bounded by
 * timeout_seconds, so a server that stops answering mid-DATA fails the
 * send instead of blocking the caller.  After any failure the connection
 * is dropped and the next send reconnects; a kept connection that the
 * server closed meanwhile is noticed and replaced before sending.
 *
 * Maildir: exactly once per Message-ID.  The file name is derived from
 * the message's Message-ID header (a message without one gets a unique
 * name); when new/NAME or cur/NAME[:2,flags] exists already the message
 * was delivered before (a re-send after a crash) and 0 is returned
 * without writing.  Otherwise writes tmp/NAME, fsyncs it, links it into
 * new/ (an existing new/NAME also counts as delivered) and fsyncs new/,
 * creating tmp/, new/ and cur/ when they are missing.
 */
int mail_send(struct mail_transport *t, const char *from_addr,
    const char *to_addr, const char *msg, size_t len, struct err *err);

/* Number of SMTP connections this transport has opened so far (0 for a
 * Maildir transport): for tests and for the worker's log. */
long mail_transport_connects(const struct mail_transport *t);

/*
 * The TLS settings of every libcurl handle that talks to our mail
 * servers (SMTP here, IMAP for replies): peer and host name always
 * verified, and, when ca_file is set, that PEM file trusted besides
 * the system's CA bundle (libcurl's CURLOPT_CAINFO would replace the
 * bundle, so both go into one CURLOPT_CAINFO_BLOB; the system CA
 * directory stays as well).  curl is a CURL * (void * keeps libcurl's
 * header out of this one).  Returns 0, or -1 with ERR_INVALID (field
 * "smtp-ca-file") when ca_file cannot be read or holds no certificate.
 */
int mail_curl_tls(void *curl, const char *ca_file, struct err *err);

/*
 * The name to greet an SMTP server with into out: the host's fully
 * qualified name (getaddrinfo() AI_CANONNAME of gethostname()) when it
 * holds a dot, else the domain of mail_from, else
 * "localhost.localdomain".  May wait on DNS: call it once per
 * transport.
 */
void mail_ehlo_name(const char *mail_from, char *out, size_t size);

#endif
