/*
 * The emitter's queue: sequence order, fresh and retry lists, due times, the
 * oldest record, batch cutting; and records (GET results decoded back to JSON).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "emitter/emitter_queue.h"
#include "event/payload.h"
#include "snowplow.h"

static sp_record *rec(uint64_t seq, size_t text_len)
{
    char text[256];
    memset(text, 'x', sizeof text);
    assert_true(text_len <= sizeof text);
    sp_record *r = sp_record_from_text(text, text_len, "eid", SNOWPLOW_METHOD_POST);
    assert_non_null(r);
    r->seq = seq;
    return r;
}

static void push_fresh_seqs(sp_queue *q, uint64_t from, uint64_t to)
{
    sp_record_list l = {0};
    for (uint64_t s = from; s <= to; s++)
        sp_record_list_append(&l, rec(s, 10));
    sp_queue_push_fresh(q, &l);
}

/* The seqs of a chain, e.g. "1,2,3". */
static const char *seqs(const sp_record_list *l)
{
    static char out[512];
    out[0] = '\0';
    for (const sp_record *r = l->head; r; r = r->next) {
        char one[24];
        snprintf(one, sizeof one, "%s%llu", r == l->head ? "" : ",", (unsigned long long)r->seq);
        strcat(out, one);
    }
    return out;
}

static void free_queue(sp_queue *q)
{
    sp_record_list rest = sp_queue_take_all(q);
    sp_record_list_free(&rest);
}

static void test_fresh_fifo_and_batches(void **state)
{
    (void)state;
    sp_queue q;
    sp_queue_init(&q);
    assert_int_equal(sp_queue_min_seq(&q), UINT64_MAX);
    push_fresh_seqs(&q, 1, 7);
    assert_int_equal(q.count, 7);
    assert_int_equal(q.fresh_count, 7);
    assert_int_equal(sp_queue_min_seq(&q), 1);
    assert_true(sp_queue_batch_ready(&q, SNOWPLOW_METHOD_POST, 5, 100000));
    assert_false(sp_queue_batch_ready(&q, SNOWPLOW_METHOD_POST, 8, 100000));
    assert_true(sp_queue_batch_ready(&q, SNOWPLOW_METHOD_GET, 8, 100000));

    uint64_t min = 0;
    sp_record_list b = sp_queue_pop_batch(&q, SNOWPLOW_METHOD_POST, 3, 100000, 0, &min);
    assert_string_equal(seqs(&b), "1,2,3");
    assert_int_equal(min, 1);
    sp_record_list_free(&b);
    b = sp_queue_pop_batch(&q, SNOWPLOW_METHOD_GET, 3, 100000, 0, &min);
    assert_string_equal(seqs(&b), "4");
    sp_record_list_free(&b);
    assert_int_equal(q.count, 3);
    assert_int_equal(q.bytes, 3 * (10 + SP_POST_STM_BYTES));
    free_queue(&q);
}

/* Byte limit: the envelope, each event and the commas count. */
static void test_batch_cut_by_bytes(void **state)
{
    (void)state;
    sp_queue q;
    sp_queue_init(&q);
    push_fresh_seqs(&q, 1, 5);
    size_t wire = 10 + SP_POST_STM_BYTES;
    size_t limit = SP_POST_ENVELOPE_BYTES + 2 * wire + 1; /* exactly two events */
    assert_true(sp_queue_batch_ready(&q, SNOWPLOW_METHOD_POST, 100, limit));
    sp_record_list b = sp_queue_pop_batch(&q, SNOWPLOW_METHOD_POST, 100, limit, 0, NULL);
    assert_string_equal(seqs(&b), "1,2");
    sp_record_list_free(&b);
    /* A limit below one event still yields one (the emitter refuses such
     * events up front; the queue never gets stuck). */
    b = sp_queue_pop_batch(&q, SNOWPLOW_METHOD_POST, 100, 1, 0, NULL);
    assert_string_equal(seqs(&b), "3");
    sp_record_list_free(&b);
    free_queue(&q);
}

/* Failed records wait for their time; due ones go first, in due order; the
 * oldest by seq stays the head whatever the order they came back in. */
static void test_retry_waits_and_keeps_sequence_order(void **state)
{
    (void)state;
    sp_queue q;
    sp_queue_init(&q);
    push_fresh_seqs(&q, 1, 6);
    sp_record_list a = sp_queue_pop_batch(&q, SNOWPLOW_METHOD_POST, 2, 100000, 0, NULL); /* 1,2 */
    sp_record_list b = sp_queue_pop_batch(&q, SNOWPLOW_METHOD_POST, 2, 100000, 0, NULL); /* 3,4 */
    assert_int_equal(sp_queue_min_seq(&q), 5);

    /* The later batch fails first and comes back first, due at 2000. */
    for (sp_record *r = b.head; r; r = r->next)
        r->not_before = 2000;
    sp_queue_push_retry(&q, &b);
    assert_int_equal(sp_queue_min_seq(&q), 3);
    /* Then the older one, due earlier (1000), listed in reverse. */
    sp_record_list a_rev = {0};
    sp_record *second = a.head->next;
    sp_record_list_append(&a_rev, second);
    sp_record_list_append(&a_rev, a.head);
    for (sp_record *r = a_rev.head; r; r = r->next)
        r->not_before = 1000;
    sp_queue_push_retry(&q, &a_rev);
    assert_int_equal(sp_queue_min_seq(&q), 1);
    assert_int_equal(q.count, 6);
    assert_int_equal(q.fresh_count, 2);
    assert_int_equal(sp_queue_next_retry(&q), 1000);

    /* Nothing due at 500: fresh records only, retries stay. */
    assert_false(sp_queue_retry_due(&q, 500));
    sp_record_list c = sp_queue_pop_batch(&q, SNOWPLOW_METHOD_POST, 10, 100000, 500, NULL);
    assert_string_equal(seqs(&c), "5,6");
    sp_record_list_free(&c);
    c = sp_queue_pop_batch(&q, SNOWPLOW_METHOD_POST, 10, 100000, 500, NULL);
    assert_int_equal(c.count, 0);

    /* At 1500 the first pair is due, at 2500 the second as well. */
    assert_true(sp_queue_retry_due(&q, 1500));
    uint64_t min = 0;
    c = sp_queue_pop_batch(&q, SNOWPLOW_METHOD_POST, 10, 100000, 1500, &min);
    assert_int_equal(c.count, 2);
    assert_int_equal(min, 1);
    sp_record_list_free(&c);
    assert_int_equal(sp_queue_next_retry(&q), 2000);
    c = sp_queue_pop_batch(&q, SNOWPLOW_METHOD_POST, 10, 100000, 2500, &min);
    assert_string_equal(seqs(&c), "3,4");
    sp_record_list_free(&c);
    assert_int_equal(q.count, 0);
    assert_int_equal(q.bytes, 0);
    assert_int_equal(sp_queue_next_retry(&q), INT64_MAX);
}

/* Due retries come before fresh records in a batch. */
static void test_due_retries_first(void **state)
{
    (void)state;
    sp_queue q;
    sp_queue_init(&q);
    push_fresh_seqs(&q, 1, 2);
    sp_record_list a = sp_queue_pop_batch(&q, SNOWPLOW_METHOD_POST, 1, 100000, 0, NULL);
    push_fresh_seqs(&q, 3, 3);
    a.head->not_before = 100;
    sp_queue_push_retry(&q, &a);
    sp_record_list b = sp_queue_pop_batch(&q, SNOWPLOW_METHOD_POST, 10, 100000, 100, NULL);
    assert_string_equal(seqs(&b), "1,2,3");
    sp_record_list_free(&b);
}

/* pop_oldest takes the lowest seq, fresh or waiting; take_all keeps seq order. */
static void test_oldest_and_take_all(void **state)
{
    (void)state;
    sp_queue q;
    sp_queue_init(&q);
    push_fresh_seqs(&q, 1, 4);
    sp_record_list a = sp_queue_pop_batch(&q, SNOWPLOW_METHOD_POST, 2, 100000, 0, NULL);
    for (sp_record *r = a.head; r; r = r->next)
        r->not_before = 5000;
    sp_queue_push_retry(&q, &a);
    push_fresh_seqs(&q, 5, 5);
    sp_record *old = sp_queue_pop_oldest(&q);
    assert_int_equal(old->seq, 1);
    sp_record_free(old);
    assert_int_equal(q.count, 4);
    sp_record_list all = sp_queue_take_all(&q);
    assert_string_equal(seqs(&all), "2,3,4,5");
    assert_int_equal(q.count, 0);
    assert_int_equal(q.fresh_count, 0);
    assert_null(q.retry.head);
    sp_record_list_free(&all);
    assert_null(sp_queue_pop_oldest(&q));
}

/* A GET record's result JSON is its query decoded back, with the last stm. */
static void test_get_record_json(void **state)
{
    (void)state;
    sp_payload *p = sp_payload_new();
    assert_int_equal(sp_payload_add(p, "e", "se"), 0);
    assert_int_equal(sp_payload_add(p, "eid", "0f9e1c55-6b7c-4d53-9a33-1b3f3ac2fe01"), 0);
    assert_int_equal(sp_payload_add(p, "se_la", "a b&c=d%\xc3\xa9\"\\"), 0);
    sp_record *r = sp_record_new(p, SNOWPLOW_METHOD_GET);
    assert_non_null(r);
    assert_string_equal(r->eid, "0f9e1c55-6b7c-4d53-9a33-1b3f3ac2fe01");
    sp_strbuf json = SP_STRBUF_INIT, expected = SP_STRBUF_INIT;
    assert_int_equal(sp_record_event_json(r, SNOWPLOW_METHOD_GET, &json), 0);
    assert_int_equal(sp_payload_to_json(p, &expected), 0);
    assert_string_equal(json.data, expected.data);
    r->last_stm = 1700000000123;
    sp_strbuf_reset(&json);
    assert_int_equal(sp_record_event_json(r, SNOWPLOW_METHOD_GET, &json), 0);
    assert_non_null(strstr(json.data, ",\"stm\":\"1700000000123\"}"));
    sp_record_free(r);

    r = sp_record_new(p, SNOWPLOW_METHOD_POST);
    sp_strbuf_reset(&json);
    assert_int_equal(sp_record_event_json(r, SNOWPLOW_METHOD_POST, &json), 0);
    assert_string_equal(json.data, expected.data);
    sp_record_free(r);
    sp_strbuf_free(&json);
    sp_strbuf_free(&expected);
    sp_payload_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fresh_fifo_and_batches),
        cmocka_unit_test(test_batch_cut_by_bytes),
        cmocka_unit_test(test_retry_waits_and_keeps_sequence_order),
        cmocka_unit_test(test_due_retries_first),
        cmocka_unit_test(test_oldest_and_take_all),
        cmocka_unit_test(test_get_record_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
