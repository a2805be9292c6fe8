/*
 * import.h - `clubmatch import clubs|members FILE.csv`.
 *
 * The rows' rules are scheduler/importer.h's (the console's upload
 * uses the same): a bad row is reported as file:line: field: reason on
 * `report`, and the good ones are kept.
 */
#ifndef CLUBMATCH_IMPORT_H
#define CLUBMATCH_IMPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "err.h"
#include "service.h"

struct import_report {
	long rows;		/* data rows read */
	long taken;		/* rows stored */
	long already;		/* rows found stored before, as they are */
	long rejected;		/* rows reported on `report` */
};

/* kind is "clubs" or "members".  Returns 0 when the file could be read
 * (rows may still have been rejected), -1 with *err when not at all. */
int import_csv(struct service *svc, struct store *st, const char *kind,
    const char *path, bool match, FILE *report, struct import_report *out,
    struct err *err);

#endif
