/*
 * mail.c - SMTP delivery through one reused libcurl easy handle, and
 * Maildir delivery.
 *
 * libcurl keeps the SMTP connection of an easy handle in its connection
 * cache after a transfer that succeeded, and the next transfer on the
 * same handle starts straight at MAIL FROM: that is the whole
 * "connection reuse" and why the transport owns one handle for life.
 *
 * libcurl 7.88 also keeps a connection after some failures, a timeout
 * among them, and would send the next message into a session that is
 * still stuck (seen against a sink that hangs mid-DATA: the next send
 * timed out too).  So after any failure we shut the socket down:
 * libcurl then finds the cached connection dead, drops it without
 * QUIT, and the next send connects afresh.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "buf.h"
#include "err.h"
#include "imip.h"
#include "mail.h"
#include "rand.h"
#include "text.h"
#include "xalloc.h"

#define DEFAULT_TIMEOUT	30

struct mail_transport {
	CURL *curl;		/* SMTP: the handle that owns the connection */
	char *maildir;		/* Maildir: its root; NULL for SMTP */
	char errbuf[CURL_ERROR_SIZE];	/* libcurl's detail for the last send */
	long connects;		/* SMTP connections opened so far */
	bool global;		/* curl_global_init() to undo */
};

/* The message being uploaded: libcurl pulls it through read_cb(). */
struct upload {
	const char *data;	/* borrowed from mail_send()'s caller */
	size_t len;		/* total bytes */
	size_t pos;		/* bytes handed to libcurl so far */
};

/* ------------------------------------------------------------------ */
/* Maildir                                                             */
/* ------------------------------------------------------------------ */

/* mkdir -p with mode 0700 (mail may carry RSVP tokens). */
static int
mkdir_p(const char *path, struct err *err)
{
	char *p = xstrdup(path), *s, c;
	int rc = 0;

	for (s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		c = *s;
		*s = '\0';
		if (mkdir(p, 0700) == -1 && errno != EEXIST) {
			rc = err_set(err, ERR_UNAVAILABLE,
			    "cannot create maildir directory '%s': %s", p,
			    strerror(errno));
			break;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return rc;
}

static int
maildir_prepare(const char *root, struct err *err)
{
	static const char *const subs[] = { "tmp", "new", "cur" };
	char *d;
	size_t i;
	int rc = 0;

	for (i = 0; i < 3 && rc == 0; i++) {
		d = xasprintf("%s/%s", root, subs[i]);
		rc = mkdir_p(d, err);
		free(d);
	}
	return rc;
}

/* A name no other delivery uses (the Maildir convention
 * "time.MusecPpidRrandom.host"), time first so names sort by age. */
static char *
maildir_unique(void)
{
	struct timespec ts;
	char host[256], rnd[17], *h;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	/* '/' and ':' would break the path or the Maildir flags. */
	for (h = host; *h != '\0'; h++)
		if (*h == '/' || *h == ':')
			*h = '_';
	rand_base32(rnd, 16);
	return xasprintf("%lld.M%06ldP%ldR%s.%s", (long long)ts.tv_sec,
	    ts.tv_nsec / 1000, (long)getpid(), rnd, host);
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
fsync_dir(const char *path)
{
	int fd, rc;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

static int
maildir_send(struct mail_transport *t, const char *msg, size_t len,
    struct err *err)
{
	char *name, *tmp, *dst, *newdir;
	int fd, rc = -1;

	name = maildir_unique();
	tmp = xasprintf("%s/tmp/%s", t->maildir, name);
	dst = xasprintf("%s/new/%s", t->maildir, name);
	newdir = xasprintf("%s/new", t->maildir);

	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1 && errno == ENOENT) {
		/* Someone removed the Maildir while we ran: make it again. */
		if (maildir_prepare(t->maildir, err) == -1)
			goto out;
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	}
	if (fd == -1) {
		err_set(err, ERR_UNAVAILABLE, "cannot create '%s': %s", tmp,
		    strerror(errno));
		goto out;
	}
	/* Durable before visible: a reader of new/ never sees half a
	 * message, and a crash after rename() loses nothing. */
	if (write_all(fd, msg, len) == -1 || fsync(fd) == -1) {
		err_set(err, ERR_UNAVAILABLE, "cannot write '%s': %s", tmp,
		    strerror(errno));
		close(fd);
		goto out_unlink;
	}
	if (close(fd) == -1) {
		err_set(err, ERR_UNAVAILABLE, "cannot write '%s': %s", tmp,
		    strerror(errno));
		goto out_unlink;
	}
	if (rename(tmp, dst) == -1) {
		err_set(err, ERR_UNAVAILABLE, "cannot move '%s' into new/: %s",
		    tmp, strerror(errno));
		goto out_unlink;
	}
	/* If this fails the file is in new/ all the same and most likely
	 * survives; reporting a failure would make the outbox deliver it a
	 * second time. */
	(void)fsync_dir(newdir);
	rc = 0;
	goto out;
out_unlink:
	unlink(tmp);
out:
	free(newdir);
	free(dst);
	free(tmp);
	free(name);
	return rc;
}

/* ------------------------------------------------------------------ */
/* SMTP                                                                */
/* ------------------------------------------------------------------ */

static size_t
read_cb(char *dst, size_t size, size_t nmemb, void *userdata)
{
	struct upload *u = userdata;
	size_t n = size * nmemb;

	if (n > u->len - u->pos)
		n = u->len - u->pos;
	memcpy(dst, u->data + u->pos, n);
	u->pos += n;
	return n;
}

/* Sets every option that does not change between messages. */
static int
smtp_setup(struct mail_transport *t, const struct mail_config *cfg,
    struct err *err)
{
	long timeout = cfg->timeout_seconds > 0 ? cfg->timeout_seconds :
	    DEFAULT_TIMEOUT;
	CURL *c = t->curl;
	CURLcode rc = CURLE_OK;

#define SET(opt, val) do { \
	if (rc == CURLE_OK) \
		rc = curl_easy_setopt(c, opt, val); \
} while (0)
	SET(CURLOPT_URL, cfg->smtp_url);
	SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	/* Worker threads: no SIGALRM-based DNS timeouts. */
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_ERRORBUFFER, t->errbuf);
	SET(CURLOPT_CONNECTTIMEOUT, timeout);
	/* One message's whole exchange, so a server that stops answering
	 * mid-DATA fails this send rather than block the worker. */
	SET(CURLOPT_TIMEOUT, timeout);
	/* Also bounds the QUIT that mail_transport_free() waits for. */
	SET(CURLOPT_SERVER_RESPONSE_TIMEOUT, timeout);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	SET(CURLOPT_UPLOAD, 1L);
	SET(CURLOPT_READFUNCTION, read_cb);
	if (strncasecmp(cfg->smtp_url, "smtp://", 7) == 0)
		SET(CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	if (cfg->smtp_user != NULL && cfg->smtp_user[0] != '\0') {
		SET(CURLOPT_USERNAME, cfg->smtp_user);
		SET(CURLOPT_PASSWORD, cfg->smtp_password != NULL ?
		    cfg->smtp_password : "");
	}
#undef SET
	if (rc != CURLE_OK)
		return err_set(err, ERR_INVALID, "cannot configure smtp: %s",
		    curl_easy_strerror(rc));
	return 0;
}

/*
 * Transient or permanent?  The last SMTP reply decides when there is
 * one: 5xx is permanent, 4xx transient (RFC 5321 §4.2.1).  No reply at
 * all (refused, reset, timed out, TLS failed) is transient.  A refused
 * AUTH is the operator's to fix, not the message's fault: transient, so
 * nothing is thrown away while the password is wrong.
 */
static enum err_code
smtp_classify(CURLcode rc, long reply)
{
	if (rc == CURLE_LOGIN_DENIED)
		return ERR_UNAVAILABLE;
	if (reply >= 500 && reply <= 599)
		return ERR_INVALID;
	return ERR_UNAVAILABLE;
}

static int
smtp_send(struct mail_transport *t, const char *from_addr,
    const char *to_addr, const char *msg, size_t len, struct err *err)
{
	struct upload u = { msg, len, 0 };
	struct curl_slist *rcpt;
	char *from;
	CURLcode rc;
	long reply = 0, conns = 0;
	int ret = 0;

	from = xasprintf("<%s>", from_addr);
	rcpt = curl_slist_append(NULL, to_addr);
	if (rcpt == NULL)
		abort();	/* out of memory, as xmalloc would */
	t->errbuf[0] = '\0';
	curl_easy_setopt(t->curl, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(t->curl, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(t->curl, CURLOPT_READDATA, &u);
	curl_easy_setopt(t->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);

	rc = curl_easy_perform(t->curl);

	curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &reply);
	if (curl_easy_getinfo(t->curl, CURLINFO_NUM_CONNECTS, &conns) ==
	    CURLE_OK)
		t->connects += conns;
	if (rc != CURLE_OK) {
		curl_socket_t fd = CURL_SOCKET_BAD;

		if (curl_easy_getinfo(t->curl, CURLINFO_ACTIVESOCKET, &fd) ==
		    CURLE_OK && fd != CURL_SOCKET_BAD)
			shutdown(fd, SHUT_RDWR);
		ret = err_set(err, smtp_classify(rc, reply),
		    "cannot send mail to '%s': %s (smtp reply %ld)", to_addr,
		    t->errbuf[0] != '\0' ? t->errbuf : curl_easy_strerror(rc),
		    reply);
	}
	/* The handle must not point at our locals after we return. */
	curl_easy_setopt(t->curl, CURLOPT_MAIL_RCPT, NULL);
	curl_easy_setopt(t->curl, CURLOPT_READDATA, NULL);
	curl_slist_free_all(rcpt);
	free(from);
	return ret;
}

/* ------------------------------------------------------------------ */
/* The transport                                                       */
/* ------------------------------------------------------------------ */

struct mail_transport *
mail_transport_new(const struct mail_config *cfg, struct err *err)
{
	struct mail_transport *t;

	t = xcalloc(1, sizeof(*t));
	if (cfg->smtp_url == NULL || cfg->smtp_url[0] == '\0') {
		if (cfg->maildir == NULL || cfg->maildir[0] == '\0') {
			err_set_field(err, ERR_INVALID, "maildir",
			    "no smtp url and no maildir to deliver to");
			goto out_free;
		}
		if (maildir_prepare(cfg->maildir, err) == -1)
			goto out_free;
		t->maildir = xstrdup(cfg->maildir);
		return t;
	}
	if (strncasecmp(cfg->smtp_url, "smtp://", 7) != 0 &&
	    strncasecmp(cfg->smtp_url, "smtps://", 8) != 0) {
		err_set_field(err, ERR_INVALID, "smtp",
		    "smtp url must start with smtp:// or smtps://");
		goto out_free;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		err_set(err, ERR_INTERNAL, "cannot initialise libcurl");
		goto out_free;
	}
	t->global = true;
	t->curl = curl_easy_init();
	if (t->curl == NULL) {
		err_set(err, ERR_INTERNAL, "cannot create a libcurl handle");
		goto out_free;
	}
	if (smtp_setup(t, cfg, err) == -1)
		goto out_free;
	return t;
out_free:
	mail_transport_free(t);
	return NULL;
}

void
mail_transport_free(struct mail_transport *t)
{
	if (t == NULL)
		return;
	/* Sends QUIT on a kept connection, bounded by the response
	 * timeout set in smtp_setup(). */
	if (t->curl != NULL)
		curl_easy_cleanup(t->curl);
	if (t->global)
		curl_global_cleanup();
	free(t->maildir);
	free(t);
}

int
mail_send(struct mail_transport *t, const char *from_addr,
    const char *to_addr, const char *msg, size_t len, struct err *err)
{
	/* The envelope goes into SMTP commands verbatim: a CR/LF or a
	 * second address here would be a second recipient. */
	if (!text_email_is_valid(from_addr))
		return err_set_field(err, ERR_INVALID, "from_addr",
		    "invalid envelope sender");
	if (!text_email_is_valid(to_addr))
		return err_set_field(err, ERR_INVALID, "to_addr",
		    "invalid envelope recipient");
	if (t->maildir != NULL)
		return maildir_send(t, msg, len, err);
	return smtp_send(t, from_addr, to_addr, msg, len, err);
}

long
mail_transport_connects(const struct mail_transport *t)
{
	return t->connects;
}
