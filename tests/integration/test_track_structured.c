/*
 * snowplow_tracker_track_structured(): on the wire it is the event object's way
 * (snowplow_event_structured_new + set_double + set_device_timestamp +
 * snowplow_tracker_track) field for field; bad input gets the same codes, a
 * message naming the argument, and sends nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "snowplow.h"
#include "sp_test_collector.h"
#include "sp_test_util.h"

static sp_test_collector *collector;
static snowplow_emitter *emitter;
static snowplow_tracker *tracker;

static int setup(void **state)
{
    (void)state;
    if ((collector = sp_test_collector_start()) == NULL)
        return -1;
    snowplow_emitter_options *eo = NULL;
    snowplow_tracker_options *to = NULL;
    snowplow_subject *subject = NULL;
    if (snowplow_emitter_options_new(&eo) ||
        snowplow_emitter_options_set_endpoint(eo, sp_test_collector_url(collector)) ||
        snowplow_emitter_options_set_batch_size(eo, 50) || snowplow_emitter_new(&emitter, eo) ||
        snowplow_subject_new(&subject) || snowplow_subject_set_user_id(subject, "user-\xc4\x87") ||
        snowplow_tracker_options_new(&to) || snowplow_tracker_options_set_namespace(to, "ns") ||
        snowplow_tracker_options_set_app_id(to, "app") ||
        snowplow_tracker_options_set_subject(to, subject) ||
        snowplow_tracker_options_add_emitter(to, emitter) || snowplow_tracker_new(&tracker, to))
        return -1;
    snowplow_subject_free(subject);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    snowplow_tracker_free(tracker);
    snowplow_emitter_free(emitter);
    sp_test_collector_stop(collector);
    return 0;
}

typedef struct se_case {
    const char *category, *action, *label, *property;
    int has_value;
    double value;
    int has_dtm;
    int64_t dtm;
} se_case;

static const se_case cases[] = {
    {"shop", "checkout", NULL, NULL, 0, 0, 1, 1764800000123},
    {"shop", "checkout", "label", "prop", 1, 2, 1, 1764800000124},
    {"shop", "checkout", "", "", 1, -0.0, 1, 0},
    {"caf\xc3\xa9 \"q\"", "a\\b\nc\td", "\xe2\x82\xac 5", "x\x01y", 1, 19.99, 1, 253402300799999},
    {"shop", "view", "l", NULL, 1, 1e21, 1, 1},
    {"shop", "view", NULL, "p", 1, -123456789.125, 1, 2},
    {"shop", "view", NULL, NULL, 1, 9007199254740993.0, 1, 3},
    {"shop", "now", "x", "y", 1, 0.1, 0, 0},
};
#define N_CASES (sizeof cases / sizeof cases[0])

/* Track case `c` the event object's way; its eid into eid. */
static void track_object(const se_case *c, char *eid)
{
    snowplow_event *ev = NULL;
    assert_int_equal(snowplow_event_structured_new(&ev, c->category, c->action, c->label, c->property), 0);
    if (c->has_value)
        assert_int_equal(snowplow_event_set_double(ev, "value", c->value), 0);
    if (c->has_dtm)
        assert_int_equal(snowplow_event_set_device_timestamp(ev, c->dtm), 0);
    assert_int_equal(snowplow_tracker_track(eid, tracker, ev), 0);
    snowplow_event_free(ev);
}

static void track_direct(const se_case *c, char *eid)
{
    int rc = snowplow_tracker_track_structured(eid, tracker, c->category, c->action, c->label,
                                               c->property, c->has_value ? &c->value : NULL,
                                               c->has_dtm ? &c->dtm : NULL);
    if (rc != 0)
        fail_msg("track_structured: %s", snowplow_error_last());
}

/* The arrived event whose eid is `eid`, as a copy without eid and stm (the
 * request's) and without dtm when `drop_dtm`. */
static cJSON *arrived(const cJSON *good, const char *eid, int drop_dtm)
{
    cJSON *copy = cJSON_Duplicate(sp_test_event_by_eid(good, eid), 1);
    cJSON_DeleteItemFromObject(copy, "eid");
    cJSON_DeleteItemFromObject(copy, "stm");
    if (drop_dtm)
        cJSON_DeleteItemFromObject(copy, "dtm");
    return copy;
}

static void same_wire_as_event_object(void **state)
{
    (void)state;
    sp_test_collector_reset(collector);
    char eids[2][N_CASES][SNOWPLOW_EID_SIZE];
    for (size_t i = 0; i < N_CASES; i++) {
        track_object(&cases[i], eids[0][i]);
        track_direct(&cases[i], eids[1][i]);
    }
    assert_int_equal(snowplow_tracker_flush(tracker, 20000), 0);
    assert_int_equal(sp_test_collector_wait_total(collector, 2 * (long)N_CASES, 0, 10000), 0);
    cJSON *good = sp_test_collector_get(collector, "/micro/good");
    assert_non_null(good);
    assert_int_equal(cJSON_GetArraySize(good), 2 * (int)N_CASES);
    for (size_t i = 0; i < N_CASES; i++) {
        assert_string_not_equal(eids[0][i], eids[1][i]);
        cJSON *want = arrived(good, eids[0][i], !cases[i].has_dtm);
        cJSON *got = arrived(good, eids[1][i], !cases[i].has_dtm);
        if (!cJSON_Compare(want, got, 1)) {
            char *a = cJSON_PrintUnformatted(want), *b = cJSON_PrintUnformatted(got);
            fail_msg("case %zu: the event object's way sent %s, track_structured %s", i, a, b);
        }
        const cJSON *se_ca = cJSON_GetObjectItem(got, "se_ca");
        assert_true(cJSON_IsString(se_ca));
        assert_string_equal(se_ca->valuestring, cases[i].category);
        cJSON_Delete(want);
        cJSON_Delete(got);
    }
    cJSON_Delete(good);
}

/* The code, and a message from this function naming `needle`. */
static void expect(int rc, int code, const char *needle)
{
    sp_test_assert_error(rc, code, "snowplow_tracker_track_structured: ", needle);
    snowplow_error_clear();
}

static void bad_input_sends_nothing(void **state)
{
    (void)state;
    sp_test_collector_reset(collector);
    double value = 1, nan_value = NAN, inf_value = -INFINITY;
    int64_t negative = -1, after_9999 = INT64_C(253402300800000), dtm = 1;
    char eid[SNOWPLOW_EID_SIZE] = "untouched";
    expect(snowplow_tracker_track_structured(eid, NULL, "c", "a", NULL, NULL, NULL, NULL),
           SNOWPLOW_EINVAL, "tracker");
    expect(snowplow_tracker_track_structured(eid, tracker, NULL, "a", NULL, NULL, NULL, NULL),
           SNOWPLOW_EINVAL, "category");
    expect(snowplow_tracker_track_structured(eid, tracker, "c", NULL, NULL, NULL, NULL, NULL),
           SNOWPLOW_EINVAL, "action");
    expect(snowplow_tracker_track_structured(eid, tracker, "", "a", NULL, NULL, NULL, NULL),
           SNOWPLOW_EINVAL, "category: must not be empty");
    expect(snowplow_tracker_track_structured(eid, tracker, "c", "", NULL, NULL, NULL, NULL),
           SNOWPLOW_EINVAL, "action: must not be empty");
    expect(snowplow_tracker_track_structured(eid, tracker, "c\xff", "a", NULL, NULL, NULL, NULL),
           SNOWPLOW_EUTF8, "category");
    expect(snowplow_tracker_track_structured(eid, tracker, "c", "a", "\xc3", NULL, NULL, NULL),
           SNOWPLOW_EUTF8, "label");
    expect(snowplow_tracker_track_structured(eid, tracker, "c", "a", NULL, "\xed\xa0\x80", NULL, NULL),
           SNOWPLOW_EUTF8, "property");
    expect(snowplow_tracker_track_structured(eid, tracker, "c", "a", NULL, NULL, &nan_value, NULL),
           SNOWPLOW_ERANGE, "value");
    expect(snowplow_tracker_track_structured(eid, tracker, "c", "a", NULL, NULL, &inf_value, NULL),
           SNOWPLOW_ERANGE, "value");
    expect(snowplow_tracker_track_structured(eid, tracker, "c", "a", NULL, NULL, &value, &negative),
           SNOWPLOW_ERANGE, "negative");
    expect(snowplow_tracker_track_structured(eid, tracker, "c", "a", NULL, NULL, &value, &after_9999),
           SNOWPLOW_ERANGE, "9999");
    assert_string_equal(eid, "untouched");

    /* Then one good event: the only one that arrives. */
    assert_int_equal(snowplow_tracker_track_structured(eid, tracker, "c", "a", NULL, NULL, &value,
                                                       &dtm), 0);
    assert_int_equal(snowplow_tracker_flush(tracker, 20000), 0);
    assert_int_equal(sp_test_collector_wait_total(collector, 1, 0, 10000), 0);
    cJSON *good = sp_test_collector_get(collector, "/micro/good");
    assert_non_null(good);
    assert_int_equal(cJSON_GetArraySize(good), 1);
    cJSON_Delete(arrived(good, eid, 0));
    cJSON_Delete(good);
    assert_int_equal(snowplow_emitter_counter(emitter, SNOWPLOW_COUNTER_FAILED), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_wire_as_event_object),
        cmocka_unit_test(bad_input_sends_nothing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
