/*
 * The single place where delivery results are produced: counters, the direct
 * C callback (on the calling thread), then the result queue for the bindings.
 */
#include "emitter/emitter_impl.h"
#include "emitter/emitter_report.h"
#include "emitter/result_internal.h"

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

/* What a result's texts are written from. */
typedef struct result_source {
    const snowplow_emitter *em;
    const sp_record_list *records;
} result_source;

/* Add every event's text. An event whose text cannot be built is left out
 * rather than losing the whole report. POST texts are joined from the records
 * straight into the result: one copy per event. */
static void fill_result(snowplow_result *result, void *ctx)
{
    const result_source *src = ctx;
    const sp_record_list *records = src->records;
    int post = src->em->opt->method == SNOWPLOW_METHOD_POST;
    if (post) { /* a failure here only means more allocations below */
        size_t bytes = 0;
        for (const sp_record *r = records->head; r; r = r->next)
            bytes += r->text_len + SP_POST_STM_BYTES + sizeof r->eid + 1;
        (void)sp_result_reserve(result, records->count, bytes);
    }
    sp_strbuf json = SP_STRBUF_INIT;
    for (const sp_record *r = records->head; r; r = r->next) {
        if (post) {
            sp_text_piece pieces[SP_RECORD_PIECES_MAX];
            char digits[24];
            size_t n = sp_record_post_pieces(r, pieces, digits);
            (void)sp_result_add_event_pieces(result, pieces, n, r->eid);
        } else {
            sp_strbuf_reset(&json);
            if (sp_record_event_json(r, src->em->opt->method, &json) == 0 && json.data)
                (void)sp_result_add_event(result, json.data, json.len, r->eid);
        }
    }
    sp_strbuf_free(&json);
}

/*
 * The result; NULL on ENOMEM. Lent only to a C callback (no result queue),
 * it is lazy: the texts are written if the callback reads one, so a callback
 * that only counts costs no copy; `src` must then outlive the callback. A
 * result for the queue outlives the records: its texts are written now.
 */
static snowplow_result *build_result(const snowplow_emitter *em, result_source *src,
                                     snowplow_result_kind kind, int status, const char *reason,
                                     int will_retry, int with_events)
{
    size_t count = src->records->count;
    snowplow_result *result = sp_result_new(kind, status, reason, will_retry,
                                            kind == SNOWPLOW_RESULT_SENT ? count : 0);
    if (!result || !with_events)
        return result; /* a success for a queue that only counts: no texts */
    if (!em->results && sp_result_set_lazy(result, count, fill_result, src) == 0)
        return result;
    fill_result(result, src);
    if (kind == SNOWPLOW_RESULT_SENT)
        sp_result_set_success_count(result, snowplow_result_event_count(result));
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
    result_source src = {em, records}; /* alive until the result is freed or queued */
    int with_events = kind != SNOWPLOW_RESULT_SENT || cb || o->queue_sent_events;
    snowplow_result *result = build_result(em, &src, kind, status, reason, will_retry, with_events);
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
