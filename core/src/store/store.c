/* The persistent store: opening, checking and closing the SQLite file (store.h). */
#include "store/store.h"

#if SNOWPLOW_HAVE_SQLITE

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/error.h"
#include "snowplow/common.h"
#include "store/store_internal.h"
#include "util/quote.h"

/* Paths are quoted up to this many bytes in messages. */
#define SP_STORE_PATH_QUOTE_MAX 200
#define SP_STORE_QUOTED_SIZE (SP_STORE_PATH_QUOTE_MAX * 4 + 4)

/* The path as messages show it: printable, cut when very long. */
static char *quote_path(const sp_store *s, char buf[SP_STORE_QUOTED_SIZE])
{
    return sp_quote_bytes(buf, SP_STORE_QUOTED_SIZE, s->path, strlen(s->path),
                          SP_STORE_PATH_QUOTE_MAX);
}

bool sp_store_available(void)
{
    return true;
}

/*
 * Why a path cannot be opened, from the file system itself: SQLite reports the
 * errno of its last attempt, which for a file it could not create in a read-only
 * directory is the ENOENT of its read-only retry. NULL when nothing is found.
 */
static const char *cantopen_cause(const char *path, char *buf, size_t size)
{
    struct stat st;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return "it is a directory";
        if (access(path, R_OK | W_OK) != 0)
            return strerror(errno);
        return NULL;
    }
    if (errno != ENOENT)
        return strerror(errno);
    char *copy = strdup(path);
    if (!copy)
        return NULL;
    const char *dir = dirname(copy);
    if (stat(dir, &st) != 0)
        snprintf(buf, size, "its directory cannot be reached: %s", strerror(errno));
    else if (!S_ISDIR(st.st_mode))
        snprintf(buf, size, "its directory is not a directory");
    else if (access(dir, W_OK | X_OK) != 0)
        snprintf(buf, size, "cannot create it in its directory: %s", strerror(errno));
    else
        buf = NULL;
    free(copy);
    return buf;
}

/* SQLite's message, with the system's reason when a system call failed. */
static void describe_error(const sp_store *s, char *buf, size_t size)
{
    if (!s->db) {
        snprintf(buf, size, "out of memory");
        return;
    }
    int primary = sqlite3_extended_errcode(s->db) & 0xff;
    int sys = sqlite3_system_errno(s->db);
    const char *msg = sqlite3_errmsg(s->db);
    char cause_buf[128];
    const char *cause = primary == SQLITE_CANTOPEN
                            ? cantopen_cause(s->path, cause_buf, sizeof cause_buf)
                            : NULL;
    bool with_errno = sys != 0 && (primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR ||
                                   primary == SQLITE_FULL || primary == SQLITE_READONLY ||
                                   primary == SQLITE_PERM);
    if (cause)
        snprintf(buf, size, "%s: %s", msg, cause);
    else if (with_errno)
        snprintf(buf, size, "%s: %s", msg, strerror(sys));
    else if (primary == SQLITE_BUSY)
        snprintf(buf, size, "%s: another process or emitter has it open", msg);
    else
        snprintf(buf, size, "%s", msg);
}

int sp_store_fail(const sp_store *s, const char *fn, const char *what)
{
    char reason[256];
    char quoted[SP_STORE_QUOTED_SIZE];
    describe_error(s, reason, sizeof reason);
    return sp_error_set(SNOWPLOW_ESTORE, "%s%sstore '%s': %s: %s", fn ? fn : "", fn ? ": " : "",
                        quote_path(s, quoted), what, reason);
}

int sp_store_enter(sp_store *s, const char *fn)
{
    if (!s)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: store: NULL", fn);
    if (getpid() != s->pid)
        return sp_error_set(SNOWPLOW_ESTORE,
                            "%s: store: opened by another process (used after fork())", fn);
    pthread_mutex_lock(&s->lock);
    return 0;
}

void sp_store_leave(sp_store *s)
{
    pthread_mutex_unlock(&s->lock);
}

int sp_store_run(sp_store *s, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    int err = rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : sp_store_fail(s, NULL, what);
    sqlite3_reset(st);
    return err;
}

int sp_store_begin(sp_store *s)
{
    return sp_store_run(s, s->begin, "cannot start a transaction");
}

int sp_store_commit(sp_store *s)
{
    int err = sp_store_run(s, s->commit, "cannot commit");
    if (err)
        sp_store_rollback(s);
    return err;
}

void sp_store_rollback(sp_store *s)
{
    if (!sqlite3_get_autocommit(s->db)) {
        sqlite3_step(s->rollback);
        sqlite3_reset(s->rollback);
    }
}

/* The single integer a query returns (0 when it returns no row); 0 or
 * sp_store_fail(s, fn, what). */
static int query_int64_or_fail(sp_store *s, const char *fn, const char *sql, int64_t *out,
                               const char *what)
{
    sqlite3_stmt *st = NULL;
    int err = 0;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        err = sp_store_fail(s, fn, what);
    } else {
        int rc = sqlite3_step(st);
        *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        /* Read the step's error before finalize replaces it. */
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            err = sp_store_fail(s, fn, what);
    }
    sqlite3_finalize(st);
    return err;
}

static const char SCHEMA_SQL[] =
    "CREATE TABLE snowplow_schema(version INTEGER NOT NULL);"
    "CREATE TABLE events("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " eid TEXT NOT NULL UNIQUE,"
    " created_ms INTEGER NOT NULL,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " payload BLOB NOT NULL);"
    "CREATE INDEX events_created_ms ON events(created_ms);";

/* Create the tables in an empty database, or check those of an existing store. */
static int check_or_create_schema(sp_store *s, const char *fn)
{
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return sp_store_fail(s, fn, "cannot lock");
    int64_t app_id = 0, has_schema = 0, tables = 0, version = 0;
    int err = query_int64_or_fail(s, fn, "PRAGMA application_id", &app_id, "cannot read");
    if (!err)
        err = query_int64_or_fail(s, fn,
                                  "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                                  " AND name = 'snowplow_schema'",
                                  &has_schema, "cannot read");
    if (!err)
        err = query_int64_or_fail(s, fn,
                                  "SELECT count(*) FROM sqlite_master"
                                  " WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
                                  &tables, "cannot read");
    if (err)
        goto out;

    char quoted[SP_STORE_QUOTED_SIZE];
    quote_path(s, quoted);
    if (app_id != 0 && app_id != SP_STORE_APPLICATION_ID) {
        err = sp_error_set(SNOWPLOW_ESTORE,
                           "%s: store '%s': not a libsnowplow store (SQLite application_id "
                           "0x%08llx)",
                           fn, quoted, (unsigned long long)(uint32_t)app_id);
        goto out;
    }
    if (has_schema) {
        err = query_int64_or_fail(s, fn, "SELECT max(version) FROM snowplow_schema", &version,
                                  "cannot read the schema version");
        if (!err && version > SP_STORE_SCHEMA_VERSION)
            err = sp_error_set(SNOWPLOW_ESTORE,
                               "%s: store '%s': written by a newer libsnowplow (schema version "
                               "%lld; this one knows up to %d)",
                               fn, quoted, (long long)version, SP_STORE_SCHEMA_VERSION);
        else if (!err && version < 1)
            err = sp_error_set(SNOWPLOW_ESTORE,
                               "%s: store '%s': bad schema version %lld", fn, quoted,
                               (long long)version);
        goto out;
    }
    if (tables > 0) {
        err = sp_error_set(SNOWPLOW_ESTORE,
                           "%s: store '%s': not a libsnowplow store (the SQLite database "
                           "holds other tables)",
                           fn, quoted);
        goto out;
    }
    char setup[160];
    snprintf(setup, sizeof setup,
             "INSERT INTO snowplow_schema(version) VALUES(%d); PRAGMA application_id = %ld;",
             SP_STORE_SCHEMA_VERSION, (long)SP_STORE_APPLICATION_ID);
    if (sqlite3_exec(s->db, SCHEMA_SQL, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(s->db, setup, NULL, NULL, NULL) != SQLITE_OK)
        err = sp_store_fail(s, fn, "cannot create the tables");

out:
    if (err) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return err;
    }
    if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        err = sp_store_fail(s, fn, "cannot commit the tables");
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    }
    return err;
}

static int prepare(sp_store *s, const char *fn, sqlite3_stmt **st, const char *sql)
{
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) == SQLITE_OK)
        return 0;
    return sp_store_fail(s, fn, "unexpected tables (cannot prepare statements)");
}

#define SELECT_EVENT "SELECT id, eid, created_ms, attempts, payload FROM events "

static int prepare_all(sp_store *s, const char *fn)
{
    int err = prepare(s, fn, &s->begin, "BEGIN IMMEDIATE");
    if (!err)
        err = prepare(s, fn, &s->commit, "COMMIT");
    if (!err)
        err = prepare(s, fn, &s->rollback, "ROLLBACK");
    if (!err)
        err = prepare(s, fn, &s->insert,
                      "INSERT OR IGNORE INTO events(eid, created_ms, attempts, payload)"
                      " VALUES(?1, ?2, ?3, ?4)");
    if (!err)
        err = prepare(s, fn, &s->delete_eid, "DELETE FROM events WHERE eid = ?1");
    if (!err)
        err = prepare(s, fn, &s->delete_id, "DELETE FROM events WHERE id = ?1");
    if (!err)
        err = prepare(s, fn, &s->add_attempt,
                      "UPDATE events SET attempts = attempts + 1 WHERE eid = ?1");
    if (!err)
        err = prepare(s, fn, &s->load,
                      SELECT_EVENT "WHERE id > ?1 AND id < ?2 ORDER BY id LIMIT ?3");
    if (!err)
        err = prepare(s, fn, &s->select_aged,
                      SELECT_EVENT "WHERE created_ms < ?1 ORDER BY id LIMIT ?2");
    if (!err)
        err = prepare(s, fn, &s->select_oldest, SELECT_EVENT "ORDER BY id LIMIT ?1");
    return err;
}

/*
 * Connection settings, in this order (bench/store_bench.c measured them):
 * - page_size first, while a new file is still empty (an existing file keeps
 *   its own): 32 KiB pages mean few WAL frames per group, and each frame is two
 *   write() calls; 64 KiB made deletes slower (long free-block chains).
 * - the exclusive lock, before WAL mode: the first access (setting WAL) takes
 *   it, and the WAL index then lives in memory (no -shm file, no mmap).
 * - synchronous=NORMAL: in WAL mode no fsync per commit, only at checkpoints.
 * - a 16 MiB page cache, a checkpoint every 512 pages (16 MiB of WAL), and the
 *   WAL file cut back to 32 MiB after a burst.
 */
static const char *const CONNECTION_PRAGMAS[] = {
    "PRAGMA page_size = 32768",
    "PRAGMA locking_mode = EXCLUSIVE",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA cache_size = -16384",
    "PRAGMA wal_autocheckpoint = 512",
    "PRAGMA journal_size_limit = 33554432",
};

static int configure(sp_store *s, const char *fn)
{
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, SP_STORE_BUSY_TIMEOUT_MS);
    /* SQLite falls back to reading a file it may not write: refuse that at once. */
    if (sqlite3_db_readonly(s->db, "main") == 1) {
        char quoted[SP_STORE_QUOTED_SIZE];
        return sp_error_set(SNOWPLOW_ESTORE,
                            "%s: store '%s': cannot open: the file is read-only for this process",
                            fn, quote_path(s, quoted));
    }
    for (size_t i = 0; i < sizeof CONNECTION_PRAGMAS / sizeof CONNECTION_PRAGMAS[0]; i++)
        if (sqlite3_exec(s->db, CONNECTION_PRAGMAS[i], NULL, NULL, NULL) != SQLITE_OK)
            return sp_store_fail(s, fn, "cannot open");
    return 0;
}

static void finalize_all(sp_store *s)
{
    sqlite3_stmt **all[] = {&s->begin,      &s->commit,    &s->rollback,    &s->insert,
                            &s->delete_eid, &s->delete_id, &s->add_attempt, &s->load,
                            &s->select_aged, &s->select_oldest};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        sqlite3_finalize(*all[i]); /* NULL is a no-op */
        *all[i] = NULL;
    }
}

static void destroy(sp_store *s)
{
    finalize_all(s);
    sqlite3_close(s->db); /* NULL is a no-op; statements are finalized */
    pthread_mutex_destroy(&s->lock);
    free(s->path);
    free(s);
}

int sp_store_open(sp_store **out, const char *path, const char *fn)
{
    if (!fn)
        fn = "sp_store_open";
    if (!out)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: out: NULL", fn);
    *out = NULL;
    if (!path)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: store path: NULL", fn);
    if (!*path)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: store path: empty", fn);

    sp_store *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        return sp_error_set(SNOWPLOW_ENOMEM, "%s: store: out of memory", fn);
    }
    if (pthread_mutex_init(&s->lock, NULL) != 0) {
        free(s->path);
        free(s);
        return sp_error_set(SNOWPLOW_ESYS, "%s: store: cannot create a mutex", fn);
    }
    s->pid = getpid();

    int err = 0;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
        err = s->db ? sp_store_fail(s, fn, "cannot open")
                    : sp_error_set(SNOWPLOW_ENOMEM, "%s: store: out of memory", fn);
        goto fail;
    }
    err = configure(s, fn);
    if (!err)
        err = check_or_create_schema(s, fn);
    if (!err)
        err = prepare_all(s, fn);
    int64_t count = 0;
    if (!err)
        err = query_int64_or_fail(s, fn, "SELECT count(*) FROM events", &count, "cannot read");
    if (!err)
        err = query_int64_or_fail(s, fn, "SELECT coalesce(max(id), 0) + 1 FROM events",
                                  &s->backlog_end, "cannot read");
    if (err)
        goto fail;
    s->count = (size_t)count;
    *out = s;
    return 0;

fail:
    destroy(s);
    return err;
}

void sp_store_close(sp_store *s)
{
    if (!s)
        return;
    if (getpid() != s->pid) {
        /* A forked child: the connection and its lock belong to the parent.
         * Closing it here could checkpoint into the parent's file; leak it. */
        free(s->path);
        free(s);
        return;
    }
    destroy(s);
}

const char *sp_store_path(const sp_store *s)
{
    return s ? s->path : NULL;
}

int64_t sp_store_backlog_end(const sp_store *s)
{
    return s ? s->backlog_end : 0;
}

size_t sp_store_count(sp_store *s)
{
    if (!s || getpid() != s->pid)
        return 0;
    pthread_mutex_lock(&s->lock);
    size_t n = s->count;
    pthread_mutex_unlock(&s->lock);
    return n;
}

#endif /* SNOWPLOW_HAVE_SQLITE */
