/*
 * main.c - the clubmatch command line (docs/operations.md, "Commands").
 *
 * Exit status: 0 success, 1 runtime failure, 2 bad usage.  Errors are one
 * line on stderr that says what is wrong and what to do.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "geo_db.h"
#include "http.h"
#include "ics_zone.h"
#include "import.h"
#include "log.h"
#include "member.h"
#include "intake.h"
#include "outbox.h"
#include "progress.h"
#include "reader.h"
#include "replies.h"
#include "rand.h"
#include "service.h"
#include "store.h"
#include "xalloc.h"

#define VERSION "0.1.0"

static const char USAGE[] =
"usage: clubmatch <command> [flags]\n"
"\n"
"Matches members to the nearest club, or to an active club that takes\n"
"remote members, and sends them iCalendar invitations to its meetings.\n"
"\n"
"commands:\n"
"  serve                    run the HTTP API, dashboard and mail worker\n"
"  import clubs FILE.csv    add clubs (name,zip,secretary_email,...)\n"
"  import members FILE.csv  add members (name,email,zip,...) and match them\n"
"  match                    assign every member not matched yet\n"
"  intake [FILE]            take one received e-mail (stdin without FILE):\n"
"                           calendar reply, bounce or human reply\n"
"  backup FILE              write a consistent copy of the database\n"
"  zip ZIP                  print a ZIP code's record as JSON\n"
"\n"
"  clubmatch <command> --help   flags of a command\n"
"  clubmatch --version\n"
"\n"
"Every flag can also be set in the environment: --db is CLUBMATCH_DB,\n"
"--smtp-user is CLUBMATCH_SMTP_USER, and so on.\n";

static const char USAGE_SERVE[] =
"usage: clubmatch serve [flags]\n"
"\n"
"  --listen ADDR:PORT          where to listen (127.0.0.1:8080)\n"
"  --db PATH                   SQLite database (var/clubmatch.db)\n"
"  --base-url URL              public address used in links\n"
"                              (http:// + the listen address)\n"
"  --smtp URL                  smtp://host:port or smtps://host:port;\n"
"                              without it mail goes to the Maildir\n"
"  --smtp-user USER            SMTP AUTH user\n"
"  --smtp-password-file FILE   SMTP AUTH password (first line of FILE)\n"
"  --smtp-ca-file FILE         a PEM CA trusted besides the system's\n"
"  --mail-from ADDR            sender and ORGANIZER (clubmatch@HOSTNAME)\n"
"  --maildir DIR               Maildir used without --smtp (var/mail)\n"
"  --admin-token-file FILE     admin token (first line); without it a\n"
"                              token is created in var/admin.token\n"
"  --video-url-template T      video links, {room} is replaced\n"
"                              (https://meet.jit.si/{room})\n"
"  --reply-maildir DIR         read replies delivered to this Maildir\n"
"  --imap URL                  read replies from imap[s]://host/MAILBOX\n"
"  --imap-user USER            IMAP login\n"
"  --imap-password-file FILE   IMAP password (first line of FILE)\n"
"  --no-reply-tags             ORGANIZER without +TAG (replies are then\n"
"                              matched by the member's own address)\n"
"  --organizer-email ADDR      gets the daily digest of overdue contacts\n"
"  --contact-due-days N        first contact due after N days (7)\n"
"  --no-reminders              no reminders nor follow-ups\n"
"  --member-daily-cap N        at most N messages to a member in 24 h,\n"
"                              the rest wait (12; 0: no cap)\n";

static const char USAGE_IMPORT[] =
"usage: clubmatch import clubs|members FILE.csv [--db PATH] [--no-match]\n"
"\n"
"clubs:   name,zip,secretary_email[,secretary_name,accepts_remote,\n"
"         remote_capacity]\n"
"members: name,email,zip[,phone,preferred_channel,state]\n"
"\n"
"The first row names the columns.  A bad row is reported with its line\n"
"number and reason, and the other rows are still imported.  A row\n"
"stored before with the same data counts as 'already imported'.  The exit\n"
"status is 0 only when every row was taken.  New members are matched\n"
"as POST /api/v1/members does, unless --no-match.\n";

static const char USAGE_MATCH[] =
"usage: clubmatch match [--db PATH]\n"
"\n"
"Assigns every member that was never matched, in one pass and one\n"
"transaction, and prints the counts as JSON.\n";

static const char USAGE_INTAKE[] =
"usage: clubmatch intake [FILE] [--db PATH] [--mail-from ADDR]\n"
"\n"
"Takes one received e-mail, from FILE or standard input (an MTA pipe):\n"
"a calendar answer becomes the member's RSVP, a bounce stops mail to the\n"
"address, a person's reply is sent on to the club's secretary.  Prints\n"
"what it did.  Exit 0 when the message was taken or deliberately\n"
"ignored (the same Message-ID twice changes nothing), 1 on a runtime\n"
"failure.  A Postfix or Exim pipe retries on exit 75 (EX_TEMPFAIL) and\n"
"bounces on 1: run it through the wrapper of docs/email.md, \"Replies\".\n";
static const char USAGE_BACKUP[] =
"usage: clubmatch backup FILE [--db PATH]\n"
"\n"
"Writes a consistent copy of the database --db to FILE, also while\n"
"serve or an import is writing to it (SQLite's online backup).  The\n"
"copy goes to a temporary file beside FILE, renamed to FILE when it is\n"
"complete: a failed backup leaves FILE as it was.  Exit status 0 when\n"
"the copy is written, 1 when not.\n";

static const char USAGE_ZIP[] =
"usage: clubmatch zip ZIP\n"
"\n"
"Prints the ZIP code's city, state, county, centroid and time zone.\n";

static int
fail(const char *what, const struct err *err)
{
	fprintf(stderr, "clubmatch: %s%s%s\n", what, what[0] ? ": " : "",
	    err->msg);
	return 1;
}

/* Creates the directory that will hold path, like `mkdir -p`. */
static int
make_parent_dir(const char *path, struct err *err)
{
	char *copy = xstrdup(path), *dir = dirname(copy), *p;

	for (p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(dir, 0755);
		*p = '/';
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		err_set(err, ERR_INTERNAL, "cannot create directory '%s': %s",
		    dir, strerror(errno));
		free(copy);
		return -1;
	}
	free(copy);
	return 0;
}

static struct store *
open_store(const struct config *cfg, struct err *err)
{
	if (make_parent_dir(cfg->db, err) < 0)
		return NULL;
	return store_open(cfg->db, err);
}

static int
bad_usage(const char *cmd, const char *msg)
{
	fprintf(stderr, "clubmatch: %s: see 'clubmatch %s--help'\n", msg,
	    cmd ? cmd : "");
	return 2;
}

/* ==== zip =============================================================== */
static void
print_json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static int
cmd_zip(const struct config *cfg)
{
	const struct geo_zip *z;
	struct geo_db *geo;
	struct err err;

	if (cfg->nargs != 1)
		return bad_usage("zip ", "give exactly one ZIP code");
	if (!geo_zip_is_wellformed(cfg->args[0])) {
		fprintf(stderr, "clubmatch: '%s' is not a ZIP code: give 5 "
		    "digits, e.g. 60601\n", cfg->args[0]);
		return 2;
	}
	err_clear(&err);
	geo = geo_db_open(&err);
	if (geo == NULL)
		return fail("cannot load the ZIP table", &err);
	z = geo_db_lookup(geo, cfg->args[0]);
	if (z == NULL) {
		fprintf(stderr, "clubmatch: unknown ZIP code '%s'\n",
		    cfg->args[0]);
		geo_db_close(geo);
		return 1;
	}
	printf("{\"zip\":");
	print_json_string(z->zip);
	printf(",\"city\":");
	print_json_string(z->city);
	printf(",\"state\":");
	print_json_string(z->state);
	printf(",\"county\":");
	print_json_string(z->county);
	printf(",\"lat\":%.6f,\"lon\":%.6f,\"timezone\":", z->pt.lat,
	    z->pt.lon);
	print_json_string(z->timezone);
	printf("}\n");
	geo_db_close(geo);
	return 0;
}

/* ==== import and match ================================================== */
static int
cmd_import(const struct config *cfg, struct service *svc, struct store *st)
{
	struct import_report rep;
	struct err err;

	err_clear(&err);
	if (import_csv(svc, st, cfg->args[0], cfg->args[1], !cfg->no_match,
	    stderr, &rep, &err) < 0)
		return fail("", &err);
	fprintf(stderr, "clubmatch: %s: %ld rows, %ld imported, %ld already "
	    "imported, %ld rejected\n", cfg->args[1], rep.rows, rep.taken,
	    rep.already, rep.rejected);
	return rep.rejected ? 1 : 0;
}

static int
cmd_match(struct service *svc, struct store *st)
{
	struct match_counts n;
	struct progress bar;
	struct err err;

	err_clear(&err);
	progress_init(&bar, "matching");
	if (member_match_all(svc, st, &n, progress_cb, &bar, &err) < 0) {
		progress_done(&bar);
		return fail("match failed", &err);
	}
	progress_done(&bar);
	printf("{\"assigned\":%ld,\"local\":%ld,\"remote\":%ld,"
	    "\"unassigned\":%ld}\n", n.assigned, n.local, n.remote,
	    n.unassigned);
	return 0;
}

/* ==== intake ============================================================ */
static int
cmd_intake(const struct config *cfg, struct service *svc, struct store *st)
{
	char outcome[200];
	struct buf b;
	struct err err;
	int rc;

	err_clear(&err);
	buf_init(&b);
	if (intake_read_file(cfg->nargs ? cfg->args[0] : NULL, &b, &err) < 0) {
		buf_release(&b);
		/* Too large is junk, deliberately ignored; unreadable is the
		 * MTA's to retry. */
		if (err.code == ERR_INVALID) {
			printf("ignored: %s\n", err.msg);
			return 0;
		}
		return fail("cannot read the message", &err);
	}
	rc = replies_take(svc, st, b.data, b.len, outcome, sizeof(outcome),
	    &err);
	buf_release(&b);
	if (rc < 0)
		return fail("cannot take the message", &err);
	printf("%s\n", outcome);
	return 0;
}

/* ==== backup ============================================================ */
static int
cmd_backup(const struct config *cfg)
{
	struct stat db, to;
	struct store *st;
	struct err err;
	const char *file = cfg->args[0];

	if (stat(cfg->db, &db) != 0) {
		fprintf(stderr, "clubmatch: no database at '%s' (%s): give "
		    "it with --db\n", cfg->db, strerror(errno));
		return 1;
	}
	if (stat(file, &to) == 0 && to.st_dev == db.st_dev &&
	    to.st_ino == db.st_ino)
		return bad_usage("backup ", "FILE is the database itself");
	err_clear(&err);
	st = store_open(cfg->db, &err);
	if (st == NULL)
		return fail("", &err);
	if (store_backup(st, file, &err) < 0) {
		store_close(st);
		return fail("backup failed", &err);
	}
	store_close(st);
	fprintf(stderr, "clubmatch: backup of %s written to %s\n", cfg->db,
	    file);
	return 0;
}

/* ==== serve ============================================================= */

/* The admin token: from --admin-token-file, else var/admin.token,
 * created (mode 0600) on first start.  free() it. */
static char *
admin_token(const struct config *cfg, struct err *err)
{
	char path[1024], *copy, line[256];
	FILE *f;
	int fd;

	if (cfg->admin_token_file) {
		snprintf(path, sizeof(path), "%s", cfg->admin_token_file);
	} else {
		/* docs/operations.md names the place: var/admin.token under
		 * the working directory, wherever the database is. */
		snprintf(path, sizeof(path), "var/admin.token");
		if (make_parent_dir(path, err) < 0)
			return NULL;
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (fd >= 0) {
			char *t = rand_token(160);
			ssize_t w = write(fd, t, strlen(t));

			(void)!write(fd, "\n", 1);
			close(fd);
			free(t);
			if (w < 0)
				return err_set(err, ERR_INTERNAL, "cannot "
				    "write '%s'", path), NULL;
			log_event("admin_token_created", "path", path, NULL);
		}
	}
	f = fopen(path, "r");
	if (f == NULL) {
		err_set(err, ERR_INVALID, "cannot read the admin token '%s': "
		    "%s", path, strerror(errno));
		return NULL;
	}
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	fclose(f);
	copy = line;
	while (*copy == ' ' || *copy == '\t')
		copy++;
	copy[strcspn(copy, " \t\r\n")] = '\0';
	if (strlen(copy) < 16) {
		err_set(err, ERR_INVALID, "the admin token in '%s' is shorter "
		    "than 16 characters: put a long random one there", path);
		return NULL;
	}
	if (!cfg->admin_token_file)
		log_event("admin_token", "path", path, NULL);
	return xstrdup(copy);
}

static int
cmd_serve(const struct config *cfg, struct service *svc, struct store *st)
{
	struct http_server *srv;
	struct replies *rp = NULL;
	struct outbox *ob;
	struct err err;
	sigset_t set;
	char *token;
	int sig = 0;
	char signo[12];

	err_clear(&err);
	if (service_load_key(svc, st, &err) < 0)
		return fail("cannot load the token key", &err);
	token = admin_token(cfg, &err);
	if (token == NULL)
		return fail("", &err);
	/* Block the stop signals before any thread starts, so that only
	 * sigwait() below sees them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	ob = outbox_start(svc, &err);
	if (ob == NULL) {
		free(token);
		return fail("cannot start the mail worker", &err);
	}
	srv = http_start(cfg, svc, token, &err);
	free(token);
	if (srv == NULL) {
		outbox_stop(ob);
		return fail("", &err);
	}
	if ((cfg->reply_maildir || cfg->imap) &&
	    (rp = replies_start(svc, &err)) == NULL) {
		http_stop(srv);
		outbox_stop(ob);
		return fail("cannot start the reply intake", &err);
	}
	log_event("listening", "address", cfg->listen, "base_url",
	    cfg->base_url, NULL);
	sigwait(&set, &sig);
	snprintf(signo, sizeof(signo), "%d", sig);
	log_event("stopping", "signal", signo, NULL);
	replies_stop(rp);
	http_stop(srv);
	outbox_stop(ob);
	return 0;
}

/* ==== main ============================================================== */
static const char *
usage_for(const char *cmd)
{
	if (strcmp(cmd, "serve") == 0)
		return USAGE_SERVE;
	if (strcmp(cmd, "import") == 0)
		return USAGE_IMPORT;
	if (strcmp(cmd, "match") == 0)
		return USAGE_MATCH;
	if (strcmp(cmd, "zip") == 0)
		return USAGE_ZIP;
	if (strcmp(cmd, "intake") == 0)
		return USAGE_INTAKE;
	if (strcmp(cmd, "backup") == 0)
		return USAGE_BACKUP;
	return NULL;
}

static int
run(const struct config *cfg)
{
	struct service *svc;
	struct geo_db *geo;
	struct store *st;
	struct err err;
	int rc;

	err_clear(&err);
	/* Time zones are loaded here, in the main thread, before any other
	 * thread exists (libical's lazy zone loading is not thread-safe). */
	if (ics_init(&err) < 0)
		return fail("cannot load time zones", &err);
	reader_init();
	geo = geo_db_open(&err);
	if (geo == NULL) {
		ics_shutdown();
		return fail("cannot load the ZIP table", &err);
	}
	st = open_store(cfg, &err);
	if (st == NULL) {
		geo_db_close(geo);
		ics_shutdown();
		return fail("", &err);
	}
	svc = service_new(cfg, geo);
	if (strcmp(cfg->command, "serve") == 0)
		rc = cmd_serve(cfg, svc, st);
	else if (strcmp(cfg->command, "import") == 0)
		rc = cmd_import(cfg, svc, st);
	else if (strcmp(cfg->command, "intake") == 0)
		rc = cmd_intake(cfg, svc, st);
	else
		rc = cmd_match(svc, st);
	service_free(svc);
	store_close(st);
	geo_db_close(geo);
	reader_shutdown();
	ics_shutdown();
	return rc;
}

int
main(int argc, char **argv)
{
	struct config cfg;
	struct err err;
	const char *cmd = argc > 1 ? argv[1] : NULL;
	bool help;
	int rc;

	if (cmd == NULL)
		return bad_usage(NULL, "no command given");
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
	    strcmp(cmd, "help") == 0)
		return fputs(USAGE, stdout), 0;
	if (strcmp(cmd, "--version") == 0)
		return printf("clubmatch %s\n", VERSION), 0;
	if (usage_for(cmd) == NULL)
		return bad_usage(NULL, "unknown command");
	err_clear(&err);
	if (config_load(&cfg, cmd, argc - 2, argv + 2, &help, &err) < 0) {
		fprintf(stderr, "clubmatch: %s\n", err.msg);
		return 2;
	}
	if (help) {
		fputs(usage_for(cmd), stdout);
		config_release(&cfg);
		return 0;
	}
	if (strcmp(cmd, "import") == 0 && (cfg.nargs != 2 ||
	    (strcmp(cfg.args[0], "clubs") != 0 &&
	    strcmp(cfg.args[0], "members") != 0)))
		rc = bad_usage("import ", "give 'clubs' or 'members' and a "
		    "CSV file");
	else if ((strcmp(cmd, "serve") == 0 || strcmp(cmd, "match") == 0) &&
	    cfg.nargs != 0)
		rc = bad_usage(cmd, "unexpected argument");
	else if (strcmp(cmd, "intake") == 0 && cfg.nargs > 1)
		rc = bad_usage("intake ", "give at most one FILE");
	else if (strcmp(cmd, "zip") == 0)
		rc = cmd_zip(&cfg);
	else if (strcmp(cmd, "backup") == 0 && cfg.nargs != 1)
		rc = bad_usage("backup ", "give the one FILE to write the copy "
		    "to");
	else if (strcmp(cmd, "backup") == 0)
		rc = cmd_backup(&cfg);
	else
		rc = run(&cfg);
	config_release(&cfg);
	return rc;
}
