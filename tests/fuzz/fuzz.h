/*
 * fuzz.h - what the libFuzzer targets share (docs/testing.md, "Fuzzing").
 *
 * A target that needs several strings reads them from one input split at
 * NUL bytes: fuzz_fields() copies the input once, NUL-terminated, and
 * points fields[i] at the i-th piece (NULL past the last one), so every
 * field is a C string the code under test may read to its end.
 */
#ifndef CLUBMATCH_FUZZ_H
#define CLUBMATCH_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Returns the copy (free() it); fields[0..n) are pieces of it or NULL. */
static inline char *
fuzz_fields(const uint8_t *data, size_t size, const char **fields, int n)
{
	char *copy = malloc(size + 1), *p, *end;
	int i;

	if (copy == NULL)
		abort();
	memcpy(copy, data, size);
	copy[size] = '\0';
	end = copy + size;
	p = copy;
	for (i = 0; i < n; i++) {
		if (p > end) {
			fields[i] = NULL;
			continue;
		}
		fields[i] = p;
		p += strlen(p) + 1;
	}
	return copy;
}

/* A finding: what is wrong, then abort() so libFuzzer keeps the input. */
#define FUZZ_ASSERT(cond, ...) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz: " __VA_ARGS__);			\
		fputc('\n', stderr);					\
		abort();						\
	}								\
} while (0)

#endif
