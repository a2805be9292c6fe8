/*
 * rand.c - secrets from the kernel's CSPRNG (getrandom(2)).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "rand.h"
#include "xalloc.h"

void
rand_bytes(void *buf, size_t n)
{
	unsigned char *p = buf;

	while (n > 0) {
		ssize_t got = getrandom(p, n, 0);

		if (got < 0) {
			perror("clubmatch: getrandom");
			abort();
		}
		p += got;
		n -= (size_t)got;
	}
}

void
rand_base32(char *out, size_t chars)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char raw[256];
	size_t i;

	/* One byte per character, masked to 5 bits: simple and unbiased
	 * because 256 is a multiple of 32. */
	while (chars > 0) {
		size_t n = chars < sizeof(raw) ? chars : sizeof(raw);

		rand_bytes(raw, n);
		for (i = 0; i < n; i++)
			*out++ = alphabet[raw[i] & 31];
		chars -= n;
	}
	*out = '\0';
}

char *
rand_token(unsigned bits)
{
	size_t chars = (bits + 4) / 5;
	char *t = xmalloc(chars + 1);

	rand_base32(t, chars);
	return t;
}
