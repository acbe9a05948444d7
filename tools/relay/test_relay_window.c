/* relay_window: the eid hash (fingerprints, backward-shift deletion) against a
 * plain model, with duplicates, out-of-order marks and many wrap-arounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "relay_window.h"

static int released;

static void count_release(void *owner)
{
    (void)owner;
    released++;
}

static void make_eid(char out[37], unsigned n)
{
    /* Few distinct ids, so that duplicates are common. */
    snprintf(out, 37, "%08x-0000-4000-8000-%012x", n % 97, n % 97);
}

static void test_against_model(void **state)
{
    (void)state;
    enum { CAP = 64, ROUNDS = 20000 };
    relay_window w;
    assert_int_equal(relay_window_init(&w, CAP), 0);
    relay_holder *h = relay_holder_new(count_release, NULL);
    unsigned char model[ROUNDS * 2];
    char eids[ROUNDS * 2][37];
    uint64_t head = 0, tail = 0;
    srand(7);
    for (int round = 0; round < ROUNDS; round++) {
        int op = rand() % 3;
        if (op == 0 && relay_window_count(&w) < CAP) {
            uint64_t seq = relay_window_push(&w, "x", 1, h);
            assert_int_equal(seq, tail);
            make_eid(eids[seq], (unsigned)rand());
            relay_window_set_eid(&w, seq, eids[seq]);
            model[tail++] = RELAY_PENDING;
        } else if (op == 1 && tail > head) {
            /* Mark the oldest pending entry with a random live entry's eid. */
            uint64_t pick = head + (uint64_t)rand() % (tail - head);
            uint64_t expect = UINT64_MAX;
            for (uint64_t s = head; s < tail; s++)
                if (model[s] == RELAY_PENDING && strcmp(eids[s], eids[pick]) == 0) {
                    expect = s;
                    break;
                }
            int found = relay_window_mark(&w, eids[pick], RELAY_SENT);
            assert_int_equal(found, expect != UINT64_MAX);
            if (found)
                model[expect] = RELAY_SENT;
        } else if (op == 2) {
            size_t n = relay_window_settled_prefix(&w);
            size_t want = 0;
            while (head + want < tail && model[head + want] != RELAY_PENDING)
                want++;
            assert_int_equal(n, want);
            relay_window_drop_head(&w, n);
            head += n;
        }
        assert_int_equal(relay_window_count(&w), tail - head);
        if (tail >= ROUNDS * 2 - 1)
            break;
    }
    relay_window_free(&w);
    assert_int_equal(released, 0); /* our own reference keeps it */
    relay_holder_done(h);
    assert_int_equal(released, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_against_model)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
