/*
 * club.h - clubs: create, change, read, list, delete (docs/api.md,
 * "Clubs").
 *
 * A club's activity (docs/matching.md) is not stored: reads fill it in
 * from the current match snapshot.  Deleting a club deactivates it and
 * re-matches its members, in one transaction.
 */
#ifndef CLUBMATCH_CLUB_H
#define CLUBMATCH_CLUB_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "model.h"
#include "service.h"

/* A club as given by a request or a CSV row.  Strings are borrowed; NULL
 * means "not given" (keep the old value on update, default on create). */
struct club_input {
	const char *name;
	const char *zip;
	const char *secretary_email;
	const char *secretary_name;
	int accepts_remote;		/* -1 not given, else 0/1 */
	int64_t remote_capacity;	/* -2 not given, -1 no limit, >= 0 */
};
void club_input_init(struct club_input *in);

int club_create(struct service *svc, struct store *st,
    const struct club_input *in, struct club *out, struct err *err);
/* Whether a CSV row was imported before (docs/operations.md,
 * "Importing"): 0 when no active club has in's name at in's zip, 1 when
 * one does with the same secretary and remote settings, 2 when one does
 * with other data; *id is the club found.  -1 with *err. */
int club_stored(struct store *st, const struct club_input *in, int64_t *id,
    struct err *err);
/* ERR_NOT_FOUND for a deleted club. */
int club_update(struct service *svc, struct store *st, int64_t id,
    const struct club_input *in, struct club *out, struct err *err);
/* Deactivates the club and re-matches its members (assign.h). */
int club_delete(struct service *svc, struct store *st, int64_t id,
    struct err *err);
/* The club as stored, its activity left 0: for callers that do not show
 * it, so the snapshot is not consulted. */
int club_read(struct store *st, int64_t id, struct club *out,
    struct err *err);
/* The club with its activity. */
int club_get(struct service *svc, struct store *st, int64_t id,
    struct club *out, struct err *err);
/* Up to limit clubs with id > after, in id order, with their activity,
 * into a new array *out of *n (free() it). */
int club_list(struct service *svc, struct store *st, int64_t after,
    int limit, struct club **out, size_t *n, struct err *err);

#endif
