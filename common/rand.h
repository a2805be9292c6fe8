/*
 * rand.h - secrets from the system's CSPRNG, and their hashes.
 *
 * Tokens are random, shown once, and only their SHA-256 is stored.
 * All functions are thread-safe (getrandom(2) and libcrypto keep no
 * shared state we touch).
 */
#ifndef CLUBMATCH_RAND_H
#define CLUBMATCH_RAND_H

#include <stdbool.h>
#include <stddef.h>

/* Fills buf with n bytes from getrandom(2); aborts if the kernel fails. */
void rand_bytes(void *buf, size_t n);

/* Writes `chars` characters of lowercase RFC 4648 base32 (a-z2-7), 5 bits
 * each, and a NUL into out (size chars + 1). */
void rand_base32(char *out, size_t chars);

/* A new URL-safe token with at least `bits` bits of randomness; free() it. */
char *rand_token(unsigned bits);

/* SHA-256 of s as 64 lowercase hex characters and a NUL into out[65]. */
void rand_sha256_hex(const char *s, char out[65]);

/* base32 of HMAC-SHA256(key, msg), `chars` (<= 51) characters and a NUL
 * into out: tokens that the service can show again without storing
 * them, and that nobody without the key can forge. */
void rand_hmac_base32(const unsigned char key[32], const char *msg,
    char *out, size_t chars);

/* Compares two strings in time that depends only on their lengths. */
bool rand_equal_consttime(const char *a, const char *b);

#endif
