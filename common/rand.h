/*
 * rand.h - secrets from the system's CSPRNG.
 *
 * Tokens are random and shown once; only their hash is stored (hash.h).
 * All functions are thread-safe (getrandom(2) keeps no shared state).
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

#endif
