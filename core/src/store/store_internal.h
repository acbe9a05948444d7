/*
 * Internal to store*.c (built with SQLite only): the store object and the
 * helpers its files share. Every operation runs between sp_store_enter() and
 * sp_store_leave(), which hold the store's mutex.
 */
#ifndef SP_STORE_INTERNAL_H
#define SP_STORE_INTERNAL_H

#include <pthread.h>
#include <sqlite3.h>
#include <sys/types.h>

#include "store/store.h"

struct sp_store {
    pthread_mutex_t lock;
    sqlite3 *db;
    char *path;
    pid_t pid;           /* the process that opened it; a forked child must not use it */
    size_t count;        /* rows in events; guarded by lock */
    int64_t backlog_end; /* max(id) + 1 at open */

    /* Prepared once, reused by every call (all guarded by lock). */
    sqlite3_stmt *begin;
    sqlite3_stmt *commit;
    sqlite3_stmt *rollback;
    sqlite3_stmt *insert;
    sqlite3_stmt *delete_eid;
    sqlite3_stmt *delete_id;
    sqlite3_stmt *add_attempt;
    sqlite3_stmt *load;
    sqlite3_stmt *select_aged;
    sqlite3_stmt *select_oldest;
};

/*
 * Record SNOWPLOW_ESTORE with "[fn: ]store 'PATH': WHAT: SQLite's reason" from
 * the connection's last error (call it before anything else touches the
 * connection) and return SNOWPLOW_ESTORE. `fn` may be NULL.
 */
int sp_store_fail(const sp_store *s, const char *fn, const char *what);

/* Check `s` (NULL, forked child) and lock it; 0 or an error with a message
 * naming `fn`. */
int sp_store_enter(sp_store *s, const char *fn);
void sp_store_leave(sp_store *s);

/* Run a statement that returns no rows (BEGIN, COMMIT, a bound DELETE ...) and
 * reset it. 0, or sp_store_fail(s, NULL, what). */
int sp_store_run(sp_store *s, sqlite3_stmt *st, const char *what);

/* Transactions (lock held). Rollback is a no-op when none is open. */
int sp_store_begin(sp_store *s);
int sp_store_commit(sp_store *s);
void sp_store_rollback(sp_store *s);

/*
 * Step a bound SELECT of (id, eid, created_ms, attempts, payload) to its end,
 * appending the rows to a new array, and reset it. 0 (with *out NULL when no
 * rows), SNOWPLOW_ENOMEM or SNOWPLOW_ESTORE; nothing is returned on error.
 */
int sp_store_read_rows(sp_store *s, sqlite3_stmt *st, sp_store_event **out, size_t *n);

#endif
