/*
 * Internal: the persistent event store, an SQLite database the emitter keeps
 * its unsent events in so that they survive a crash, a restart or a collector
 * outage (snowplow_emitter_options_set_store(); docs/persistence.md).
 *
 * File: SQLite 3 in WAL mode with synchronous=NORMAL and an exclusive lock
 * held for as long as the store is open, so one file serves one store at a
 * time; a second opener (another emitter, process or sqlite3 shell) waits
 * SP_STORE_BUSY_TIMEOUT_MS and then gets SNOWPLOW_ESTORE. Tables:
 *   snowplow_schema(version)     one row, SP_STORE_SCHEMA_VERSION
 *   events(id INTEGER PRIMARY KEY AUTOINCREMENT, eid TEXT UNIQUE,
 *          created_ms INTEGER, attempts INTEGER, payload BLOB)
 * `payload` is the event as the JSON object of its fields, every value a
 * string, without `stm` (the POST text of a record); the store keeps the bytes
 * as given and never parses them. Ids grow for the life of the file (never
 * reused), so "ordered by id" is "oldest first", across restarts too.
 *
 * Durability: a call that returned 0 is committed; it survives the process
 * being killed at any later point. An operating-system crash or power loss may
 * lose the last commits (synchronous=NORMAL: no fsync per commit).
 *
 * Threads: one SQLite connection guarded by one mutex; every function may be
 * called from any thread and they run one at a time. The drop callback of
 * sp_store_enforce_limits() runs on the calling thread with the mutex released,
 * so it may call store functions. A store must not be used in a child process
 * after fork(): there every call but sp_store_close() fails with
 * SNOWPLOW_ESTORE, and sp_store_close() only frees memory, leaving the file to
 * the parent (closing the inherited connection could damage it).
 *
 * Errors: functions return 0 or a negative snowplow_error code. SQLite failures
 * give SNOWPLOW_ESTORE with a message "store 'PATH': what: SQLite's reason";
 * the emitter prefixes its public function name when it passes one on.
 *
 * Built without SQLite (SNOWPLOW_WITH_SQLITE OFF, or no libsqlite3), every
 * function returns SNOWPLOW_EUNSUPPORTED and sp_store_available() is false.
 */
#ifndef SP_STORE_H
#define SP_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sp_store sp_store;

#define SP_STORE_SCHEMA_VERSION 1
/* PRAGMA application_id of a store file ('SPLW'): marks the file as ours. */
#define SP_STORE_APPLICATION_ID 0x53504C57
/* How long a call waits for a lock another connection holds. */
#define SP_STORE_BUSY_TIMEOUT_MS 2000

/* Most events one sp_store_enforce_limits() transaction drops and one call of
 * its callback receives. */
#define SP_STORE_DROP_GROUP 256

/* Reasons passed to the drop callback of sp_store_enforce_limits(). */
#define SP_STORE_REASON_MAX_AGE "store: event older than max age"
#define SP_STORE_REASON_MAX_EVENTS "store: more events than max events"

/* One stored event. */
typedef struct sp_store_event {
    int64_t id;         /* row id: set by sp_store_load(), ignored by sp_store_put_many() */
    char eid[37];       /* event id, 1..36 characters, NUL-terminated; unique in the store */
    int64_t created_ms; /* when it was tracked, ms since the epoch (max age counts from it) */
    int attempts;       /* send attempts so far */
    char *payload_json; /* `len` bytes; from sp_store_load() also NUL-terminated */
    size_t len;
} sp_store_event;

/* Whether this build has the store (SQLite compiled in). */
bool sp_store_available(void);

/*
 * Open the store at `path`, creating the file and the tables when missing.
 * `fn` names the public function for messages ("snowplow_emitter_new").
 * Errors: SNOWPLOW_EINVAL (NULL out, NULL or empty path), SNOWPLOW_ENOMEM,
 * SNOWPLOW_ESTORE with "fn: store 'PATH': REASON" when the file cannot be used
 * (a directory, a path that cannot be created or written, not an SQLite file,
 * a corrupt file, another SQLite database, a newer schema, locked by another
 * opener); a file it did not understand is left untouched. Never crashes.
 * Ownership: close *out with sp_store_close().
 */
int sp_store_open(sp_store **out, const char *path, const char *fn);

/*
 * Close the connection (the WAL is checkpointed into the file and removed) and
 * free the store. No other call on it may be running or come later. In a
 * forked child it only frees memory. NULL is ignored.
 */
void sp_store_close(sp_store *s);

/* The path given to sp_store_open() (owned by the store). */
const char *sp_store_path(const sp_store *s);

/*
 * One more than the highest id present when the store was opened: the events
 * found at start are exactly those with id < sp_store_backlog_end(); every event
 * put later has a larger id. Pass it as `before_id` to sp_store_load() to page
 * through the backlog without meeting events put since.
 */
int64_t sp_store_backlog_end(const sp_store *s);

/*
 * Insert `n` events in one transaction (all or none). An eid already stored is
 * skipped (INSERT OR IGNORE): putting an event twice is harmless. The payload
 * bytes are copied. `added` (may be NULL) receives the number of new rows.
 * Errors: SNOWPLOW_EINVAL (NULL store, NULL events with n > 0, an eid empty or
 * not NUL-terminated within 37 bytes, a NULL payload, attempts < 0; nothing is
 * written then), SNOWPLOW_ESTORE (nothing is written then either).
 */
int sp_store_put_many(sp_store *s, const sp_store_event *events, size_t n, size_t *added);

/*
 * Delete the events with these eids in one transaction; unknown eids are
 * skipped. `removed` (may be NULL) receives the number of rows deleted.
 * Errors: SNOWPLOW_EINVAL (NULL store, NULL eids with n > 0, a NULL eid),
 * SNOWPLOW_ESTORE (nothing is deleted then).
 */
int sp_store_delete_many(sp_store *s, const char *const *eids, size_t n, size_t *removed);

/*
 * Add one to the attempts of the events with these eids, in one transaction,
 * so that a retry limit holds across restarts. Unknown eids are skipped.
 * Errors as for sp_store_delete_many().
 */
int sp_store_add_attempt(sp_store *s, const char *const *eids, size_t n);

/*
 * Load the events with after_id < id < before_id (before_id <= 0: no upper
 * bound), oldest first, at most `limit` of them (0: no limit). Loading does
 * not remove them. Page through with after_id = the last id returned.
 * Ownership: *out (NULL when *n is 0) is freed with sp_store_events_free().
 * Errors: SNOWPLOW_EINVAL, SNOWPLOW_ENOMEM, SNOWPLOW_ESTORE; *out is NULL and
 * *n 0 then.
 */
int sp_store_load(sp_store *s, sp_store_event **out, size_t *n, size_t limit,
                  int64_t after_id, int64_t before_id);

/* Free what sp_store_load() returned (each payload, then the array). NULL is ignored. */
void sp_store_events_free(sp_store_event *events, size_t n);

/*
 * The number of events in the store, kept up to date by every call (exact,
 * since the exclusive lock keeps other writers out). 0 for NULL.
 */
size_t sp_store_count(sp_store *s);

/*
 * Called by sp_store_enforce_limits() with events it has deleted (a group of up
 * to SP_STORE_DROP_GROUP at a time, oldest first) and one of the SP_STORE_REASON_*
 * texts. The events and their payloads are valid during the call only.
 */
typedef void (*sp_store_drop_cb)(void *user, const sp_store_event *events, size_t n,
                                 const char *reason);

/*
 * Drop, oldest first, the events created before now_ms - max_age_ms (when
 * max_age_ms > 0), then as many of the oldest as needed to leave at most
 * max_events (when max_events > 0). Every dropped event is passed to `cb` (may
 * be NULL) after its deletion was committed, so what is reported is exactly what
 * is gone. `dropped` (may be NULL) receives the total.
 * Errors: SNOWPLOW_EINVAL (NULL store, negative max_age_ms), SNOWPLOW_ENOMEM,
 * SNOWPLOW_ESTORE; the groups committed before the error stay dropped, and were
 * reported.
 */
int sp_store_enforce_limits(sp_store *s, size_t max_events, int64_t max_age_ms,
                            int64_t now_ms, sp_store_drop_cb cb, void *user,
                            size_t *dropped);

#endif
