/*
 * token.h - the secrets in links and the secretaries' tokens
 * (docs/api.md, "Tokens").
 *
 * Link tokens ("feed", "rsvp", "unsub") are "<id>-<HMAC-SHA-256(key,
 * kind:id)>" (160 bits of MAC, base32): the service can show them again
 * in every e-mail without storing them, and nobody without the key can
 * forge one.  Secretary tokens are random (160 bits), shown once, and
 * only their SHA-256 is stored.
 *
 * Thread-safe: the key is read-only once service_load_key() has run.
 */
#ifndef CLUBMATCH_TOKEN_H
#define CLUBMATCH_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "service.h"

/* Room for any link token and its NUL. */
#define TOKEN_MAX 96

/* The link token of kind for id into out (size >= TOKEN_MAX). */
void token_link(const struct service *svc, const char *kind, int64_t id,
    char *out, size_t size);
/* The id a genuine link token of this kind names, or -1. */
int64_t token_link_id(const struct service *svc, const char *kind,
    const char *token);
/* base_url + path + the token + suffix into out: the links of e-mails
 * and of the API ("/feeds/", "feed", id, ".ics"). */
void token_link_url(const struct service *svc, const char *path,
    const char *kind, int64_t id, const char *suffix, char *out,
    size_t size);

/* A member's links: the feed (https .ics), the same as webcal://, a
 * Google Calendar subscribe link, their own page (/m/) and the
 * unsubscribe page. */
struct member_links {
	char feed[400];
	char webcal[400];
	char google[1400];
	char page[400];
	char unsubscribe[400];
};
void token_member_links(const struct service *svc, int64_t member_id,
    struct member_links *out);

#define TOKEN_LABEL_MAX 200
struct token_info;
/* Mints a secretary token for the active club club_id and stores its
 * hash, with an optional expiry (expires_at: UTC "YYYY-MM-DDTHH:MM:SSZ",
 * NULL for none) and label; *out (when not NULL) is its list entry.
 * Returns the token (free() it), or NULL with *err (ERR_NOT_FOUND for a
 * deleted or unknown club, ERR_INVALID naming expires_at or label). */
char *token_secretary_new(struct store *st, int64_t club_id,
    const char *expires_at, const char *label, struct token_info *out,
    struct err *err);
/* 0 and *club_id when hash (hash_sha256_hex() of the presented token,
 * which the caller has already made to compare it with the admin
 * token's) is a live secretary token of an active club; otherwise -1
 * with ERR_NOT_FOUND, or ERR_UNAVAILABLE when the database is busy. */
int token_secretary_club(struct store *st, const char *hash,
    int64_t *club_id, struct err *err);
/* The club's tokens in id order (free() *out), for the admin. */
int token_secretary_list(struct store *st, int64_t club_id, int64_t after,
    int limit, struct token_info **out, size_t *n, struct err *err);
/* Revokes token id (ERR_NOT_FOUND when there is none): its next request
 * is 401. */
int token_secretary_revoke(struct store *st, int64_t id, struct err *err);

#endif
