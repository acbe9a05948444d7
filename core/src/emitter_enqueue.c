/* The tracker's side: checking events against the byte limit and queueing them. */
#include "emitter_impl.h"
#include "emitter_internal.h"
#include "error.h"

static int check_args(snowplow_emitter *em, const char *fn, sp_payload *const *payloads,
                      size_t n)
{
    if (!em)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: emitter: NULL", fn);
    if (n > 0 && !payloads)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: payloads: NULL", fn);
    for (size_t i = 0; i < n; i++)
        if (!payloads[i])
            return sp_error_set(SNOWPLOW_EINVAL, "%s: payload %zu: NULL", fn, i);
    if (atomic_load(&em->closing_flag))
        return sp_error_set(SNOWPLOW_ECLOSED, "%s: emitter: closed", fn);
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

int sp_emitter_check(snowplow_emitter *em, const char *fn, sp_payload *const *payloads,
                     size_t n)
{
    int rc = check_args(em, fn, payloads, n);
    sp_strbuf scratch = SP_STRBUF_INIT;
    for (size_t i = 0; i < n && rc == 0; i++) {
        size_t wire_size;
        if (sp_record_measure(payloads[i], em->opt->method, &scratch, &wire_size) < 0)
            rc = sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
        else
            rc = too_big(em, fn, wire_size);
    }
    sp_strbuf_free(&scratch);
    return rc;
}

static void free_borrowed(sp_record_list *list)
{
    sp_record *r = list->head;
    while (r) {
        sp_record *next = r->next;
        sp_record_free_borrowed(r);
        r = next;
    }
    *list = (sp_record_list){0};
}

/* Encode every payload; the records borrow the payloads until queued. */
static int make_records(snowplow_emitter *em, const char *fn, sp_payload **payloads, size_t n,
                        sp_record_list *out)
{
    *out = (sp_record_list){0};
    for (size_t i = 0; i < n; i++) {
        sp_record *r = sp_record_new(payloads[i], em->opt->method);
        if (!r) {
            free_borrowed(out);
            return sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
        }
        sp_record_list_append(out, r);
        int rc = too_big(em, fn, r->wire_size);
        if (rc < 0) {
            free_borrowed(out);
            return rc;
        }
    }
    return 0;
}

/* Wake a sending thread for the new events (lock held). */
static void wake_senders(snowplow_emitter *em)
{
    const snowplow_emitter_options *o = em->opt;
    bool ready =
        sp_queue_batch_ready(&em->queue, o->method, (size_t)o->batch_size, o->byte_limit);
    if (em->lingerer && ready)
        pthread_cond_signal(&em->cv_fill);
    if (em->idle_waiters > 0 && (!em->lingerer || ready))
        pthread_cond_signal(&em->cv_work);
}

int sp_emitter_enqueue(snowplow_emitter *em, const char *fn, sp_payload **payloads, size_t n)
{
    int rc = check_args(em, fn, (sp_payload *const *)payloads, n);
    if (rc < 0 || n == 0)
        return rc;
    sp_record_list records;
    rc = make_records(em, fn, payloads, n, &records);
    if (rc < 0)
        return rc;

    pthread_mutex_lock(&em->lock);
    if (em->closing) {
        pthread_mutex_unlock(&em->lock);
        free_borrowed(&records);
        return sp_error_set(SNOWPLOW_ECLOSED, "%s: emitter: closed", fn);
    }
    if (!sp_queue_has_room(&em->queue, n)) {
        size_t waiting = em->queue.count, capacity = em->queue.capacity;
        pthread_mutex_unlock(&em->lock);
        /* Reported while the caller still owns the payloads (GET records point
         * to them); the caller keeps them, as on every error. Nothing reads the
         * emitter after the callback. */
        sp_emitter_report(em, &records, SNOWPLOW_RESULT_FAILED, 0, SP_REASON_FULL,
                          SNOWPLOW_COUNTER_DROPPED);
        free_borrowed(&records);
        return sp_error_set(SNOWPLOW_EFULL,
                            "%s: queue full (%zu events waiting, capacity %zu); %zu event(s) "
                            "dropped",
                            fn, waiting, capacity, n);
    }
    for (sp_record *r = records.head; r; r = r->next)
        r->seq = ++em->last_seq;
    sp_queue_push_back(&em->queue, &records);
    sp_counter_add(em, SNOWPLOW_COUNTER_TRACKED, n);
    sp_counter_add(em, SNOWPLOW_COUNTER_QUEUED, n);
    wake_senders(em);
    pthread_mutex_unlock(&em->lock);

    /* Queued: the emitter owns the payloads. A POST record kept only its JSON;
     * a GET record frees its payload with itself. */
    for (size_t i = 0; i < n; i++) {
        if (em->opt->method == SNOWPLOW_METHOD_POST)
            sp_payload_free(payloads[i]);
        payloads[i] = NULL;
    }
    return 0;
}
