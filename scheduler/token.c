/*
 * token.c - link tokens derived from the service key, and secretary
 * tokens (docs/api.md, "Tokens").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "rand.h"
#include "store.h"
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

char *
token_secretary_new(struct store *st, int64_t club_id, struct err *err)
{
	struct club c;
	char *token, hash[65];

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
	if (store_token_insert(st, hash, club_id, err) < 0) {
		free(token);
		return NULL;
	}
	return token;
}

int
token_secretary_club(struct store *st, const char *hash, int64_t *club_id)
{
	return store_token_lookup(st, hash, club_id);
}
