/*
 * log.h - events on stderr, one line each, as key=value pairs
 * (CONTRACT §14, docs/operations.md "Logs"):
 *
 *   ts=2026-12-04T01:02:03Z event=request id=9f3a0c... status=200
 *
 * A value is written bare when it is a non-empty run of printable ASCII
 * without space, '"', '=' or '\'; any other value is quoted, with '"'
 * and '\' escaped as \" and \\ and every other byte outside printable
 * ASCII (controls, DEL, bytes of UTF-8 sequences) as \xNN.  So an event is
 * always exactly one line, whatever a value holds, and a value cannot
 * start a key or a line of its own.  Keys and event names are the
 * program's own words (lowercase and '_'), never input.
 *
 * Each line goes to stderr in one write(2), so the lines of concurrent
 * threads never interleave.  All functions are thread-safe.
 */
#ifndef CLUBMATCH_LOG_H
#define CLUBMATCH_LOG_H

#include <stdbool.h>

#include "buf.h"

/* A value is cut after this many bytes and then ends in "..." (quoted). */
#define LOG_VALUE_MAX 1024

/*
 * Writes one event: "ts=... event=EVENT", then " key=value" for each pair
 * of the list of (const char *key, const char *value) that ends with a
 * NULL key.  A pair whose value is NULL is left out.
 *
 *   log_event("stopping", "signal", "15", NULL);
 */
void log_event(const char *event, ...) __attribute__((sentinel));

/* Appends value to b as log_event() writes it: bare or quoted. */
void log_value(struct buf *b, const char *value);

/* Whether value can be written bare (see above). */
bool log_value_is_bare(const char *value);

#endif
