/*
 * feed.h - the calendars served over HTTP: a member's personal feed of
 * their club's meetings, and one meeting's .ics download
 * (docs/calendar.md, "Feed and download").
 */
#ifndef CLUBMATCH_FEED_H
#define CLUBMATCH_FEED_H

#include <stddef.h>
#include <time.h>

#include "err.h"
#include "model.h"
#include "service.h"

/* Alarm in feeds: minutes before each meeting. */
#define FEED_ALARM_MINUTES 30

/* A calendar text and when what it shows last changed. */
struct feed {
	char *text;		/* free() it */
	size_t len;
	time_t modified;
};

/* The feed a "feed" link token names: every meeting of the member's club
 * (none for a member without one).  ERR_NOT_FOUND when the token is not
 * genuine. */
int feed_member(struct service *svc, struct store *st, const char *token,
    struct feed *out, struct err *err);

/* The .ics download of meeting m of club c. */
int feed_meeting(const struct config *cfg, const struct meeting *m,
    const struct club *c, struct feed *out, struct err *err);

#endif
