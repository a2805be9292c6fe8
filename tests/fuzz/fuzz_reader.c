/*
 * fuzz_reader.c - libFuzzer target for the message reader: reader_parse()
 * (GMime) and, through it, ics_reply_parse() (libical) on any bytes; the
 * same bytes are also given to ics_reply_parse() directly.
 *
 * Build and run by hand (until `make fuzz` exists), from the top:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
 *     -Icommon -Iics -Ischeduler/mail \
 *     $(pkg-config --cflags gmime-3.0 libical) \
 *     tests/fuzz/fuzz_reader.c scheduler/mail/reader.c ics/[a-z]*.c common/[a-z]*.c \
 *     $(pkg-config --libs gmime-3.0 libical) -lcrypto -lpthread -lm \
 *     -o build/fuzz_reader
 *   build/fuzz_reader -max_len=65536 -timeout=10 tests/fuzz/corpus/reader
 *
 * The seeds are the client and MTA shapes of tests/unit/mail_samples.h.
 */
#include <stddef.h>
#include <stdint.h>

#include "ics.h"
#include "ics_reply.h"
#include "reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct err e;

	(void)argc;
	(void)argv;
	err_clear(&e);
	if (ics_init(&e) != 0)
		return -1;
	reader_init();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader_msg m;
	struct ics_reply *r = NULL;
	struct err e;

	err_clear(&e);
	if (reader_parse((const char *)data, size,
	    "clubmatch@clubs.example.org", &m, &e) == 0)
		reader_msg_free(&m);
	if (ics_reply_parse((const char *)data, size, &r, &e) == 0)
		ics_reply_free(r);
	return 0;
}
