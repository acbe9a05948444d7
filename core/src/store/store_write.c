/* The persistent store: writing groups of events, each group one transaction (store.h). */
#include "store/store.h"

#if SNOWPLOW_HAVE_SQLITE

#include <string.h>

#include "util/error.h"
#include "snowplow/common.h"
#include "store/store_internal.h"

static int check_events(const sp_store_event *events, size_t n)
{
    static const char fn[] = "sp_store_put_many";
    if (!events && n > 0)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: events: NULL", fn);
    for (size_t i = 0; i < n; i++) {
        const sp_store_event *ev = &events[i];
        const char *end = memchr(ev->eid, '\0', sizeof ev->eid);
        if (!end)
            return sp_error_set(SNOWPLOW_EINVAL, "%s: events[%zu].eid: not NUL-terminated", fn,
                                i);
        if (end == ev->eid)
            return sp_error_set(SNOWPLOW_EINVAL, "%s: events[%zu].eid: empty", fn, i);
        if (!ev->payload_json)
            return sp_error_set(SNOWPLOW_EINVAL, "%s: events[%zu].payload_json: NULL", fn, i);
        if (ev->attempts < 0)
            return sp_error_set(SNOWPLOW_EINVAL, "%s: events[%zu].attempts: negative (%d)", fn,
                                i, ev->attempts);
    }
    return 0;
}

static int check_eids(const char *fn, const char *const *eids, size_t n)
{
    if (!eids && n > 0)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: eids: NULL", fn);
    for (size_t i = 0; i < n; i++)
        if (!eids[i])
            return sp_error_set(SNOWPLOW_EINVAL, "%s: eids[%zu]: NULL", fn, i);
    return 0;
}

int sp_store_put_many(sp_store *s, const sp_store_event *events, size_t n, size_t *added)
{
    if (added)
        *added = 0;
    int err = check_events(events, n);
    if (err || (err = sp_store_enter(s, "sp_store_put_many")))
        return err;
    size_t inserted = 0;
    if (n > 0)
        err = sp_store_begin(s);
    /* The statement binds the caller's bytes without copying (SQLITE_STATIC):
     * SQLite copies them into the page when the row is written. */
    sqlite3_stmt *st = s->insert;
    for (size_t i = 0; i < n && !err; i++) {
        const sp_store_event *ev = &events[i];
        sqlite3_bind_text(st, 1, ev->eid, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, ev->created_ms);
        sqlite3_bind_int(st, 3, ev->attempts);
        /* A non-NULL pointer, so that an empty payload is a zero-length blob. */
        sqlite3_bind_blob64(st, 4, ev->len ? ev->payload_json : "", ev->len, SQLITE_STATIC);
        err = sp_store_run(s, st, "cannot write events");
        if (!err)
            inserted += (size_t)sqlite3_changes(s->db);
    }
    sqlite3_clear_bindings(st);
    if (n > 0) {
        if (err)
            sp_store_rollback(s);
        else
            err = sp_store_commit(s);
    }
    if (!err) {
        s->count += inserted;
        if (added)
            *added = inserted;
    }
    sp_store_leave(s);
    return err;
}

/* Run `st` once per eid in one transaction; *changed = rows it touched. */
static int for_each_eid(sp_store *s, sqlite3_stmt *st, const char *const *eids, size_t n,
                        const char *what, size_t *changed)
{
    *changed = 0;
    if (n == 0)
        return 0;
    int err = sp_store_begin(s);
    for (size_t i = 0; i < n && !err; i++) {
        sqlite3_bind_text(st, 1, eids[i], -1, SQLITE_STATIC);
        err = sp_store_run(s, st, what);
        if (!err)
            *changed += (size_t)sqlite3_changes(s->db);
    }
    sqlite3_clear_bindings(st);
    if (err) {
        sp_store_rollback(s);
        *changed = 0;
        return err;
    }
    err = sp_store_commit(s);
    if (err)
        *changed = 0;
    return err;
}

int sp_store_delete_many(sp_store *s, const char *const *eids, size_t n, size_t *removed)
{
    static const char fn[] = "sp_store_delete_many";
    if (removed)
        *removed = 0;
    size_t changed = 0;
    int err = check_eids(fn, eids, n);
    if (err || (err = sp_store_enter(s, fn)))
        return err;
    err = for_each_eid(s, s->delete_eid, eids, n, "cannot delete events", &changed);
    s->count -= changed;
    sp_store_leave(s);
    if (!err && removed)
        *removed = changed;
    return err;
}

int sp_store_add_attempt(sp_store *s, const char *const *eids, size_t n)
{
    static const char fn[] = "sp_store_add_attempt";
    size_t changed = 0;
    int err = check_eids(fn, eids, n);
    if (err || (err = sp_store_enter(s, fn)))
        return err;
    err = for_each_eid(s, s->add_attempt, eids, n, "cannot count an attempt", &changed);
    sp_store_leave(s);
    return err;
}

#endif /* SNOWPLOW_HAVE_SQLITE */
