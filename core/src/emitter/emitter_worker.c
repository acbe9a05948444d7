/*
 * The sending threads: take a batch (due retries first, then fresh events,
 * waiting up to linger_ms for a full one), send it through the thread's own
 * connection, report the outcome, and put failed events back in the queue to
 * wait for their retry time. A thread never sleeps while holding events: a
 * backoff is a not_before time on the queued records.
 */
#include <errno.h>
#include <stdio.h>

#include "emitter/emitter_impl.h"
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

/* Wait for a batch and take it; false when the thread must exit. */
static bool take_batch(sp_worker *w, sp_record_list *batch)
{
    snowplow_emitter *em = w->em;
    const snowplow_emitter_options *o = em->opt;
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
    uint64_t min_seq;
    *batch = sp_queue_pop_batch(&em->queue, o->method, (size_t)o->batch_size, o->byte_limit,
                                sp_monotonic_ms(), &min_seq);
    if (batch->count == 0) { /* cannot happen: something was due; be safe */
        pthread_mutex_unlock(&em->lock);
        return true;
    }
    w->inflight_min = min_seq;
    em->inflight_events += batch->count;
    em->inflight_bytes += sp_record_list_bytes(batch);
    sp_counter_sub(em, SNOWPLOW_COUNTER_QUEUED, batch->count);
    sp_counter_add(em, SNOWPLOW_COUNTER_IN_FLIGHT, batch->count);
    if (em->queue.count > 0 && em->idle_waiters > 0)
        pthread_cond_signal(&em->cv_work); /* someone else takes the rest */
    pthread_mutex_unlock(&em->lock);
    return true;
}

/* Write the request for `batch` into the thread's buffer, stamping each event
 * with `stm`. 0 or SNOWPLOW_ENOMEM. */
static int build_request(sp_worker *w, sp_record_list *batch, int64_t stm,
                         sp_http_request *req)
{
    const snowplow_emitter *em = w->em;
    sp_strbuf *buf = &w->request;
    sp_strbuf_reset(buf);
    int rc = 0;
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
        *req = (sp_http_request){buf->data, NULL, 0};
    } else {
        rc = sp_strbuf_append_str(buf, SP_POST_PREFIX);
        for (const sp_record *r = batch->head; r && rc == 0; r = r->next) {
            if (r != batch->head)
                rc = sp_strbuf_append_char(buf, ',');
            if (rc == 0)
                rc = sp_record_append_post(r, stm, buf);
        }
        if (rc == 0)
            rc = sp_strbuf_append_str(buf, SP_POST_SUFFIX);
        *req = (sp_http_request){em->url, buf->data, buf->len};
    }
    if (rc == 0)
        for (sp_record *r = batch->head; r; r = r->next)
            r->last_stm = stm;
    return rc;
}

/* What became of one batch: records done for good, records to try again. */
typedef struct outcome {
    sp_record_list done;
    sp_record_list retry;
    int64_t retry_delay_ms;
} outcome;

/* A retryable failure: report and set aside the records that have attempts
 * left; the others fail for good. */
static void handle_retryable(sp_worker *w, sp_record_list *batch, const sp_http_response *resp,
                             const char *reason, outcome *out)
{
    snowplow_emitter *em = w->em;
    const snowplow_emitter_options *o = em->opt;
    sp_record_list final = {0};
    int attempts = 0;
    sp_record *r = batch->head;
    while (r) {
        sp_record *next = r->next;
        if (o->max_attempts > 0 && r->attempts >= o->max_attempts) {
            sp_record_list_append(&final, r);
        } else {
            sp_record_list_append(&out->retry, r);
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
    if (out->retry.count == 0)
        return;
    /* When the emitter is stopping, nothing will be tried again: the records go
     * back quietly and close reports them as abandoned. */
    if (!atomic_load(&em->abort_flag)) {
        sp_emitter_report(em, &out->retry, SNOWPLOW_RESULT_FAILED, resp->status, reason, 1,
                          SNOWPLOW_COUNTER_RETRIED);
        sp_emitter_store_retrying(em, &out->retry); /* STORE HOOK (retry) */
    }
    out->retry_delay_ms = sp_retry_delay_ms(o, attempts, resp->retry_after_ms, &w->rng);
}

static void send_batch(sp_worker *w, void *conn, sp_record_list *batch, outcome *out)
{
    snowplow_emitter *em = w->em;
    sp_http_response resp = {0};
    sp_http_request req;
    for (sp_record *r = batch->head; r; r = r->next)
        r->attempts++;
    if (build_request(w, batch, sp_now_ms(), &req) < 0)
        snprintf(resp.reason, sizeof resp.reason, "out of memory building the request");
    else if (atomic_load(&em->abort_flag))
        resp.aborted = true;
    else
        em->opt->transport.send(conn, &req, &resp);

    if (resp.aborted && atomic_load(&em->abort_flag)) {
        pthread_mutex_lock(&em->lock);
        em->abandoned += batch->count;
        pthread_mutex_unlock(&em->lock);
        sp_emitter_abandon(em, batch);
        sp_record_list_concat(&out->done, batch);
    } else if (resp.status >= 200 && resp.status <= 399) {
        sp_emitter_report(em, batch, SNOWPLOW_RESULT_SENT, resp.status, "", 0,
                          SNOWPLOW_COUNTER_SENT);
        sp_emitter_store_finished(em, batch, true); /* STORE HOOK (sent) */
        sp_record_list_concat(&out->done, batch);
    } else {
        char status_reason[32];
        const char *reason = resp.reason[0] ? resp.reason : "request failed";
        if (resp.status > 0) {
            snprintf(status_reason, sizeof status_reason, "HTTP %d", resp.status);
            reason = status_reason;
        }
        if (sp_retry_status_wanted(em->opt, resp.status)) {
            handle_retryable(w, batch, &resp, reason, out);
        } else {
            sp_emitter_report(em, batch, SNOWPLOW_RESULT_FAILED, resp.status, reason, 0,
                              SNOWPLOW_COUNTER_FAILED);
            sp_emitter_store_finished(em, batch, false); /* STORE HOOK (final failure) */
            sp_record_list_concat(&out->done, batch);
        }
    }
}

/* Every report of the batch has returned: failed records go back to wait for
 * their retry, the others are no longer outstanding. */
static void complete_batch(sp_worker *w, outcome *out)
{
    snowplow_emitter *em = w->em;
    size_t retry_n = out->retry.count;
    size_t held = retry_n + out->done.count;
    size_t held_bytes = sp_record_list_bytes(&out->retry) + sp_record_list_bytes(&out->done);
    pthread_mutex_lock(&em->lock);
    if (retry_n > 0) {
        int64_t due = sp_monotonic_ms() + (em->stop ? 0 : out->retry_delay_ms);
        for (sp_record *r = out->retry.head; r; r = r->next)
            r->not_before = due;
        sp_queue_push_retry(&em->queue, &out->retry);
        sp_counter_add(em, SNOWPLOW_COUNTER_QUEUED, retry_n);
        /* Waiting threads recompute when to wake up. */
        pthread_cond_broadcast(&em->cv_work);
        pthread_cond_broadcast(&em->cv_fill);
    }
    em->inflight_events -= held;
    em->inflight_bytes -= held_bytes;
    w->inflight_min = SP_NO_SEQ;
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
    sp_transport_config cfg = {o->connect_timeout_ms, o->request_timeout_ms, &em->abort_flag,
                               &o->http};
    void *conn = o->transport.open(o->transport.ctx, &cfg);

    sp_record_list batch;
    while (take_batch(w, &batch)) {
        if (batch.count == 0)
            continue;
        outcome out = {0};
        send_batch(w, conn, &batch, &out);
        complete_batch(w, &out);
    }
    o->transport.close(conn);
    sp_strbuf_free(&w->request);

    pthread_mutex_lock(&em->lock);
    em->running_workers--;
    pthread_cond_broadcast(&em->cv_done);
    pthread_mutex_unlock(&em->lock);
    return NULL;
}
