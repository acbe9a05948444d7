/* relay_claims: what settling the window's head means for the claimed lists,
 * checked against a model of the lists' lengths over random reads and settles. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "relay_claims.h"

static void test_key(void **state)
{
    (void)state;
    char key[64];
    relay_claim_key(key, sizeof key, "ev:processing:r1:", 42);
    assert_string_equal(key, "ev:processing:r1:42");
}

/* Two claims, the second partly read: settling spans a whole claim and a trim. */
static void test_plan_whole_then_trim(void **state)
{
    (void)state;
    relay_claims c;
    assert_int_equal(relay_claims_init(&c, 16), 0);
    assert_int_equal(relay_claims_push(&c, 500), 0);
    relay_claims_newest(&c)->read = 500;
    assert_int_equal(relay_claims_push(&c, 500), 0);
    relay_claims_newest(&c)->read = 300;
    assert_int_equal(relay_claims_unread(&c), 200);
    size_t deleted, trim;
    relay_claims_plan(&c, 600, &deleted, &trim);
    assert_int_equal(deleted, 1);
    assert_int_equal(trim, 100);
    relay_claims_settled(&c, deleted, trim);
    assert_int_equal(relay_claims_count(&c), 1);
    assert_int_equal(relay_claims_at(&c, 0)->number, 1);
    assert_int_equal(relay_claims_at(&c, 0)->removed, 100);
    /* Everything read settled, the rest unread: trimmed, not deleted. */
    relay_claims_plan(&c, 200, &deleted, &trim);
    assert_int_equal(deleted, 0);
    assert_int_equal(trim, 200);
    relay_claims_settled(&c, deleted, trim);
    relay_claims_newest(&c)->read = 500;
    relay_claims_plan(&c, 200, &deleted, &trim);
    assert_int_equal(deleted, 1);
    assert_int_equal(trim, 0);
    relay_claims_settled(&c, deleted, trim);
    assert_int_equal(relay_claims_count(&c), 0);
    assert_int_equal(c.next_number, 2);
    relay_claims_free(&c);
}

/* The model: each claimed list's length in Redis, and the window's items in
 * order, each remembering its claim. Random claims, reads and settles; after
 * each settle the lists' lengths must equal total - removed. */
static void test_against_model(void **state)
{
    (void)state;
    enum { WINDOW = 64, ROUNDS = 200000 };
    relay_claims c;
    assert_int_equal(relay_claims_init(&c, WINDOW), 0);
    static size_t length[1 << 20]; /* by claim number */
    size_t window = 0;             /* items read, not yet settled */
    srand(7);
    for (int round = 0; round < ROUNDS; round++) {
        int what = rand() % 3;
        if (what == 0 && relay_claims_unread(&c) == 0 && window < WINDOW) {
            size_t total = 1 + (size_t)(rand() % 40);
            uint64_t number = c.next_number;
            assert_int_equal(relay_claims_push(&c, total), 0);
            length[number] = total;
        } else if (what == 1 && relay_claims_unread(&c) > 0 && window < WINDOW) {
            size_t room = WINDOW - window, n = 1 + (size_t)(rand() % 20);
            if (n > room)
                n = room;
            if (n > relay_claims_unread(&c))
                n = relay_claims_unread(&c);
            relay_claims_newest(&c)->read += n;
            window += n;
        } else if (what == 2 && window > 0) {
            size_t n = 1 + (size_t)(rand() % window), deleted, trim;
            relay_claims_plan(&c, n, &deleted, &trim);
            /* What Redis does: DEL the first `deleted`, trim the next. */
            size_t gone = 0;
            for (size_t i = 0; i < deleted; i++) {
                const relay_claim *k = relay_claims_at(&c, i);
                gone += length[k->number];
                assert_int_equal(k->read, k->total); /* all read before deleted */
                length[k->number] = 0;
            }
            if (trim) {
                const relay_claim *k = relay_claims_at(&c, deleted);
                assert_true(length[k->number] >= trim);
                length[k->number] -= trim;
                gone += trim;
            }
            assert_int_equal(gone, n); /* exactly the settled items leave Redis */
            relay_claims_settled(&c, deleted, trim);
            window -= n;
            for (size_t i = 0; i < relay_claims_count(&c); i++) {
                const relay_claim *k = relay_claims_at(&c, i);
                assert_int_equal(length[k->number], k->total - k->removed);
            }
        }
    }
    relay_claims_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key),
        cmocka_unit_test(test_plan_whole_then_trim),
        cmocka_unit_test(test_against_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
