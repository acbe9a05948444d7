/* Delivery results: accessors, copy and free. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "emitter/result_internal.h"
#include "snowplow.h"

static const char EV1[] = "{\"e\":\"se\",\"eid\":\"11111111-1111-4111-8111-111111111111\"}";
static const char EID1[] = "11111111-1111-4111-8111-111111111111";
static const char EV2[] = "{\"e\":\"pv\",\"eid\":\"22222222-2222-4222-8222-222222222222\"}";
static const char EID2[] = "22222222-2222-4222-8222-222222222222";

static snowplow_result *failed_pair(void)
{
    snowplow_result *r = sp_result_new(SNOWPLOW_RESULT_FAILED, 500, "HTTP 500", 1, 3);
    assert_non_null(r);
    assert_int_equal(sp_result_add_event(r, EV1, strlen(EV1), EID1), 0);
    assert_int_equal(sp_result_add_event(r, EV2, strlen(EV2), EID2), 0);
    return r;
}

static void test_accessors(void **state)
{
    (void)state;
    snowplow_result *r = failed_pair();
    assert_int_equal(snowplow_result_get_kind(r), SNOWPLOW_RESULT_FAILED);
    assert_int_equal(snowplow_result_event_count(r), 2);
    assert_string_equal(snowplow_result_event_json(r, 0), EV1);
    assert_string_equal(snowplow_result_event_json(r, 1), EV2);
    assert_string_equal(snowplow_result_event_id(r, 0), EID1);
    assert_string_equal(snowplow_result_event_id(r, 1), EID2);
    assert_null(snowplow_result_event_json(r, 2));
    assert_null(snowplow_result_event_id(r, 2));
    assert_null(snowplow_result_event_json(r, SIZE_MAX));
    assert_int_equal(snowplow_result_status(r), 500);
    assert_string_equal(snowplow_result_reason(r), "HTTP 500");
    assert_int_equal(snowplow_result_will_retry(r), 1);
    assert_int_equal(snowplow_result_success_count(r), 3);
    snowplow_result_free(r);
}

/* Texts are copied in, and many events grow the storage without losing any. */
static void test_many_events_and_own_copies(void **state)
{
    (void)state;
    snowplow_result *r = sp_result_new(SNOWPLOW_RESULT_SENT, 200, NULL, 0, 0);
    assert_non_null(r);
    char json[64], eid[40];
    for (int i = 0; i < 1000; i++) {
        snprintf(json, sizeof json, "{\"n\":\"%d\"}", i);
        snprintf(eid, sizeof eid, "id-%d", i);
        assert_int_equal(sp_result_add_event(r, json, strlen(json), eid), 0);
    }
    memset(json, 'x', sizeof json); /* the result must not point into the caller's buffers */
    sp_result_set_success_count(r, 1000);
    assert_int_equal(snowplow_result_event_count(r), 1000);
    assert_string_equal(snowplow_result_event_json(r, 0), "{\"n\":\"0\"}");
    assert_string_equal(snowplow_result_event_json(r, 999), "{\"n\":\"999\"}");
    assert_string_equal(snowplow_result_event_id(r, 500), "id-500");
    assert_string_equal(snowplow_result_reason(r), "");
    assert_int_equal(snowplow_result_success_count(r), 1000);
    assert_int_equal(snowplow_result_will_retry(r), 0);
    snowplow_result_free(r);
}

/* The JSON length given is used as is: text after it is not taken. */
static void test_json_length_respected(void **state)
{
    (void)state;
    snowplow_result *r = sp_result_new(SNOWPLOW_RESULT_SENT, 204, "", 0, 0);
    const char text[] = "{\"a\":\"b\"}TRAILING";
    assert_int_equal(sp_result_add_event(r, text, 9, NULL), 0);
    assert_string_equal(snowplow_result_event_json(r, 0), "{\"a\":\"b\"}");
    assert_string_equal(snowplow_result_event_id(r, 0), "");
    snowplow_result_free(r);
}

static void test_copy_outlives_original(void **state)
{
    (void)state;
    snowplow_result *r = failed_pair();
    snowplow_result *c = NULL;
    assert_int_equal(snowplow_result_copy(&c, r), 0);
    assert_non_null(c);
    assert_ptr_not_equal(c, r);
    assert_ptr_not_equal(snowplow_result_event_json(c, 0), snowplow_result_event_json(r, 0));
    snowplow_result_free(r);

    assert_int_equal(snowplow_result_get_kind(c), SNOWPLOW_RESULT_FAILED);
    assert_int_equal(snowplow_result_event_count(c), 2);
    assert_string_equal(snowplow_result_event_json(c, 1), EV2);
    assert_string_equal(snowplow_result_event_id(c, 0), EID1);
    assert_int_equal(snowplow_result_status(c), 500);
    assert_string_equal(snowplow_result_reason(c), "HTTP 500");
    assert_int_equal(snowplow_result_will_retry(c), 1);
    assert_int_equal(snowplow_result_success_count(c), 3);

    /* A copy of a copy, and of a result with no events. */
    snowplow_result *cc = NULL;
    assert_int_equal(snowplow_result_copy(&cc, c), 0);
    snowplow_result_free(c);
    assert_string_equal(snowplow_result_event_json(cc, 0), EV1);
    snowplow_result_free(cc);

    snowplow_result *empty = sp_result_new(SNOWPLOW_RESULT_FAILED, 0, "queue full", 0, 0);
    assert_int_equal(snowplow_result_copy(&c, empty), 0);
    snowplow_result_free(empty);
    assert_int_equal(snowplow_result_event_count(c), 0);
    assert_null(snowplow_result_event_json(c, 0));
    assert_string_equal(snowplow_result_reason(c), "queue full");
    snowplow_result_free(c);
}

static void test_copy_errors(void **state)
{
    (void)state;
    snowplow_result *r = failed_pair();
    assert_int_equal(snowplow_result_copy(NULL, r), SNOWPLOW_EINVAL);
    assert_non_null(strstr(snowplow_error_last(), "snowplow_result_copy: out"));
    snowplow_result *c = (snowplow_result *)r;
    assert_int_equal(snowplow_result_copy(&c, NULL), SNOWPLOW_EINVAL);
    assert_null(c);
    assert_non_null(strstr(snowplow_error_last(), "snowplow_result_copy: result"));
    snowplow_result_free(r);
}

static void test_null_result(void **state)
{
    (void)state;
    assert_int_equal(snowplow_result_get_kind(NULL), 0);
    assert_int_equal(snowplow_result_event_count(NULL), 0);
    assert_null(snowplow_result_event_json(NULL, 0));
    assert_null(snowplow_result_event_id(NULL, 0));
    assert_int_equal(snowplow_result_status(NULL), 0);
    assert_null(snowplow_result_reason(NULL));
    assert_int_equal(snowplow_result_will_retry(NULL), 0);
    assert_int_equal(snowplow_result_success_count(NULL), 0);
    snowplow_result_free(NULL);
}

/* Events joined from pieces (how POST results are built from records with the
 * stm spliced in), after a reservation and beyond it. */
static void test_pieces_and_reserve(void **state)
{
    (void)state;
    snowplow_result *r = sp_result_new(SNOWPLOW_RESULT_SENT, 200, NULL, 0, 0);
    assert_non_null(r);
    assert_int_equal(sp_result_reserve(r, 2, 64), 0);
    sp_text_piece pieces[4] = {{"{\"e\":\"pv\"", 9}, {",\"stm\":\"", 8}, {"17", 2}, {"\"}", 2}};
    for (int i = 0; i < 50; i++) /* past the reservation: the buffers grow */
        assert_int_equal(sp_result_add_event_pieces(r, pieces, 4, i % 2 ? "id-1" : NULL), 0);
    assert_int_equal(sp_result_add_event_pieces(r, pieces, 0, "none"), 0);
    assert_int_equal(snowplow_result_event_count(r), 51);
    assert_string_equal(snowplow_result_event_json(r, 0), "{\"e\":\"pv\",\"stm\":\"17\"}");
    assert_string_equal(snowplow_result_event_id(r, 0), "");
    assert_string_equal(snowplow_result_event_json(r, 49), "{\"e\":\"pv\",\"stm\":\"17\"}");
    assert_string_equal(snowplow_result_event_id(r, 49), "id-1");
    assert_string_equal(snowplow_result_event_json(r, 50), "");
    assert_string_equal(snowplow_result_event_id(r, 50), "none");
    snowplow_result_free(r);
}

/* A lazy result writes its texts once, on the first read, whichever thread
 * reads first; counting events does not write them. */
typedef struct fill_counter {
    atomic_int calls;
} fill_counter;

static void fill_three(snowplow_result *r, void *ctx)
{
    fill_counter *c = ctx;
    atomic_fetch_add(&c->calls, 1);
    sp_result_add_event(r, "{\"e\":\"pv\"}", 10, "id-0");
    sp_result_add_event(r, "{\"e\":\"se\"}", 10, "id-1");
    sp_result_add_event(r, "{\"e\":\"ue\"}", 10, "id-2");
}

static void *read_texts(void *arg)
{
    const snowplow_result *r = arg;
    for (int i = 0; i < 1000; i++)
        assert_string_equal(snowplow_result_event_id(r, (size_t)i % 3),
                            i % 3 == 0 ? "id-0" : i % 3 == 1 ? "id-1" : "id-2");
    return NULL;
}

static void test_lazy_texts(void **state)
{
    (void)state;
    fill_counter c;
    atomic_init(&c.calls, 0);
    snowplow_result *r = sp_result_new(SNOWPLOW_RESULT_SENT, 200, NULL, 0, 3);
    assert_int_equal(sp_result_set_lazy(r, 3, fill_three, &c), 0);
    assert_int_equal(snowplow_result_event_count(r), 3);
    assert_int_equal(snowplow_result_success_count(r), 3);
    assert_int_equal(atomic_load(&c.calls), 0); /* counting writes nothing */

    pthread_t threads[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, read_texts, r), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(threads[i], NULL);
    assert_int_equal(atomic_load(&c.calls), 1);
    assert_string_equal(snowplow_result_event_json(r, 2), "{\"e\":\"ue\"}");
    assert_null(snowplow_result_event_json(r, 3));

    /* A copy of a lazy result that nobody read yet holds the texts itself. */
    fill_counter c2;
    atomic_init(&c2.calls, 0);
    snowplow_result *lazy = sp_result_new(SNOWPLOW_RESULT_FAILED, 500, "HTTP 500", 1, 0);
    assert_int_equal(sp_result_set_lazy(lazy, 3, fill_three, &c2), 0);
    snowplow_result *copy = NULL;
    assert_int_equal(snowplow_result_copy(&copy, lazy), 0);
    assert_int_equal(atomic_load(&c2.calls), 1);
    snowplow_result_free(lazy);
    assert_int_equal(snowplow_result_event_count(copy), 3);
    assert_string_equal(snowplow_result_event_json(copy, 1), "{\"e\":\"se\"}");
    assert_string_equal(snowplow_result_reason(copy), "HTTP 500");
    assert_int_equal(snowplow_result_will_retry(copy), 1);
    snowplow_result_free(copy);
    snowplow_result_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accessors),
        cmocka_unit_test(test_many_events_and_own_copies),
        cmocka_unit_test(test_json_length_respected),
        cmocka_unit_test(test_copy_outlives_original),
        cmocka_unit_test(test_copy_errors),
        cmocka_unit_test(test_null_result),
        cmocka_unit_test(test_pieces_and_reserve),
        cmocka_unit_test(test_lazy_texts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
