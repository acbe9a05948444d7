/* The test support library against the real local collector: start, post a hand-written
 * tp2 body, read what arrived, faults, reset, stop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "sp_test_collector.h"

#define TP2 "/com.snowplowanalytics.snowplow/tp2"
#define EID "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
#define BODY                                                                              \
    "{\"schema\":\"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4\","   \
    "\"data\":[{\"e\":\"se\",\"eid\":\"" EID "\",\"tv\":\"c-0.1.0\",\"p\":\"pc\","          \
    "\"dtm\":\"1700000000000\",\"stm\":\"1700000000001\",\"se_ca\":\"support\","            \
    "\"se_ac\":\"post\",\"se_va\":\"7.99\"}]}"

static int setup(void **state)
{
    sp_test_collector *c = sp_test_collector_start();
    if (!c)
        return -1;
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    sp_test_collector_stop(*state);
    return 0;
}

static int reset(void **state)
{
    sp_test_collector_reset(*state);
    return 0;
}

static long array_size(sp_test_collector *c, const char *path)
{
    cJSON *doc = sp_test_collector_get(c, path);
    long n = cJSON_IsArray(doc) ? cJSON_GetArraySize(doc) : -1;
    cJSON_Delete(doc);
    return n;
}

static void test_start_gives_a_port_and_url(void **state)
{
    sp_test_collector *c = *state;
    int port = sp_test_collector_port(c);
    assert_true(port > 0 && port < 65536);
    char want[64];
    snprintf(want, sizeof want, "http://127.0.0.1:%d", port);
    assert_string_equal(sp_test_collector_url(c), want);
}

static void test_posted_event_is_good(void **state)
{
    sp_test_collector *c = *state;
    /* Post with a plain curl handle of our own, as a tracker would. */
    char url[128];
    snprintf(url, sizeof url, "%s%s", sp_test_collector_url(c), TP2);
    CURL *h = curl_easy_init();
    assert_non_null(h);
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json; charset=utf-8");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, BODY);
    assert_int_equal(curl_easy_perform(h), CURLE_OK);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    assert_int_equal(status, 200);
    curl_slist_free_all(headers);
    curl_easy_cleanup(h);

    assert_int_equal(sp_test_collector_wait_total(c, 1, 0, 10000), 0);
    cJSON *good = sp_test_collector_get(c, "/micro/good");
    assert_true(cJSON_IsArray(good));
    assert_int_equal(cJSON_GetArraySize(good), 1);
    cJSON *event = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(good, 0), "event");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(event, "eid")->valuestring, EID);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(event, "se_va")->valuestring, "7.99");
    cJSON_Delete(good);
    assert_int_equal(array_size(c, "/micro/bad"), 0);
}

static void test_bad_event_is_counted_as_bad(void **state)
{
    sp_test_collector *c = *state;
    /* se_va as a JSON number: payload_data wants strings. */
    const char *body =
        "{\"schema\":\"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4\","
        "\"data\":[{\"e\":\"se\",\"eid\":\"" EID "\",\"tv\":\"t\",\"p\":\"pc\",\"dtm\":\"1\","
        "\"se_ca\":\"c\",\"se_ac\":\"a\",\"se_va\":7.99}]}";
    assert_int_equal(sp_test_collector_post(c, TP2, body), 200);
    assert_int_equal(sp_test_collector_wait_total(c, 0, 1, 10000), 0);
    assert_int_equal(array_size(c, "/micro/good"), 0);
    cJSON *bad = sp_test_collector_get(c, "/micro/bad");
    cJSON *errors = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(bad, 0), "errors");
    assert_true(cJSON_IsArray(errors));
    assert_non_null(strstr(cJSON_GetArrayItem(errors, 0)->valuestring, "se_va"));
    cJSON_Delete(bad);
}

static void test_fault_then_reset(void **state)
{
    sp_test_collector *c = *state;
    assert_int_equal(sp_test_collector_fault(c, "{\"status\":503,\"count\":1}"), 0);
    assert_int_equal(sp_test_collector_post(c, TP2, BODY), 503);
    assert_int_equal(sp_test_collector_post(c, TP2, BODY), 200);
    assert_int_equal(array_size(c, "/micro/requests"), 2);

    assert_int_equal(sp_test_collector_fault(c, "{\"drop\":true}"), 0);
    assert_int_equal(sp_test_collector_post(c, TP2, BODY), -1); /* no answer at all */
    sp_test_collector_reset(c);                                 /* also clears the fault */
    assert_int_equal(sp_test_collector_post(c, TP2, BODY), 200);
    assert_int_equal(array_size(c, "/micro/requests"), 1);
    assert_int_equal(array_size(c, "/micro/good"), 1);

    assert_int_equal(sp_test_collector_fault(c, "{\"status\":\"bad\"}"), -1);
}

static void test_wait_total_times_out(void **state)
{
    assert_int_equal(sp_test_collector_wait_total(*state, 1, 0, 100), -1);
}

static void test_dead_port_refuses_connections(void **state)
{
    (void)state;
    int port = sp_test_dead_port();
    assert_true(port > 0);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/i", port);
    CURL *h = curl_easy_init();
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    assert_int_equal(curl_easy_perform(h), CURLE_COULDNT_CONNECT);
    curl_easy_cleanup(h);
}

static void test_stop_null_is_fine(void **state)
{
    (void)state;
    sp_test_collector_stop(NULL);
    assert_int_equal(sp_test_collector_port(NULL), -1);
    assert_null(sp_test_collector_url(NULL));
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_start_gives_a_port_and_url, reset),
        cmocka_unit_test_setup(test_posted_event_is_good, reset),
        cmocka_unit_test_setup(test_bad_event_is_counted_as_bad, reset),
        cmocka_unit_test_setup(test_fault_then_reset, reset),
        cmocka_unit_test_setup(test_wait_total_times_out, reset),
        cmocka_unit_test(test_dead_port_refuses_connections),
        cmocka_unit_test(test_stop_null_is_fine),
    };
    int failed = cmocka_run_group_tests(tests, setup, teardown);
    curl_global_cleanup();
    return failed;
}
