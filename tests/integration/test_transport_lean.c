/*
 * The lean HTTP/1.1 engine (core/src/transport/http_lean.c) through the HTTP
 * transport's send_many, against a scripted stand-in server: pipelined GETs
 * on one connection, and each unit's exact outcome when the server closes
 * after answering some of them, answers 500/429 with Retry-After in the
 * middle, splits its answers into one-byte writes, says "Connection: close",
 * stalls, or when the emitter aborts. Also: the request head is byte for byte
 * libcurl's, and SNOWPLOW_HTTP_ENGINE=curl or a proxy in the environment
 * hands GET back to libcurl.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sp_test_http_standin.h"
#include "transport/http_options.h"
#include "transport/transport.h"

#define UNITS 8

typedef struct rig {
    sp_standin s;
    sp_http_options http;
    atomic_bool abort_flag;
    sp_transport_config cfg;
    void *conn;
    char urls[64][128];
    sp_send_unit units[64];
} rig;

static rig *rig_new(sp_standin_script script, int request_timeout_ms)
{
    rig *r = calloc(1, sizeof *r);
    assert_non_null(r);
    assert_int_equal(sp_standin_start(&r->s, script, NULL), 0);
    assert_int_equal(sp_http_options_prepare(&r->http, false), 0);
    r->cfg = (sp_transport_config){5000, request_timeout_ms, &r->abort_flag, UNITS, &r->http};
    r->conn = sp_http_transport()->open(NULL, &r->cfg);
    assert_non_null(r->conn);
    return r;
}

static void rig_free(rig *r)
{
    sp_http_transport()->close(r->conn);
    sp_standin_stop(&r->s);
    sp_http_options_clear(&r->http);
    free(r);
}

/* Send `n` GETs with targets "/i?e=pv&n=<first + i>". */
static void rig_send(rig *r, int first, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        snprintf(r->urls[i], sizeof r->urls[i], "http://127.0.0.1:%d/i?e=pv&n=%d", r->s.port,
                 first + (int)i);
        r->units[i] = (sp_send_unit){{r->urls[i], NULL, 0}, {0}};
        r->units[i].resp.status = -1; /* must be overwritten */
    }
    sp_http_transport()->send_many(r->conn, r->units, n);
}

static int answered(rig *r, int n)
{
    char target[64];
    snprintf(target, sizeof target, "/i?e=pv&n=%d", n);
    return sp_standin_answered_count(&r->s, target);
}

static int connections(rig *r)
{
    pthread_mutex_lock(&r->s.mu);
    int n = r->s.connections;
    pthread_mutex_unlock(&r->s.mu);
    return n;
}

static int received(rig *r)
{
    pthread_mutex_lock(&r->s.mu);
    int n = r->s.received;
    pthread_mutex_unlock(&r->s.mu);
    return n;
}

static sp_standin_reply all_ok(sp_standin *s, int conn, int in_conn, int index)
{
    (void)s, (void)conn, (void)in_conn, (void)index;
    return (sp_standin_reply){SP_STANDIN_OK, 0, 0};
}

static void test_pipelined_on_one_connection(void **state)
{
    (void)state;
    rig *r = rig_new(all_ok, 30000);
    for (int round = 0; round < 3; round++) {
        rig_send(r, round * UNITS, UNITS);
        for (int i = 0; i < UNITS; i++) {
            assert_int_equal(r->units[i].resp.status, 200);
            assert_string_equal(r->units[i].resp.reason, "");
            assert_int_equal(answered(r, round * UNITS + i), 1);
        }
    }
    /* Every group on the same kept-alive connection (libcurl: one per request). */
    assert_int_equal(connections(r), 1);
    assert_int_equal(received(r), 3 * UNITS);
    rig_free(r);
}

/* Connection 0 answers 3 requests, then closes without answering the rest. */
static sp_standin_reply close_after_3(sp_standin *s, int conn, int in_conn, int index)
{
    (void)s, (void)index;
    if (conn == 0 && in_conn >= 3)
        return (sp_standin_reply){SP_STANDIN_DROP, 0, 0};
    return (sp_standin_reply){SP_STANDIN_OK, 0, 0};
}

static void test_close_mid_pipeline_fails_exactly_the_unanswered(void **state)
{
    (void)state;
    rig *r = rig_new(close_after_3, 30000);
    rig_send(r, 0, UNITS);
    for (int i = 0; i < UNITS; i++) {
        if (i < 3) {
            assert_int_equal(r->units[i].resp.status, 200);
            assert_int_equal(answered(r, i), 1);
        } else {
            assert_int_equal(r->units[i].resp.status, 0); /* a network error: retried */
            assert_false(r->units[i].resp.aborted);
            assert_true(r->units[i].resp.reason[0] != '\0');
            assert_int_equal(answered(r, i), 0);
        }
    }
    /* Not sent again by the transport: the emitter decides about retries. */
    assert_int_equal(connections(r), 1);
    /* The next group goes on a new connection. */
    rig_send(r, 100, 2);
    assert_int_equal(r->units[0].resp.status, 200);
    assert_int_equal(r->units[1].resp.status, 200);
    assert_int_equal(connections(r), 2);
    rig_free(r);
}

/* 500 (Retry-After 7) as the 3rd answer, 429 (Retry-After 3) as the 6th. */
static sp_standin_reply errors_mid_pipeline(sp_standin *s, int conn, int in_conn, int index)
{
    (void)s, (void)conn, (void)in_conn;
    if (index % UNITS == 2)
        return (sp_standin_reply){SP_STANDIN_STATUS, 500, 7};
    if (index % UNITS == 5)
        return (sp_standin_reply){SP_STANDIN_STATUS, 429, 3};
    return (sp_standin_reply){SP_STANDIN_OK, 0, 0};
}

static void test_error_answers_mid_pipeline(void **state)
{
    (void)state;
    rig *r = rig_new(errors_mid_pipeline, 30000);
    for (int round = 0; round < 2; round++) {
        rig_send(r, round * UNITS, UNITS);
        for (int i = 0; i < UNITS; i++) {
            int want = i == 2 ? 500 : i == 5 ? 429 : 200;
            assert_int_equal(r->units[i].resp.status, want);
            assert_int_equal(r->units[i].resp.retry_after_ms, i == 2 ? 7000 : i == 5 ? 3000 : 0);
            assert_int_equal(answered(r, round * UNITS + i), 1);
        }
    }
    assert_int_equal(connections(r), 1); /* error answers keep the connection */
    rig_free(r);
}

/* Chunked answers written one byte at a time; every other one a 503. */
static sp_standin_reply split(sp_standin *s, int conn, int in_conn, int index)
{
    (void)s, (void)conn, (void)in_conn;
    return (sp_standin_reply){SP_STANDIN_SPLIT, index % 2 ? 503 : 200, index % 2 ? 2 : 0};
}

static void test_answers_split_across_reads(void **state)
{
    (void)state;
    rig *r = rig_new(split, 30000);
    rig_send(r, 0, UNITS);
    for (int i = 0; i < UNITS; i++) {
        assert_int_equal(r->units[i].resp.status, i % 2 ? 503 : 200);
        assert_int_equal(r->units[i].resp.retry_after_ms, i % 2 ? 2000 : 0);
    }
    assert_int_equal(connections(r), 1);
    rig_free(r);
}

/* Connection 0 answers twice, the 2nd with "Connection: close". */
static sp_standin_reply connection_close(sp_standin *s, int conn, int in_conn, int index)
{
    (void)s, (void)index;
    if (conn == 0 && in_conn == 1)
        return (sp_standin_reply){SP_STANDIN_CLOSE, 0, 0};
    return (sp_standin_reply){SP_STANDIN_OK, 0, 0};
}

static void test_connection_close_resends_the_rest_once(void **state)
{
    (void)state;
    rig *r = rig_new(connection_close, 30000);
    rig_send(r, 0, UNITS);
    /* The server read nothing after its "close" answer: the rest went again,
     * on a new connection, and every request was answered exactly once. */
    for (int i = 0; i < UNITS; i++) {
        assert_int_equal(r->units[i].resp.status, 200);
        assert_int_equal(answered(r, i), 1);
    }
    assert_int_equal(connections(r), 2);
    rig_free(r);
}

/* Answers the first request of each group, then stalls. */
static sp_standin_reply stall_after_1(sp_standin *s, int conn, int in_conn, int index)
{
    (void)s, (void)conn, (void)index;
    return (sp_standin_reply){in_conn == 0 ? SP_STANDIN_OK : SP_STANDIN_STALL, 0, 0};
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_request_timeout(void **state)
{
    (void)state;
    rig *r = rig_new(stall_after_1, 400);
    int64_t start = mono_ms();
    rig_send(r, 0, UNITS);
    int64_t took = mono_ms() - start;
    assert_int_equal(r->units[0].resp.status, 200);
    for (int i = 1; i < UNITS; i++) {
        assert_int_equal(r->units[i].resp.status, 0);
        assert_false(r->units[i].resp.aborted);
        assert_non_null(strstr(r->units[i].resp.reason, "timed out"));
    }
    assert_true(took >= 390); /* the timeout applied, not an early failure */
    rig_free(r);
}

static void *abort_later(void *arg)
{
    rig *r = arg;
    struct timespec ts = {0, 200 * 1000000L};
    nanosleep(&ts, NULL);
    atomic_store(&r->abort_flag, true);
    return NULL;
}

static void test_abort_ends_a_stalled_pipeline(void **state)
{
    (void)state;
    rig *r = rig_new(stall_after_1, 0); /* no request timeout */
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, abort_later, r), 0);
    rig_send(r, 0, UNITS);
    pthread_join(t, NULL);
    assert_int_equal(r->units[0].resp.status, 200);
    for (int i = 1; i < UNITS; i++) {
        assert_int_equal(r->units[i].resp.status, 0);
        assert_true(r->units[i].resp.aborted);
    }
    rig_free(r);
}

/* Connection 0 answers the first group (2 requests), then closes when the
 * next group arrives, as a server whose keep-alive timeout just ran out. */
static sp_standin_reply idle_close(sp_standin *s, int conn, int in_conn, int index)
{
    (void)s, (void)index;
    if (conn == 0 && in_conn >= 2)
        return (sp_standin_reply){SP_STANDIN_DROP, 0, 0};
    return (sp_standin_reply){SP_STANDIN_OK, 0, 0};
}

static void test_stale_kept_connection_is_replaced(void **state)
{
    (void)state;
    rig *r = rig_new(idle_close, 30000);
    rig_send(r, 0, 2);
    assert_int_equal(r->units[0].resp.status, 200);
    assert_int_equal(r->units[1].resp.status, 200);
    rig_send(r, 10, UNITS);
    for (int i = 0; i < UNITS; i++) {
        assert_int_equal(r->units[i].resp.status, 200);
        assert_int_equal(answered(r, 10 + i), 1);
    }
    assert_int_equal(connections(r), 2);
    rig_free(r);
}

/* The head of request `index` after its request line (the targets differ). */
static char *head_of(rig *r, int index)
{
    pthread_mutex_lock(&r->s.mu);
    char *h = strdup(strchr(r->s.head[index], '\n') + 1);
    pthread_mutex_unlock(&r->s.mu);
    return h;
}

static void test_same_request_head_as_libcurl(void **state)
{
    (void)state;
    rig *r = rig_new(all_ok, 30000);
    sp_http_transport()->close(r->conn);
    /* Options as the emitter's setters store them. */
    r->http.user_agent = strdup("agent/1.0 (test)");
    r->http.headers = calloc(2, sizeof *r->http.headers);
    r->http.headers[0] = strdup("Authorization: Bearer abc");
    r->http.headers[1] = strdup("X-Extra: 1");
    r->http.header_count = 2;
    assert_int_equal(sp_http_options_prepare(&r->http, false), 0);
    r->conn = sp_http_transport()->open(NULL, &r->cfg);
    rig_send(r, 0, 1);
    assert_int_equal(r->units[0].resp.status, 200);
    assert_int_equal(connections(r), 1);

    setenv("SNOWPLOW_HTTP_ENGINE", "curl", 1);
    sp_http_transport()->close(r->conn);
    r->conn = sp_http_transport()->open(NULL, &r->cfg);
    unsetenv("SNOWPLOW_HTTP_ENGINE");
    rig_send(r, 0, UNITS);
    for (int i = 0; i < UNITS; i++)
        assert_int_equal(r->units[i].resp.status, 200);
    /* libcurl: requests in parallel on connections of their own. */
    assert_true(connections(r) > 2);
    char *lean = head_of(r, 0), *curl = head_of(r, 1);
    assert_string_equal(lean, curl);
    assert_non_null(strstr(lean, "User-Agent: agent/1.0 (test)\r\n"));
    assert_non_null(strstr(lean, "\r\nAuthorization: Bearer abc\r\n"));
    free(lean);
    free(curl);
    rig_free(r);
}

static void test_proxy_in_environment_uses_libcurl(void **state)
{
    (void)state;
    rig *r = rig_new(all_ok, 30000);
    sp_http_transport()->close(r->conn);
    setenv("http_proxy", "http://127.0.0.1:1", 1); /* nothing listens there */
    r->conn = sp_http_transport()->open(NULL, &r->cfg);
    rig_send(r, 0, 2); /* libcurl reads the variable for each transfer */
    unsetenv("http_proxy");
    /* libcurl tried the proxy; the lean engine would have reached the server. */
    assert_int_equal(r->units[0].resp.status, 0);
    assert_non_null(strstr(r->units[0].resp.reason, "onnect"));
    assert_int_equal(received(r), 0);
    rig_free(r);
}

int main(void)
{
    /* The engine is chosen from the environment: start from a clean one. */
    const char *vars[] = {"SNOWPLOW_HTTP_ENGINE", "http_proxy", "HTTP_PROXY", "all_proxy",
                          "ALL_PROXY", "no_proxy", "NO_PROXY"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pipelined_on_one_connection),
        cmocka_unit_test(test_close_mid_pipeline_fails_exactly_the_unanswered),
        cmocka_unit_test(test_error_answers_mid_pipeline),
        cmocka_unit_test(test_answers_split_across_reads),
        cmocka_unit_test(test_connection_close_resends_the_rest_once),
        cmocka_unit_test(test_request_timeout),
        cmocka_unit_test(test_abort_ends_a_stalled_pipeline),
        cmocka_unit_test(test_stale_kept_connection_is_replaced),
        cmocka_unit_test(test_same_request_head_as_libcurl),
        cmocka_unit_test(test_proxy_in_environment_uses_libcurl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
