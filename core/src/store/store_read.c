/* The persistent store: loading events and enforcing the limits (store.h). */
#include "store/store.h"

#if SNOWPLOW_HAVE_SQLITE

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/array.h"
#include "snowplow/common.h"
#include "store/store_internal.h"

/* Copy the current row of a SELECT_EVENT statement into `ev`; 0 or ENOMEM. */
static int copy_row(sqlite3_stmt *st, sp_store_event *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->id = sqlite3_column_int64(st, 0);
    const unsigned char *eid = sqlite3_column_text(st, 1);
    snprintf(ev->eid, sizeof ev->eid, "%s", eid ? (const char *)eid : "");
    ev->created_ms = sqlite3_column_int64(st, 2);
    ev->attempts = sqlite3_column_int(st, 3);
    const void *blob = sqlite3_column_blob(st, 4);
    size_t len = (size_t)sqlite3_column_bytes(st, 4);
    ev->payload_json = malloc(len + 1);
    if (!ev->payload_json)
        return SNOWPLOW_ENOMEM;
    if (len)
        memcpy(ev->payload_json, blob, len);
    ev->payload_json[len] = '\0';
    ev->len = len;
    return 0;
}

int sp_store_read_rows(sp_store *s, sqlite3_stmt *st, sp_store_event **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    sp_store_event *rows = NULL;
    size_t count = 0, cap = 0;
    int err = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if ((err = sp_array_grow(&rows, &cap, count, sizeof *rows, 64)) != 0)
            break;
        if ((err = copy_row(st, &rows[count])) != 0)
            break;
        count++;
    }
    if (err)
        err = sp_error_set(SNOWPLOW_ENOMEM, "store: out of memory loading events");
    else if (rc != SQLITE_DONE)
        err = sp_store_fail(s, NULL, "cannot read events");
    sqlite3_reset(st);
    if (err) {
        sp_store_events_free(rows, count);
        return err;
    }
    if (count == 0) {
        free(rows);
        rows = NULL;
    }
    *out = rows;
    *n = count;
    return 0;
}

int sp_store_load(sp_store *s, sp_store_event **out, size_t *n, size_t limit,
                  int64_t after_id, int64_t before_id)
{
    static const char fn[] = "sp_store_load";
    if (out)
        *out = NULL;
    if (n)
        *n = 0;
    if (!out || !n)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: %s: NULL", fn, out ? "n" : "out");
    int err = sp_store_enter(s, fn);
    if (err)
        return err;
    sqlite3_stmt *st = s->load;
    sqlite3_bind_int64(st, 1, after_id);
    sqlite3_bind_int64(st, 2, before_id > 0 ? before_id : INT64_MAX);
    /* A negative LIMIT is no limit in SQLite. */
    sqlite3_bind_int64(st, 3, limit == 0 || (uint64_t)limit > (uint64_t)INT64_MAX ? -1 : (sqlite3_int64)limit);
    err = sp_store_read_rows(s, st, out, n);
    sp_store_leave(s);
    return err;
}

/*
 * Select up to `limit` rows with `st` (its other parameters bound by the
 * caller; `limit_param` is the LIMIT's index), delete them, commit, and hand
 * them back: one transaction under the lock.
 */
static int drop_group(sp_store *s, sqlite3_stmt *st, int limit_param, size_t limit,
                      sp_store_event **out, size_t *n)
{
    sqlite3_bind_int64(st, limit_param, (sqlite3_int64)limit);
    int err = sp_store_begin(s);
    if (!err)
        err = sp_store_read_rows(s, st, out, n);
    for (size_t i = 0; i < *n && !err; i++) {
        sqlite3_bind_int64(s->delete_id, 1, (*out)[i].id);
        err = sp_store_run(s, s->delete_id, "cannot drop events");
    }
    if (err)
        sp_store_rollback(s);
    else
        err = sp_store_commit(s);
    if (err) {
        sp_store_events_free(*out, *n);
        *out = NULL;
        *n = 0;
        return err;
    }
    s->count -= *n;
    return 0;
}

/* The creation time before which events are too old; saturates instead of overflowing. */
static int64_t age_cutoff(int64_t now_ms, int64_t max_age_ms)
{
    return now_ms < INT64_MIN + max_age_ms ? INT64_MIN : now_ms - max_age_ms;
}

int sp_store_enforce_limits(sp_store *s, size_t max_events, int64_t max_age_ms,
                            int64_t now_ms, sp_store_drop_cb cb, void *user, size_t *dropped)
{
    static const char fn[] = "sp_store_enforce_limits";
    if (dropped)
        *dropped = 0;
    if (max_age_ms < 0)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: max_age_ms: negative (%lld)", fn,
                            (long long)max_age_ms);
    size_t total = 0;
    int err = 0;
    /* First the events that are too old, then the oldest beyond max_events;
     * one group per transaction, reported after its commit, outside the lock. */
    for (int pass = 0; pass < 2 && !err; pass++) {
        if ((pass == 0 && max_age_ms == 0) || (pass == 1 && max_events == 0))
            continue;
        for (;;) {
            if ((err = sp_store_enter(s, fn)) != 0)
                break;
            sp_store_event *group = NULL;
            size_t n = 0;
            size_t want = SP_STORE_DROP_GROUP;
            if (pass == 0) {
                sqlite3_bind_int64(s->select_aged, 1, age_cutoff(now_ms, max_age_ms));
                err = drop_group(s, s->select_aged, 2, want, &group, &n);
            } else {
                size_t excess = s->count > max_events ? s->count - max_events : 0;
                want = excess < want ? excess : want;
                if (want > 0)
                    err = drop_group(s, s->select_oldest, 1, want, &group, &n);
            }
            sp_store_leave(s);
            if (err || n == 0)
                break;
            total += n;
            if (cb)
                cb(user, group, n, pass == 0 ? SP_STORE_REASON_MAX_AGE
                                             : SP_STORE_REASON_MAX_EVENTS);
            sp_store_events_free(group, n);
            if (n < want)
                break;
        }
    }
    if (dropped)
        *dropped = total;
    return err;
}

#endif /* SNOWPLOW_HAVE_SQLITE */
