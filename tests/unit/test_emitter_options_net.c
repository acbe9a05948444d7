/* Network options: defaults, every setter's checks, codes and messages, the
 * header list the emitter prepares. No network (test_emitter_network.c has it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "emitter/emitter_impl.h"
#include "snowplow.h"
#include "sp_test_util.h"

#define PIN "sha256//4Ou8X3aBfZjKrpTV+bB4KvmK/9bFxkHNOywceIrHFbk="

static void test_defaults_verify(void **state)
{
    const snowplow_emitter_options *o = *state;
    const sp_http_options *h = &o->http;
    assert_false(h->insecure);
    assert_null(h->ca_file);
    assert_null(h->proxy);
    assert_null(h->user_agent);
    assert_int_equal(h->header_count, 0);
    assert_string_equal(sp_http_default_user_agent(), "libsnowplow/" SNOWPLOW_VERSION_STRING);
}

static void test_paths_checked(void **state)
{
    snowplow_emitter_options *o = *state;
    sp_test_assert_error(snowplow_emitter_options_set_ca_file(o, "/nonexistent/ca.pem"),
                         SNOWPLOW_EINVAL, "set_ca_file: path: cannot read", "/nonexistent");
    sp_test_assert_error(snowplow_emitter_options_set_ca_file(o, "/tmp"), SNOWPLOW_EINVAL,
                         "not a regular file", NULL);
    sp_test_assert_error(snowplow_emitter_options_set_ca_file(o, ""), SNOWPLOW_EINVAL,
                         "path: empty", NULL);
    sp_test_assert_error(snowplow_emitter_options_set_ca_path(o, "/etc/hostname"),
                         SNOWPLOW_EINVAL, "dir: '/etc/hostname' is not a directory", NULL);
    sp_test_assert_error(snowplow_emitter_options_set_client_cert(o, NULL, "/etc/hostname"),
                         SNOWPLOW_EINVAL, "cert_path: NULL while key_path", NULL);
    sp_test_assert_error(snowplow_emitter_options_set_client_cert(o, "/etc/hostname", "/no/key"),
                         SNOWPLOW_EINVAL, "key_path: cannot read", NULL);
    sp_test_assert_error(snowplow_emitter_options_set_ca_file(NULL, "/etc/hostname"),
                         SNOWPLOW_EINVAL, "options: NULL", NULL);
    assert_null(o->http.ca_file); /* nothing kept from refused calls */
    assert_null(o->http.client_key);

    assert_int_equal(snowplow_emitter_options_set_ca_file(o, "/etc/hostname"), 0);
    assert_string_equal(o->http.ca_file, "/etc/hostname");
    assert_int_equal(snowplow_emitter_options_set_ca_file(o, NULL), 0);
    assert_null(o->http.ca_file);
    assert_int_equal(snowplow_emitter_options_set_ca_path(o, "/tmp"), 0);
    assert_int_equal(snowplow_emitter_options_set_client_cert(o, "/etc/hostname", NULL), 0);
    assert_null(o->http.client_key);
}

static void test_pin_checked(void **state)
{
    snowplow_emitter_options *o = *state;
    sp_test_assert_error(snowplow_emitter_options_set_pinned_public_key(o, "sha256//abc"),
                         SNOWPLOW_EINVAL, "pin: 'sha256//abc' is not sha256//", NULL);
    sp_test_assert_error(snowplow_emitter_options_set_pinned_public_key(o, PIN ";sha256//x"),
                         SNOWPLOW_EINVAL, "'sha256//x'", NULL);
    sp_test_assert_error(snowplow_emitter_options_set_pinned_public_key(o, "/no/key.pem"),
                         SNOWPLOW_EINVAL, "cannot read", NULL);
    assert_int_equal(snowplow_emitter_options_set_pinned_public_key(o, PIN), 0);
    assert_int_equal(snowplow_emitter_options_set_pinned_public_key(o, PIN ";" PIN), 0);
    assert_string_equal(o->http.pinned_public_key, PIN ";" PIN);
}

static void test_insecure_switch(void **state)
{
    snowplow_emitter_options *o = *state;
    sp_test_assert_error(snowplow_emitter_options_set_insecure_skip_tls_verify(o, 2),
                         SNOWPLOW_EINVAL, "on: 2 is not 0 or 1", NULL);
    assert_false(o->http.insecure);
    assert_int_equal(snowplow_emitter_options_set_insecure_skip_tls_verify(o, 1), 0);
    assert_true(o->http.insecure);
    assert_int_equal(snowplow_emitter_options_set_insecure_skip_tls_verify(o, 0), 0);
    assert_false(o->http.insecure);
}

static void test_proxy_checked(void **state)
{
    snowplow_emitter_options *o = *state;
    sp_test_assert_error(snowplow_emitter_options_set_proxy(o, "ftp://proxy:21"), SNOWPLOW_EURL,
                         "scheme other than http", NULL);
    sp_test_assert_error(snowplow_emitter_options_set_proxy(o, "http://"), SNOWPLOW_EURL,
                         "has no host", NULL);
    sp_test_assert_error(snowplow_emitter_options_set_proxy(o, "http://a b:1"), SNOWPLOW_EURL,
                         "space or control character", NULL);
    static const char *const good[] = {"http://proxy:3128", "proxy:3128", "HTTPS://p:443",
                                       "socks5h://u:p@p:1080", ""};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        assert_int_equal(snowplow_emitter_options_set_proxy(o, good[i]), 0);
        assert_string_equal(o->http.proxy, good[i]);
    }
    assert_int_equal(snowplow_emitter_options_set_proxy(o, NULL), 0);
    assert_null(o->http.proxy);
}

static void test_headers_checked(void **state)
{
    snowplow_emitter_options *o = *state;
    sp_test_assert_error(snowplow_emitter_options_add_header(o, "Bad Name", "v"), SNOWPLOW_EINVAL,
                         "name: 'Bad Name' is not an HTTP header name", NULL);
    sp_test_assert_error(snowplow_emitter_options_add_header(o, "", "v"), SNOWPLOW_EINVAL,
                         "is not an HTTP header name", NULL);
    sp_test_assert_error(snowplow_emitter_options_add_header(o, "content-type", "text/plain"),
                         SNOWPLOW_EINVAL, "'content-type' cannot be set this way", NULL);
    sp_test_assert_error(snowplow_emitter_options_add_header(o, "User-Agent", "x"),
                         SNOWPLOW_EINVAL, "set_user_agent", NULL);
    sp_test_assert_error(snowplow_emitter_options_add_header(o, "X-A", "a\r\nX-B: b"),
                         SNOWPLOW_EINVAL, "value: holds a control character", NULL);
    sp_test_assert_error(snowplow_emitter_options_add_header(o, "X-A", NULL), SNOWPLOW_EINVAL,
                         "value: NULL", NULL);
    static char big[9000];
    memset(big, 'v', sizeof big - 1);
    sp_test_assert_error(snowplow_emitter_options_add_header(o, "X-Big", big), SNOWPLOW_ERANGE,
                         "over 8192", NULL);
    assert_int_equal(o->http.header_count, 0);

    assert_int_equal(snowplow_emitter_options_add_header(o, "X-Token", "one"), 0);
    assert_int_equal(snowplow_emitter_options_add_header(o, "X-Empty", ""), 0);
    assert_int_equal(snowplow_emitter_options_add_header(o, "x-token", "two"), 0);
    assert_int_equal(o->http.header_count, 2);
    assert_string_equal(o->http.headers[0], "x-token: two");
    assert_string_equal(o->http.headers[1], "X-Empty;"); /* curl sends "X-Empty:" */
    for (int i = 2; i < 64; i++) {
        char name[16];
        snprintf(name, sizeof name, "X-N%d", i);
        assert_int_equal(snowplow_emitter_options_add_header(o, name, "v"), 0);
    }
    sp_test_assert_error(snowplow_emitter_options_add_header(o, "X-One-Too-Many", "v"),
                         SNOWPLOW_ERANGE, "more than 64 headers", NULL);
}

/* The prepared list: Content-Type for POST only, Expect: always, then ours. */
static void test_prepared_header_list(void **state)
{
    snowplow_emitter_options *o = *state;
    assert_int_equal(snowplow_emitter_options_add_header(o, "Authorization", "Bearer x"), 0);
    for (int post = 1; post >= 0; post--) {
        assert_int_equal(sp_http_options_prepare(&o->http, post), 0);
        const struct curl_slist *l = o->http.header_list;
        if (post) {
            assert_string_equal(l->data, "Content-Type: application/json; charset=utf-8");
            l = l->next;
        }
        assert_string_equal(l->data, "Expect:");
        assert_string_equal(l->next->data, "Authorization: Bearer x");
        assert_null(l->next->next);
    }
}

static void test_user_agent_checked(void **state)
{
    snowplow_emitter_options *o = *state;
    sp_test_assert_error(snowplow_emitter_options_set_user_agent(o, ""), SNOWPLOW_EINVAL,
                         "user_agent: empty", NULL);
    sp_test_assert_error(snowplow_emitter_options_set_user_agent(o, "a\nb"), SNOWPLOW_EINVAL,
                         "control character", NULL);
    assert_int_equal(snowplow_emitter_options_set_user_agent(o, "app/1"), 0);
    assert_string_equal(o->http.user_agent, "app/1");
    assert_int_equal(snowplow_emitter_options_set_user_agent(o, NULL), 0);
    assert_null(o->http.user_agent);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults_verify, sp_test_options_setup,
                                        sp_test_options_teardown),
        cmocka_unit_test_setup_teardown(test_paths_checked, sp_test_options_setup,
                                        sp_test_options_teardown),
        cmocka_unit_test_setup_teardown(test_pin_checked, sp_test_options_setup,
                                        sp_test_options_teardown),
        cmocka_unit_test_setup_teardown(test_insecure_switch, sp_test_options_setup,
                                        sp_test_options_teardown),
        cmocka_unit_test_setup_teardown(test_proxy_checked, sp_test_options_setup,
                                        sp_test_options_teardown),
        cmocka_unit_test_setup_teardown(test_headers_checked, sp_test_options_setup,
                                        sp_test_options_teardown),
        cmocka_unit_test_setup_teardown(test_prepared_header_list, sp_test_options_setup,
                                        sp_test_options_teardown),
        cmocka_unit_test_setup_teardown(test_user_agent_checked, sp_test_options_setup,
                                        sp_test_options_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
