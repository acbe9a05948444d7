/*
 * The persistent store (store.h) wired into the emitter through the hooks of
 * emitter_store.h, and snowplow_emitter_store_sync().
 *
 * One store thread per emitter with a store. The hooks only note what
 * happened, under the store state's own mutex (`mu`, never held while calling
 * SQLite or the emitter): events accepted (eid, creation time, JSON text),
 * events finished for good, events retried. Every sync_interval_ms after work
 * arrived, or when asked (snowplow_emitter_store_sync(), close), the thread
 * takes those lists and, in one transaction each:
 *  - puts the accepted events that are not finished yet (an event delivered
 *    within the interval never touches the disk);
 *  - adds an attempt to the stored events that were retried;
 *  - deletes the stored events that are finished.
 * `stored` (the eids the store holds, the thread's own) makes a finish of an
 * event that was never written cost nothing.
 *
 * Lock order: the emitter's lock, then `mu` (sp_emitter_store_accepted()).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emitter/emitter_impl.h"
#include "emitter/emitter_report.h"
#include "emitter/emitter_store.h"
#include "util/error.h"
#include "event/payload.h"
#include "store/store.h"
#include "util/array.h"
#include "util/text.h"

/* How long close waits for the unsent events to be written before it gives up
 * and reports them as failed instead. */
#define SP_STORE_CLOSE_SYNC_MS 30000
/* Events read from the store at once at start. */
#define SP_STORE_LOAD_PAGE 1000

typedef struct eid_vec {
    char (*v)[37];
    size_t n, cap;
} eid_vec;

typedef struct pending_event {
    char eid[37];
    int64_t created_ms;
    size_t off, len; /* the JSON text in pending_vec.text */
} pending_event;

typedef struct pending_vec {
    pending_event *v;
    size_t n, cap;
    sp_strbuf text;
} pending_vec;

/* A set of eids: open addressing, linear probing, at most half full. */
typedef struct eid_set {
    char (*slot)[37]; /* "" = free */
    size_t cap, count;
} eid_set;

typedef struct sp_emitter_store_state {
    snowplow_emitter *em;
    sp_store *store; /* NULL once closed */
    int64_t interval_ms;
    pthread_t thread;
    bool started; /* the thread runs and was not joined */

    pthread_mutex_t mu;
    pthread_cond_t cv_work;   /* the thread waits here */
    pthread_cond_t cv_synced; /* store_sync waits here */
    /* Guarded by mu. */
    pending_vec pending;
    eid_vec finished;
    eid_vec retried;
    uint64_t sync_asked, sync_done; /* sync requests, and the last one served */
    int sync_rc;                    /* result of the last write, 0 or an error */
    char sync_msg[512];
    int lost_rc;  /* SNOWPLOW_ENOMEM: an accepted event could not be noted */
    bool stop;    /* the thread writes once more and ends */
    bool closed;  /* the thread ended (no more writes) */
    int64_t first_work_ms; /* monotonic time the oldest unwritten note arrived */

    eid_set stored; /* the thread's own (or the caller's while it does not run) */
} store_state;

/* ---- small containers ---- */

static int eid_vec_push(eid_vec *a, const char *eid)
{
    if (sp_array_grow(&a->v, &a->cap, a->n, sizeof *a->v, 64) != 0)
        return SNOWPLOW_ENOMEM;
    snprintf(a->v[a->n++], 37, "%s", eid);
    return 0;
}

static void eid_vec_free(eid_vec *a)
{
    free(a->v);
    memset(a, 0, sizeof *a);
}

static int pending_push(pending_vec *p, const char *eid, int64_t created_ms, const char *text,
                        size_t len)
{
    if (sp_array_grow(&p->v, &p->cap, p->n, sizeof *p->v, 64) != 0)
        return SNOWPLOW_ENOMEM;
    size_t off = p->text.len;
    if (sp_strbuf_append(&p->text, text, len) < 0)
        return SNOWPLOW_ENOMEM;
    pending_event *e = &p->v[p->n++];
    snprintf(e->eid, sizeof e->eid, "%s", eid);
    e->created_ms = created_ms;
    e->off = off;
    e->len = len;
    return 0;
}

static void pending_free(pending_vec *p)
{
    free(p->v);
    sp_strbuf_free(&p->text);
    memset(p, 0, sizeof *p);
}

static size_t eid_hash(const char *s)
{
    size_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* The slot holding `eid`, or the free slot where it would go. */
static size_t set_find(const eid_set *s, const char *eid)
{
    size_t i = eid_hash(eid) & (s->cap - 1);
    while (s->slot[i][0] && strcmp(s->slot[i], eid) != 0)
        i = (i + 1) & (s->cap - 1);
    return i;
}

static bool set_has(const eid_set *s, const char *eid)
{
    return s->cap > 0 && s->slot[set_find(s, eid)][0] != '\0';
}

static int set_add(eid_set *s, const char *eid)
{
    if ((s->count + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        eid_set bigger = {calloc(cap, 37), cap, 0};
        if (!bigger.slot)
            return SNOWPLOW_ENOMEM;
        for (size_t i = 0; i < s->cap; i++)
            if (s->slot[i][0])
                memcpy(bigger.slot[set_find(&bigger, s->slot[i])], s->slot[i], 37);
        bigger.count = s->count;
        free(s->slot);
        *s = bigger;
    }
    size_t i = set_find(s, eid);
    if (!s->slot[i][0]) {
        snprintf(s->slot[i], 37, "%s", eid);
        s->count++;
    }
    return 0;
}

/* Remove `eid`; whether it was there. Backward-shift deletion keeps every
 * probe chain unbroken without tombstones. */
static bool set_remove(eid_set *s, const char *eid)
{
    if (s->cap == 0)
        return false;
    size_t i = set_find(s, eid);
    if (!s->slot[i][0])
        return false;
    size_t mask = s->cap - 1;
    size_t hole = i;
    for (size_t j = (hole + 1) & mask; s->slot[j][0]; j = (j + 1) & mask) {
        size_t home = eid_hash(s->slot[j]) & mask;
        /* Move j into the hole unless its home lies cyclically in (hole, j]. */
        bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (!stays) {
            memcpy(s->slot[hole], s->slot[j], 37);
            hole = j;
        }
    }
    s->slot[hole][0] = '\0';
    s->count--;
    return true;
}

static void set_free(eid_set *s)
{
    free(s->slot);
    memset(s, 0, sizeof *s);
}

/* ---- records to and from the store's JSON ---- */

/* A record for `method` from a stored event (its JSON object of strings). */
static sp_record *record_from_stored(const sp_store_event *ev, snowplow_method method)
{
    if (method != SNOWPLOW_METHOD_GET)
        return sp_record_from_text(ev->payload_json, ev->len, ev->eid, method);
    cJSON *obj = cJSON_ParseWithLength(ev->payload_json, ev->len);
    sp_payload *p = cJSON_IsObject(obj) ? sp_payload_new() : NULL;
    bool ok = p != NULL;
    for (cJSON *f = obj ? obj->child : NULL; ok && f; f = f->next)
        ok = cJSON_IsString(f) && sp_payload_add(p, f->string, f->valuestring) == 0;
    sp_record *r = ok ? sp_record_new(p, method) : NULL;
    sp_payload_free(p);
    cJSON_Delete(obj);
    if (r)
        snprintf(r->eid, sizeof r->eid, "%s", ev->eid);
    return r;
}

typedef struct drop_ctx {
    snowplow_emitter *em;
    bool count_tracked; /* events the emitter has not counted yet (found at start) */
} drop_ctx;

/* sp_store_enforce_limits() callback: report what it dropped like other drops. */
static void report_store_drops(void *user, const sp_store_event *events, size_t n,
                               const char *reason)
{
    drop_ctx *c = user;
    sp_record_list list = {0};
    for (size_t i = 0; i < n; i++) {
        sp_record *r = record_from_stored(&events[i], c->em->opt->method);
        if (r)
            sp_record_list_append(&list, r);
    }
    if (c->count_tracked)
        sp_counter_add(c->em, SNOWPLOW_COUNTER_TRACKED, n);
    if (list.count < n) /* out of memory: still counted as dropped */
        sp_counter_add(c->em, SNOWPLOW_COUNTER_DROPPED, n - list.count);
    if (list.count > 0)
        sp_emitter_report(c->em, &list, SNOWPLOW_RESULT_FAILED, 0, reason, 0,
                          SNOWPLOW_COUNTER_DROPPED);
    sp_record_list_free(&list);
}

static void set_stored_counter(store_state *st)
{
    atomic_store_explicit(&st->em->counters[SNOWPLOW_COUNTER_STORED],
                          (uint_fast64_t)sp_store_count(st->store), memory_order_relaxed);
}

/* Prefix the store's message (the calling thread's last error) with fn. */
static int prefix_error(int rc, const char *fn)
{
    char msg[512];
    const char *last = snowplow_error_last();
    snprintf(msg, sizeof msg, "%s", last ? last : "store error");
    return sp_error_set(rc, "%s: %s", fn, msg);
}

/* ---- the store thread ---- */

typedef struct cycle_result {
    int rc;
    char msg[512];
    pending_vec unwritten; /* put failed: try again next time */
    eid_vec undeleted;     /* delete failed: try again next time */
} cycle_result;

static void note_failure(cycle_result *res, int rc)
{
    if (res->rc == 0) {
        res->rc = rc;
        const char *m = snowplow_error_last();
        snprintf(res->msg, sizeof res->msg, "%s", m ? m : "store error");
    }
}

/* One write: put `pend` (minus what is finished), count `ret`'s attempts,
 * delete `fin`. Runs without any lock; only this thread touches `stored`. */
static void write_cycle(store_state *st, pending_vec *pend, eid_vec *fin, eid_vec *ret,
                        cycle_result *res)
{
    eid_set skip = {0};
    const char **del = fin->n ? malloc(fin->n * sizeof *del) : NULL;
    size_t ndel = 0;
    if (fin->n && !del) {
        note_failure(res, sp_error_set(SNOWPLOW_ENOMEM, "store: out of memory"));
        for (size_t i = 0; i < fin->n; i++)
            eid_vec_push(&res->undeleted, fin->v[i]);
        fin->n = 0;
    }
    for (size_t i = 0; i < fin->n; i++) {
        if (set_remove(&st->stored, fin->v[i]))
            del[ndel++] = fin->v[i];
        else
            (void)set_add(&skip, fin->v[i]); /* out of memory: stored, deleted next time */
    }

    sp_store_event *evs = pend->n ? calloc(pend->n, sizeof *evs) : NULL;
    size_t nput = 0;
    if (pend->n && !evs) {
        note_failure(res, sp_error_set(SNOWPLOW_ENOMEM, "store: out of memory"));
    } else {
        for (size_t i = 0; i < pend->n; i++) {
            const pending_event *e = &pend->v[i];
            if (set_has(&skip, e->eid))
                continue; /* delivered or given up before it was written */
            sp_store_event *ev = &evs[nput++];
            memcpy(ev->eid, e->eid, sizeof ev->eid);
            ev->created_ms = e->created_ms;
            ev->payload_json = pend->text.data + e->off;
            ev->len = e->len;
        }
    }
    if (nput > 0) {
        int rc = sp_store_put_many(st->store, evs, nput, NULL);
        for (size_t i = 0; i < nput; i++) {
            if (rc == 0 && set_add(&st->stored, evs[i].eid) == 0)
                continue;
            /* Not written (or not remembered): written again next time; a
             * second put of an eid is harmless. */
            if (pending_push(&res->unwritten, evs[i].eid, evs[i].created_ms,
                             evs[i].payload_json, evs[i].len) < 0)
                note_failure(res, sp_error_set(SNOWPLOW_ENOMEM, "store: out of memory"));
        }
        if (rc < 0)
            note_failure(res, rc);
    } else if (pend->n && !evs) {
        for (size_t i = 0; i < pend->n; i++)
            pending_push(&res->unwritten, pend->v[i].eid, pend->v[i].created_ms,
                         pend->text.data + pend->v[i].off, pend->v[i].len);
    }
    free(evs);
    set_free(&skip);

    size_t natt = 0;
    for (size_t i = 0; i < ret->n; i++)
        if (set_has(&st->stored, ret->v[i]))
            memmove(ret->v[natt++], ret->v[i], 37);
    if (natt > 0) {
        const char **att = malloc(natt * sizeof *att);
        if (att) {
            for (size_t i = 0; i < natt; i++)
                att[i] = ret->v[i];
            int rc = sp_store_add_attempt(st->store, att, natt);
            if (rc < 0)
                note_failure(res, rc);
            free(att);
        }
    }

    if (ndel > 0) {
        int rc = sp_store_delete_many(st->store, del, ndel, NULL);
        if (rc < 0) {
            note_failure(res, rc);
            for (size_t i = 0; i < ndel; i++) {
                set_add(&st->stored, del[i]);
                eid_vec_push(&res->undeleted, del[i]);
            }
        }
    }
    free(del);
    set_stored_counter(st);
}

static bool has_work(const store_state *st)
{
    return st->pending.n || st->finished.n || st->retried.n;
}

static bool sync_wanted(const store_state *st)
{
    return st->stop || st->sync_asked != st->sync_done;
}

/* Put back what a write could not do, ahead of what came meanwhile (mu held). */
static void requeue(store_state *st, cycle_result *res)
{
    if (res->unwritten.n || res->undeleted.n)
        st->first_work_ms = sp_monotonic_ms(); /* try again one interval later */
    if (res->unwritten.n) {
        for (size_t i = 0; i < st->pending.n; i++) {
            const pending_event *e = &st->pending.v[i];
            if (pending_push(&res->unwritten, e->eid, e->created_ms,
                             st->pending.text.data + e->off, e->len) < 0)
                st->lost_rc = SNOWPLOW_ENOMEM;
        }
        pending_free(&st->pending);
        st->pending = res->unwritten;
        memset(&res->unwritten, 0, sizeof res->unwritten);
    }
    for (size_t i = 0; i < res->undeleted.n; i++)
        eid_vec_push(&st->finished, res->undeleted.v[i]);
    eid_vec_free(&res->undeleted);
}

static void *store_thread_main(void *arg)
{
    store_state *st = arg;
    pthread_mutex_lock(&st->mu);
    for (;;) {
        while (!sync_wanted(st) && !has_work(st))
            pthread_cond_wait(&st->cv_work, &st->mu);
        if (!sync_wanted(st)) {
            /* Work arrived: gather more of it until one interval after the first. */
            struct timespec deadline = sp_deadline_at_ms(st->first_work_ms + st->interval_ms);
            while (!sync_wanted(st) &&
                   pthread_cond_timedwait(&st->cv_work, &st->mu, &deadline) != ETIMEDOUT) {
            }
        }
        bool stopping = st->stop;
        uint64_t asked = st->sync_asked;
        pending_vec pend = st->pending;
        eid_vec fin = st->finished, ret = st->retried;
        memset(&st->pending, 0, sizeof st->pending);
        memset(&st->finished, 0, sizeof st->finished);
        memset(&st->retried, 0, sizeof st->retried);
        pthread_mutex_unlock(&st->mu);

        cycle_result res = {0};
        write_cycle(st, &pend, &fin, &ret, &res);
        pending_free(&pend);
        eid_vec_free(&fin);
        eid_vec_free(&ret);

        pthread_mutex_lock(&st->mu);
        requeue(st, &res);
        if (res.rc == 0 && st->lost_rc < 0) {
            res.rc = st->lost_rc;
            snprintf(res.msg, sizeof res.msg, "out of memory: events accepted meanwhile "
                                              "may be missing from the store");
            st->lost_rc = 0;
        }
        st->sync_rc = res.rc;
        memcpy(st->sync_msg, res.msg, sizeof st->sync_msg);
        st->sync_done = asked;
        pthread_cond_broadcast(&st->cv_synced);
        if (stopping)
            break;
    }
    st->closed = true;
    pthread_cond_broadcast(&st->cv_synced);
    pthread_mutex_unlock(&st->mu);
    return NULL;
}

/*
 * Ask the thread to write everything noted so far and wait for it, up to
 * timeout_ms (negative: no limit). 0, or an error code with the write's
 * message copied into msg.
 */
static int request_sync(store_state *st, int timeout_ms, char *msg, size_t msg_size)
{
    msg[0] = '\0';
    pthread_mutex_lock(&st->mu);
    if (st->closed || st->stop) {
        pthread_mutex_unlock(&st->mu);
        snprintf(msg, msg_size, "the emitter is closed");
        return SNOWPLOW_ECLOSED;
    }
    uint64_t ticket = ++st->sync_asked;
    pthread_cond_signal(&st->cv_work);
    struct timespec deadline = sp_deadline_after_ms(timeout_ms > 0 ? timeout_ms : 0);
    int rc = 0;
    while (st->sync_done < ticket && !st->closed) {
        if (timeout_ms < 0) {
            pthread_cond_wait(&st->cv_synced, &st->mu);
        } else if (pthread_cond_timedwait(&st->cv_synced, &st->mu, &deadline) == ETIMEDOUT &&
                   st->sync_done < ticket) {
            rc = SNOWPLOW_ETIMEOUT;
            snprintf(msg, msg_size, "%d ms passed before the store thread wrote the events",
                     timeout_ms);
            break;
        }
    }
    if (rc == 0 && st->sync_done < ticket) {
        rc = SNOWPLOW_ECLOSED;
        snprintf(msg, msg_size, "the emitter is closed");
    } else if (rc == 0 && st->sync_rc < 0) {
        rc = st->sync_rc;
        snprintf(msg, msg_size, "%s", st->sync_msg);
    }
    pthread_mutex_unlock(&st->mu);
    return rc;
}

/* Let the thread write once more, end, and join it. */
static void stop_thread(store_state *st)
{
    if (!st->started)
        return;
    pthread_mutex_lock(&st->mu);
    st->stop = true;
    pthread_cond_signal(&st->cv_work);
    pthread_mutex_unlock(&st->mu);
    pthread_join(st->thread, NULL);
    st->started = false;
}

/* ---- the hooks ---- */

static void state_free(store_state *st, bool sync_objects)
{
    pending_free(&st->pending);
    eid_vec_free(&st->finished);
    eid_vec_free(&st->retried);
    set_free(&st->stored);
    if (sync_objects) {
        pthread_cond_destroy(&st->cv_synced);
        pthread_cond_destroy(&st->cv_work);
        pthread_mutex_destroy(&st->mu);
    }
    free(st);
}

static int state_new(store_state **out, snowplow_emitter *em)
{
    store_state *st = calloc(1, sizeof *st);
    if (!st)
        return SNOWPLOW_ENOMEM;
    st->em = em;
    st->interval_ms = em->opt->store_sync_ms;
    pthread_condattr_t attr;
    int made = 0;
    if (pthread_condattr_init(&attr) == 0) {
        if (pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
            pthread_mutex_init(&st->mu, NULL) == 0) {
            made = 1;
            if (pthread_cond_init(&st->cv_work, &attr) == 0) {
                made = 2;
                if (pthread_cond_init(&st->cv_synced, &attr) == 0)
                    made = 3;
            }
        }
        pthread_condattr_destroy(&attr);
    }
    if (made == 3) {
        *out = st;
        return 0;
    }
    if (made >= 2)
        pthread_cond_destroy(&st->cv_work);
    if (made >= 1)
        pthread_mutex_destroy(&st->mu);
    free(st);
    return SNOWPLOW_ESYS;
}

/* Queue the events found in the store (oldest first), as much as the queue holds. */
static int load_backlog(store_state *st, const char *fn)
{
    snowplow_emitter *em = st->em;
    const snowplow_emitter_options *o = em->opt;
    int64_t after = 0, end = sp_store_backlog_end(st->store);
    for (;;) {
        sp_store_event *evs = NULL;
        size_t n = 0;
        int rc = sp_store_load(st->store, &evs, &n, SP_STORE_LOAD_PAGE, after, end);
        if (rc < 0)
            return rc == SNOWPLOW_ESTORE ? prefix_error(rc, fn) : rc;
        if (n == 0)
            return 0;
        after = evs[n - 1].id;
        sp_record_list list = {0};
        size_t bytes = 0;
        bool full = false;
        for (size_t i = 0; i < n && rc == 0; i++) {
            if (em->queue.count + list.count >= o->queue_capacity) {
                full = true; /* the rest waits in the store for a later run */
                break;
            }
            sp_record *r = record_from_stored(&evs[i], o->method);
            if (!r) {
                rc = sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory reading the store", fn);
                break;
            }
            if (em->queue.bytes + bytes + r->wire_size > o->queue_max_bytes) {
                sp_record_free(r);
                full = true;
                break;
            }
            if (set_add(&st->stored, r->eid) < 0) {
                sp_record_free(r);
                rc = sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory reading the store", fn);
                break;
            }
            r->attempts = evs[i].attempts; /* a retry limit holds across restarts */
            bytes += r->wire_size;
            sp_record_list_append(&list, r);
        }
        sp_store_events_free(evs, n);
        pthread_mutex_lock(&em->lock);
        for (sp_record *r = list.head; r; r = r->next)
            r->seq = ++em->last_seq;
        size_t count = list.count;
        sp_queue_push_fresh(&em->queue, &list);
        sp_counter_add(em, SNOWPLOW_COUNTER_TRACKED, count);
        sp_counter_add(em, SNOWPLOW_COUNTER_QUEUED, count);
        pthread_mutex_unlock(&em->lock);
        if (rc < 0 || full)
            return rc;
    }
}

int sp_emitter_store_start(snowplow_emitter *em, const char *fn)
{
    const snowplow_emitter_options *o = em->opt;
    if (!o->store_path)
        return 0;
    store_state *st = NULL;
    int rc = state_new(&st, em);
    if (rc < 0)
        return sp_error_set(rc, "%s: %s", fn,
                            rc == SNOWPLOW_ENOMEM ? "out of memory"
                                                  : "cannot create the store's mutex");
    rc = sp_store_open(&st->store, o->store_path, fn);
    if (rc < 0) {
        state_free(st, true);
        return rc; /* the store's message names fn and the path */
    }
    if (o->store_max_events > 0 || o->store_max_age_ms > 0) {
        drop_ctx ctx = {em, true};
        rc = sp_store_enforce_limits(st->store, o->store_max_events, o->store_max_age_ms,
                                     sp_now_ms(), report_store_drops, &ctx, NULL);
        if (rc == SNOWPLOW_ESTORE)
            rc = prefix_error(rc, fn);
    }
    if (rc == 0)
        rc = load_backlog(st, fn);
    if (rc == 0) {
        set_stored_counter(st);
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        int prc = pthread_create(&st->thread, NULL, store_thread_main, st);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        st->started = prc == 0;
        if (prc != 0)
            rc = sp_error_set(SNOWPLOW_ESYS, "%s: cannot start the store thread", fn);
    }
    if (rc < 0) {
        /* Backlog already queued is freed with the emitter; the file keeps it. */
        sp_store_close(st->store);
        state_free(st, true);
        return rc;
    }
    em->store = st;
    return 0;
}

void sp_emitter_store_accepted(snowplow_emitter *em, const sp_record_list *records)
{
    store_state *st = em->store;
    if (!st)
        return;
    int64_t now = sp_now_ms();
    sp_strbuf json = SP_STRBUF_INIT;
    pthread_mutex_lock(&st->mu);
    if (!st->closed && !st->stop) {
        bool was_idle = !has_work(st);
        for (const sp_record *r = records->head; r; r = r->next) {
            int rc;
            if (em->opt->method == SNOWPLOW_METHOD_GET) {
                sp_strbuf_reset(&json);
                rc = sp_record_event_json(r, SNOWPLOW_METHOD_GET, &json);
                if (rc == 0)
                    rc = pending_push(&st->pending, r->eid, now, json.data, json.len);
            } else {
                rc = pending_push(&st->pending, r->eid, now, r->text, r->text_len);
            }
            if (rc < 0)
                st->lost_rc = SNOWPLOW_ENOMEM;
        }
        if (was_idle) {
            st->first_work_ms = sp_monotonic_ms();
            pthread_cond_signal(&st->cv_work);
        }
    }
    pthread_mutex_unlock(&st->mu);
    sp_strbuf_free(&json);
}

/* Note the eids of `records` in `list` for the thread. */
static void note_eids(store_state *st, eid_vec *list, const sp_record_list *records)
{
    pthread_mutex_lock(&st->mu);
    if (!st->closed) {
        bool was_idle = !has_work(st);
        for (const sp_record *r = records->head; r; r = r->next)
            if (eid_vec_push(list, r->eid) < 0)
                st->lost_rc = SNOWPLOW_ENOMEM;
        if (was_idle) {
            st->first_work_ms = sp_monotonic_ms();
            pthread_cond_signal(&st->cv_work);
        }
    }
    pthread_mutex_unlock(&st->mu);
}

void sp_emitter_store_retrying(snowplow_emitter *em, const sp_record_list *records)
{
    store_state *st = em->store;
    if (st && !atomic_load(&em->forked))
        note_eids(st, &st->retried, records);
}

void sp_emitter_store_finished(snowplow_emitter *em, const sp_record_list *records,
                               bool delivered)
{
    (void)delivered; /* delivered or given up: either way it leaves the store */
    store_state *st = em->store;
    if (st && !atomic_load(&em->forked))
        note_eids(st, &st->finished, records);
}

/* Close: the unsent events stay in the store if they can be written now. */
bool sp_emitter_store_keeps_unsent(snowplow_emitter *em)
{
    store_state *st = em->store;
    if (!st || atomic_load(&em->forked) || !st->started)
        return false;
    char msg[512];
    return request_sync(st, SP_STORE_CLOSE_SYNC_MS, msg, sizeof msg) == 0;
}

void sp_emitter_store_stop(snowplow_emitter *em)
{
    store_state *st = em->store;
    if (!st || atomic_load(&em->forked) || !st->store)
        return;
    stop_thread(st);
    const snowplow_emitter_options *o = em->opt;
    if ((o->store_max_events > 0 || o->store_max_age_ms > 0) && !atomic_load(&em->exiting)) {
        /* What stays for the next run obeys the limits; the rest is reported. */
        drop_ctx ctx = {em, false};
        sp_store_enforce_limits(st->store, o->store_max_events, o->store_max_age_ms,
                                sp_now_ms(), report_store_drops, &ctx, NULL);
    }
    set_stored_counter(st);
    sp_store_close(st->store);
    st->store = NULL;
}

void sp_emitter_store_at_exit(snowplow_emitter *em)
{
    store_state *st = em->store;
    if (!st || atomic_load(&em->forked) || !st->store)
        return;
    /* The thread writes what is pending (one transaction) and ends; limits
     * are left to the next start, which reports what they drop. */
    stop_thread(st);
    sp_store_close(st->store);
    st->store = NULL;
}

void sp_emitter_store_free(snowplow_emitter *em)
{
    store_state *st = em->store;
    if (!st)
        return;
    em->store = NULL;
    if (atomic_load(&em->forked)) {
        /* A child's copy: memory only (the locks may be in any state; the
         * store's close leaves the parent's file alone). */
        sp_store_close(st->store);
        state_free(st, false);
        return;
    }
    if (st->store) { /* not stopped by close (should not happen): stop now */
        stop_thread(st);
        sp_store_close(st->store);
    }
    state_free(st, true);
}

int snowplow_emitter_store_sync(snowplow_emitter *emitter, int timeout_ms)
{
    static const char fn[] = "snowplow_emitter_store_sync";
    if (!emitter)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: emitter: NULL", fn);
    if (atomic_load(&emitter->forked))
        return sp_error_set(SNOWPLOW_ECLOSED, "%s: " SP_FORKED_MESSAGE, fn);
    store_state *st = emitter->store;
    if (!st)
        return sp_error_set(SNOWPLOW_EUNSUPPORTED,
                            "%s: emitter: no persistent store configured (see "
                            "snowplow_emitter_options_set_store)",
                            fn);
    if (sp_emitter_in_callback(emitter))
        return sp_error_set(SNOWPLOW_EDEADLK,
                            "%s: called from a callback of the same emitter, which would wait "
                            "for itself",
                            fn);
    char msg[512];
    int rc = request_sync(st, timeout_ms, msg, sizeof msg);
    if (rc < 0)
        return sp_error_set(rc, "%s: %s", fn, msg);
    return 0;
}
