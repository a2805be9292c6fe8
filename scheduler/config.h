/*
 * config.h - command-line flags and their environment variables.
 *
 * Every flag --some-flag also reads CLUBMATCH_SOME_FLAG; the flag wins.
 * config_load() fills a struct config once in main(); nothing writes to
 * it afterwards, so every thread may read it.  This is the only module
 * that reads the environment (tools/checksrc.py enforces it).
 */
#ifndef CLUBMATCH_CONFIG_H
#define CLUBMATCH_CONFIG_H

#include <stdbool.h>

#include "err.h"

#define CONFIG_MAX_PROXIES 16

struct config {
	const char *command;		/* serve, import, match, zip */
	const char *listen;		/* ADDR:PORT */
	char listen_host[64];		/* parsed from listen */
	int listen_port;
	const char *db;
	char base_url[256];		/* no trailing slash */
#define CONFIG_BASE_URL_MAX 200		/* longer is refused at start */
	const char *smtp;		/* NULL: write to the Maildir */
	const char *smtp_user;
	char *smtp_password;		/* read from --smtp-password-file */
	const char *smtp_ca_file;	/* --smtp-ca-file: a PEM CA trusted
					 * besides the system's, for SMTP and
					 * IMAP (mail_curl_tls()); or NULL */
	char mail_from[256];
	const char *maildir;
	const char *admin_token_file;	/* NULL: var/admin.token, created */
	const char *video_url_template;
	bool no_match;			/* import members --no-match */
	/* Replies and outreach (docs/email.md, docs/outreach.md). */
	const char *reply_maildir;	/* NULL: no Maildir intake */
	const char *imap;		/* imap[s]://host/MAILBOX, or NULL */
	const char *imap_user;
	char *imap_password;		/* read from --imap-password-file */
	bool no_reply_tags;		/* ORGANIZER without +TAG */
	char organizer_email[256];	/* "" : no organizer digest */
	int contact_due_days;		/* first contact due after, 7 */
	bool no_reminders;		/* no reminders nor follow-ups */
	int member_daily_cap;		/* messages a member may be sent in
					 * 24 h, 0: no cap (docs/email.md,
					 * "A daily cap per member") */
#define CONFIG_MEMBER_DAILY_CAP 12
	const char *args[4];		/* positional arguments */
	int nargs;
	int threads;			/* HTTP worker threads */
	/* --trusted-proxy (repeatable; the variable is comma-separated):
	 * peers whose X-Forwarded-For names the client (docs/operations.md,
	 * "Behind a reverse proxy"), as inet_ntop() writes them. */
	char trusted_proxy[CONFIG_MAX_PROXIES][48];
	int ntrusted_proxies;
	/* Set by the environment only, for the tests (docs/operations.md,
	 * "Settings for tests"). */
	double retry_scale;		/* CLUBMATCH_RETRY_SCALE: outbox delays
					 * times this (0 < x <= 100), 1 */
	long smtp_timeout;		/* CLUBMATCH_SMTP_TIMEOUT: seconds for
					 * a connection and a message, 30 */
};

/*
 * Parses argv (after the command name) and the environment.  Returns 0,
 * or -1 with *err set for bad usage (the caller exits 2).  Sets *help when
 * --help was given.
 */
int config_load(struct config *cfg, const char *command, int argc,
    char **argv, bool *help, struct err *err);
void config_release(struct config *cfg);

#endif
