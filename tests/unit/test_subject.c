/* Subject: setters, validation, and the field-by-field merge of event and tracker subjects. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "event/payload.h"
#include "snowplow.h"
#include "event/subject_internal.h"

static void assert_field(const snowplow_subject *s, const char *field, const char *expected)
{
    char *value = NULL;
    assert_int_equal(snowplow_subject_get(&value, s, field), 0);
    if (expected == NULL)
        assert_null(value);
    else
        assert_string_equal(value, expected);
    snowplow_string_free(value);
}

static void sets_every_field(void **state)
{
    (void)state;
    snowplow_subject *s = NULL;
    assert_int_equal(snowplow_subject_new(&s), 0);
    assert_int_equal(snowplow_subject_set_user_id(s, "user-1"), 0);
    assert_int_equal(snowplow_subject_set_screen_resolution(s, 1920, 1080), 0);
    assert_int_equal(snowplow_subject_set_viewport(s, 800, 600), 0);
    assert_int_equal(snowplow_subject_set_color_depth(s, 24), 0);
    assert_int_equal(snowplow_subject_set_timezone(s, "Europe/London"), 0);
    assert_int_equal(snowplow_subject_set_lang(s, "en-GB"), 0);
    assert_int_equal(snowplow_subject_set_domain_user_id(s, "duid-1"), 0);
    assert_int_equal(snowplow_subject_set_network_user_id(s, "nuid-1"), 0);
    assert_int_equal(snowplow_subject_set_domain_session_id(s, "sid-1"), 0);
    assert_int_equal(snowplow_subject_set_domain_session_index(s, 3), 0);
    assert_int_equal(snowplow_subject_set_ip_address(s, "10.0.0.1"), 0);
    assert_int_equal(snowplow_subject_set_useragent(s, "agent/1.0"), 0);
    assert_int_equal(snowplow_subject_set_platform(s, "mob"), 0);
    assert_field(s, "uid", "user-1");
    assert_field(s, "res", "1920x1080");
    assert_field(s, "vp", "800x600");
    assert_field(s, "cd", "24");
    assert_field(s, "tz", "Europe/London");
    assert_field(s, "lang", "en-GB");
    assert_field(s, "duid", "duid-1");
    assert_field(s, "tnuid", "nuid-1");
    assert_field(s, "sid", "sid-1");
    assert_field(s, "vid", "3");
    assert_field(s, "ip", "10.0.0.1");
    assert_field(s, "ua", "agent/1.0");
    assert_field(s, "p", "mob");
    /* NULL, "" and zero clear */
    assert_int_equal(snowplow_subject_set_user_id(s, NULL), 0);
    assert_int_equal(snowplow_subject_set_lang(s, ""), 0);
    assert_int_equal(snowplow_subject_set_screen_resolution(s, 0, 0), 0);
    assert_field(s, "uid", NULL);
    assert_field(s, "lang", NULL);
    assert_field(s, "res", NULL);
    snowplow_subject_free(s);
}

static void refuses_bad_values(void **state)
{
    (void)state;
    snowplow_subject *s = NULL;
    assert_int_equal(snowplow_subject_new(&s), 0);
    assert_int_equal(snowplow_subject_set_screen_resolution(s, -1, 600), SNOWPLOW_ERANGE);
    assert_non_null(strstr(snowplow_error_last(), "positive"));
    assert_int_equal(snowplow_subject_set_viewport(s, 800, 0), SNOWPLOW_ERANGE);
    assert_int_equal(snowplow_subject_set_color_depth(s, -24), SNOWPLOW_ERANGE);
    assert_non_null(strstr(snowplow_error_last(), "depth"));
    assert_int_equal(snowplow_subject_set_domain_session_index(s, -1), SNOWPLOW_ERANGE);
    assert_int_equal(snowplow_subject_set_platform(s, "desktop"), SNOWPLOW_EINVAL);
    assert_non_null(strstr(snowplow_error_last(), "desktop"));
    assert_int_equal(snowplow_subject_set_user_id(s, "bad \xff"), SNOWPLOW_EUTF8);
    assert_int_equal(snowplow_subject_set_user_id(NULL, "x"), SNOWPLOW_EINVAL);
    assert_non_null(strstr(snowplow_error_last(), "subject"));
    char *value = NULL;
    assert_int_equal(snowplow_subject_get(&value, s, "nope"), SNOWPLOW_EFIELD);
    assert_non_null(strstr(snowplow_error_last(), "nope"));
    /* nothing was stored by the refused calls */
    assert_field(s, "res", NULL);
    assert_field(s, "p", NULL);
    assert_field(s, "uid", NULL);
    assert_int_equal(snowplow_subject_new(NULL), SNOWPLOW_EINVAL);
    snowplow_subject_free(s);
}

static void event_subject_overrides_field_by_field(void **state)
{
    (void)state;
    snowplow_subject *tracker_subject = NULL, *event_subject = NULL;
    assert_int_equal(snowplow_subject_new(&tracker_subject), 0);
    assert_int_equal(snowplow_subject_new(&event_subject), 0);
    snowplow_subject_set_user_id(tracker_subject, "tracker-user");
    snowplow_subject_set_lang(tracker_subject, "en");
    snowplow_subject_set_user_id(event_subject, "event-user");
    snowplow_subject_set_timezone(event_subject, "UTC");

    sp_payload *p = sp_payload_new();
    snowplow_subject *order[2] = {event_subject, tracker_subject};
    assert_int_equal(sp_subject_apply(p, order, 2, "srv"), 0);
    assert_string_equal(sp_payload_get(p, "uid"), "event-user");
    assert_string_equal(sp_payload_get(p, "lang"), "en");
    assert_string_equal(sp_payload_get(p, "tz"), "UTC");
    assert_string_equal(sp_payload_get(p, "p"), "srv"); /* the tracker's default */
    assert_null(sp_payload_get(p, "res"));
    sp_payload_free(p);

    snowplow_subject_set_platform(tracker_subject, "iot");
    p = sp_payload_new();
    snowplow_subject *only_tracker[2] = {NULL, tracker_subject};
    assert_int_equal(sp_subject_apply(p, only_tracker, 2, "srv"), 0);
    assert_string_equal(sp_payload_get(p, "p"), "iot");
    assert_string_equal(sp_payload_get(p, "uid"), "tracker-user");
    size_t platforms = 0;
    for (size_t i = 0; i < sp_payload_count(p); i++)
        platforms += strcmp(sp_payload_key(p, i), "p") == 0;
    assert_int_equal(platforms, 1);
    sp_payload_free(p);
    snowplow_subject_free(tracker_subject);
    snowplow_subject_free(event_subject);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sets_every_field),
        cmocka_unit_test(refuses_bad_values),
        cmocka_unit_test(event_subject_overrides_field_by_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
