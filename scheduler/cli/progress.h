/*
 * progress.h - a one-line progress bar on stderr, shown only when stderr
 * is a terminal, so logs and pipes stay clean.
 */
#ifndef CLUBMATCH_PROGRESS_H
#define CLUBMATCH_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct progress {
	const char *label;
	bool tty;
	time_t last;		/* last redraw, to redraw a few times a second */
	int shown;
};

void progress_init(struct progress *p, const char *label);
void progress_update(struct progress *p, size_t done, size_t total);
void progress_done(struct progress *p);
/* Adapter for callbacks of the form fn(done, total, arg). */
void progress_cb(size_t done, size_t total, void *arg);

#endif
