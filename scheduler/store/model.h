/*
 * model.h - the plain records that travel between the store, the domain
 * modules and the HTTP layer.
 *
 * Strings are fixed-size arrays so records can be copied, kept in arrays
 * and filled from SQLite without ownership questions; the limits below
 * are also the validation limits of the API.
 */
#ifndef CLUBMATCH_MODEL_H
#define CLUBMATCH_MODEL_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define NAME_MAX_LEN	200	/* club, member and meeting names */
#define EMAIL_MAX_LEN	254	/* RFC 5321 path limit */
#define TEXT_MAX_LEN	4000	/* descriptions */
#define URL_MAX_LEN	1000

enum match_mode {
	MODE_NONE = 0,		/* never matched: `match` will pick it up */
	MODE_LOCAL,
	MODE_REMOTE,
	MODE_UNASSIGNED,	/* matched, but no candidate: reason says why */
};

/* Where a ZIP code is: what a club or member keeps of the ZIP table. */
struct place {
	char zip[6];			/* "" when only a state is known */
	char city[64];
	char state[3];
	char county[64];		/* clubs only */
	char timezone[64];		/* IANA name, or "" */
	double lat, lon;		/* valid when zip[0] */
};

struct club {
	int64_t id;
	char name[NAME_MAX_LEN + 1];
	char slug[48];			/* readable part of video rooms */
	struct place place;
	char secretary_email[EMAIL_MAX_LEN + 1];
	char secretary_name[NAME_MAX_LEN + 1];
	bool accepts_remote;
	int64_t remote_capacity;	/* -1: no limit */
	bool active;			/* false after DELETE */
	int64_t remote_members;		/* members assigned remotely now */
	int64_t activity;		/* occurrences in the activity window */
	time_t created_at;
};

struct assignment {
	int64_t club_id;		/* 0 when unassigned */
	char club_name[NAME_MAX_LEN + 1];
	double distance_miles;		/* < 0: unknown (no ZIP) */
	enum match_mode mode;
	char reason[256];
};

struct member {
	int64_t id;
	char name[NAME_MAX_LEN + 1];
	char email[EMAIL_MAX_LEN + 1];
	struct place place;		/* zip "" when only a state is known */
	char phone[32];
	char preferred_channel[16];	/* email, phone, sms or "" */
	bool unsubscribed;
	char status[16];		/* active, do_not_contact, removed */
	char removed_reason[16];	/* left, prank, duplicate, or "" */
	time_t removed_at;		/* 0 unless removed */
	char email_status[12];		/* ok, bouncing */
	char phone_status[12];		/* unknown, ok, bad */
	struct assignment assignment;
	time_t created_at;
};

/* One cancelled or moved occurrence of a series. */
struct meeting_occ {
	char date[11];			/* YYYY-MM-DD of the original start */
	char original_local[17];	/* YYYY-MM-DDTHH:MM, RECURRENCE-ID */
	bool cancelled;
	char start_local[17];		/* moved: the new start */
	int duration_minutes;		/* moved: the new length */
	int sequence;			/* SEQUENCE when it changed */
};

#define MEETING_MAX_OCC 64		/* changed occurrences per series */

struct meeting {
	int64_t id;
	int64_t club_id;
	char uid[128];			/* stable, globally unique */
	char title[801];		/* 200 characters of UTF-8 */
	char description[TEXT_MAX_LEN + 1];
	char location[501];		/* physical place, or "" */
	char video_url[URL_MAX_LEN + 1];
	char timezone[64];		/* bare IANA name */
	char start_local[17];		/* YYYY-MM-DDTHH:MM in timezone */
	int duration_minutes;
	char rrule[256];		/* "" for a single meeting */
	int sequence;			/* grows with every change */
	bool cancelled;
	time_t created_at;
	time_t updated_at;
	struct meeting_occ occ[MEETING_MAX_OCC];
	size_t n_occ;
};

/* The kinds of mail the one outbox carries (docs/email.md). */
enum mail_kind {
	KIND_INVITATION = 0,	/* iMIP REQUEST / CANCEL */
	KIND_WELCOME,		/* a member assigned to a club */
	KIND_SECRETARY_DIGEST,	/* the club's newly assigned members */
	KIND_ORGANIZER_DIGEST,	/* overdue first contacts, by club */
	KIND_FORWARD,		/* a member's human reply, to the secretary */
	KIND_REMINDER,		/* the day before an occurrence */
	KIND_FOLLOWUP,		/* "did you make it?" after one */
	KIND_JOIN_CONFIRM,	/* double opt-in of /join */
	KIND_MEMBER_LINK,	/* /join by an existing member: their page */
	KIND__COUNT
};

/* One outbox row. */
struct outbox_row {
	int64_t id;
	enum mail_kind kind;
	int64_t invitation_id;		/* invitation, reminder, follow-up */
	int64_t meeting_id;		/* from the invitation, else 0 */
	int64_t member_id;		/* 0 when not about one member */
	int64_t club_id;
	int64_t ref_id;			/* reply (forward) or join row */
	int sequence;
	char method[8];			/* REQUEST, CANCEL, or "" */
	char occurrence[11];		/* YYYY-MM-DD or "" for the series */
	char status[10];		/* pending sending sent failed dropped */
	int attempts;
	time_t next_attempt_at;		/* also: not before (reminders) */
	time_t send_before;		/* 0: no limit */
	char last_error[256];
	char to[EMAIL_MAX_LEN + 1];
	char subject[256];
	time_t created_at;
	time_t sent_at;			/* 0 until sent */
	bool uninvited;			/* the invitation was withdrawn */
};

struct invitation {
	int64_t id;
	int64_t meeting_id;
	int64_t member_id;
	char rsvp[16];			/* needs-action accepted declined
					 * tentative */
	char rsvp_via[12];		/* link, calendar, secretary, "" */
	char comment[1001];
	int reply_sequence;		/* of the calendar reply, -1: none */
	time_t reply_stamp;		/* its DTSTAMP, 0: none */
	bool removed;			/* withdrawn */
	char tag[32];			/* the ORGANIZER's reply tag */
	time_t invited_at;
	time_t responded_at;		/* 0: no answer yet */
};

/* An invited member, as the secretary sees them. */
struct attendee {
	int64_t member_id;
	int64_t invitation_id;
	char name[NAME_MAX_LEN + 1];
	char email[EMAIL_MAX_LEN + 1];
	char city[64];
	char state[3];
	double distance_miles;		/* < 0: unknown */
	enum match_mode mode;
	char rsvp[16];			/* for the occurrence when asked */
	char rsvp_via[12];
	char comment[1001];
	int attended;			/* -1 unknown, 0 no, 1 yes */
	time_t invited_at;
	time_t responded_at;		/* 0: no answer yet */
};

/* A first-contact task (docs/outreach.md), with who to contact. */
struct contact {
	int64_t id;
	int64_t member_id;
	int64_t club_id;
	char status[10];		/* open, overdue, done */
	time_t due_at;
	int attempts;
	char last_outcome[20];
	time_t created_at;
	char name[NAME_MAX_LEN + 1];
	char email[EMAIL_MAX_LEN + 1];
	char phone[32];
	char preferred_channel[16];
	char city[64];
	char state[3];
	double distance_miles;		/* < 0: unknown */
	enum match_mode mode;
	char club_name[NAME_MAX_LEN + 1];
};

/* Which members a list shows. */
struct member_filter {
	int64_t after;		/* id cursor, 0 for the first page */
	int limit;		/* <= 0: no limit */
	int64_t club_id;	/* 0: any */
	enum match_mode mode;	/* MODE_NONE: any */
	bool unmatched_only;	/* only members not assigned a club */
	const char *status;	/* NULL: all but removed; or one status */
	const char *email_status;	/* NULL: any */
};

const char *model_mode_name(enum match_mode m);
/* MODE_NONE for an unknown name. */
enum match_mode model_mode_parse(const char *s);
const char *model_kind_name(enum mail_kind k);
/* KIND__COUNT for an unknown name. */
enum mail_kind model_kind_parse(const char *s);

/* A secretary token as the admin's list shows it (never the token). */
struct token_info {
	int64_t id, club_id;
	time_t created_at, expires_at;	/* expires_at 0: never */
	bool revoked;
	char label[256];
};

#endif
