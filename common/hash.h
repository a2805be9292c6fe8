/*
 * hash.h - the hashes behind tokens: SHA-256 of secrets that are stored
 * only hashed, HMAC-SHA-256 of link tokens that are derived, never
 * stored (docs/api.md, "Tokens"), and a constant-time comparison.
 *
 * All functions are thread-safe (libcrypto's one-shot EVP_Digest() and
 * HMAC() keep no shared state we touch).  They abort if libcrypto fails,
 * which only a broken installation does.
 */
#ifndef CLUBMATCH_HASH_H
#define CLUBMATCH_HASH_H

#include <stdbool.h>
#include <stddef.h>

/* SHA-256 of s as 64 lowercase hex characters and a NUL into out[65]. */
void hash_sha256_hex(const char *s, char out[65]);

/* base32 of HMAC-SHA256(key, msg), `chars` (<= 51) characters and a NUL
 * into out: tokens that the service can show again without storing
 * them, and that nobody without the key can forge. */
void hash_hmac_base32(const unsigned char key[32], const char *msg,
    char *out, size_t chars);

/* Compares two strings in time that depends only on their lengths. */
bool hash_equal_consttime(const char *a, const char *b);

#endif
