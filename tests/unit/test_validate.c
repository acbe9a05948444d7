/* Shape checks of protocol strings (schema URIs, platforms) and the clocks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <time.h>

#include "util/text.h"

static void test_schema_uri_accepted(void **state)
{
    (void)state;
    static const char *const good[] = {
        "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4",
        "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0",
        "iglu:com.snowplowanalytics.mobile/screen_view/jsonschema/1-0-0",
        "iglu:com.acme/event/jsonschema/10-20-300",
        "iglu:a/b/c/0-0-0",
        "iglu:com.my-company_x/my-event_1/json-schema_2/1-0-0",
        "iglu:.../-/_/1-2-3", /* the pattern's classes allow these */
        "iglu:COM.ACME/Event/JsonSchema/1-0-0",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (!sp_schema_uri_valid(good[i]))
            fail_msg("refused '%s'", good[i]);
}

static void test_schema_uri_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "iglu:",
        "com.acme/event/jsonschema/1-0-0",           /* no iglu: */
        "IGLU:com.acme/event/jsonschema/1-0-0",      /* prefix is lowercase */
        "iglu:/event/jsonschema/1-0-0",              /* empty vendor */
        "iglu:com.acme//jsonschema/1-0-0",           /* empty name */
        "iglu:com.acme/event//1-0-0",                /* empty format */
        "iglu:com.acme/event/jsonschema/",           /* no version */
        "iglu:com.acme/event/jsonschema/1-0",        /* two parts */
        "iglu:com.acme/event/jsonschema/1-0-0-0",    /* four parts */
        "iglu:com.acme/event/jsonschema/1-0-",
        "iglu:com.acme/event/jsonschema/-0-0",
        "iglu:com.acme/event/jsonschema/1-0-a",
        "iglu:com.acme/event/jsonschema/1.0.0",
        "iglu:com.acme/ev.ent/jsonschema/1-0-0",     /* '.' only in the vendor */
        "iglu:com.acme/event/json.schema/1-0-0",
        "iglu:com.acme/event/jsonschema/1-0-0/",
        "iglu:com.acme/event/jsonschema/1-0-0\n",
        "iglu:com.acme/event/jsonschema/1-0-0 ",
        " iglu:com.acme/event/jsonschema/1-0-0",
        "iglu:com acme/event/jsonschema/1-0-0",
        "iglu:com.acme/event/jsonschema/1-0-0?x",
        "iglu:com.ćme/event/jsonschema/1-0-0",
        "iglu:com.acme/event/jsonschema",
        "iglu:com.acme/event/jsonschema/extra/1-0-0",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (sp_schema_uri_valid(bad[i]))
            fail_msg("accepted '%s'", bad[i]);
    assert_false(sp_schema_uri_valid(NULL));
}

static void test_platforms(void **state)
{
    (void)state;
    static const char *const good[] = {"web", "mob", "pc", "srv", "app",
                                       "tv",  "cnsl", "iot", "headset"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_true(sp_platform_valid(good[i]));
    static const char *const bad[] = {"", "WEB", "Web", "pcs", "p", "server", "web ", "mobile",
                                      "headsets", "iot\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (sp_platform_valid(bad[i]))
            fail_msg("accepted platform '%s'", bad[i]);
    assert_false(sp_platform_valid(NULL));
}

static void test_clocks(void **state)
{
    (void)state;
    int64_t before = (int64_t)time(NULL) * 1000;
    int64_t now = sp_now_ms();
    int64_t after = (int64_t)time(NULL) * 1000 + 1000;
    /* Milliseconds since the epoch, consistent with time(). */
    assert_true(now >= before);
    assert_true(now <= after);
    assert_true(now > INT64_C(1600000000000));

    int64_t m1 = sp_monotonic_ms();
    int64_t m2 = sp_monotonic_ms();
    assert_true(m1 >= 0);
    assert_true(m2 >= m1);
    struct timespec pause = {0, 20 * 1000 * 1000};
    nanosleep(&pause, NULL);
    assert_true(sp_monotonic_ms() >= m1 + 20); /* at least the time slept, no upper bound */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema_uri_accepted),
        cmocka_unit_test(test_schema_uri_refused),
        cmocka_unit_test(test_platforms),
        cmocka_unit_test(test_clocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
