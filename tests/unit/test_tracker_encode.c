/* snowplow_tracker_options_encode() (payloads handed back instead of queued) and
 * the stand-alone transaction item (SNOWPLOW_EVENT_TRANSACTION_ITEM). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "snowplow.h"
#include "sp_test_util.h"

static snowplow_tracker_options *options_with_subject(void)
{
    snowplow_tracker_options *o = NULL;
    assert_int_equal(snowplow_tracker_options_new(&o), 0);
    assert_int_equal(snowplow_tracker_options_set_namespace(o, "ns"), 0);
    assert_int_equal(snowplow_tracker_options_set_app_id(o, "app"), 0);
    snowplow_subject *s = NULL;
    assert_int_equal(snowplow_subject_new(&s), 0);
    assert_int_equal(snowplow_subject_set_user_id(s, "u1"), 0);
    assert_int_equal(snowplow_tracker_options_set_subject(o, s), 0);
    snowplow_subject_free(s); /* the options hold their own reference */
    return o;
}

static void assert_contains(const char *text, const char *part)
{
    if (strstr(text, part) == NULL)
        fail_msg("'%s' not in %s", part, text);
}

static void test_encode_page_view(void **state)
{
    (void)state;
    snowplow_tracker_options *o = options_with_subject();
    snowplow_event *ev = NULL;
    assert_int_equal(snowplow_event_page_view_new(&ev, "http://a.example/", "A", NULL), 0);
    assert_int_equal(snowplow_event_set_device_timestamp(ev, 1234), 0);
    char *json = NULL;
    assert_int_equal(snowplow_tracker_options_encode(&json, o, ev), 0);
    assert_non_null(json);
    assert_true(json[0] == '[' && json[strlen(json) - 1] == ']');
    assert_contains(json, "\"e\":\"pv\"");
    assert_contains(json, "\"url\":\"http://a.example/\"");
    assert_contains(json, "\"dtm\":\"1234\"");
    assert_contains(json, "\"tna\":\"ns\"");
    assert_contains(json, "\"aid\":\"app\"");
    assert_contains(json, "\"uid\":\"u1\"");
    assert_contains(json, "\"p\":\"pc\"");
    assert_contains(json, "\"tv\":\"c-");
    assert_contains(json, "\"eid\":\"");
    assert_null(strstr(json, "\"stm\"")); /* set when sent, not here */
    snowplow_string_free(json);
    snowplow_event_free(ev);
    snowplow_tracker_options_free(o);
}

static void test_encode_transaction_gives_one_payload_per_item(void **state)
{
    (void)state;
    snowplow_tracker_options *o = options_with_subject();
    snowplow_event *ev = NULL;
    assert_int_equal(snowplow_event_ecommerce_transaction_new(&ev, "o-1", 35), 0);
    assert_int_equal(snowplow_event_add_item(ev, "sku-1", 20, 1, NULL, NULL), 0);
    assert_int_equal(snowplow_event_add_item(ev, "sku-2", 15, 1, NULL, NULL), 0);
    char *json = NULL;
    assert_int_equal(snowplow_tracker_options_encode(&json, o, ev), 0);
    const char *tr = strstr(json, "\"e\":\"tr\"");
    const char *ti1 = strstr(json, "\"ti_sk\":\"sku-1\"");
    const char *ti2 = strstr(json, "\"ti_sk\":\"sku-2\"");
    assert_true(tr != NULL && ti1 != NULL && ti2 != NULL && tr < ti1 && ti1 < ti2);
    snowplow_string_free(json);
    snowplow_event_free(ev);
    snowplow_tracker_options_free(o);
}

static void test_encode_errors(void **state)
{
    (void)state;
    snowplow_tracker_options *o = options_with_subject();
    snowplow_event *ev = NULL;
    char *json = (char *)"unchanged";
    sp_test_assert_error(snowplow_tracker_options_encode(NULL, o, ev), SNOWPLOW_EINVAL, "out",
                         NULL);
    sp_test_assert_error(snowplow_tracker_options_encode(&json, NULL, ev), SNOWPLOW_EINVAL,
                         "options", NULL);
    assert_null(json);
    sp_test_assert_error(snowplow_tracker_options_encode(&json, o, NULL), SNOWPLOW_EINVAL,
                         "event", NULL);
    assert_int_equal(snowplow_event_new(&ev, SNOWPLOW_EVENT_STRUCTURED), 0);
    sp_test_assert_error(snowplow_tracker_options_encode(&json, o, ev), SNOWPLOW_EMISSING,
                         "snowplow_tracker_options_encode", "category");
    assert_null(json);
    snowplow_event_free(ev);
    snowplow_tracker_options_free(o);
}

static void test_transaction_item_alone(void **state)
{
    (void)state;
    snowplow_tracker_options *o = options_with_subject();
    snowplow_event *ev = NULL;
    assert_int_equal(snowplow_event_new(&ev, SNOWPLOW_EVENT_TRANSACTION_ITEM), 0);
    assert_int_equal(snowplow_event_get_type(ev), SNOWPLOW_EVENT_TRANSACTION_ITEM);
    sp_test_assert_error(snowplow_event_validate(ev), SNOWPLOW_EMISSING, "order_id", NULL);
    assert_int_equal(snowplow_event_set_string(ev, "order_id", "12345"), 0);
    assert_int_equal(snowplow_event_set_string(ev, "sku", "pbz0025"), 0);
    assert_int_equal(snowplow_event_set_double(ev, "price", 7.99), 0);
    sp_test_assert_error(snowplow_event_validate(ev), SNOWPLOW_EMISSING, "quantity", NULL);
    assert_int_equal(snowplow_event_set_int(ev, "quantity", 2), 0);
    assert_int_equal(snowplow_event_set_string(ev, "name", "black-tarot"), 0);
    assert_int_equal(snowplow_event_set_string(ev, "category", "tarot"), 0);
    assert_int_equal(snowplow_event_set_string(ev, "currency", "GBP"), 0);
    sp_test_assert_error(snowplow_event_set_double(ev, "quantity", 1.5), SNOWPLOW_ERANGE,
                         "quantity", NULL);
    sp_test_assert_error(snowplow_event_set_string(ev, "sku", ""), SNOWPLOW_EINVAL, "sku", NULL);
    char *json = NULL;
    assert_int_equal(snowplow_tracker_options_encode(&json, o, ev), 0);
    assert_contains(json, "\"e\":\"ti\"");
    assert_contains(json, "\"ti_id\":\"12345\"");
    assert_contains(json, "\"ti_sk\":\"pbz0025\"");
    assert_contains(json, "\"ti_nm\":\"black-tarot\"");
    assert_contains(json, "\"ti_ca\":\"tarot\"");
    assert_contains(json, "\"ti_pr\":\"7.99\"");
    assert_contains(json, "\"ti_qu\":\"2\"");
    assert_contains(json, "\"ti_cu\":\"GBP\"");
    assert_null(strstr(json, "\"tr_")); /* no transaction comes with it */
    snowplow_string_free(json);
    snowplow_event_free(ev);
    snowplow_tracker_options_free(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_page_view),
        cmocka_unit_test(test_encode_transaction_gives_one_payload_per_item),
        cmocka_unit_test(test_encode_errors),
        cmocka_unit_test(test_transaction_item_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
