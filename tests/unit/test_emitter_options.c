/* Emitter options: defaults, every setter's validation, codes and messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "emitter/emitter_impl.h"
#include "snowplow.h"
#include "sp_test_util.h"

static void test_defaults(void **state)
{
    const snowplow_emitter_options *o = *state;
    assert_null(o->endpoint);
    assert_string_equal(o->protocol, "http");
    assert_int_equal(o->port, 0);
    assert_int_equal(o->method, SNOWPLOW_METHOD_POST);
    assert_string_equal(o->post_path, "/com.snowplowanalytics.snowplow/tp2");
    assert_int_equal(o->thread_count, 1);
    assert_int_equal(o->batch_size, 10);
    assert_int_equal(o->byte_limit, 40000);
    assert_int_equal(o->linger_ms, 10);
    assert_int_equal(o->connect_timeout_ms, 5000);
    assert_int_equal(o->request_timeout_ms, 10000);
    assert_null(o->on_success);
    assert_null(o->on_failure);
    assert_int_equal(o->queue_capacity, 10000);
    assert_int_equal(o->queue_max_bytes, 64 * 1024 * 1024);
    assert_int_equal(o->full_policy, SNOWPLOW_FULL_DROP_NEWEST);
    assert_int_equal(o->retry_base_ms, 100);
    assert_int_equal(o->retry_max_ms, 60000);
    assert_int_equal(o->max_attempts, 0);
    assert_int_equal(o->result_queue_capacity, 0);
}

static void test_delivery_settings(void **state)
{
    snowplow_emitter_options *o = *state;
    sp_test_assert_error(snowplow_emitter_options_set_buffer_capacity(o, 0, 0), SNOWPLOW_ERANGE,
                         "snowplow_emitter_options_set_buffer_capacity: max_events", NULL);
    sp_test_assert_error(snowplow_emitter_options_set_buffer_capacity(o, 10, 100), SNOWPLOW_ERANGE,
                         "snowplow_emitter_options_set_buffer_capacity: max_bytes: 100", NULL);
    sp_test_assert_error(snowplow_emitter_options_set_buffer_capacity(NULL, 10, 0), SNOWPLOW_EINVAL,
                         "snowplow_emitter_options_set_buffer_capacity: options", NULL);
    assert_int_equal(snowplow_emitter_options_set_buffer_capacity(o, 5, 4096), 0);
    assert_int_equal(o->queue_capacity, 5);
    assert_int_equal(o->queue_max_bytes, 4096);
    assert_int_equal(snowplow_emitter_options_set_buffer_capacity(o, 7, 0), 0);
    assert_int_equal(o->queue_max_bytes, 64 * 1024 * 1024); /* 0: the default */

    sp_test_assert_error(snowplow_emitter_options_set_full_policy(o, (snowplow_full_policy)7, 0),
                         SNOWPLOW_EINVAL, "snowplow_emitter_options_set_full_policy: policy", "7");
    sp_test_assert_error(snowplow_emitter_options_set_full_policy(NULL, SNOWPLOW_FULL_BLOCK, 0),
                         SNOWPLOW_EINVAL, "snowplow_emitter_options_set_full_policy: options",
                         NULL);
    assert_int_equal(snowplow_emitter_options_set_full_policy(o, SNOWPLOW_FULL_BLOCK, 250), 0);
    assert_int_equal(o->full_policy, SNOWPLOW_FULL_BLOCK);
    assert_int_equal(o->block_timeout_ms, 250);

    sp_test_assert_error(snowplow_emitter_options_set_result_queue(o, 1000001), SNOWPLOW_ERANGE,
                         "snowplow_emitter_options_set_result_queue: capacity: 1000001", NULL);
    sp_test_assert_error(snowplow_emitter_options_set_result_queue(NULL, 1), SNOWPLOW_EINVAL,
                         "snowplow_emitter_options_set_result_queue: options", NULL);
    assert_int_equal(snowplow_emitter_options_set_result_queue(o, 1000000), 0);
    assert_int_equal(snowplow_emitter_options_set_result_queue(o, 0), 0);
    assert_int_equal(o->result_queue_capacity, 0);
}

static void test_new_needs_out(void **state)
{
    (void)state;
    sp_test_assert_error(snowplow_emitter_options_new(NULL), SNOWPLOW_EINVAL,
                         "snowplow_emitter_options_new: out", NULL);
    snowplow_emitter_options_free(NULL); /* ignored */
}

static void test_null_options_everywhere(void **state)
{
    (void)state;
    sp_test_assert_error(snowplow_emitter_options_set_endpoint(NULL, "localhost"), SNOWPLOW_EINVAL,
                         "snowplow_emitter_options_set_endpoint: options", NULL);
    sp_test_assert_error(snowplow_emitter_options_set_protocol(NULL, "http"), SNOWPLOW_EINVAL,
                         "snowplow_emitter_options_set_protocol: options", NULL);
    sp_test_assert_error(snowplow_emitter_options_set_port(NULL, 80), SNOWPLOW_EINVAL,
                         "snowplow_emitter_options_set_port: options", NULL);
    sp_test_assert_error(snowplow_emitter_options_set_method(NULL, SNOWPLOW_METHOD_GET),
                         SNOWPLOW_EINVAL, "snowplow_emitter_options_set_method: options", NULL);
    sp_test_assert_error(snowplow_emitter_options_set_post_path(NULL, "/x"), SNOWPLOW_EINVAL,
                         "snowplow_emitter_options_set_post_path: options", NULL);
    sp_test_assert_error(snowplow_emitter_options_set_thread_count(NULL, 2), SNOWPLOW_EINVAL,
                         "snowplow_emitter_options_set_thread_count: options", NULL);
    sp_test_assert_error(snowplow_emitter_options_set_batch_size(NULL, 2), SNOWPLOW_EINVAL,
                         "snowplow_emitter_options_set_batch_size: options", NULL);
    sp_test_assert_error(snowplow_emitter_options_set_byte_limit(NULL, 5000), SNOWPLOW_EINVAL,
                         "snowplow_emitter_options_set_byte_limit: options", NULL);
    sp_test_assert_error(snowplow_emitter_options_set_linger_ms(NULL, 5), SNOWPLOW_EINVAL,
                         "snowplow_emitter_options_set_linger_ms: options", NULL);
    sp_test_assert_error(snowplow_emitter_options_set_connect_timeout_ms(NULL, 5), SNOWPLOW_EINVAL,
                         "snowplow_emitter_options_set_connect_timeout_ms: options", NULL);
    sp_test_assert_error(snowplow_emitter_options_set_request_timeout_ms(NULL, 5), SNOWPLOW_EINVAL,
                         "snowplow_emitter_options_set_request_timeout_ms: options", NULL);
    sp_test_assert_error(snowplow_emitter_options_set_on_success(NULL, NULL, NULL), SNOWPLOW_EINVAL,
                         "snowplow_emitter_options_set_on_success: options", NULL);
    sp_test_assert_error(snowplow_emitter_options_set_on_failure(NULL, NULL, NULL), SNOWPLOW_EINVAL,
                         "snowplow_emitter_options_set_on_failure: options", NULL);
}

static void test_endpoint_accepted(void **state)
{
    snowplow_emitter_options *o = *state;
    static const char *const good[] = {
        "localhost",
        "localhost:9090",
        "127.0.0.1:1",
        "collector.example:65535",
        "http://127.0.0.1:9090/",
        "https://c.example.com/prefix",
        "[::1]:8080",
        "HTTP://upper.example",
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        int rc = snowplow_emitter_options_set_endpoint(o, good[i]);
        if (rc != 0)
            fail_msg("'%s' refused: %s", good[i], snowplow_error_last());
        assert_string_equal(o->endpoint, good[i]);
    }
}

static void test_endpoint_refused(void **state)
{
    snowplow_emitter_options *o = *state;
    static const char fn[] = "snowplow_emitter_options_set_endpoint: endpoint";
    sp_test_assert_error(snowplow_emitter_options_set_endpoint(o, NULL), SNOWPLOW_EINVAL, fn,
                         "NULL");
    sp_test_assert_error(snowplow_emitter_options_set_endpoint(o, ""), SNOWPLOW_EURL, fn, "empty");
    sp_test_assert_error(snowplow_emitter_options_set_endpoint(o, "http://"), SNOWPLOW_EURL, fn,
                         "host");
    sp_test_assert_error(snowplow_emitter_options_set_endpoint(o, "http://:9090"), SNOWPLOW_EURL,
                         fn, "host");
    sp_test_assert_error(snowplow_emitter_options_set_endpoint(o, "ftp://collector.example"),
                         SNOWPLOW_EURL, fn, "scheme");
    sp_test_assert_error(snowplow_emitter_options_set_endpoint(o, "localhost:0"), SNOWPLOW_EURL, fn,
                         "port");
    sp_test_assert_error(snowplow_emitter_options_set_endpoint(o, "localhost:65536"), SNOWPLOW_EURL,
                         fn, "port");
    sp_test_assert_error(snowplow_emitter_options_set_endpoint(o, "localhost:abc"), SNOWPLOW_EURL,
                         fn, "port");
    sp_test_assert_error(snowplow_emitter_options_set_endpoint(o, "local host"), SNOWPLOW_EURL, fn,
                         "space");
    sp_test_assert_error(snowplow_emitter_options_set_endpoint(o, "host\xff"), SNOWPLOW_EUTF8, fn,
                         "UTF-8");
    /* A refused endpoint leaves the options as they were. */
    assert_null(o->endpoint);
    assert_int_equal(snowplow_emitter_options_set_endpoint(o, "localhost:9090"), 0);
    sp_test_assert_error(snowplow_emitter_options_set_endpoint(o, "localhost:0"), SNOWPLOW_EURL, fn,
                         NULL);
    assert_string_equal(o->endpoint, "localhost:9090");
}

static void test_protocol(void **state)
{
    snowplow_emitter_options *o = *state;
    static const char fn[] = "snowplow_emitter_options_set_protocol: protocol";
    sp_test_assert_error(snowplow_emitter_options_set_protocol(o, NULL), SNOWPLOW_EINVAL, fn,
                         "NULL");
    sp_test_assert_error(snowplow_emitter_options_set_protocol(o, "ftp"), SNOWPLOW_EURL, fn,
                         "'ftp'");
    sp_test_assert_error(snowplow_emitter_options_set_protocol(o, ""), SNOWPLOW_EURL, fn, NULL);
    assert_string_equal(o->protocol, "http");
    assert_int_equal(snowplow_emitter_options_set_protocol(o, "HTTPS"), 0);
    assert_string_equal(o->protocol, "https");
    assert_int_equal(snowplow_emitter_options_set_protocol(o, "http"), 0);
    assert_string_equal(o->protocol, "http");
}

static void test_port(void **state)
{
    snowplow_emitter_options *o = *state;
    static const char fn[] = "snowplow_emitter_options_set_port: port";
    sp_test_assert_error(snowplow_emitter_options_set_port(o, -1), SNOWPLOW_EURL, fn, "-1");
    sp_test_assert_error(snowplow_emitter_options_set_port(o, 65536), SNOWPLOW_EURL, fn, "65536");
    assert_int_equal(snowplow_emitter_options_set_port(o, 65535), 0);
    assert_int_equal(o->port, 65535);
    assert_int_equal(snowplow_emitter_options_set_port(o, 0), 0);
    assert_int_equal(o->port, 0);
}

static void test_method(void **state)
{
    snowplow_emitter_options *o = *state;
    static const char fn[] = "snowplow_emitter_options_set_method: method";
    sp_test_assert_error(snowplow_emitter_options_set_method(o, (snowplow_method)2),
                         SNOWPLOW_EINVAL, fn, "2");
    sp_test_assert_error(snowplow_emitter_options_set_method(o, (snowplow_method)-1),
                         SNOWPLOW_EINVAL, fn, NULL);
    assert_int_equal(snowplow_emitter_options_set_method(o, SNOWPLOW_METHOD_GET), 0);
    assert_int_equal(o->method, SNOWPLOW_METHOD_GET);
}

static void test_post_path(void **state)
{
    snowplow_emitter_options *o = *state;
    static const char fn[] = "snowplow_emitter_options_set_post_path: path";
    sp_test_assert_error(snowplow_emitter_options_set_post_path(o, NULL), SNOWPLOW_EINVAL, fn,
                         "NULL");
    sp_test_assert_error(snowplow_emitter_options_set_post_path(o, "tp2"), SNOWPLOW_EURL, fn,
                         "'/'");
    sp_test_assert_error(snowplow_emitter_options_set_post_path(o, ""), SNOWPLOW_EURL, fn, "'/'");
    sp_test_assert_error(snowplow_emitter_options_set_post_path(o, "/a b"), SNOWPLOW_EURL, fn,
                         "space");
    sp_test_assert_error(snowplow_emitter_options_set_post_path(o, "/a?b=1"), SNOWPLOW_EURL, fn,
                         "'?'");
    assert_string_equal(o->post_path, "/com.snowplowanalytics.snowplow/tp2");
    assert_int_equal(snowplow_emitter_options_set_post_path(o, "/custom/tp2"), 0);
    assert_string_equal(o->post_path, "/custom/tp2");
}

static void test_numeric_ranges(void **state)
{
    snowplow_emitter_options *o = *state;
    sp_test_assert_error(snowplow_emitter_options_set_thread_count(o, 0), SNOWPLOW_ERANGE,
                         "snowplow_emitter_options_set_thread_count: thread_count", "1..64");
    sp_test_assert_error(snowplow_emitter_options_set_thread_count(o, 65), SNOWPLOW_ERANGE,
                         "thread_count: 65", NULL);
    assert_int_equal(snowplow_emitter_options_set_thread_count(o, 64), 0);
    assert_int_equal(o->thread_count, 64);

    sp_test_assert_error(snowplow_emitter_options_set_batch_size(o, 0), SNOWPLOW_ERANGE,
                         "snowplow_emitter_options_set_batch_size: batch_size", "1..10000");
    sp_test_assert_error(snowplow_emitter_options_set_batch_size(o, 10001), SNOWPLOW_ERANGE,
                         "batch_size: 10001", NULL);
    assert_int_equal(snowplow_emitter_options_set_batch_size(o, 10000), 0);
    assert_int_equal(o->batch_size, 10000);

    sp_test_assert_error(snowplow_emitter_options_set_byte_limit(o, 1023), SNOWPLOW_ERANGE,
                         "snowplow_emitter_options_set_byte_limit: byte_limit", "1024");
    sp_test_assert_error(snowplow_emitter_options_set_byte_limit(o, 0), SNOWPLOW_ERANGE,
                         "byte_limit: 0", NULL);
    assert_int_equal(snowplow_emitter_options_set_byte_limit(o, 1024), 0);
    assert_int_equal(o->byte_limit, 1024);

    sp_test_assert_error(snowplow_emitter_options_set_linger_ms(o, -1), SNOWPLOW_ERANGE,
                         "snowplow_emitter_options_set_linger_ms: linger_ms", "-1");
    sp_test_assert_error(snowplow_emitter_options_set_linger_ms(o, 60001), SNOWPLOW_ERANGE,
                         "linger_ms: 60001", NULL);
    assert_int_equal(snowplow_emitter_options_set_linger_ms(o, 0), 0);
    assert_int_equal(o->linger_ms, 0);

    sp_test_assert_error(snowplow_emitter_options_set_connect_timeout_ms(o, 0), SNOWPLOW_ERANGE,
                         "snowplow_emitter_options_set_connect_timeout_ms: timeout_ms", "0");
    sp_test_assert_error(snowplow_emitter_options_set_connect_timeout_ms(o, -100), SNOWPLOW_ERANGE,
                         "timeout_ms: -100", NULL);
    assert_int_equal(snowplow_emitter_options_set_connect_timeout_ms(o, 1), 0);
    assert_int_equal(o->connect_timeout_ms, 1);

    sp_test_assert_error(snowplow_emitter_options_set_request_timeout_ms(o, 0), SNOWPLOW_ERANGE,
                         "snowplow_emitter_options_set_request_timeout_ms: timeout_ms", "0");
    assert_int_equal(snowplow_emitter_options_set_request_timeout_ms(o, 250), 0);
    assert_int_equal(o->request_timeout_ms, 250);
}

static void dummy_cb(const snowplow_result *result, void *payload)
{
    (void)result;
    (void)payload;
}

static void test_callbacks(void **state)
{
    snowplow_emitter_options *o = *state;
    int token;
    assert_int_equal(snowplow_emitter_options_set_on_success(o, dummy_cb, &token), 0);
    assert_ptr_equal(o->on_success, dummy_cb);
    assert_ptr_equal(o->on_success_payload, &token);
    assert_int_equal(snowplow_emitter_options_set_on_failure(o, dummy_cb, &token), 0);
    assert_ptr_equal(o->on_failure_payload, &token);
    /* NULL removes the callback and forgets its payload. */
    assert_int_equal(snowplow_emitter_options_set_on_success(o, NULL, &token), 0);
    assert_null(o->on_success);
    assert_null(o->on_success_payload);
}

static void test_internal_hooks(void **state)
{
    snowplow_emitter_options *o = *state;
    sp_test_assert_error(sp_emitter_options_set_queue_capacity(o, 0), SNOWPLOW_ERANGE, "capacity",
                         NULL);
    assert_int_equal(sp_emitter_options_set_queue_capacity(o, 3), 0);
    assert_int_equal(o->queue_capacity, 3);
    sp_transport incomplete = {0};
    sp_test_assert_error(sp_emitter_options_set_transport(o, &incomplete), SNOWPLOW_EINVAL,
                         "transport", NULL);
    sp_test_assert_error(sp_emitter_options_set_transport(o, NULL), SNOWPLOW_EINVAL, "transport",
                         NULL);
}

static void test_emitter_new_consumes_and_checks(void **state)
{
    (void)state;
    snowplow_emitter *em = (snowplow_emitter *)&em; /* must be reset to NULL */
    snowplow_emitter_options *o = NULL;

    assert_int_equal(snowplow_emitter_options_new(&o), 0);
    sp_test_assert_error(snowplow_emitter_new(NULL, o), SNOWPLOW_EINVAL,
                         "snowplow_emitter_new: out",
                         NULL); /* o consumed: the leak checker would see it otherwise */

    sp_test_assert_error(snowplow_emitter_new(&em, NULL), SNOWPLOW_EINVAL,
                         "snowplow_emitter_new: options", NULL);
    assert_null(em);

    assert_int_equal(snowplow_emitter_options_new(&o), 0);
    sp_test_assert_error(snowplow_emitter_new(&em, o), SNOWPLOW_EINVAL,
                         "snowplow_emitter_new: options", "endpoint");
    assert_null(em);
}

/* The endpoint is parsed again at creation, so protocol and port set after it count. */
static void test_emitter_new_builds_urls(void **state)
{
    (void)state;
    snowplow_emitter_options *o = NULL;
    snowplow_emitter *em = NULL;

    assert_int_equal(snowplow_emitter_options_new(&o), 0);
    assert_int_equal(snowplow_emitter_options_set_endpoint(o, "collector.example"), 0);
    assert_int_equal(snowplow_emitter_options_set_protocol(o, "https"), 0);
    assert_int_equal(snowplow_emitter_options_set_port(o, 8443), 0);
    assert_int_equal(snowplow_emitter_new(&em, o), 0);
    assert_string_equal(em->url,
                        "https://collector.example:8443/com.snowplowanalytics.snowplow/tp2");
    snowplow_emitter_free(em);

    assert_int_equal(snowplow_emitter_options_new(&o), 0);
    assert_int_equal(snowplow_emitter_options_set_endpoint(o, "http://127.0.0.1:9090/base/"), 0);
    assert_int_equal(snowplow_emitter_options_set_post_path(o, "/custom"), 0);
    assert_int_equal(snowplow_emitter_new(&em, o), 0);
    assert_string_equal(em->url, "http://127.0.0.1:9090/base/custom");
    snowplow_emitter_free(em);

    assert_int_equal(snowplow_emitter_options_new(&o), 0);
    assert_int_equal(snowplow_emitter_options_set_endpoint(o, "127.0.0.1:9090"), 0);
    assert_int_equal(snowplow_emitter_options_set_method(o, SNOWPLOW_METHOD_GET), 0);
    assert_int_equal(snowplow_emitter_options_set_thread_count(o, 3), 0);
    assert_int_equal(snowplow_emitter_new(&em, o), 0);
    assert_string_equal(em->url, "http://127.0.0.1:9090/i");
    assert_int_equal(em->worker_count, 3);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_TRACKED), 0);
    assert_int_equal(snowplow_emitter_counter(em, (snowplow_counter)99), 0);
    assert_int_equal(snowplow_emitter_counter(NULL, SNOWPLOW_COUNTER_SENT), 0);
    /* close is idempotent; flush after close is refused. */
    assert_int_equal(snowplow_emitter_close(em, 1000), 0);
    assert_int_equal(snowplow_emitter_close(em, 1000), 0);
    sp_test_assert_error(snowplow_emitter_flush(em, 1000), SNOWPLOW_ECLOSED,
                         "snowplow_emitter_flush", "closed");
    snowplow_emitter_free(em);

    sp_test_assert_error(snowplow_emitter_flush(NULL, 0), SNOWPLOW_EINVAL, "snowplow_emitter_flush",
                         "emitter");
    sp_test_assert_error(snowplow_emitter_close(NULL, 0), SNOWPLOW_EINVAL, "snowplow_emitter_close",
                         "emitter");
    snowplow_emitter_free(NULL);
}

/* A test with a fresh options object as its state. */
#define WITH_OPTIONS(fn)                                                                           \
    cmocka_unit_test_setup_teardown(fn, sp_test_options_setup, sp_test_options_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        WITH_OPTIONS(test_defaults),
        cmocka_unit_test(test_new_needs_out),
        cmocka_unit_test(test_null_options_everywhere),
        WITH_OPTIONS(test_endpoint_accepted),
        WITH_OPTIONS(test_endpoint_refused),
        WITH_OPTIONS(test_protocol),
        WITH_OPTIONS(test_port),
        WITH_OPTIONS(test_method),
        WITH_OPTIONS(test_post_path),
        WITH_OPTIONS(test_numeric_ranges),
        WITH_OPTIONS(test_callbacks),
        WITH_OPTIONS(test_delivery_settings),
        WITH_OPTIONS(test_internal_hooks),
        cmocka_unit_test(test_emitter_new_consumes_and_checks),
        cmocka_unit_test(test_emitter_new_builds_urls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
