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
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
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
#include "hash.h"
#include "imip.h"
#include "mail.h"
#include "rand.h"
#include "text.h"
#include "xalloc.h"

#define DEFAULT_TIMEOUT	30
#define MAILDIR_NAME_MAX	200	/* longer names become a hash */

struct mail_transport {
	CURL *curl;		/* SMTP: the handle that owns the connection */
	char *maildir;		/* Maildir: its root; NULL for SMTP */
	char errbuf[CURL_ERROR_SIZE];	/* libcurl's detail for the last send */
	long connects;		/* SMTP connections opened so far */
	bool global;		/* curl_global_init() to undo */
	bool tls_required;	/* smtp:// with AUTH: CURLUSESSL_ALL */
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

/*
 * The Message-ID of the header block of msg, without its angle
 * brackets, into out; false when there is none (or it is empty or too
 * long).  Only header lines are looked at: a body line never counts.
 */
static bool
header_message_id(const char *msg, size_t len, char *out, size_t size)
{
	const char *p = msg, *end = msg + len, *eol, *v, *ve;
	size_t n;

	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		if (eol == p || (eol == p + 1 && *p == '\r'))
			return false;		/* the blank line: body next */
		if ((size_t)(eol - p) > 11 &&
		    strncasecmp(p, "Message-ID:", 11) == 0) {
			for (v = p + 11; v < eol && (*v == ' ' || *v == '\t' ||
			    *v == '<'); v++)
				;
			for (ve = eol; ve > v && (ve[-1] == '\r' ||
			    ve[-1] == ' ' || ve[-1] == '\t' || ve[-1] == '>');
			    ve--)
				;
			n = (size_t)(ve - v);
			if (n == 0 || n >= size)
				return false;
			memcpy(out, v, n);
			out[n] = '\0';
			return true;
		}
		p = eol + 1;
	}
	return false;
}

/*
 * The Maildir base name of a message with Message-ID id: the id with
 * every byte outside [A-Za-z0-9._@+=-] written %XX (so no '/' or ':',
 * and two ids never share a name), or "h" and its SHA-256 when that is
 * longer than MAILDIR_NAME_MAX.
 */
static char *
maildir_name_for(const char *id)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = xmalloc(3 * strlen(id) + 1), *o = out, h[65];
	const unsigned char *p;

	for (p = (const unsigned char *)id; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("._@+=-", *p) != NULL) {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	if (o - out > MAILDIR_NAME_MAX) {
		hash_sha256_hex(id, h);
		free(out);
		out = xasprintf("h%s", h);
	}
	return out;
}

/* Whether a message named name is in new/ or cur/ already, in cur/
 * with any ":2,flags" a reader gave it. */
static bool
maildir_has(const char *root, const char *name)
{
	struct stat st;
	struct dirent *de;
	char *path;
	size_t n = strlen(name);
	bool found;
	DIR *d;

	path = xasprintf("%s/new/%s", root, name);
	found = stat(path, &st) == 0;
	free(path);
	if (found)
		return true;
	path = xasprintf("%s/cur", root);
	d = opendir(path);
	free(path);
	if (d == NULL)
		return false;
	while (!found && (de = readdir(d)) != NULL)
		found = strncmp(de->d_name, name, n) == 0 &&
		    (de->d_name[n] == '\0' || de->d_name[n] == ':');
	closedir(d);
	return found;
}

static int
maildir_send(struct mail_transport *t, const char *msg, size_t len,
    struct err *err)
{
	char *name, *tmp, *dst, *newdir, id[512];
	int fd, rc = -1;

	if (header_message_id(msg, len, id, sizeof(id))) {
		name = maildir_name_for(id);
		if (maildir_has(t->maildir, name)) {
			/* Delivered before we could record it (a crash, a
			 * kill -9): the same message once is enough. */
			free(name);
			return 0;
		}
	} else {
		name = maildir_unique();
	}
	tmp = xasprintf("%s/tmp/%s", t->maildir, name);
	dst = xasprintf("%s/new/%s", t->maildir, name);
	newdir = xasprintf("%s/new", t->maildir);

	/* A tmp/ file left by a crash mid-write is ours to replace. */
	(void)unlink(tmp);
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
	 * message, and a crash after link() loses nothing. */
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
	/* link(), not rename(): it never replaces a message of that name,
	 * which is then the same message delivered already. */
	if (link(tmp, dst) == -1 && errno != EEXIST) {
		err_set(err, ERR_UNAVAILABLE, "cannot move '%s' into new/: %s",
		    tmp, strerror(errno));
		goto out_unlink;
	}
	/* If this fails the file is in new/ all the same and most likely
	 * survives; reporting a failure would make the outbox deliver it a
	 * second time. */
	(void)fsync_dir(newdir);
	rc = 0;
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

/* The whole of a small file (a CA bundle) into *out; -1 when it cannot
 * be read. */
static int
read_file(const char *path, struct buf *out)
{
	char chunk[8192];
	size_t n;
	FILE *f;
	int rc;

	f = fopen(path, "rb");
	if (f == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(out, chunk, n);
	rc = ferror(f) ? -1 : 0;
	fclose(f);
	return rc;
}

int
mail_curl_tls(void *curl, const char *ca_file, struct err *err)
{
	struct curl_blob blob;
	struct buf b;
	char *sys = NULL;
	CURLcode rc;

	/* libcurl's defaults, written out: verifying is never optional
	 * here (docs/email.md, "TLS"). */
	if (curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK ||
	    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK)
		return err_set(err, ERR_INTERNAL, "cannot configure tls");
	if (ca_file == NULL || ca_file[0] == '\0')
		return 0;
	buf_init(&b);
	if (read_file(ca_file, &b) == -1) {
		err_set_field(err, ERR_INVALID, "smtp-ca-file",
		    "cannot read --smtp-ca-file '%.200s': %s", ca_file,
		    strerror(errno));
		goto out_fail;
	}
	if (strstr(b.data, "-----BEGIN CERTIFICATE-----") == NULL) {
		err_set_field(err, ERR_INVALID, "smtp-ca-file",
		    "--smtp-ca-file '%.200s' holds no PEM certificate",
		    ca_file);
		goto out_fail;
	}
	/* The system bundle that CURLOPT_CAINFO would replace (libcurl
	 * 7.84+ tells its built-in path), then ours. */
	if (curl_easy_getinfo(curl, CURLINFO_CAINFO, &sys) == CURLE_OK &&
	    sys != NULL) {
		buf_add(&b, "\n", 1);
		(void)read_file(sys, &b);
	}
	blob.data = b.data;
	blob.len = b.len;
	blob.flags = CURL_BLOB_COPY;
	rc = curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, &blob);
	buf_release(&b);
	if (rc != CURLE_OK)
		return err_set(err, ERR_INTERNAL, "cannot use --smtp-ca-file: "
		    "%s", curl_easy_strerror(rc));
	return 0;
out_fail:
	buf_release(&b);
	return -1;
}

/* A host name of LDH labels with at least one dot. */
static bool
fqdn_ok(const char *s)
{
	const char *p;

	if (s == NULL || s[0] == '\0' || s[0] == '.' || s[0] == '-' ||
	    strlen(s) > 253 || strchr(s, '.') == NULL)
		return false;
	for (p = s; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.') ||
		    (*p == '.' && (p[1] == '.' || p[1] == '\0' ||
		    p[1] == '-' || p[-1] == '-')))
			return false;
	return true;
}

void
mail_ehlo_name(const char *mail_from, char *out, size_t size)
{
	struct addrinfo hints, *res = NULL;
	char host[256];
	const char *at;

	snprintf(out, size, "localhost.localdomain");
	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_flags = AI_CANONNAME;
		if (getaddrinfo(host, NULL, &hints, &res) == 0 && res != NULL &&
		    fqdn_ok(res->ai_canonname)) {
			snprintf(out, size, "%s", res->ai_canonname);
			freeaddrinfo(res);
			return;
		}
		if (res != NULL)
			freeaddrinfo(res);
		if (fqdn_ok(host)) {
			snprintf(out, size, "%s", host);
			return;
		}
	}
	at = mail_from != NULL ? strrchr(mail_from, '@') : NULL;
	if (at != NULL && fqdn_ok(at + 1))
		snprintf(out, size, "%s", at + 1);
}

/* cfg->smtp_url with the EHLO name as its path, unless it has a path
 * already (libcurl greets with the URL's path, else with the short host
 * name, which servers requiring a fully qualified name refuse).  NULL
 * when libcurl cannot parse the URL. */
static char *
smtp_url_with_ehlo(const struct mail_config *cfg)
{
	char name[256], *path = NULL, *url = NULL, *p, *res = NULL;
	CURLU *u = curl_url();

	if (u == NULL)
		abort();	/* out of memory, as xmalloc would */
	if (curl_url_set(u, CURLUPART_URL, cfg->smtp_url, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK &&
	    path != NULL && strcmp(path, "/") != 0 && path[0] != '\0') {
		res = xstrdup(cfg->smtp_url);
		goto out;
	}
	mail_ehlo_name(cfg->mail_from, name, sizeof(name));
	p = xasprintf("/%s", name);
	if (curl_url_set(u, CURLUPART_PATH, p, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &url, 0) == CURLUE_OK)
		res = xstrdup(url);
	free(p);
out:
	curl_free(url);
	curl_free(path);
	curl_url_cleanup(u);
	return res;
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
	char *url;

	url = smtp_url_with_ehlo(cfg);
	if (url == NULL)
		return err_set_field(err, ERR_INVALID, "smtp",
		    "cannot parse smtp url '%.200s'", cfg->smtp_url);
	if (mail_curl_tls(c, cfg->ca_file, err) == -1) {
		free(url);
		return -1;
	}
	t->tls_required = cfg->smtp_user != NULL && cfg->smtp_user[0] != '\0';

#define SET(opt, val) do { \
	if (rc == CURLE_OK) \
		rc = curl_easy_setopt(c, opt, val); \
} while (0)
	SET(CURLOPT_URL, url);
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
	/* With a password to send, TLS or nothing: a server (or a man in
	 * the middle) that offers no STARTTLS gets neither the password
	 * nor the mail. */
	if (strncasecmp(cfg->smtp_url, "smtp://", 7) == 0)
		SET(CURLOPT_USE_SSL, t->tls_required ? (long)CURLUSESSL_ALL :
		    (long)CURLUSESSL_TRY);
	if (cfg->smtp_user != NULL && cfg->smtp_user[0] != '\0') {
		SET(CURLOPT_USERNAME, cfg->smtp_user);
		SET(CURLOPT_PASSWORD, cfg->smtp_password != NULL ?
		    cfg->smtp_password : "");
	}
#undef SET
	free(url);		/* libcurl copies string options */
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
	if (rc == CURLE_LOGIN_DENIED || rc == CURLE_USE_SSL_FAILED)
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
		    "cannot send mail to '%s': %s%s (smtp reply %ld)", to_addr,
		    rc == CURLE_USE_SSL_FAILED && t->tls_required ?
		    "server offers no STARTTLS; TLS is required when "
		    "--smtp-user is set: " : "",
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
