/*
 * config.c - flags, environment variables and defaults (docs/operations.md,
 * "Flags").
 */
#include <ctype.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "text.h"
#include "xalloc.h"

struct flag {
	const char *name;		/* without the leading -- */
	size_t offset;			/* of a const char * (or, boolean, of
					 * a bool) in struct config */
	bool boolean;			/* takes no value */
};

#define F(name, field) { name, offsetof(struct config, field), false }
#define B(name, field) { name, offsetof(struct config, field), true }
static const struct flag FLAGS[] = {
	F("listen", listen),
	F("db", db),
	{ "base-url", 0, false },
	F("smtp", smtp),
	F("smtp-user", smtp_user),
	{ "smtp-password-file", 0, false },
	F("smtp-ca-file", smtp_ca_file),
	{ "mail-from", 0, false },
	F("maildir", maildir),
	F("admin-token-file", admin_token_file),
	F("video-url-template", video_url_template),
	B("no-match", no_match),
	F("reply-maildir", reply_maildir),
	F("imap", imap),
	F("imap-user", imap_user),
	{ "imap-password-file", 0, false },
	B("no-reply-tags", no_reply_tags),
	{ "organizer-email", 0, false },
	{ "contact-due-days", 0, false },
	B("no-reminders", no_reminders),
	{ "trusted-proxy", 0, false },
	{ "member-daily-cap", 0, false },
};
#undef F
#undef B

/* CLUBMATCH_ + upper case, '-' -> '_'. */
static const char *
flag_env(const char *name)
{
	char var[64] = "CLUBMATCH_";
	size_t n = strlen(var), i;

	for (i = 0; name[i] && n + 1 < sizeof(var); i++)
		var[n++] = name[i] == '-' ? '_' :
		    (char)toupper((unsigned char)name[i]);
	var[n] = '\0';
	return getenv(var);
}

/* Flags without a const char * field are kept here until defaults. */
struct raw {
	const char *base_url;
	const char *smtp_password_file;
	const char *mail_from;
	const char *imap_password_file;
	const char *organizer_email;
	const char *contact_due_days;
	const char *member_daily_cap;
	bool argv;			/* flags now come from argv */
	bool proxy_from_argv;		/* the variable's list was dropped */
	bool proxy_bad;			/* the first bad --trusted-proxy: */
	char proxy_bad_value[64];
};

/* Adds the comma-separated addresses of value to cfg->trusted_proxy; the
 * first flag on the command line replaces the variable's list. */
static void
trusted_proxy_add(struct config *cfg, struct raw *raw, const char *value)
{
	char one[64];
	size_t n;

	if (raw->argv && !raw->proxy_from_argv) {
		raw->proxy_from_argv = true;
		cfg->ntrusted_proxies = 0;
	}
	while (value && *value) {
		n = strcspn(value, ",");
		snprintf(one, sizeof(one), "%.*s", (int)(n < 63 ? n : 63),
		    value);
		value += n + (value[n] == ',');
		if (one[0] == '\0')
			continue;
		if (cfg->ntrusted_proxies >= CONFIG_MAX_PROXIES ||
		    !text_ip_normalize(one,
		    cfg->trusted_proxy[cfg->ntrusted_proxies],
		    sizeof(cfg->trusted_proxy[0]))) {
			if (!raw->proxy_bad)
				snprintf(raw->proxy_bad_value,
				    sizeof(raw->proxy_bad_value), "%s", one);
			raw->proxy_bad = true;
			continue;
		}
		cfg->ntrusted_proxies++;
	}
}

static void
flag_set(struct config *cfg, struct raw *raw, const struct flag *f,
    const char *value)
{
	if (strcmp(f->name, "base-url") == 0)
		raw->base_url = value;
	else if (strcmp(f->name, "smtp-password-file") == 0)
		raw->smtp_password_file = value;
	else if (strcmp(f->name, "mail-from") == 0)
		raw->mail_from = value;
	else if (strcmp(f->name, "imap-password-file") == 0)
		raw->imap_password_file = value;
	else if (strcmp(f->name, "organizer-email") == 0)
		raw->organizer_email = value;
	else if (strcmp(f->name, "contact-due-days") == 0)
		raw->contact_due_days = value;
	else if (strcmp(f->name, "member-daily-cap") == 0)
		raw->member_daily_cap = value;
	else if (strcmp(f->name, "trusted-proxy") == 0)
		trusted_proxy_add(cfg, raw, value);
	else if (f->boolean)
		*(bool *)((char *)cfg + f->offset) = value == NULL ||
		    (strcmp(value, "0") != 0 && strcmp(value, "") != 0 &&
		    strcmp(value, "false") != 0);
	else
		*(const char **)((char *)cfg + f->offset) = value;
}

static const struct flag *
flag_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(FLAGS) / sizeof(FLAGS[0]); i++)
		if (strlen(FLAGS[i].name) == len &&
		    strncmp(FLAGS[i].name, name, len) == 0)
			return &FLAGS[i];
	return NULL;
}

static int
parse_listen(struct config *cfg, struct err *err)
{
	const char *colon = strrchr(cfg->listen, ':');
	char *end;
	long port;

	if (colon == NULL || colon == cfg->listen ||
	    (size_t)(colon - cfg->listen) >= sizeof(cfg->listen_host))
		return err_set(err, ERR_INVALID, "--listen '%s' is not "
		    "ADDR:PORT (e.g. 127.0.0.1:8080)", cfg->listen);
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || port < 0 || port > 65535)
		return err_set(err, ERR_INVALID, "--listen '%s' has a bad "
		    "port: use a number from 0 to 65535", cfg->listen);
	memcpy(cfg->listen_host, cfg->listen, (size_t)(colon - cfg->listen));
	cfg->listen_host[colon - cfg->listen] = '\0';
	cfg->listen_port = (int)port;
	/* IPv6 in brackets, as in a URL: [::1]:8080. */
	if (cfg->listen_host[0] == '[' &&
	    cfg->listen_host[strlen(cfg->listen_host) - 1] == ']') {
		memmove(cfg->listen_host, cfg->listen_host + 1,
		    strlen(cfg->listen_host) - 2);
		cfg->listen_host[colon - cfg->listen - 2] = '\0';
	} else if (strchr(cfg->listen_host, ':')) {
		return err_set(err, ERR_INVALID, "--listen '%s': write an "
		    "IPv6 address in brackets (e.g. [::1]:8080)", cfg->listen);
	}
	return 0;
}

/* The first line of path, surrounding white space removed; free() it. */
static char *
read_first_line(const char *path, struct err *err)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	char *s, *e;

	if (f == NULL) {
		err_set(err, ERR_INVALID, "cannot read '%s': %s", path,
		    strerror(errno));
		return NULL;
	}
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	fclose(f);
	for (s = line; isspace((unsigned char)*s); s++)
		;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return xstrdup(s);
}

/* A number from the environment variable var within [min, max], else
 * def: these settings exist for the tests, and a bad one must not stop
 * the service. */
static double
env_number(const char *var, double min, double max, double def)
{
	const char *v = getenv(var);
	char *end;
	double x;

	if (v == NULL || *v == '\0')
		return def;
	x = strtod(v, &end);
	return *end == '\0' && x >= min && x <= max ? x : def;
}

/* The settings of replies and outreach (docs/operations.md, "Flags"). */
static int
outreach_settings(struct config *cfg, const struct raw *raw,
    struct err *err)
{
	int64_t n;

	if (raw->organizer_email) {
		if (!text_email_is_valid(raw->organizer_email))
			return err_set(err, ERR_INVALID, "--organizer-email "
			    "'%.200s' is not a plain e-mail address",
			    raw->organizer_email);
		snprintf(cfg->organizer_email, sizeof(cfg->organizer_email),
		    "%s", raw->organizer_email);
	}
	cfg->contact_due_days = 7;
	if (raw->contact_due_days) {
		if (text_parse_int64(raw->contact_due_days, 0, 365, &n) < 0)
			return err_set(err, ERR_INVALID, "--contact-due-days "
			    "'%.40s' must be a number of days from 0 to 365",
			    raw->contact_due_days);
		cfg->contact_due_days = (int)n;
	}
	cfg->member_daily_cap = CONFIG_MEMBER_DAILY_CAP;
	if (raw->member_daily_cap) {
		if (text_parse_int64(raw->member_daily_cap, 0, 1000, &n) < 0)
			return err_set(err, ERR_INVALID, "--member-daily-cap "
			    "'%.40s' must be a number of messages from 0 (no "
			    "cap) to 1000", raw->member_daily_cap);
		cfg->member_daily_cap = (int)n;
	}
	if (cfg->reply_maildir && cfg->reply_maildir[0] == '\0')
		cfg->reply_maildir = NULL;
	if (cfg->imap && cfg->imap[0] == '\0')
		cfg->imap = NULL;
	if (cfg->imap && strncmp(cfg->imap, "imap://", 7) != 0 &&
	    strncmp(cfg->imap, "imaps://", 8) != 0)
		return err_set(err, ERR_INVALID, "--imap '%.200s' must be an "
		    "imap:// or imaps:// URL with the mailbox as its path",
		    cfg->imap);
	if (raw->imap_password_file) {
		cfg->imap_password = read_first_line(raw->imap_password_file,
		    err);
		if (cfg->imap_password == NULL)
			return -1;
	}
	return 0;
}

static int
apply_defaults(struct config *cfg, const struct raw *raw, struct err *err)
{
	char host[200];

	if (cfg->listen == NULL)
		cfg->listen = "127.0.0.1:8080";
	if (parse_listen(cfg, err) < 0)
		return -1;
	if (raw->proxy_bad)
		return err_set(err, ERR_INVALID, "--trusted-proxy '%s' is not "
		    "an IPv4 or IPv6 address (at most %d of them)",
		    raw->proxy_bad_value, CONFIG_MAX_PROXIES);
	if (cfg->db == NULL)
		cfg->db = "var/clubmatch.db";
	if (cfg->maildir == NULL)
		cfg->maildir = "var/mail";
	if (cfg->video_url_template == NULL)
		cfg->video_url_template = "https://meet.jit.si/{room}";
	if (cfg->smtp && cfg->smtp[0] == '\0')
		cfg->smtp = NULL;
	if (cfg->smtp_ca_file && cfg->smtp_ca_file[0] == '\0')
		cfg->smtp_ca_file = NULL;
	/* Links are base URL + at most ~120 bytes of path, token and query
	 * in 400-byte buffers: refuse what they could not hold rather than
	 * send cut links (docs/operations.md, "Flags"). */
	if (raw->base_url && strlen(raw->base_url) > CONFIG_BASE_URL_MAX)
		return err_set(err, ERR_INVALID, "--base-url is %zu bytes "
		    "long: at most %d fit the links of e-mails and pages",
		    strlen(raw->base_url), CONFIG_BASE_URL_MAX);
	if (raw->base_url)
		snprintf(cfg->base_url, sizeof(cfg->base_url), "%s",
		    raw->base_url);
	else
		snprintf(cfg->base_url, sizeof(cfg->base_url), "http://%s",
		    cfg->listen);
	while (cfg->base_url[0] &&
	    cfg->base_url[strlen(cfg->base_url) - 1] == '/')
		cfg->base_url[strlen(cfg->base_url) - 1] = '\0';
	if (raw->mail_from) {
		/* It is the sender of every mail and the ORGANIZER of every
		 * calendar: both refuse what the one address check refuses. */
		if (!text_email_is_valid(raw->mail_from))
			return err_set(err, ERR_INVALID, "--mail-from '%.200s' "
			    "is not a plain e-mail address (e.g. "
			    "clubmatch@example.org)", raw->mail_from);
		snprintf(cfg->mail_from, sizeof(cfg->mail_from), "%s",
		    raw->mail_from);
	} else {
		if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0')
			snprintf(host, sizeof(host), "localhost");
		host[sizeof(host) - 1] = '\0';
		/* A bare host name makes an address without a dot that some
		 * validators refuse; .localdomain keeps it routable locally. */
		snprintf(cfg->mail_from, sizeof(cfg->mail_from),
		    "clubmatch@%s%s", host, strchr(host, '.') ? "" :
		    ".localdomain");
		if (!text_email_is_valid(cfg->mail_from))
			snprintf(cfg->mail_from, sizeof(cfg->mail_from),
			    "clubmatch@localhost.localdomain");
	}
	if (raw->smtp_password_file) {
		cfg->smtp_password = read_first_line(raw->smtp_password_file,
		    err);
		if (cfg->smtp_password == NULL)
			return -1;
	}
	if (outreach_settings(cfg, raw, err) < 0)
		return -1;
	cfg->retry_scale = env_number("CLUBMATCH_RETRY_SCALE", 1e-9, 100, 1);
	cfg->smtp_timeout = (long)env_number("CLUBMATCH_SMTP_TIMEOUT", 1,
	    3600, 30);
	if (cfg->threads <= 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		cfg->threads = n > 0 ? (int)(n > 8 ? 8 : n) : 2;
	}
	return 0;
}

int
config_load(struct config *cfg, const char *command, int argc, char **argv,
    bool *help, struct err *err)
{
	struct raw raw;
	size_t i;
	int a;

	memset(cfg, 0, sizeof(*cfg));
	memset(&raw, 0, sizeof(raw));
	cfg->command = command;
	*help = false;
	for (i = 0; i < sizeof(FLAGS) / sizeof(FLAGS[0]); i++) {
		const char *v = flag_env(FLAGS[i].name);

		if (v != NULL)
			flag_set(cfg, &raw, &FLAGS[i], v);
	}
	raw.argv = true;
	for (a = 0; a < argc; a++) {
		const char *arg = argv[a], *eq;
		const struct flag *f;

		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			*help = true;
			return 0;
		}
		if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
			if (cfg->nargs >= (int)(sizeof(cfg->args) /
			    sizeof(cfg->args[0])))
				return err_set(err, ERR_INVALID,
				    "unexpected argument '%s'", arg);
			cfg->args[cfg->nargs++] = arg;
			continue;
		}
		eq = strchr(arg + 2, '=');
		f = flag_find(arg + 2, eq ? (size_t)(eq - arg - 2) :
		    strlen(arg + 2));
		if (f == NULL)
			return err_set(err, ERR_INVALID, "unknown flag '%s': "
			    "see 'clubmatch %s --help'", arg, command);
		if (f->boolean) {
			flag_set(cfg, &raw, f, eq ? eq + 1 : NULL);
		} else if (eq) {
			flag_set(cfg, &raw, f, eq + 1);
		} else if (a + 1 < argc) {
			flag_set(cfg, &raw, f, argv[++a]);
		} else {
			return err_set(err, ERR_INVALID, "flag '%s' needs a "
			    "value", arg);
		}
	}
	return apply_defaults(cfg, &raw, err);
}

void
config_release(struct config *cfg)
{
	free(cfg->smtp_password);
	cfg->smtp_password = NULL;
	free(cfg->imap_password);
	cfg->imap_password = NULL;
}
