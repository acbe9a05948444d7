/* sp_array_grow: room for one more element, doubling, overflow refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "util/array.h"

static void test_grows_by_doubling_and_keeps_elements(void **state)
{
    (void)state;
    int *v = NULL;
    size_t cap = 0, n = 0;
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(sp_array_grow(&v, &cap, n, sizeof *v, 4), 0);
        assert_true(n < cap);
        v[n++] = i;
    }
    assert_int_equal(cap, 1024); /* 4, 8, ..., 1024 */
    for (int i = 0; i < 1000; i++)
        assert_int_equal(v[i], i);
    size_t before = cap;
    assert_int_equal(sp_array_grow(&v, &cap, 10, sizeof *v, 4), 0); /* room already */
    assert_int_equal(cap, before);
    free(v);
}

static void test_overflow_is_refused_unchanged(void **state)
{
    (void)state;
    char *v = NULL;
    size_t cap = 0;
    assert_int_equal(sp_array_grow(&v, &cap, 0, SIZE_MAX / 2, 4), SNOWPLOW_ENOMEM);
    assert_null(v);
    assert_int_equal(cap, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grows_by_doubling_and_keeps_elements),
        cmocka_unit_test(test_overflow_is_refused_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
