/*
 * The tracking side: encoding events once (prepare), then queueing them under
 * the full policy (commit). Never does network I/O.
 */
#include <errno.h>

#include "emitter/emitter_impl.h"
#include "emitter/emitter_flush.h"
#include "emitter/emitter_report.h"
#include "emitter/emitter_worker.h"
#include "util/hot_mutex.h"
#include "emitter/emitter_internal.h"
#include "emitter/emitter_store.h"
#include "util/error.h"

static int refuse_closed(const snowplow_emitter *em, const char *fn)
{
    if (atomic_load(&em->forked))
        return sp_error_set(SNOWPLOW_ECLOSED, "%s: " SP_FORKED_MESSAGE, fn);
    return sp_error_set(SNOWPLOW_ECLOSED, "%s: emitter: closed", fn);
}

static int check_args(snowplow_emitter *em, const char *fn, const sp_payload *const *payloads,
                      size_t n)
{
    if (!em)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: emitter: NULL", fn);
    if (n > 0 && !payloads)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: payloads: NULL", fn);
    for (size_t i = 0; i < n; i++)
        if (!payloads[i])
            return sp_error_set(SNOWPLOW_EINVAL, "%s: payload %zu: NULL", fn, i);
    if (atomic_load(&em->closing_flag) || atomic_load(&em->forked))
        return refuse_closed(em, fn);
    return 0;
}

static int too_big(const snowplow_emitter *em, const char *fn, size_t wire_size)
{
    const snowplow_emitter_options *o = em->opt;
    size_t size = sp_record_request_size(o->method, wire_size);
    if (size <= o->byte_limit)
        return 0;
    return sp_error_set(SNOWPLOW_ETOOBIG,
                        "%s: event: %zu bytes once encoded for %s exceeds the emitter's byte "
                        "limit of %zu",
                        fn, size, o->method == SNOWPLOW_METHOD_GET ? "GET" : "POST",
                        o->byte_limit);
}

static sp_record_list prepared_list(const sp_prepared *p)
{
    return (sp_record_list){p->head, p->tail, p->count};
}

void sp_emitter_discard(sp_prepared *prepared)
{
    if (!prepared)
        return;
    sp_record_list list = prepared_list(prepared);
    sp_record_list_free(&list);
    prepared->head = prepared->tail = NULL;
    prepared->count = prepared->bytes = 0;
}

int sp_emitter_prepare(snowplow_emitter *em, const char *fn, const sp_payload *const *payloads,
                       size_t n, sp_prepared *out)
{
    if (!out)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: prepared: NULL", fn);
    *out = (sp_prepared){em, NULL, NULL, 0, 0};
    int rc = check_args(em, fn, payloads, n);
    if (rc < 0)
        return rc;
    sp_record_list list = {0};
    size_t bytes = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        sp_record *r = sp_record_new_pooled(&em->pool, payloads[i], em->opt->method);
        if (!r) {
            rc = sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
            break;
        }
        sp_record_list_append(&list, r);
        bytes += r->wire_size;
        rc = too_big(em, fn, r->wire_size);
    }
    if (rc < 0) {
        sp_record_list_free(&list);
        return rc;
    }
    out->head = list.head;
    out->tail = list.tail;
    out->count = list.count;
    out->bytes = bytes;
    return 0;
}

/* Whether n more events of `bytes` fit beside those held (lock held). */
static bool has_room(const snowplow_emitter *em, size_t n, size_t bytes)
{
    const snowplow_emitter_options *o = em->opt;
    size_t held = em->queue.count + em->inflight_events;
    size_t held_bytes = em->queue.bytes + em->inflight_bytes;
    return n <= o->queue_capacity && held <= o->queue_capacity - n &&
           bytes <= o->queue_max_bytes && held_bytes <= o->queue_max_bytes - bytes;
}

/* BLOCK: wait for room, up to the timeout, unless the emitter closes (lock held). */
static void wait_for_room(snowplow_emitter *em, size_t n, size_t bytes)
{
    const snowplow_emitter_options *o = em->opt;
    if (sp_emitter_in_any_callback())
        return; /* it might wait for its own thread */
    int timeout_ms = o->block_timeout_ms;
    struct timespec deadline = sp_deadline_after_ms(timeout_ms > 0 ? timeout_ms : 0);
    em->room_waiters++;
    while (!em->closing && !has_room(em, n, bytes) && timeout_ms != 0) {
        if (timeout_ms < 0)
            pthread_cond_wait(&em->cv_room, &em->lock);
        else if (pthread_cond_timedwait(&em->cv_room, &em->lock, &deadline) == ETIMEDOUT)
            break;
    }
    em->room_waiters--;
}

/* Report events dropped because the queue was full (no lock held). */
static void report_dropped(snowplow_emitter *em, sp_record_list *list)
{
    sp_emitter_report(em, list, SNOWPLOW_RESULT_FAILED, 0, SP_REASON_FULL, 0,
                      SNOWPLOW_COUNTER_DROPPED);
    sp_emitter_store_finished(em, list, false); /* STORE HOOK (dropped) */
}

int sp_emitter_commit(sp_prepared *prepared, const char *fn)
{
    if (!prepared || !prepared->em) {
        sp_emitter_discard(prepared);
        return sp_error_set(SNOWPLOW_EINVAL, "%s: prepared: NULL or not prepared", fn);
    }
    snowplow_emitter *em = prepared->em;
    sp_record_list list = prepared_list(prepared);
    size_t n = list.count, bytes = prepared->bytes;
    prepared->head = prepared->tail = NULL;
    prepared->count = prepared->bytes = 0;
    if (n == 0)
        return 0;
    if (atomic_load(&em->forked)) {
        sp_record_list_free(&list);
        return refuse_closed(em, fn);
    }

    const snowplow_emitter_options *o = em->opt;
    sp_record_list evicted = {0};
    sp_hot_mutex_lock(&em->lock); /* the caller's thread: spin rather than sleep */
    /* A group larger than the whole capacity never fits: nothing is evicted
     * or waited for in vain. */
    bool can_fit = n <= o->queue_capacity && bytes <= o->queue_max_bytes;
    if (!em->closing && can_fit && !has_room(em, n, bytes)) {
        if (o->full_policy == SNOWPLOW_FULL_DROP_OLDEST) {
            sp_record *old;
            while (!has_room(em, n, bytes) && (old = sp_queue_pop_oldest(&em->queue)) != NULL)
                sp_record_list_append(&evicted, old);
        } else if (o->full_policy == SNOWPLOW_FULL_BLOCK) {
            wait_for_room(em, n, bytes);
        }
    }
    if (em->closing) {
        /* Evicted records (none unless DROP_OLDEST) go back: close reports them. */
        sp_queue_push_retry(&em->queue, &evicted);
        pthread_mutex_unlock(&em->lock);
        sp_record_list_free(&list);
        return refuse_closed(em, fn);
    }
    sp_holder hold;
    if (evicted.count > 0) {
        sp_counter_sub(em, SNOWPLOW_COUNTER_QUEUED, evicted.count);
        sp_emitter_hold(em, &hold, evicted.head->seq); /* popped oldest first */
    }
    bool accepted = has_room(em, n, bytes);
    size_t waiting = em->queue.count + em->inflight_events;
    /* Every event offered is counted as tracked, so that at rest
     * tracked == sent + failed + dropped (+ queued + in flight). */
    sp_counter_add(em, SNOWPLOW_COUNTER_TRACKED, n);
    if (accepted) {
        for (sp_record *r = list.head; r; r = r->next)
            r->seq = ++em->last_seq;
        sp_record_list queued = list;
        sp_queue_push_fresh(&em->queue, &list);
        sp_counter_add(em, SNOWPLOW_COUNTER_QUEUED, n);
        /* The records are linked into the queue now; `queued` still walks them
         * through `next`, which the queue keeps in sequence order. */
        sp_emitter_store_accepted(em, &queued); /* STORE HOOK (enqueue) */
        sp_emitter_wake_senders(em);
    }
    pthread_mutex_unlock(&em->lock);

    if (evicted.count > 0) {
        report_dropped(em, &evicted);
        pthread_mutex_lock(&em->lock);
        sp_emitter_unhold(em, &hold);
        pthread_mutex_unlock(&em->lock);
        sp_record_list_free(&evicted);
    }
    if (accepted)
        return 0;
    report_dropped(em, &list);
    sp_record_list_free(&list);
    return sp_error_set(SNOWPLOW_EFULL,
                        "%s: queue full (%zu events held, capacity %zu events / %zu bytes); "
                        "%zu event(s) dropped",
                        fn, waiting, o->queue_capacity, o->queue_max_bytes, n);
}

int sp_emitter_enqueue_post_text(snowplow_emitter *em, const char *fn,
                                 const sp_text_piece *pieces, size_t n, const char *eid)
{
    int rc = check_args(em, fn, NULL, 0);
    if (rc < 0)
        return rc;
    if (em->opt->method != SNOWPLOW_METHOD_POST)
        return 1;
    /* From the pool, as for tracked events: the sending thread gives it back. */
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += pieces[i].len;
    sp_record *r = sp_record_pool_take(&em->pool, len);
    if (!r)
        return sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
    sp_record_set_pieces(r, pieces, n, eid, SNOWPLOW_METHOD_POST);
    rc = too_big(em, fn, r->wire_size);
    if (rc < 0) {
        sp_record_free(r);
        return rc;
    }
    sp_prepared prepared = {em, r, r, 1, r->wire_size};
    return sp_emitter_commit(&prepared, fn);
}

int sp_emitter_enqueue(snowplow_emitter *em, const char *fn, const sp_payload *const *payloads,
                       size_t n)
{
    sp_prepared prepared;
    int rc = sp_emitter_prepare(em, fn, payloads, n, &prepared);
    if (rc < 0)
        return rc;
    return sp_emitter_commit(&prepared, fn);
}
