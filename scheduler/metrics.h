/*
 * metrics.h - the database's side of GET /metrics (docs/operations.md,
 * "Metrics"): outbox rows by status and kind, the rows the member daily
 * cap holds back, replies by kind, members by mode and status, in the
 * Prometheus text format.
 */
#ifndef CLUBMATCH_METRICS_H
#define CLUBMATCH_METRICS_H

#include "buf.h"
#include "err.h"

struct store;

/* Appends the counts to out; -1 with *err when the store fails. */
int metrics_write(struct store *st, struct buf *out, struct err *err);

#endif
