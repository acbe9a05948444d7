/* Records handed back by sending threads are reused by track(), by size class. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "emitter/emitter_record_pool.h"

static sp_record_list list_of(sp_record **records, size_t n)
{
    sp_record_list list = {0};
    for (size_t i = 0; i < n; i++)
        sp_record_list_append(&list, records[i]);
    return list;
}

static void test_size_classes(void **state)
{
    (void)state;
    assert_int_equal(sp_record_size_class(0), 1 + (sizeof(sp_record) / SP_RECORD_CLASS_BYTES));
    size_t biggest = SP_RECORD_CLASSES * SP_RECORD_CLASS_BYTES - sizeof(sp_record) - 1;
    assert_int_equal(sp_record_size_class(biggest), SP_RECORD_CLASSES);
    assert_int_equal(sp_record_size_class(biggest + 1), 0);
    assert_int_equal(sp_record_size_class(SIZE_MAX - 10), 0);
    /* Every text fits the allocation of its class. */
    for (size_t len = 0; len <= biggest; len += 7) {
        unsigned k = sp_record_size_class(len);
        assert_true(k >= 1 && k <= SP_RECORD_CLASSES);
        assert_true(sizeof(sp_record) + len + 1 <= (size_t)k * SP_RECORD_CLASS_BYTES);
        sp_record *r = sp_record_alloc(len);
        assert_non_null(r);
        assert_int_equal(r->size_class, k);
        memset(r->text, 'x', len + 1); /* ASan checks the room */
        sp_record_free(r);
    }
}

static void test_given_records_are_reused_by_class(void **state)
{
    (void)state;
    sp_record_pool pool;
    assert_int_equal(sp_record_pool_init(&pool), 0);
    sp_record *small = sp_record_pool_take(&pool, 10);
    sp_record *large = sp_record_pool_take(&pool, 1500);
    sp_record *huge = sp_record_pool_take(&pool, 100000); /* beyond the classes */
    assert_non_null(small);
    assert_non_null(large);
    assert_non_null(huge);
    assert_int_equal(huge->size_class, 0);
    small->attempts = 3;
    small->last_stm = 42;
    sp_record *all[3] = {small, large, huge};
    sp_record_list list = list_of(all, 3);
    sp_record_pool_give(&pool, &list);
    assert_null(list.head);
    assert_int_equal(list.count, 0);
    assert_int_equal(pool.count, 2); /* the huge one was freed */

    /* Same class: the very same memory, cleared. */
    sp_record *again = sp_record_pool_take(&pool, 12);
    assert_ptr_equal(again, small);
    assert_int_equal(again->attempts, 0);
    assert_int_equal(again->last_stm, 0);
    assert_int_equal(again->size_class, sp_record_size_class(12));
    /* Another class: a new record, the large one stays pooled. */
    sp_record *other = sp_record_pool_take(&pool, 600);
    assert_true(other != large);
    assert_int_equal(pool.count, 1);
    sp_record_free(again);
    sp_record_free(other);
    sp_record_pool_destroy(&pool); /* frees the large one (leak checkers see it) */
}

static void test_pool_is_bounded(void **state)
{
    (void)state;
    sp_record_pool pool;
    assert_int_equal(sp_record_pool_init(&pool), 0);
    /* Bounded by bytes: small records fit by the thousands, half and one more
     * of what fits go in once, then a second such batch is freed. */
    size_t each = sp_record_size_class(100) * SP_RECORD_CLASS_BYTES;
    size_t fit = SP_RECORD_POOL_MAX_BYTES / each;
    assert_true(fit > 4096);
    for (int round = 0; round < 3; round++) {
        sp_record_list list = {0};
        for (size_t i = 0; i < fit / 2 + 1; i++)
            sp_record_list_append(&list, sp_record_alloc(100));
        sp_record_pool_give(&pool, &list);
        assert_true(pool.bytes <= SP_RECORD_POOL_MAX_BYTES);
    }
    assert_int_equal(pool.count, fit / 2 + 1);
    assert_int_equal(pool.bytes, (fit / 2 + 1) * each);
    sp_record_pool_destroy(&pool);
}

/* A sending thread gives batches back while a tracking thread takes: run under
 * TSan and ASan, every record is used by one thread at a time. */
typedef struct exchange {
    sp_record_pool pool;
    pthread_mutex_t lock;
    sp_record_list handed; /* taken by the tracker, waiting for the sender */
    int done;
} exchange;

static void *sender(void *arg)
{
    exchange *x = arg;
    for (;;) {
        pthread_mutex_lock(&x->lock);
        sp_record_list batch = x->handed;
        x->handed = (sp_record_list){0};
        int done = x->done;
        pthread_mutex_unlock(&x->lock);
        for (sp_record *r = batch.head; r; r = r->next)
            assert_int_equal(r->text[0], 'e');
        sp_record_pool_give(&x->pool, &batch);
        if (done) /* read with the last batch: nothing more comes */
            break;
    }
    return NULL;
}

static void test_two_threads(void **state)
{
    (void)state;
    exchange x = {.done = 0};
    assert_int_equal(sp_record_pool_init(&x.pool), 0);
    pthread_mutex_init(&x.lock, NULL);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, sender, &x), 0);
    for (int i = 0; i < 20000; i++) {
        size_t len = 50 + (size_t)(i % 3) * 300;
        sp_record *r = sp_record_pool_take(&x.pool, len);
        assert_non_null(r);
        memset(r->text, 'e', len);
        r->text[len] = '\0';
        pthread_mutex_lock(&x.lock);
        sp_record_list_append(&x.handed, r);
        pthread_mutex_unlock(&x.lock);
    }
    pthread_mutex_lock(&x.lock);
    x.done = 1;
    pthread_mutex_unlock(&x.lock);
    pthread_join(t, NULL);
    sp_record_list rest = x.handed;
    sp_record_list_free(&rest);
    pthread_mutex_destroy(&x.lock);
    sp_record_pool_destroy(&x.pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_size_classes),
        cmocka_unit_test(test_given_records_are_reused_by_class),
        cmocka_unit_test(test_pool_is_bounded),
        cmocka_unit_test(test_two_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
