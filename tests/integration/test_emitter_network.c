/*
 * Network options against real servers on 127.0.0.1: a TLS front for the local
 * collector with a CA made by the test (tests/support/net_fixture.py, Debian's
 * openssl), one that requires a client certificate, and an HTTP proxy.
 * Verification on by default, the CA file and directory, client certificates,
 * pinning, the insecure switch, the proxy (option and environment), extra
 * headers and the User-Agent as the collector receives them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sp_test_collector.h"
#include "test_emitter_helpers.h"

#ifndef SNOWPLOW_TEST_NET_FIXTURE
#error "SNOWPLOW_TEST_NET_FIXTURE must name tests/support/net_fixture.py"
#endif

typedef struct net {
    sp_test_collector *c;
    pid_t pid;
    char dir[64];
    char ready[96];
    int tls_port, mtls_port, wrongname_port, proxy_port;
    char ca_file[160], ca_path[160], client_cert[160], client_key[160], pin[128];
} net;

static void copy_string(char *dst, size_t size, const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItem(obj, name);
    snprintf(dst, size, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

static int net_setup(void **state)
{
    net *n = calloc(1, sizeof *n);
    *state = n;
    if (!n || !(n->c = sp_test_collector_start()))
        return -1;
    strcpy(n->dir, "/tmp/sp-net-XXXXXX");
    if (!mkdtemp(n->dir))
        return -1;
    snprintf(n->ready, sizeof n->ready, "%s/ready.json", n->dir);
    char port[16];
    snprintf(port, sizeof port, "%d", sp_test_collector_port(n->c));
    char *args[] = {(char *)"--upstream", port, (char *)"--dir", n->dir, (char *)"--ready",
                    n->ready, NULL};
    n->pid = sp_test_python_start(SNOWPLOW_TEST_NET_FIXTURE, args, n->ready);
    if (n->pid < 0)
        return -1;
    FILE *f = fopen(n->ready, "r");
    char text[4096] = {0};
    size_t len = f ? fread(text, 1, sizeof text - 1, f) : 0;
    if (f)
        fclose(f);
    cJSON *info = cJSON_Parse(text);
    if (!len || !info)
        return -1;
    n->tls_port = th_int_field(info, "tls_port");
    n->mtls_port = th_int_field(info, "mtls_port");
    n->proxy_port = th_int_field(info, "proxy_port");
    n->wrongname_port = th_int_field(info, "wrongname_port");
    copy_string(n->ca_file, sizeof n->ca_file, info, "ca_file");
    copy_string(n->ca_path, sizeof n->ca_path, info, "ca_path");
    copy_string(n->client_cert, sizeof n->client_cert, info, "client_cert");
    copy_string(n->client_key, sizeof n->client_key, info, "client_key");
    copy_string(n->pin, sizeof n->pin, info, "pin");
    cJSON_Delete(info);
    return 0;
}

static int net_teardown(void **state)
{
    net *n = *state;
    if (!n)
        return 0;
    sp_test_python_stop(n->pid);
    sp_test_collector_stop(n->c);
    if (n->dir[0]) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", n->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", n->dir);
    }
    free(n);
    return 0;
}

static int net_clean(void **state)
{
    net *n = *state;
    th_collector_clean(n->c);
    return 0;
}

/* Options for https://HOST:port with one attempt per event (a refusal is final
 * at once). */
static snowplow_emitter_options *tls_options_for(const char *host, int port)
{
    char url[64];
    snprintf(url, sizeof url, "https://%s:%d", host, port);
    snowplow_emitter_options *o = th_options(url, NULL, NULL);
    assert_int_equal(snowplow_emitter_options_set_retry(o, 1, 1, 1), 0);
    return o;
}

static snowplow_emitter_options *tls_options(int port)
{
    return tls_options_for("127.0.0.1", port);
}

/* The same, trusting the test's CA file. */
static snowplow_emitter_options *ca_options(const net *n, const char *host, int port)
{
    snowplow_emitter_options *o = tls_options_for(host, port);
    assert_int_equal(snowplow_emitter_options_set_ca_file(o, n->ca_file), 0);
    return o;
}

/* Create the emitter, send one event, flush, close. 1 when it was sent, 0 when it
 * failed; `reason` gets the failure's reason. */
static int send_one(snowplow_emitter_options *o, th_recorder *ok, th_recorder *failed,
                    char *reason, size_t reason_size)
{
    snowplow_emitter *em = NULL;
    assert_int_equal(snowplow_emitter_new(&em, o), 0);
    assert_int_equal(th_enqueue(em, NULL, "net"), 0);
    assert_int_equal(snowplow_emitter_flush(em, 60000), 0);
    assert_int_equal(snowplow_emitter_close(em, 10000), 0);
    snowplow_emitter_free(em);
    int sent = th_recorded_events(ok) == 1;
    if (reason) {
        reason[0] = '\0';
        if (failed->count > 0)
            snprintf(reason, reason_size, "%s", snowplow_result_reason(failed->results[0]));
    }
    assert_int_equal(th_recorded_events(ok) + th_recorded_events(failed), 1);
    return sent;
}

/* One event sent with `o`: 1 when delivered (the collector has it), else 0. */
static int try_send(net *n, snowplow_emitter_options *o, char *reason, size_t reason_size)
{
    th_recorder ok, failed;
    th_recorder_init(&ok);
    th_recorder_init(&failed);
    snowplow_emitter_options_set_on_success(o, th_record, &ok);
    snowplow_emitter_options_set_on_failure(o, th_record, &failed);
    int sent = send_one(o, &ok, &failed, reason, reason_size);
    if (sent)
        assert_int_equal(sp_test_collector_wait_total(n->c, 1, 0, 10000), 0);
    th_recorder_free(&ok);
    th_recorder_free(&failed);
    return sent;
}

static void test_tls_refused_by_default(void **state)
{
    net *n = *state;
    char reason[256];
    assert_int_equal(try_send(n, tls_options(n->tls_port), reason, sizeof reason), 0);
    assert_non_null(strstr(reason, "certificate")); /* "SSL certificate problem: ..." */
    cJSON *all = sp_test_collector_get(n->c, "/micro/all");
    assert_int_equal(th_int_field(all, "total"), 0);
    cJSON_Delete(all);
}

static void test_tls_ca_file(void **state)
{
    net *n = *state;
    assert_int_equal(try_send(n, ca_options(n, "127.0.0.1", n->tls_port), NULL, 0), 1);
}

static void test_tls_ca_path(void **state)
{
    net *n = *state;
    snowplow_emitter_options *o = tls_options(n->tls_port);
    assert_int_equal(snowplow_emitter_options_set_ca_path(o, n->ca_path), 0);
    assert_int_equal(try_send(n, o, NULL, 0), 1);
}

/* The collector's name must match too: a certificate from the trusted CA for
 * another name is refused; "localhost", which it names, is accepted. */
static void test_tls_host_name_checked(void **state)
{
    net *n = *state;
    char reason[256];
    assert_int_equal(try_send(n, ca_options(n, "127.0.0.1", n->wrongname_port), reason,
                              sizeof reason),
                     0);
    assert_non_null(strstr(reason, "127.0.0.1")); /* "... does not match target host ..." */
    assert_int_equal(try_send(n, ca_options(n, "localhost", n->tls_port), NULL, 0), 1);
}

static void test_tls_insecure_skip_verify(void **state)
{
    net *n = *state;
    snowplow_emitter_options *o = tls_options(n->tls_port);
    assert_int_equal(snowplow_emitter_options_set_insecure_skip_tls_verify(o, 1), 0);
    assert_int_equal(try_send(n, o, NULL, 0), 1);
}

static void test_client_certificate(void **state)
{
    net *n = *state;
    char reason[256];
    snowplow_emitter_options *o = ca_options(n, "127.0.0.1", n->mtls_port);
    assert_int_equal(try_send(n, o, reason, sizeof reason), 0); /* no certificate: refused */
    assert_true(reason[0] != '\0');

    o = ca_options(n, "127.0.0.1", n->mtls_port);
    assert_int_equal(snowplow_emitter_options_set_client_cert(o, n->client_cert, n->client_key),
                     0);
    assert_int_equal(try_send(n, o, NULL, 0), 1);
}

static void test_pinned_public_key(void **state)
{
    net *n = *state;
    snowplow_emitter_options *o = ca_options(n, "127.0.0.1", n->tls_port);
    assert_int_equal(snowplow_emitter_options_set_pinned_public_key(o, n->pin), 0);
    assert_int_equal(try_send(n, o, NULL, 0), 1);
    th_collector_clean(n->c);

    char reason[256];
    o = ca_options(n, "127.0.0.1", n->tls_port);
    assert_int_equal(snowplow_emitter_options_set_pinned_public_key(
                         o, "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
                     0);
    assert_int_equal(try_send(n, o, reason, sizeof reason), 0);
    assert_non_null(strstr(reason, "pinned public key"));
}

/* Whether the last request the collector got came through the test proxy. */
static int last_request_proxied(net *n)
{
    cJSON *requests = th_requests(n->c);
    int size = cJSON_GetArraySize(requests);
    assert_true(size >= 1);
    const cJSON *h = cJSON_GetObjectItem(cJSON_GetArrayItem(requests, size - 1), "headers");
    int proxied = cJSON_GetObjectItem(h, "x-test-proxy") != NULL;
    cJSON_Delete(requests);
    return proxied;
}

static void test_proxy_option(void **state)
{
    net *n = *state;
    char proxy[64];
    snprintf(proxy, sizeof proxy, "http://127.0.0.1:%d", n->proxy_port);
    for (int get = 0; get <= 1; get++) {
        snowplow_emitter_options *o = th_options(sp_test_collector_url(n->c), NULL, NULL);
        if (get)
            snowplow_emitter_options_set_method(o, SNOWPLOW_METHOD_GET);
        assert_int_equal(snowplow_emitter_options_set_proxy(o, proxy), 0);
        assert_int_equal(try_send(n, o, NULL, 0), 1);
        assert_true(last_request_proxied(n));
        th_collector_clean(n->c);
    }
    /* https through the proxy: a CONNECT tunnel, verified end to end. */
    snowplow_emitter_options *o = ca_options(n, "127.0.0.1", n->tls_port);
    assert_int_equal(snowplow_emitter_options_set_proxy(o, proxy), 0);
    assert_int_equal(try_send(n, o, NULL, 0), 1);
}

/* No option: libcurl's reading of http_proxy; "" ignores it. No emitter runs
 * while the environment changes. */
static void test_proxy_environment(void **state)
{
    net *n = *state;
    char proxy[64];
    snprintf(proxy, sizeof proxy, "http://127.0.0.1:%d", n->proxy_port);
    setenv("http_proxy", proxy, 1);
    th_recorder ok, failed;
    th_recorder_init(&ok);
    th_recorder_init(&failed);
    snowplow_emitter_options *o = th_options(sp_test_collector_url(n->c), &ok, &failed);
    assert_int_equal(send_one(o, &ok, &failed, NULL, 0), 1);
    th_recorder_free(&ok);
    th_recorder_free(&failed);

    th_recorder_init(&ok);
    th_recorder_init(&failed);
    o = th_options(sp_test_collector_url(n->c), &ok, &failed);
    assert_int_equal(snowplow_emitter_options_set_proxy(o, ""), 0);
    assert_int_equal(send_one(o, &ok, &failed, NULL, 0), 1);
    th_recorder_free(&ok);
    th_recorder_free(&failed);

    /* no_proxy is honoured even for a proxy given as an option. */
    setenv("no_proxy", "127.0.0.1", 1);
    th_recorder_init(&ok);
    th_recorder_init(&failed);
    o = th_options(sp_test_collector_url(n->c), &ok, &failed);
    assert_int_equal(snowplow_emitter_options_set_proxy(o, proxy), 0);
    assert_int_equal(send_one(o, &ok, &failed, NULL, 0), 1);
    th_recorder_free(&ok);
    th_recorder_free(&failed);
    unsetenv("no_proxy");
    unsetenv("http_proxy");

    cJSON *requests = th_requests(n->c);
    assert_int_equal(cJSON_GetArraySize(requests), 3);
    static const int proxied[] = {1, 0, 0};
    for (int i = 0; i < 3; i++) {
        const cJSON *h = cJSON_GetObjectItem(cJSON_GetArrayItem(requests, i), "headers");
        assert_int_equal(cJSON_GetObjectItem(h, "x-test-proxy") != NULL, proxied[i]);
    }
    cJSON_Delete(requests);
}

/* GET through the proxy of the environment: the request line keeps the
 * absolute URL with its query (http.c gives libcurl a GET's target apart only
 * when no proxy may be used), so the event arrives whole. */
static void test_get_through_proxy_environment(void **state)
{
    net *n = *state;
    char proxy[64];
    snprintf(proxy, sizeof proxy, "http://127.0.0.1:%d", n->proxy_port);
    setenv("http_proxy", proxy, 1);
    snowplow_emitter_options *o = th_options(sp_test_collector_url(n->c), NULL, NULL);
    snowplow_emitter_options_set_method(o, SNOWPLOW_METHOD_GET);
    assert_int_equal(try_send(n, o, NULL, 0), 1);
    unsetenv("http_proxy");
    assert_true(last_request_proxied(n));
}

static void test_headers_and_user_agent(void **state)
{
    net *n = *state;
    for (int get = 0; get <= 1; get++) {
        snowplow_emitter_options *o = th_options(sp_test_collector_url(n->c), NULL, NULL);
        if (get)
            snowplow_emitter_options_set_method(o, SNOWPLOW_METHOD_GET);
        assert_int_equal(snowplow_emitter_options_add_header(o, "Authorization", "Bearer t0k3n"), 0);
        assert_int_equal(snowplow_emitter_options_add_header(o, "X-Tenant", "old"), 0);
        assert_int_equal(snowplow_emitter_options_add_header(o, "x-tenant", "acme"), 0);
        assert_int_equal(snowplow_emitter_options_add_header(o, "X-Empty", ""), 0);
        assert_int_equal(snowplow_emitter_options_set_user_agent(o, "my-app/2.1 (cron)"), 0);
        assert_int_equal(try_send(n, o, NULL, 0), 1);

        cJSON *requests = th_requests(n->c);
        assert_int_equal(cJSON_GetArraySize(requests), 1);
        const cJSON *h = cJSON_GetObjectItem(cJSON_GetArrayItem(requests, 0), "headers");
        assert_string_equal(cJSON_GetObjectItem(h, "authorization")->valuestring, "Bearer t0k3n");
        assert_string_equal(cJSON_GetObjectItem(h, "x-tenant")->valuestring, "acme");
        assert_string_equal(cJSON_GetObjectItem(h, "x-empty")->valuestring, "");
        assert_string_equal(cJSON_GetObjectItem(h, "user-agent")->valuestring,
                            "my-app/2.1 (cron)");
        const cJSON *type = cJSON_GetObjectItem(h, "content-type");
        if (get)
            assert_null(type);
        else
            assert_string_equal(type->valuestring, "application/json; charset=utf-8");
        assert_null(cJSON_GetObjectItem(h, "expect"));
        cJSON_Delete(requests);
        th_collector_clean(n->c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_tls_refused_by_default, net_clean),
        cmocka_unit_test_setup(test_tls_ca_file, net_clean),
        cmocka_unit_test_setup(test_tls_ca_path, net_clean),
        cmocka_unit_test_setup(test_tls_host_name_checked, net_clean),
        cmocka_unit_test_setup(test_tls_insecure_skip_verify, net_clean),
        cmocka_unit_test_setup(test_client_certificate, net_clean),
        cmocka_unit_test_setup(test_pinned_public_key, net_clean),
        cmocka_unit_test_setup(test_proxy_option, net_clean),
        cmocka_unit_test_setup(test_proxy_environment, net_clean),
        cmocka_unit_test_setup(test_get_through_proxy_environment, net_clean),
        cmocka_unit_test_setup(test_headers_and_user_agent, net_clean),
    };
    return cmocka_run_group_tests(tests, net_setup, net_teardown);
}
