/*
 * hash.c - SHA-256 and HMAC-SHA-256 from libcrypto, and a comparison that
 * does not leak where two secrets differ.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"

void
hash_sha256_hex(const char *s, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;

	if (!EVP_Digest(s, strlen(s), md, &len, EVP_sha256(), NULL)) {
		fprintf(stderr, "clubmatch: sha256 failed\n");
		abort();
	}
	for (i = 0; i < len && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[64] = '\0';
}

bool
hash_equal_consttime(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char diff = la != lb;

	for (i = 0; i < la; i++)
		diff |= (unsigned char)a[i] ^ (unsigned char)b[lb ? i % lb : 0];
	return diff == 0;
}

void
hash_hmac_base32(const unsigned char key[32], const char *msg, char *out,
    size_t chars)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	size_t i, bit;

	if (HMAC(EVP_sha256(), key, 32, (const unsigned char *)msg,
	    strlen(msg), md, &len) == NULL) {
		fprintf(stderr, "clubmatch: hmac failed\n");
		abort();
	}
	if (chars > len * 8 / 5)
		chars = len * 8 / 5;
	for (i = 0; i < chars; i++) {
		unsigned v = 0;

		for (bit = i * 5; bit < i * 5 + 5; bit++)
			v = (v << 1) | ((md[bit / 8] >> (7 - bit % 8)) & 1);
		out[i] = alphabet[v];
	}
	out[chars] = '\0';
}
