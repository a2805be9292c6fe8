/*
 * service.h - the context every domain call runs in: the configuration,
 * the ZIP table, the token key and the cached match snapshot.
 *
 * A struct service is shared by every thread.  The configuration and the
 * ZIP table are read-only; the token key is written once, by
 * service_load_key() before serving; the snapshot cache is behind a
 * mutex.  The struct store passed to each domain call belongs to the
 * calling thread (one connection per thread, docs/architecture.md).
 *
 * Domain calls (club_, member_, meeting_, invite_, feed_, token_) report
 * bad input as ERR_INVALID with err->field naming the input field, and
 * make each change in one store transaction, so a refused call changes
 * nothing.
 */
#ifndef CLUBMATCH_SERVICE_H
#define CLUBMATCH_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "geo_db.h"
#include "model.h"

struct service;
struct store;
struct match_snapshot;

/* cfg and geo are borrowed and must outlive the service. */
struct service *service_new(const struct config *cfg,
    const struct geo_db *geo);
void service_free(struct service *svc);	/* NULL ok */
const struct geo_db *service_geo(const struct service *svc);
const struct config *service_config(const struct service *svc);

/* A store connection for the calling thread, on the configured database
 * (the HTTP workers and the mail lanes each open one).  NULL with *err
 * set.  Close with service_store_close(); NULL is a no-op there. */
struct store *service_store_open(const struct service *svc,
    struct err *err);
void service_store_close(struct store *st);

/* Loads (creating on first use) the key that link tokens are derived
 * from (token.h).  Call once, before any thread derives a token. */
int service_load_key(struct service *svc, struct store *st,
    struct err *err);
/* The 32-byte key: read-only after service_load_key(). */
const unsigned char *service_key(const struct service *svc);

/* Fills *out with the place of a 5-digit ZIP code; ERR_INVALID naming
 * the field "zip" when it is malformed or unknown. */
int service_zip_place(const struct service *svc, const char *zip,
    struct place *out, struct err *err);

/* ---- for the domain modules -------------------------------------------- */
/*
 * A counted reference to the match snapshot that reflects what st sees
 * now (rebuilt, once, when clubs or meetings changed or it is older than
 * ten minutes).  NULL with *err when it cannot be built.  Give it back
 * with service_snapshot_put().
 */
struct snapshot_ref;
struct snapshot_ref *service_snapshot_get(struct service *svc,
    struct store *st, struct err *err);
const struct match_snapshot *service_snapshot(const struct snapshot_ref *r);
void service_snapshot_put(struct service *svc, struct snapshot_ref *r);

/* Rolls back st's transaction and drops the cached snapshot, which may
 * show what the rolled-back change did. */
void service_rollback(struct service *svc, struct store *st);

#endif
