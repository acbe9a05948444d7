/*
 * The sending threads: take a batch (waiting up to linger_ms for a full one),
 * send it through the thread's own connection, report the outcome.
 */
#include <errno.h>
#include <stdio.h>

#include "emitter_impl.h"
#include "util/text.h"

static bool batch_ready(const snowplow_emitter *em)
{
    const snowplow_emitter_options *o = em->opt;
    return sp_queue_batch_ready(&em->queue, o->method, (size_t)o->batch_size, o->byte_limit);
}

/* No reason to hold a partial batch open any longer. */
static bool send_now(const snowplow_emitter *em)
{
    return em->urgent > 0 || em->closing || em->opt->linger_ms == 0 || batch_ready(em);
}

static void wait_idle(snowplow_emitter *em)
{
    em->idle_waiters++;
    pthread_cond_wait(&em->cv_work, &em->lock);
    em->idle_waiters--;
}

/* Hold the partial batch open until it fills, a flush or close asks for it, or
 * linger_ms pass. One thread lingers at a time; the others stay idle. */
static void linger(snowplow_emitter *em)
{
    em->lingerer = true;
    struct timespec deadline = sp_deadline_after_ms(em->opt->linger_ms);
    int rc = 0;
    while (rc != ETIMEDOUT && !em->stop && em->queue.count > 0 && !send_now(em))
        rc = pthread_cond_timedwait(&em->cv_fill, &em->lock, &deadline);
    em->lingerer = false;
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
        if (em->queue.count == 0 || (em->lingerer && !send_now(em))) {
            wait_idle(em);
            continue;
        }
        if (send_now(em))
            break;
        linger(em);
        if (em->queue.count > 0 && !em->stop)
            break;
    }
    *batch = sp_queue_pop_batch(&em->queue, o->method, (size_t)o->batch_size, o->byte_limit);
    w->inflight_min = batch->head->seq; /* the queue is in seq order */
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

static void send_batch(sp_worker *w, void *conn, sp_record_list *batch)
{
    snowplow_emitter *em = w->em;
    sp_http_response resp = {0};
    sp_http_request req;
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
        sp_emitter_report(em, batch, SNOWPLOW_RESULT_FAILED, 0, SP_REASON_CLOSED,
                          SNOWPLOW_COUNTER_FAILED);
    } else if (resp.status >= 200 && resp.status <= 399) {
        sp_emitter_report(em, batch, SNOWPLOW_RESULT_SENT, resp.status, "",
                          SNOWPLOW_COUNTER_SENT);
    } else if (resp.status > 0) {
        char reason[32];
        snprintf(reason, sizeof reason, "HTTP %d", resp.status);
        sp_emitter_report(em, batch, SNOWPLOW_RESULT_FAILED, resp.status, reason,
                          SNOWPLOW_COUNTER_FAILED);
    } else {
        sp_emitter_report(em, batch, SNOWPLOW_RESULT_FAILED, 0,
                          resp.reason[0] ? resp.reason : "request failed",
                          SNOWPLOW_COUNTER_FAILED);
    }
}

/* The batch's callbacks have returned: it is no longer outstanding. */
static void complete_batch(sp_worker *w, sp_record_list *batch)
{
    snowplow_emitter *em = w->em;
    pthread_mutex_lock(&em->lock);
    w->inflight_min = SP_NO_SEQ;
    sp_counter_sub(em, SNOWPLOW_COUNTER_IN_FLIGHT, batch->count);
    if (em->done_waiters > 0)
        pthread_cond_broadcast(&em->cv_done);
    pthread_mutex_unlock(&em->lock);
    sp_record_list_free(batch);
}

void *sp_worker_main(void *arg)
{
    sp_worker *w = arg;
    snowplow_emitter *em = w->em;
    const snowplow_emitter_options *o = em->opt;
    sp_transport_config cfg = {o->connect_timeout_ms, o->request_timeout_ms, &em->abort_flag};
    void *conn = o->transport.open(o->transport.ctx, &cfg);

    sp_record_list batch;
    while (take_batch(w, &batch)) {
        send_batch(w, conn, &batch);
        complete_batch(w, &batch);
    }
    o->transport.close(conn);
    sp_strbuf_free(&w->request);
    return NULL;
}
