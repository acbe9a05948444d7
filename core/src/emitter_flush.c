/* flush() and close(): bounded waits for completion, then shutting down. */
#include <errno.h>

#include "emitter_impl.h"
#include "error.h"

uint64_t sp_emitter_outstanding_min(const snowplow_emitter *em)
{
    uint64_t min = sp_queue_min_seq(&em->queue);
    for (int i = 0; i < em->worker_count; i++)
        if (em->workers[i].inflight_min < min)
            min = em->workers[i].inflight_min;
    if (em->closer_min < min)
        min = em->closer_min;
    return min;
}

/*
 * With the lock held: wait until every event up to `target` has completed, or
 * timeout_ms (negative = no limit) passes. Meanwhile the sending threads send
 * partial batches at once. 0 or SNOWPLOW_ETIMEOUT.
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

int snowplow_emitter_flush(snowplow_emitter *emitter, int timeout_ms)
{
    static const char fn[] = "snowplow_emitter_flush";
    if (!emitter)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: emitter: NULL", fn);
    if (sp_emitter_in_callback(emitter))
        return sp_error_set(SNOWPLOW_EDEADLK,
                            "%s: called from a callback of the same emitter, which would wait "
                            "for itself",
                            fn);
    pthread_mutex_lock(&emitter->lock);
    if (emitter->closing) {
        pthread_mutex_unlock(&emitter->lock);
        return sp_error_set(SNOWPLOW_ECLOSED, "%s: emitter: closed", fn);
    }
    int rc = wait_completed(emitter, emitter->last_seq, timeout_ms);
    pthread_mutex_unlock(&emitter->lock);
    if (rc < 0)
        return sp_error_set(rc, "%s: timeout_ms: %d ms passed before every event was sent or "
                                "failed",
                            fn, timeout_ms);
    return 0;
}

/* Report what is still queued as failed, on this thread. */
static size_t abandon_queue(snowplow_emitter *em)
{
    pthread_mutex_lock(&em->lock);
    sp_record_list rest = sp_queue_take_all(&em->queue);
    if (rest.head)
        em->closer_min = rest.head->seq; /* still outstanding until reported */
    sp_counter_sub(em, SNOWPLOW_COUNTER_QUEUED, rest.count);
    pthread_mutex_unlock(&em->lock);

    sp_emitter_report(em, &rest, SNOWPLOW_RESULT_FAILED, 0, SP_REASON_CLOSED,
                      SNOWPLOW_COUNTER_FAILED);

    pthread_mutex_lock(&em->lock);
    em->closer_min = SP_NO_SEQ;
    em->abandoned += rest.count;
    if (em->done_waiters > 0)
        pthread_cond_broadcast(&em->cv_done);
    pthread_mutex_unlock(&em->lock);
    size_t n = rest.count;
    sp_record_list_free(&rest);
    return n;
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
    wait_completed(em, em->last_seq, timeout_ms);
    /* Whatever is still under way now is abandoned: requests end at once. */
    em->stop = true;
    atomic_store(&em->abort_flag, true);
    pthread_cond_broadcast(&em->cv_work);
    pthread_cond_broadcast(&em->cv_fill);
    pthread_mutex_unlock(&em->lock);

    for (int i = 0; i < em->worker_count; i++) {
        if (em->workers[i].started) {
            pthread_join(em->workers[i].thread, NULL);
            em->workers[i].started = false;
        }
    }
    abandon_queue(em);

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
    if (sp_emitter_in_callback(emitter))
        return sp_error_set(SNOWPLOW_EDEADLK,
                            "%s: called from a callback of the same emitter, which would join "
                            "its own thread",
                            fn);
    int rc = sp_emitter_close_core(emitter, timeout_ms);
    if (rc < 0)
        return sp_error_set(rc, "%s: timeout_ms: %d ms passed with events unsent; they were "
                                "reported as failed",
                            fn, timeout_ms);
    return 0;
}
