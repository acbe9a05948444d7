/*
 * The single place where delivery results are produced: counters, the direct
 * C callback (on the calling thread), then the result queue for the bindings.
 */
#include "emitter_impl.h"
#include "result_internal.h"

/* The emitter whose callback the calling thread is running, so that flush and
 * close called from that callback refuse instead of deadlocking. */
static _Thread_local const snowplow_emitter *current_callback_emitter;

bool sp_emitter_in_callback(const snowplow_emitter *em)
{
    return current_callback_emitter == em;
}

bool sp_emitter_in_any_callback(void)
{
    return current_callback_emitter != NULL;
}

/* Build the result; NULL on ENOMEM. An event whose text cannot be built is
 * left out rather than losing the whole report. POST texts are joined from
 * the records straight into the result: one copy per event. */
static snowplow_result *build_result(const snowplow_emitter *em, const sp_record_list *records,
                                     snowplow_result_kind kind, int status, const char *reason,
                                     int will_retry)
{
    snowplow_result *result = sp_result_new(kind, status, reason, will_retry, 0);
    if (!result)
        return NULL;
    int post = em->opt->method == SNOWPLOW_METHOD_POST;
    if (post) { /* a failure here only means more allocations below */
        size_t bytes = 0;
        for (const sp_record *r = records->head; r; r = r->next)
            bytes += r->text_len + SP_POST_STM_BYTES + sizeof r->eid + 1;
        (void)sp_result_reserve(result, records->count, bytes);
    }
    sp_strbuf json = SP_STRBUF_INIT;
    size_t added = 0;
    for (const sp_record *r = records->head; r; r = r->next) {
        int rc;
        if (post) {
            sp_text_piece pieces[SP_RECORD_PIECES_MAX];
            char digits[24];
            size_t n = sp_record_post_pieces(r, pieces, digits);
            rc = sp_result_add_event_pieces(result, pieces, n, r->eid);
        } else {
            sp_strbuf_reset(&json);
            rc = sp_record_event_json(r, em->opt->method, &json);
            if (rc == 0)
                rc = json.data ? sp_result_add_event(result, json.data, json.len, r->eid) : -1;
        }
        if (rc == 0)
            added++;
    }
    sp_strbuf_free(&json);
    if (kind == SNOWPLOW_RESULT_SENT)
        sp_result_set_success_count(result, added);
    return result;
}

void sp_emitter_report(snowplow_emitter *em, const sp_record_list *records,
                       snowplow_result_kind kind, int status, const char *reason,
                       int will_retry, snowplow_counter counter)
{
    if (records->count == 0)
        return;
    /* Counted before the callback runs, so a callback (or a flush that its
     * return releases) sees counters that include these events. */
    sp_counter_add(em, counter, records->count);
    if (atomic_load(&em->exiting))
        return; /* at process exit nothing may call into the application */

    const snowplow_emitter_options *o = em->opt;
    snowplow_result_cb cb = kind == SNOWPLOW_RESULT_SENT ? o->on_success : o->on_failure;
    void *payload = kind == SNOWPLOW_RESULT_SENT ? o->on_success_payload : o->on_failure_payload;
    if (!cb && !em->results)
        return;
    snowplow_result *result = build_result(em, records, kind, status, reason, will_retry);
    if (!result) {
        if (em->results)
            sp_counter_add(em, SNOWPLOW_COUNTER_RESULTS_DROPPED, 1);
        return;
    }
    if (cb) {
        const snowplow_emitter *outer = current_callback_emitter;
        current_callback_emitter = em;
        cb(result, payload);
        current_callback_emitter = outer;
    }
    /* The callback only borrowed it: the queue takes this very result. */
    if (em->results && sp_result_queue_push(em->results, result)) {
        sp_counter_add(em, SNOWPLOW_COUNTER_RESULTS, 1);
        return;
    }
    if (em->results)
        sp_counter_add(em, SNOWPLOW_COUNTER_RESULTS_DROPPED, 1);
    snowplow_result_free(result);
}
