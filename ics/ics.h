/*
 * ics.h - the calendar module in one include: everything libical.
 *
 *   ics_zone.h   zones, wall clock <-> UTC, ics_init()/ics_shutdown(),
 *                times for e-mails
 *   ics_event.h  a meeting as plain C data, validation, occurrences
 *   ics_build.h  invitation and feed text, and a checker for it
 *
 * Nothing outside ics/ includes <libical/ical.h>.  Call ics_init() once
 * in the main thread before using any of it; after that every function is
 * safe in any number of threads (see ics_zone.h).
 */
#ifndef CLUBMATCH_ICS_H
#define CLUBMATCH_ICS_H

#include "ics_build.h"
#include "ics_event.h"
#include "ics_zone.h"

#endif
