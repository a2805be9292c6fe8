/*
 * token.c - link tokens derived from the service key, and secretary
 * tokens (docs/api.md, "Tokens").
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hash.h"
#include "rand.h"
#include "store.h"
#include "text.h"
#include "token.h"

/* "<id>-<32 base32 chars of HMAC(key, kind:id)>". */
void
token_link(const struct service *svc, const char *kind, int64_t id,
    char *out, size_t size)
{
	char msg[64], mac[40];

	snprintf(msg, sizeof(msg), "%s:%lld", kind, (long long)id);
	hash_hmac_base32(service_key(svc), msg, mac, 32);
	snprintf(out, size, "%lld-%s", (long long)id, mac);
}

int64_t
token_link_id(const struct service *svc, const char *kind,
    const char *token)
{
	char want[TOKEN_MAX], *end;
	long long id;

	if (token == NULL || strlen(token) > 60)
		return -1;
	id = strtoll(token, &end, 10);
	if (end == token || *end != '-' || id <= 0)
		return -1;
	token_link(svc, kind, id, want, sizeof(want));
	return hash_equal_consttime(want, token) ? id : -1;
}

void
token_link_url(const struct service *svc, const char *path,
    const char *kind, int64_t id, const char *suffix, char *out,
    size_t size)
{
	char token[TOKEN_MAX];

	token_link(svc, kind, id, token, sizeof(token));
	snprintf(out, size, "%s%s%s%s", service_config(svc)->base_url, path,
	    token, suffix);
}

/* %-encodes every byte of s but unreserved ones (RFC 3986). */
static void
url_encode(const char *s, char *out, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s && o + 4 < size; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c)) {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
}

void
token_member_links(const struct service *svc, int64_t member_id,
    struct member_links *out)
{
	const char *scheme_end;
	char enc[sizeof(out->webcal) * 3];

	token_link_url(svc, "/feeds/", "feed", member_id, ".ics", out->feed,
	    sizeof(out->feed));
	/* webcal:// is the feed's URL with the scheme replaced: calendar
	 * programs subscribe to it (docs/outreach.md, "Calendar buttons"). */
	scheme_end = strstr(out->feed, "://");
	snprintf(out->webcal, sizeof(out->webcal), "webcal%s",
	    scheme_end ? scheme_end : "://");
	url_encode(out->webcal, enc, sizeof(enc));
	snprintf(out->google, sizeof(out->google),
	    "https://calendar.google.com/calendar/render?cid=%s", enc);
	token_link_url(svc, "/m/", "member", member_id, "", out->page,
	    sizeof(out->page));
	token_link_url(svc, "/unsubscribe/", "unsub", member_id, "",
	    out->unsubscribe, sizeof(out->unsubscribe));
}

/* A UTC time "YYYY-MM-DDTHH:MM[:SS]Z" into *out; false when it is not
 * one (a day that does not exist included). */
static bool
parse_utc(const char *s, time_t *out)
{
	static const char *const forms[] = { "%Y-%m-%dT%H:%M:%SZ",
		"%Y-%m-%dT%H:%MZ" };
	struct tm tm, back;
	const char *end;
	size_t i;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, forms[i], &tm);
		if (end == NULL || *end != '\0' || strlen(s) < 17)
			continue;
		back = tm;	/* timegm() normalises tm: Feb 30 is Mar 2 */
		*out = timegm(&back);
		gmtime_r(out, &back);
		return back.tm_mday == tm.tm_mday && back.tm_mon == tm.tm_mon;
	}
	return false;
}

char *
token_secretary_new(struct store *st, int64_t club_id,
    const char *expires_at, const char *label, struct token_info *out,
    struct err *err)
{
	struct club c;
	char *token, hash[65];
	time_t expires = 0;
	int64_t id;

	if (expires_at && !parse_utc(expires_at, &expires)) {
		err_set_field(err, ERR_INVALID, "expires_at", "expires_at "
		    "must be a UTC time YYYY-MM-DDTHH:MM:SSZ");
		return NULL;
	}
	if (expires_at && expires <= time(NULL)) {
		err_set_field(err, ERR_INVALID, "expires_at", "expires_at "
		    "must be in the future");
		return NULL;
	}
	if (label && label[0] && !text_is_clean(label, TOKEN_LABEL_MAX,
	    false)) {
		err_set_field(err, ERR_INVALID, "label", "label must be text "
		    "without control characters, at most %d bytes",
		    TOKEN_LABEL_MAX);
		return NULL;
	}
	if (store_club_get(st, club_id, &c, err) < 0)
		return NULL;
	if (!c.active) {
		err_set(err, ERR_NOT_FOUND, "club %lld was deleted",
		    (long long)club_id);
		return NULL;
	}
	/* 160 bits from the CSPRNG; only the hash is stored. */
	token = rand_token(160);
	hash_sha256_hex(token, hash);
	if (store_token_add(st, hash, club_id, expires, label, &id,
	    err) < 0 || (out && store_token_get(st, id, out, err) < 0)) {
		free(token);
		return NULL;
	}
	return token;
}

int
token_secretary_club(struct store *st, const char *hash, int64_t *club_id,
    struct err *err)
{
	return store_token_lookup(st, hash, club_id, err);
}

int
token_secretary_list(struct store *st, int64_t club_id, int64_t after,
    int limit, struct token_info **out, size_t *n, struct err *err)
{
	return store_token_list(st, club_id, after, limit, out, n, err);
}

int
token_secretary_revoke(struct store *st, int64_t id, struct err *err)
{
	return store_token_revoke(st, id, err);
}
