/* flush() and close(): bounded waits for completion, then shutting down. */
#include <errno.h>

#include "emitter/emitter_impl.h"
#include "emitter/emitter_report.h"
#include "emitter/emitter_flush.h"
#include "emitter/emitter_store.h"
#include "util/error.h"
#include "util/text.h"

uint64_t sp_emitter_outstanding_min(const snowplow_emitter *em)
{
    uint64_t min = sp_queue_min_seq(&em->queue);
    for (int i = 0; i < em->worker_count; i++)
        if (em->workers[i].inflight_min < min)
            min = em->workers[i].inflight_min;
    for (const sp_holder *h = em->holders; h; h = h->next)
        if (h->min_seq < min)
            min = h->min_seq;
    return min;
}

void sp_emitter_hold(snowplow_emitter *em, sp_holder *h, uint64_t min_seq)
{
    h->min_seq = min_seq;
    h->prev = NULL;
    h->next = em->holders;
    if (em->holders)
        em->holders->prev = h;
    em->holders = h;
}

void sp_emitter_unhold(snowplow_emitter *em, sp_holder *h)
{
    if (h->prev)
        h->prev->next = h->next;
    else
        em->holders = h->next;
    if (h->next)
        h->next->prev = h->prev;
    sp_emitter_wake_waiters(em);
}

void sp_emitter_wake_waiters(snowplow_emitter *em)
{
    if (em->done_waiters > 0)
        pthread_cond_broadcast(&em->cv_done);
    if (em->room_waiters > 0)
        pthread_cond_broadcast(&em->cv_room);
}

/*
 * With the lock held: wait until every event up to `target` has completed, or
 * timeout_ms (negative = no limit) passes. Meanwhile the sending threads send
 * partial batches at once (retries still wait for their time). 0 or
 * SNOWPLOW_ETIMEOUT.
 */
static int wait_completed(snowplow_emitter *em, uint64_t target, int timeout_ms)
{
    if (sp_emitter_outstanding_min(em) > target)
        return 0;
    struct timespec deadline = sp_deadline_after_ms(timeout_ms < 0 ? 0 : timeout_ms);
    int rc = 0;
    em->urgent++;
    em->done_waiters++;
    pthread_cond_broadcast(&em->cv_fill);
    pthread_cond_broadcast(&em->cv_work);
    while (sp_emitter_outstanding_min(em) <= target) {
        if (em->stop) { /* the process is exiting: nothing more will be sent */
            rc = SNOWPLOW_ETIMEOUT;
            break;
        }
        if (timeout_ms < 0) {
            pthread_cond_wait(&em->cv_done, &em->lock);
        } else if (pthread_cond_timedwait(&em->cv_done, &em->lock, &deadline) == ETIMEDOUT &&
                   sp_emitter_outstanding_min(em) <= target) {
            rc = SNOWPLOW_ETIMEOUT;
            break;
        }
    }
    em->done_waiters--;
    em->urgent--;
    return rc;
}

static int refuse_closed(const snowplow_emitter *em, const char *fn)
{
    if (atomic_load(&em->forked))
        return sp_error_set(SNOWPLOW_ECLOSED, "%s: " SP_FORKED_MESSAGE, fn);
    return sp_error_set(SNOWPLOW_ECLOSED, "%s: emitter: closed", fn);
}

int snowplow_emitter_flush(snowplow_emitter *emitter, int timeout_ms)
{
    static const char fn[] = "snowplow_emitter_flush";
    if (!emitter)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: emitter: NULL", fn);
    if (atomic_load(&emitter->forked))
        return refuse_closed(emitter, fn);
    if (sp_emitter_in_callback(emitter))
        return sp_error_set(SNOWPLOW_EDEADLK,
                            "%s: called from a callback of the same emitter, which would wait "
                            "for itself",
                            fn);
    pthread_mutex_lock(&emitter->lock);
    if (emitter->closing) {
        pthread_mutex_unlock(&emitter->lock);
        return refuse_closed(emitter, fn);
    }
    int rc = wait_completed(emitter, emitter->last_seq, timeout_ms);
    pthread_mutex_unlock(&emitter->lock);
    if (rc < 0)
        return sp_error_set(rc, "%s: timeout_ms: %d ms passed before every event was sent or "
                                "failed",
                            fn, timeout_ms);
    return 0;
}

int snowplow_emitter_flush_async(snowplow_emitter *emitter)
{
    static const char fn[] = "snowplow_emitter_flush_async";
    if (!emitter)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: emitter: NULL", fn);
    if (atomic_load(&emitter->forked))
        return refuse_closed(emitter, fn);
    pthread_mutex_lock(&emitter->lock);
    if (emitter->closing) {
        pthread_mutex_unlock(&emitter->lock);
        return refuse_closed(emitter, fn);
    }
    /* Every fresh event accepted so far goes without lingering. */
    emitter->async_target = emitter->last_seq;
    pthread_cond_broadcast(&emitter->cv_fill);
    pthread_cond_broadcast(&emitter->cv_work);
    pthread_mutex_unlock(&emitter->lock);
    return 0;
}

/* Abandoned events are reported this many at a time, so that closing with a full
 * queue never builds one result that copies every event's text at once. */
#define SP_ABANDON_CHUNK 1000

void sp_emitter_abandon(snowplow_emitter *em, const sp_record_list *records)
{
    if (records->count == 0)
        return;
    if (sp_emitter_store_keeps_unsent(em)) /* STORE HOOK (close: keep unsent) */
        return; /* they stay in the store for the next run */
    for (sp_record *r = records->head; r != NULL;) {
        sp_record_list chunk = {r, r, 1};
        while (chunk.count < SP_ABANDON_CHUNK && chunk.tail->next != NULL) {
            chunk.tail = chunk.tail->next;
            chunk.count++;
        }
        sp_record *rest = chunk.tail->next;
        chunk.tail->next = NULL; /* the report walks `next` up to NULL */
        sp_emitter_report(em, &chunk, SNOWPLOW_RESULT_FAILED, 0, SP_REASON_CLOSED, 0,
                          SNOWPLOW_COUNTER_FAILED);
        chunk.tail->next = rest; /* the caller frees the whole list */
        r = rest;
    }
}

/* Report what is still queued as failed, on this thread. */
static void abandon_queue(snowplow_emitter *em)
{
    sp_holder hold;
    pthread_mutex_lock(&em->lock);
    sp_record_list rest = sp_queue_take_all(&em->queue);
    if (rest.head)
        sp_emitter_hold(em, &hold, rest.head->seq); /* still outstanding until reported */
    sp_counter_sub(em, SNOWPLOW_COUNTER_QUEUED, rest.count);
    pthread_mutex_unlock(&em->lock);
    if (!rest.head)
        return;

    sp_emitter_abandon(em, &rest);

    pthread_mutex_lock(&em->lock);
    sp_emitter_unhold(em, &hold);
    em->abandoned += rest.count;
    pthread_mutex_unlock(&em->lock);
    sp_record_list_free(&rest);
}

/* Tell the sending threads to stop now (lock held). */
static void stop_threads(snowplow_emitter *em)
{
    em->closing = true;
    em->stop = true;
    atomic_store(&em->closing_flag, true);
    atomic_store(&em->abort_flag, true);
    pthread_cond_broadcast(&em->cv_work);
    pthread_cond_broadcast(&em->cv_fill);
    pthread_cond_broadcast(&em->cv_room);
    pthread_cond_broadcast(&em->cv_done);
}

static void join_workers(snowplow_emitter *em)
{
    for (int i = 0; i < em->worker_count; i++) {
        if (em->workers[i].started) {
            pthread_join(em->workers[i].thread, NULL);
            em->workers[i].started = false;
        }
    }
}

int sp_emitter_close_core(snowplow_emitter *em, int timeout_ms)
{
    pthread_mutex_lock(&em->close_lock);
    if (em->closed) {
        pthread_mutex_unlock(&em->close_lock);
        return 0;
    }

    pthread_mutex_lock(&em->lock);
    em->closing = true;
    atomic_store(&em->closing_flag, true);
    pthread_cond_broadcast(&em->cv_room); /* blocked trackers give up */
    if (!em->stop) /* threads stopped at exit cannot send anything more */
        wait_completed(em, em->last_seq, timeout_ms);
    /* Whatever is still under way now is abandoned: requests end at once. */
    stop_threads(em);
    pthread_mutex_unlock(&em->lock);

    join_workers(em);
    abandon_queue(em);
    sp_emitter_store_stop(em); /* STORE HOOK (close) */
    if (em->results)
        sp_result_queue_close(em->results); /* after the last result */

    pthread_mutex_lock(&em->lock);
    size_t abandoned = em->abandoned;
    pthread_mutex_unlock(&em->lock);
    em->closed = true;
    pthread_mutex_unlock(&em->close_lock);
    return abandoned > 0 ? SNOWPLOW_ETIMEOUT : 0;
}

int snowplow_emitter_close(snowplow_emitter *emitter, int timeout_ms)
{
    static const char fn[] = "snowplow_emitter_close";
    if (!emitter)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: emitter: NULL", fn);
    if (atomic_load(&emitter->forked))
        return 0; /* the parent's threads and events are not ours to touch */
    if (sp_emitter_in_callback(emitter))
        return sp_error_set(SNOWPLOW_EDEADLK,
                            "%s: called from a callback of the same emitter, which would join "
                            "its own thread",
                            fn);
    int rc = sp_emitter_close_core(emitter, timeout_ms);
    if (rc < 0)
        return sp_error_set(rc, "%s: timeout_ms: %d ms passed with events unsent; %s", fn,
                            timeout_ms,
                            emitter->opt->store_path
                                ? "they were kept in the persistent store for the next run "
                                  "(any it could not take were reported as failed)"
                                : "they were reported as failed");
    return 0;
}

/*
 * The process is exiting without having closed this emitter: end requests
 * under way and tell the threads to stop, without waiting (every emitter is
 * told first, then all are waited for together, so the exit is bounded once,
 * not once per emitter). Reports nothing from now on (the application may be
 * half torn down). A close already under way on another thread is left to
 * finish the job.
 */
void sp_emitter_begin_exit(snowplow_emitter *em, const struct timespec *until_realtime)
{
    atomic_store(&em->exiting, true);
    pthread_mutex_lock(&em->lock);
    stop_threads(em); /* also ends the wait of a close under way */
    pthread_mutex_unlock(&em->lock);
    em->exit_owns_close = pthread_mutex_timedlock(&em->close_lock, until_realtime) == 0;
}

/* Wait (up to `deadline`, monotonic) for the threads to end and join them, so
 * that none still uses libcurl or OpenSSL when their exit-time cleanup runs. A
 * thread stuck in a callback is left running rather than hanging the exit. */
void sp_emitter_finish_exit(snowplow_emitter *em, const struct timespec *deadline)
{
    if (!em->exit_owns_close)
        return;
    pthread_mutex_lock(&em->lock);
    if (!em->closed) {
        /* exit() may be called from a callback, on a sending thread itself. */
        int self = 0;
        for (int i = 0; i < em->worker_count; i++)
            if (em->workers[i].started && pthread_equal(em->workers[i].thread, pthread_self()))
                self = 1;
        int rc = 0;
        em->done_waiters++;
        while (em->running_workers > self && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&em->cv_done, &em->lock, deadline);
        em->done_waiters--;
        bool all_stopped = em->running_workers == 0 && !self;
        pthread_mutex_unlock(&em->lock);
        if (all_stopped)
            join_workers(em);
        sp_emitter_store_at_exit(em); /* STORE HOOK (exit) */
    } else {
        pthread_mutex_unlock(&em->lock);
    }
    em->exit_owns_close = false;
    pthread_mutex_unlock(&em->close_lock);
}
