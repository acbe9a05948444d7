/*
 * The sending threads: take a group of up to max_inflight batches (due retries
 * first, then fresh events, waiting up to linger_ms for a first full one),
 * hand them to the thread's own transport connection at once (several HTTP
 * requests in flight, or one Redis pipeline), report each outcome, and put
 * failed events back in the queue to wait for their retry time. A thread never
 * sleeps while holding events: a backoff is a not_before time on the queued
 * records. Events of one group complete in any order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emitter/emitter_impl.h"
#include "emitter/emitter_flush.h"
#include "emitter/emitter_report.h"
#include "emitter/emitter_retry.h"
#include "emitter/emitter_worker.h"
#include "emitter/emitter_store.h"
#include "util/text.h"

static bool batch_ready(const snowplow_emitter *em)
{
    const snowplow_emitter_options *o = em->opt;
    return sp_queue_batch_ready(&em->queue, o->method, (size_t)o->batch_size, o->byte_limit);
}

/* No reason to hold the fresh partial batch open any longer (lock held). */
bool sp_emitter_send_now(const snowplow_emitter *em)
{
    return em->urgent > 0 || em->closing || em->opt->linger_ms == 0 || batch_ready(em) ||
           sp_queue_fresh_min_seq(&em->queue) <= em->async_target;
}

/* New fresh events are queued (lock held). */
void sp_emitter_wake_senders(snowplow_emitter *em)
{
    bool ready = sp_emitter_send_now(em);
    if (em->lingerer && ready)
        pthread_cond_signal(&em->cv_fill);
    if (em->idle_waiters > 0 && (!em->lingerer || ready))
        pthread_cond_signal(&em->cv_work);
}

/* Sleep until there may be work: new events, or the next retry time. */
static void wait_idle(snowplow_emitter *em)
{
    int64_t next = sp_queue_next_retry(&em->queue);
    em->idle_waiters++;
    if (next == INT64_MAX) {
        pthread_cond_wait(&em->cv_work, &em->lock);
    } else {
        struct timespec at = sp_deadline_at_ms(next);
        pthread_cond_timedwait(&em->cv_work, &em->lock, &at);
    }
    em->idle_waiters--;
}

/*
 * Hold the fresh partial batch open until it fills, a flush or close asks for
 * it, a retry falls due, or linger_ms pass. One thread lingers at a time.
 * True when the thread should now take a batch.
 */
static bool linger(snowplow_emitter *em)
{
    em->lingerer = true;
    int64_t end = sp_monotonic_ms() + em->opt->linger_ms;
    bool take = false;
    while (!em->stop && em->queue.fresh_count > 0) {
        int64_t now = sp_monotonic_ms();
        if (now >= end || sp_emitter_send_now(em) || sp_queue_retry_due(&em->queue, now)) {
            take = true;
            break;
        }
        int64_t next = sp_queue_next_retry(&em->queue);
        struct timespec at = sp_deadline_at_ms(next < end ? next : end);
        pthread_cond_timedwait(&em->cv_fill, &em->lock, &at);
    }
    em->lingerer = false;
    return take;
}

/* The batches a thread holds at once, and the units built from them. */
typedef struct group {
    sp_record_list *batches;
    size_t count, cap; /* cap: max_inflight */
    sp_send_unit *units;
    size_t *unit_start; /* offset of each unit's text in the worker's buffer */
    size_t unit_count, unit_cap;
} group;

/* Whether another batch can be taken at once, without waiting (lock held). */
static bool more_ready(const snowplow_emitter *em, int64_t now)
{
    return sp_queue_retry_due(&em->queue, now) ||
           (em->queue.fresh_count > 0 && sp_emitter_send_now(em));
}

/* Wait for a batch and take it with up to g->cap - 1 more that are ready;
 * false when the thread must exit. */
static bool take_group(sp_worker *w, group *g)
{
    snowplow_emitter *em = w->em;
    const snowplow_emitter_options *o = em->opt;
    g->count = 0;
    pthread_mutex_lock(&em->lock);
    for (;;) {
        if (em->stop) {
            pthread_mutex_unlock(&em->lock);
            return false;
        }
        int64_t now = sp_monotonic_ms();
        if (sp_queue_retry_due(&em->queue, now))
            break;
        if (em->queue.fresh_count > 0) {
            if (sp_emitter_send_now(em))
                break;
            if (!em->lingerer) {
                if (linger(em))
                    break;
                continue;
            }
        }
        wait_idle(em);
    }
    uint64_t group_min = SP_NO_SEQ, first_min = SP_NO_SEQ;
    size_t events = 0, bytes = 0;
    int64_t now = sp_monotonic_ms();
    do {
        uint64_t min_seq;
        sp_record_list batch = sp_queue_pop_batch(&em->queue, o->method, (size_t)o->batch_size,
                                                  o->byte_limit, now, &min_seq);
        if (batch.count == 0)
            break; /* only when nothing was due after all; be safe */
        g->batches[g->count++] = batch;
        if (min_seq < group_min)
            group_min = min_seq;
        uint64_t first = sp_batch_first_attempt_min(&batch);
        if (first < first_min)
            first_min = first;
        events += batch.count;
        bytes += sp_record_list_bytes(&batch);
    } while (g->count < g->cap && more_ready(em, now));
    if (g->count == 0) {
        pthread_mutex_unlock(&em->lock);
        return true;
    }
    w->inflight_min = group_min;
    w->first_attempt_min = first_min;
    em->inflight_events += events;
    em->inflight_bytes += bytes;
    sp_counter_sub(em, SNOWPLOW_COUNTER_QUEUED, events);
    sp_counter_add(em, SNOWPLOW_COUNTER_IN_FLIGHT, events);
    if (em->queue.count > 0 && em->idle_waiters > 0)
        pthread_cond_signal(&em->cv_work); /* someone else takes the rest */
    pthread_mutex_unlock(&em->lock);
    return true;
}

/* Room for `n` units. 0 or SNOWPLOW_ENOMEM. */
static int units_reserve(group *g, size_t n)
{
    if (n <= g->unit_cap)
        return 0;
    size_t cap = g->unit_cap ? g->unit_cap : 16;
    while (cap < n)
        cap *= 2;
    sp_send_unit *u = realloc(g->units, cap * sizeof *u);
    if (!u)
        return SNOWPLOW_ENOMEM;
    g->units = u;
    size_t *st = realloc(g->unit_start, cap * sizeof *st);
    if (!st)
        return SNOWPLOW_ENOMEM;
    g->unit_start = st;
    g->unit_cap = cap;
    return 0;
}

/* Append one unit's text for `batch` to `buf`: the GET URL, the POST body, or
 * (events input) the JSON of the event `one` alone. 0 or SNOWPLOW_ENOMEM. */
static int append_unit_text(const snowplow_emitter *em, const sp_record_list *batch,
                            const sp_record *one, int64_t stm, sp_strbuf *buf)
{
    int rc = 0;
    if (one)
        return sp_record_append_post(one, stm, buf);
    if (em->opt->method == SNOWPLOW_METHOD_GET) {
        const sp_record *r = batch->head;
        char digits[24];
        size_t n = sp_format_int64(digits, stm);
        rc = sp_strbuf_append_str(buf, em->url);
        if (rc == 0)
            rc = sp_strbuf_append_char(buf, '?');
        if (rc == 0)
            rc = sp_strbuf_append(buf, r->text, r->text_len);
        if (rc == 0)
            rc = sp_strbuf_append_str(buf, r->text_len ? "&stm=" : "stm=");
        if (rc == 0)
            rc = sp_strbuf_append(buf, digits, n);
        return rc;
    }
    char tail[SP_RECORD_STM_TAIL_MAX]; /* the stm is formatted once per request */
    size_t tail_len = sp_record_stm_tail(stm, tail);
    rc = sp_strbuf_append_str(buf, SP_POST_PREFIX);
    for (const sp_record *r = batch->head; r && rc == 0; r = r->next) {
        if (r != batch->head)
            rc = sp_strbuf_append_char(buf, ',');
        if (rc == 0)
            rc = sp_record_append_post_tail(r, stm, tail, tail_len, buf);
    }
    if (rc == 0)
        rc = sp_strbuf_append_str(buf, SP_POST_SUFFIX);
    return rc;
}

/* Add one unit whose text is appended to the worker's buffer now. */
static int add_unit(sp_worker *w, group *g, const sp_record_list *batch, const sp_record *one,
                    int64_t stm)
{
    sp_strbuf *buf = &w->request;
    int rc = units_reserve(g, g->unit_count + 1);
    size_t start = buf->len;
    if (rc == 0)
        rc = append_unit_text(w->em, batch, one, stm, buf);
    if (rc == 0)
        rc = sp_strbuf_append_char(buf, '\0'); /* each text ends with its NUL */
    if (rc < 0)
        return rc;
    g->unit_start[g->unit_count] = start;
    g->units[g->unit_count].req.body_len = buf->len - 1 - start;
    g->unit_count++;
    return 0;
}

/* Build every unit of the group in the thread's buffer, stamping each event
 * with `stm`: one per batch for HTTP, one per event for an events transport.
 * 0 or SNOWPLOW_ENOMEM. */
static int build_units(sp_worker *w, group *g, int64_t stm)
{
    const snowplow_emitter *em = w->em;
    bool per_event = em->opt->transport.input == SP_TRANSPORT_EVENTS;
    sp_strbuf_reset(&w->request);
    g->unit_count = 0;
    int rc = 0;
    for (size_t b = 0; b < g->count && rc == 0; b++) {
        const sp_record_list *batch = &g->batches[b];
        if (!per_event)
            rc = add_unit(w, g, batch, NULL, stm);
        for (const sp_record *r = batch->head; r && rc == 0 && per_event; r = r->next)
            rc = add_unit(w, g, batch, r, stm);
    }
    if (rc < 0)
        return rc;
    /* The buffer no longer moves: point the requests into it. */
    for (size_t i = 0; i < g->unit_count; i++) {
        sp_http_request *req = &g->units[i].req;
        const char *text = w->request.data + g->unit_start[i];
        memset(&g->units[i].resp, 0, sizeof g->units[i].resp);
        if (per_event)
            *req = (sp_http_request){NULL, text, req->body_len};
        else if (em->opt->method == SNOWPLOW_METHOD_GET)
            *req = (sp_http_request){text, NULL, 0};
        else
            *req = (sp_http_request){em->url, text, req->body_len};
    }
    for (size_t b = 0; b < g->count; b++)
        for (sp_record *r = g->batches[b].head; r; r = r->next)
            r->last_stm = stm;
    return 0;
}

/* What became of a group: records done for good, records to try again (each
 * with its not_before set). */
typedef struct outcome {
    sp_record_list done;
    sp_record_list retry;
} outcome;

/* A retryable failure: report and set aside the records that have attempts
 * left; the others fail for good. */
static void handle_retryable(sp_worker *w, sp_record_list *batch, const sp_http_response *resp,
                             const char *reason, outcome *out)
{
    snowplow_emitter *em = w->em;
    const snowplow_emitter_options *o = em->opt;
    sp_record_list final = {0}, retry = {0};
    int attempts = 0;
    sp_record *r = batch->head;
    while (r) {
        sp_record *next = r->next;
        if (o->max_attempts > 0 && r->attempts >= o->max_attempts) {
            sp_record_list_append(&final, r);
        } else {
            sp_record_list_append(&retry, r);
            if (r->attempts > attempts)
                attempts = r->attempts;
        }
        r = next;
    }
    *batch = (sp_record_list){0};
    if (final.count > 0) {
        sp_emitter_report(em, &final, SNOWPLOW_RESULT_FAILED, resp->status, reason, 0,
                          SNOWPLOW_COUNTER_FAILED);
        sp_emitter_store_finished(em, &final, false); /* STORE HOOK (final failure) */
        sp_record_list_concat(&out->done, &final);
    }
    if (retry.count == 0)
        return;
    /* When the emitter is stopping, nothing will be tried again: the records go
     * back quietly and close reports them as abandoned. */
    if (!atomic_load(&em->abort_flag)) {
        sp_emitter_report(em, &retry, SNOWPLOW_RESULT_FAILED, resp->status, reason, 1,
                          SNOWPLOW_COUNTER_RETRIED);
        sp_emitter_store_retrying(em, &retry); /* STORE HOOK (retry) */
    }
    int64_t due =
        sp_monotonic_ms() + sp_retry_delay_ms(o, attempts, resp->retry_after_ms, &w->rng);
    for (r = retry.head; r; r = r->next)
        r->not_before = due;
    sp_record_list_concat(&out->retry, &retry);
}

/* Report the records that shared one answer (emptied into `out`). */
static void apply_answer(sp_worker *w, sp_record_list *records, const sp_http_response *resp,
                         outcome *out)
{
    snowplow_emitter *em = w->em;
    sp_send_verdict v = resp->verdict;
    bool delivered = v == SP_VERDICT_DELIVERED ||
                     (v == SP_VERDICT_BY_STATUS && resp->status >= 200 && resp->status <= 399);
    if (resp->aborted && atomic_load(&em->abort_flag)) {
        pthread_mutex_lock(&em->lock);
        em->abandoned += records->count;
        pthread_mutex_unlock(&em->lock);
        sp_emitter_abandon(em, records);
        sp_record_list_concat(&out->done, records);
    } else if (delivered) {
        sp_emitter_report(em, records, SNOWPLOW_RESULT_SENT, resp->status, "", 0,
                          SNOWPLOW_COUNTER_SENT);
        sp_emitter_store_finished(em, records, true); /* STORE HOOK (sent) */
        sp_record_list_concat(&out->done, records);
    } else {
        char status_reason[32];
        const char *reason = resp->reason[0] ? resp->reason : "request failed";
        if (resp->status > 0 && v == SP_VERDICT_BY_STATUS) {
            snprintf(status_reason, sizeof status_reason, "HTTP %d", resp->status);
            reason = status_reason;
        }
        bool retry = v == SP_VERDICT_RETRY ||
                     (v == SP_VERDICT_BY_STATUS && sp_retry_status_wanted(em->opt, resp->status));
        if (retry) {
            handle_retryable(w, records, resp, reason, out);
        } else {
            sp_emitter_report(em, records, SNOWPLOW_RESULT_FAILED, resp->status, reason, 0,
                              SNOWPLOW_COUNTER_FAILED);
            sp_emitter_store_finished(em, records, false); /* STORE HOOK (final failure) */
            sp_record_list_concat(&out->done, records);
        }
    }
}

/* Whether two answers are reported together (events of one batch). */
static bool same_answer(const sp_http_response *a, const sp_http_response *b)
{
    return a->status == b->status && a->verdict == b->verdict && a->aborted == b->aborted &&
           a->retry_after_ms == b->retry_after_ms && strcmp(a->reason, b->reason) == 0;
}

/* Report a batch whose events each had their own unit, starting at units[u]:
 * consecutive events with the same answer in one report. */
static void apply_per_event(sp_worker *w, sp_record_list *batch, const sp_send_unit *units,
                            outcome *out)
{
    sp_record_list run = {0};
    const sp_http_response *run_resp = NULL;
    sp_record *r = batch->head;
    *batch = (sp_record_list){0};
    for (size_t i = 0; r; i++) {
        sp_record *next = r->next;
        if (run_resp && !same_answer(run_resp, &units[i].resp)) {
            apply_answer(w, &run, run_resp, out);
            run = (sp_record_list){0};
        }
        run_resp = &units[i].resp;
        sp_record_list_append(&run, r);
        r = next;
    }
    if (run.count > 0)
        apply_answer(w, &run, run_resp, out);
}

static void send_group(sp_worker *w, void *conn, group *g, outcome *out)
{
    snowplow_emitter *em = w->em;
    const sp_transport *t = &em->opt->transport;
    bool per_event = t->input == SP_TRANSPORT_EVENTS;
    for (size_t b = 0; b < g->count; b++)
        for (sp_record *r = g->batches[b].head; r; r = r->next)
            r->attempts++;
    if (build_units(w, g, sp_now_ms()) < 0) {
        sp_http_response oom = {0};
        snprintf(oom.reason, sizeof oom.reason, "out of memory building the request");
        for (size_t b = 0; b < g->count; b++)
            apply_answer(w, &g->batches[b], &oom, out);
        return;
    }
    if (atomic_load(&em->abort_flag)) {
        for (size_t i = 0; i < g->unit_count; i++)
            g->units[i].resp.aborted = true;
    } else if (t->send_many) {
        t->send_many(conn, g->units, g->unit_count);
    } else {
        for (size_t i = 0; i < g->unit_count; i++)
            t->send(conn, &g->units[i].req, &g->units[i].resp);
    }
    size_t u = 0;
    for (size_t b = 0; b < g->count; b++) {
        size_t n = per_event ? g->batches[b].count : 1;
        if (per_event)
            apply_per_event(w, &g->batches[b], &g->units[u], out);
        else
            apply_answer(w, &g->batches[b], &g->units[u].resp, out);
        u += n;
    }
}

/* Every report of the group has returned: failed records go back to wait for
 * their retry, the others are no longer outstanding. */
static void complete_group(sp_worker *w, outcome *out)
{
    snowplow_emitter *em = w->em;
    size_t retry_n = out->retry.count;
    size_t held = retry_n + out->done.count;
    size_t held_bytes = sp_record_list_bytes(&out->retry) + sp_record_list_bytes(&out->done);
    pthread_mutex_lock(&em->lock);
    if (retry_n > 0) {
        if (em->stop) {
            int64_t now = sp_monotonic_ms();
            for (sp_record *r = out->retry.head; r; r = r->next)
                r->not_before = now;
        }
        sp_queue_push_retry(&em->queue, &out->retry);
        sp_counter_add(em, SNOWPLOW_COUNTER_QUEUED, retry_n);
        /* Waiting threads recompute when to wake up. */
        pthread_cond_broadcast(&em->cv_work);
        pthread_cond_broadcast(&em->cv_fill);
    }
    em->inflight_events -= held;
    em->inflight_bytes -= held_bytes;
    w->inflight_min = SP_NO_SEQ;
    w->first_attempt_min = SP_NO_SEQ;
    sp_counter_sub(em, SNOWPLOW_COUNTER_IN_FLIGHT, held);
    sp_emitter_wake_waiters(em);
    pthread_mutex_unlock(&em->lock);
    sp_record_pool_give(&em->pool, &out->done); /* track() reuses them */
}

void *sp_worker_main(void *arg)
{
    sp_worker *w = arg;
    snowplow_emitter *em = w->em;
    const snowplow_emitter_options *o = em->opt;
    /* A transport that sends one unit at a time gains nothing from a group. */
    unsigned inflight = !o->transport.send_many ? 1
                        : o->max_inflight       ? o->max_inflight
                                                : SP_DEFAULT_MAX_INFLIGHT;
    sp_transport_config cfg = {o->connect_timeout_ms, o->request_timeout_ms, &em->abort_flag,
                               inflight, &o->http};
    void *conn = o->transport.open(o->transport.ctx, &cfg);
    group g = {0};
    g.batches = calloc(inflight, sizeof *g.batches);
    g.cap = g.batches ? inflight : 0;
    sp_record_list one; /* when even that allocation failed: one batch at a time */
    if (!g.batches) {
        g.batches = &one;
        g.cap = 1;
    }

    while (take_group(w, &g)) {
        if (g.count == 0)
            continue;
        outcome out = {0};
        send_group(w, conn, &g, &out);
        complete_group(w, &out);
    }
    o->transport.close(conn);
    sp_strbuf_free(&w->request);
    if (g.batches != &one)
        free(g.batches);
    free(g.units);
    free(g.unit_start);

    pthread_mutex_lock(&em->lock);
    em->running_workers--;
    pthread_cond_broadcast(&em->cv_done);
    pthread_mutex_unlock(&em->lock);
    return NULL;
}
