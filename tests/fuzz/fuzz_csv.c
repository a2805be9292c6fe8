/*
 * fuzz_csv.c - the CSV reader of `clubmatch import` (scheduler/csv.c)
 * on any bytes: every record either reads or fails with a message, line
 * numbers only grow, and a record never holds more than CSV_MAX_RECORD
 * bytes or CSV_MAX_FIELDS fields (docs/operations.md, "Importing").
 */
#include "csv.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f;
	struct csv *c;
	char **fields;
	long line = 0, last = 0;
	int n, i, records = 0;

	if (size == 0)
		return 0;
	f = fmemopen((void *)data, size, "r");
	if (f == NULL)
		return 0;
	c = csv_new(f);
	for (;;) {
		struct err err;
		size_t total = 0;

		err_clear(&err);
		n = csv_next(c, &fields, &line, &err);
		if (n == 0)
			break;
		FUZZ_ASSERT(line >= 1 && line >= last, "line %ld after %ld",
		    line, last);
		last = line;
		FUZZ_ASSERT(++records <= (long)size + 1, "more records than "
		    "bytes: the reader does not advance");
		if (n < 0) {
			FUZZ_ASSERT(err.code != ERR_OK && err.msg[0],
			    "a failed record without a message");
			continue;
		}
		FUZZ_ASSERT(n <= CSV_MAX_FIELDS, "%d fields", n);
		for (i = 0; i < n; i++)
			total += strlen(fields[i]);
		FUZZ_ASSERT(total <= CSV_MAX_RECORD, "record of %zu bytes",
		    total);
	}
	FUZZ_ASSERT(csv_offset(c) <= (long)size, "offset %ld past %zu",
	    csv_offset(c), size);
	csv_free(c);
	fclose(f);
	return 0;
}
