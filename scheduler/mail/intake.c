/*
 * intake.c - received mail from a Maildir, IMAP (libcurl) or a file
 * (docs/email.md, "Replies").
 */
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "intake.h"
#include "xalloc.h"

#define IMAP_TIMEOUT	60L	/* seconds per IMAP command or fetch */
#define SEARCH_MAX	(1u << 20)	/* bytes of SEARCH answer kept */

/* ------------------------------------------------------------------ */
/* Files                                                               */
/* ------------------------------------------------------------------ */

/* Reads fd into b, at most INTAKE_MAX_SIZE bytes. */
static int
read_fd(int fd, struct buf *b)
{
	char chunk[65536];
	ssize_t n;
	size_t want;

	while (b->len < INTAKE_MAX_SIZE) {
		want = INTAKE_MAX_SIZE - b->len;
		if (want > sizeof(chunk))
			want = sizeof(chunk);
		n = read(fd, chunk, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		buf_add(b, chunk, (size_t)n);
	}
	return 0;
}

int
intake_read_file(const char *path, struct buf *buf, struct err *err)
{
	int fd = path != NULL ? open(path, O_RDONLY | O_CLOEXEC) : 0;
	int rc;

	if (fd < 0)
		return err_set(err, ERR_UNAVAILABLE, "cannot open '%s': %s",
		    path, strerror(errno));
	buf_reset(buf);
	rc = read_fd(fd, buf);
	if (rc != 0)
		rc = err_set(err, ERR_UNAVAILABLE, "cannot read '%s': %s",
		    path != NULL ? path : "standard input", strerror(errno));
	if (path != NULL)
		close(fd);
	if (rc == 0 && buf->len >= INTAKE_MAX_SIZE)
		return err_set(err, ERR_INVALID, "message too large: over "
		    "%u bytes", INTAKE_MAX_SIZE - 1);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Maildir                                                             */
/* ------------------------------------------------------------------ */

static int
mkdir_one(const char *path, struct err *err)
{
	if (mkdir(path, 0700) == 0 || errno == EEXIST)
		return 0;
	return err_set(err, ERR_UNAVAILABLE, "cannot create '%s': %s", path,
	    strerror(errno));
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir/new/, sorted (Maildir names start with the time). */
static char **
new_names(const char *newdir, size_t *n, struct err *err)
{
	DIR *d = opendir(newdir);
	struct dirent *de;
	char **names = NULL;
	size_t cap = 0;

	*n = 0;
	if (d == NULL) {
		err_set(err, ERR_UNAVAILABLE, "cannot read '%s': %s", newdir,
		    strerror(errno));
		return NULL;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			names = xreallocarray(names, cap, sizeof(*names));
		}
		names[(*n)++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (*n > 0)
		qsort(names, *n, sizeof(*names), cmp_names);
	if (names == NULL)
		names = xcalloc(1, sizeof(*names));
	return names;
}

/* NAME or NAME:2,FLAGS -> NAME:2,FLAGS with S added. */
static char *
seen_name(const char *name)
{
	const char *info = strstr(name, ":2,");

	if (info == NULL)
		return xasprintf("%s:2,S", name);
	if (strchr(info + 3, 'S') != NULL)
		return xstrdup(name);
	/* Flags stay in ASCII order (Maildir spec): S sorts after most. */
	return xasprintf("%sS", name);
}

int
intake_maildir_poll(const char *dir,
    int (*take)(const char *data, size_t len, void *arg), void *arg,
    struct err *err)
{
	static const char *const subs[] = { "tmp", "new", "cur" };
	char *path, *newdir, **names;
	size_t i, n;
	int taken = 0;
	struct buf b;

	if (mkdir_one(dir, err) != 0)
		return -1;
	for (i = 0; i < 3; i++) {
		path = xasprintf("%s/%s", dir, subs[i]);
		if (mkdir_one(path, err) != 0) {
			free(path);
			return -1;
		}
		free(path);
	}
	newdir = xasprintf("%s/new", dir);
	names = new_names(newdir, &n, err);
	free(newdir);
	if (names == NULL)
		return -1;
	buf_init(&b);
	for (i = 0; i < n && i < INTAKE_MAX_PER_POLL; i++) {
		char *from = xasprintf("%s/new/%s", dir, names[i]);
		char *seen = seen_name(names[i]);
		char *to = xasprintf("%s/cur/%s", dir, seen);
		int fd = open(from, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

		buf_reset(&b);
		/* Gone (another poller took it) or unreadable: skipped. */
		if (fd >= 0 && read_fd(fd, &b) == 0 &&
		    take(b.data, b.len, arg) == 0) {
			if (rename(from, to) == 0)
				taken++;
		}
		if (fd >= 0)
			close(fd);
		free(from);
		free(seen);
		free(to);
	}
	buf_release(&b);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return taken;
}

/* ------------------------------------------------------------------ */
/* IMAP                                                                */
/* ------------------------------------------------------------------ */

struct sink {
	struct buf *b;
	size_t max;		/* keep at most this many bytes */
};

static size_t
write_cb(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct sink *s = userdata;
	size_t n = size * nmemb, room;

	/* Past the bound the rest is read and dropped, so the length still
	 * says "too large". */
	room = s->b->len < s->max ? s->max - s->b->len : 0;
	buf_add(s->b, data, n < room ? n : room);
	return n;
}

/* imap://HOST/MAILBOX or imaps://...: a mailbox must be named. */
static int
imap_url_check(const char *url, struct err *err)
{
	const char *rest, *slash;

	if (strncasecmp(url, "imap://", 7) == 0)
		rest = url + 7;
	else if (strncasecmp(url, "imaps://", 8) == 0)
		rest = url + 8;
	else
		return err_set_field(err, ERR_INVALID, "imap", "imap url must "
		    "start with imap:// or imaps://: '%s'", url);
	slash = strchr(rest, '/');
	if (slash == rest || slash == NULL || slash[1] == '\0' ||
	    slash[1] == '/' || slash[1] == ';' || strpbrk(url, " \r\n\t"))
		return err_set_field(err, ERR_INVALID, "imap", "imap url needs "
		    "a host and a mailbox (imaps://host/INBOX): '%s'", url);
	return 0;
}

struct imap {
	CURL *curl;
	char errbuf[CURL_ERROR_SIZE];
	char *base;		/* url without a trailing / */
};

static int
imap_fail(struct imap *im, CURLcode rc, const char *what, struct err *err)
{
	return err_set(err, rc == CURLE_LOGIN_DENIED ? ERR_FORBIDDEN :
	    ERR_UNAVAILABLE, "imap %s failed: %s", what,
	    im->errbuf[0] ? im->errbuf : curl_easy_strerror(rc));
}

static int
imap_setup(struct imap *im, const char *url, const char *user,
    const char *password, const char *ca_file, struct err *err)
{
	CURLcode rc = CURLE_OK;
	size_t n;

#define SET(opt, val) do { \
	if (rc == CURLE_OK) \
		rc = curl_easy_setopt(im->curl, opt, val); \
} while (0)
	SET(CURLOPT_PROTOCOLS_STR, "imap,imaps");
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_ERRORBUFFER, im->errbuf);
	SET(CURLOPT_CONNECTTIMEOUT, IMAP_TIMEOUT);
	SET(CURLOPT_SERVER_RESPONSE_TIMEOUT, IMAP_TIMEOUT);
	SET(CURLOPT_TIMEOUT, 4 * IMAP_TIMEOUT);
	SET(CURLOPT_WRITEFUNCTION, write_cb);
	if (user != NULL && user[0] != '\0') {
		SET(CURLOPT_USERNAME, user);
		SET(CURLOPT_PASSWORD, password != NULL ? password : "");
		/* A password never crosses the network in clear text. */
		if (strncasecmp(url, "imap://", 7) == 0)
			SET(CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	}
	/* CAINFO adds to the system's CA directory (CAPATH), which stays. */
	if (ca_file != NULL && ca_file[0] != '\0')
		SET(CURLOPT_CAINFO, ca_file);
#undef SET
	if (rc != CURLE_OK)
		return err_set(err, ERR_INVALID, "cannot configure imap: %s",
		    curl_easy_strerror(rc));
	im->base = xstrdup(url);
	n = strlen(im->base);
	while (n > 0 && im->base[n - 1] == '/')
		im->base[--n] = '\0';
	return 0;
}

/* Runs one request: a custom command on the mailbox (cmd != NULL) or a
 * fetch of url; the answer goes to out. */
static CURLcode
imap_run(struct imap *im, const char *url, const char *cmd, struct buf *out,
    size_t max)
{
	struct sink s = { out, max };

	im->errbuf[0] = '\0';
	buf_reset(out);
	curl_easy_setopt(im->curl, CURLOPT_URL, url);
	curl_easy_setopt(im->curl, CURLOPT_CUSTOMREQUEST, cmd);
	curl_easy_setopt(im->curl, CURLOPT_WRITEDATA, &s);
	return curl_easy_perform(im->curl);
}

/* The UIDs of the "* SEARCH 3 4 9" lines in text. */
static size_t
search_uids(const char *text, unsigned long *uids, size_t max)
{
	size_t n = 0;
	const char *p = text;

	while ((p = strstr(p, "* SEARCH")) != NULL) {
		p += 8;
		while (*p == ' ' && n < max) {
			char *end;
			unsigned long v;

			p++;
			errno = 0;
			v = strtoul(p, &end, 10);
			if (end == p || errno != 0 || v == 0 || v > 0xffffffffUL)
				break;
			uids[n++] = v;
			p = end;
		}
	}
	return n;
}

int
intake_imap_poll(const char *url, const char *user,
    const char *password, const char *ca_file,
    int (*take)(const char *data, size_t len, void *arg), void *arg,
    struct err *err)
{
	struct imap im;
	struct buf b;
	unsigned long *uids;
	size_t i, n;
	CURLcode rc;
	int taken = 0, ret = -1;
	char cmd[64];

	if (imap_url_check(url, err) != 0)
		return -1;
	memset(&im, 0, sizeof(im));
	im.curl = curl_easy_init();
	if (im.curl == NULL)
		return err_set(err, ERR_INTERNAL, "cannot start libcurl");
	buf_init(&b);
	uids = xcalloc(INTAKE_MAX_PER_POLL, sizeof(*uids));
	if (imap_setup(&im, url, user, password, ca_file, err) != 0)
		goto out;
	/* libcurl selects the mailbox of the URL, then sends the command;
	 * untagged answers come to the write callback. */
	rc = imap_run(&im, im.base, "UID SEARCH UNSEEN", &b, SEARCH_MAX);
	if (rc != CURLE_OK) {
		imap_fail(&im, rc, "search", err);
		goto out;
	}
	n = search_uids(b.data, uids, INTAKE_MAX_PER_POLL);
	for (i = 0; i < n; i++) {
		char *one = xasprintf("%s/;UID=%lu", im.base, uids[i]);
		int t;

		rc = imap_run(&im, one, NULL, &b, INTAKE_MAX_SIZE);
		free(one);
		if (rc != CURLE_OK) {
			imap_fail(&im, rc, "fetch", err);
			goto out;
		}
		t = take(b.data, b.len, arg);
		/* UID FETCH BODY[] set \Seen already; say so explicitly on
		 * success, and take it back when the message must wait. */
		snprintf(cmd, sizeof(cmd), "UID STORE %lu %cFLAGS (\\Seen)",
		    uids[i], t == 0 ? '+' : '-');
		rc = imap_run(&im, im.base, cmd, &b, SEARCH_MAX);
		if (rc != CURLE_OK) {
			imap_fail(&im, rc, "store", err);
			goto out;
		}
		if (t == 0)
			taken++;
	}
	ret = taken;
out:
	free(uids);
	buf_release(&b);
	free(im.base);
	curl_easy_cleanup(im.curl);
	return ret;
}
