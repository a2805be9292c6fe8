#include <stdio.h>
#include <unistd.h>

#include "progress.h"

void
progress_init(struct progress *p, const char *label)
{
	p->label = label;
	p->tty = isatty(2) == 1;
	p->last = 0;
	p->shown = 0;
}

void
progress_update(struct progress *p, size_t done, size_t total)
{
	int pct, i;
	char bar[31];
	struct timespec now;

	if (!p->tty || total == 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (p->shown && now.tv_sec == p->last && done < total)
		return;
	p->last = now.tv_sec;
	p->shown = 1;
	pct = (int)(done * 100 / total);
	for (i = 0; i < 30; i++)
		bar[i] = i < pct * 30 / 100 ? '#' : '.';
	bar[30] = '\0';
	fprintf(stderr, "\r%s [%s] %3d%% %zu/%zu", p->label, bar, pct, done,
	    total);
	fflush(stderr);
}

void
progress_done(struct progress *p)
{
	if (p->tty && p->shown)
		fprintf(stderr, "\n");
	p->shown = 0;
}

void
progress_cb(size_t done, size_t total, void *arg)
{
	progress_update(arg, done, total);
}
