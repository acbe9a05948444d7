/* Collector endpoints: what is accepted, how it is normalised, and an error
 * naming the problem for everything else. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snowplow/common.h"
#include "util/endpoint.h"
#include "util/text.h"

#define FN "snowplow_emitter_options_set_endpoint"

typedef struct accepted {
    const char *text;
    const char *default_scheme;
    int default_port;
    const char *scheme;
    const char *host;
    int port;
    const char *prefix;
    const char *url; /* sp_endpoint_url(ep, "/i") */
} accepted;

static const accepted good[] = {
    {"collector.example.com", "http", 0, "http", "collector.example.com", 80, "",
     "http://collector.example.com:80/i"},
    {"localhost:9090", "http", 0, "http", "localhost", 9090, "", "http://localhost:9090/i"},
    {"127.0.0.1:8080", "http", 0, "http", "127.0.0.1", 8080, "", "http://127.0.0.1:8080/i"},
    {"[::1]:9090", "http", 0, "http", "::1", 9090, "", "http://[::1]:9090/i"},
    {"[::1]", "http", 0, "http", "::1", 80, "", "http://[::1]:80/i"},
    {"[2001:db8::8a2e:370:7334]:443", "https", 0, "https", "2001:db8::8a2e:370:7334", 443, "",
     "https://[2001:db8::8a2e:370:7334]:443/i"},
    {"[::ffff:127.0.0.1]:80", "http", 0, "http", "::ffff:127.0.0.1", 80, "",
     "http://[::ffff:127.0.0.1]:80/i"},
    {"http://h", "https", 0, "http", "h", 80, "", "http://h:80/i"},
    {"https://h:8443/", "http", 0, "https", "h", 8443, "", "https://h:8443/i"},
    {"http://h:80/prefix/", "http", 0, "http", "h", 80, "/prefix", "http://h:80/prefix/i"},
    {"HTTPS://Collector.Example.COM", "http", 0, "https", "Collector.Example.COM", 443, "",
     "https://Collector.Example.COM:443/i"},
    {"https://h", "http", 0, "https", "h", 443, "", "https://h:443/i"},
    /* Defaults apply only where the text is silent. */
    {"h", "https", 0, "https", "h", 443, "", "https://h:443/i"},
    {"h", NULL, 0, "http", "h", 80, "", "http://h:80/i"},
    {"h", "http", 8080, "http", "h", 8080, "", "http://h:8080/i"},
    {"h:9", "http", 8080, "http", "h", 9, "", "http://h:9/i"},
    {"h:65535", "http", 0, "http", "h", 65535, "", "http://h:65535/i"},
    {"h:1", "http", 0, "http", "h", 1, "", "http://h:1/i"},
    {"h:00080", "http", 0, "http", "h", 80, "", "http://h:80/i"},
    {"h/a/b//", "http", 0, "http", "h", 80, "/a/b", "http://h:80/a/b/i"},
    {"https://h/c%20d/x@y", "http", 0, "https", "h", 443, "/c%20d/x@y",
     "https://h:443/c%20d/x@y/i"},
    {"my_host-1.example:7", "http", 0, "http", "my_host-1.example", 7, "",
     "http://my_host-1.example:7/i"},
};

static void test_accepted_endpoints(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        const accepted *a = &good[i];
        sp_endpoint ep;
        int rc = sp_endpoint_parse(&ep, FN, a->text, a->default_scheme, a->default_port);
        if (rc != 0)
            fail_msg("'%s' refused: %s", a->text, snowplow_error_last());
        assert_string_equal(ep.scheme, a->scheme);
        assert_string_equal(ep.host, a->host);
        assert_int_equal(ep.port, a->port);
        assert_string_equal(ep.prefix, a->prefix);
        char *url = sp_endpoint_url(&ep, "/i");
        assert_string_equal(url, a->url);
        free(url);
        sp_endpoint_free(&ep);
        assert_null(ep.host);
    }
}

static void test_url_building(void **state)
{
    (void)state;
    sp_endpoint ep;
    assert_int_equal(sp_endpoint_parse(&ep, FN, "127.0.0.1:8080/prefix", "http", 0), 0);
    char *url = sp_endpoint_url(&ep, "/com.snowplowanalytics.snowplow/tp2");
    assert_string_equal(url, "http://127.0.0.1:8080/prefix/com.snowplowanalytics.snowplow/tp2");
    free(url);
    url = sp_endpoint_url(&ep, NULL);
    assert_string_equal(url, "http://127.0.0.1:8080/prefix");
    free(url);
    url = sp_endpoint_url(&ep, "");
    assert_string_equal(url, "http://127.0.0.1:8080/prefix");
    free(url);
    sp_endpoint_free(&ep);
    sp_endpoint_free(&ep); /* twice is harmless */
    sp_endpoint_free(NULL);
    assert_null(sp_endpoint_url(NULL, "/i"));
}

typedef struct refused {
    const char *text;
    const char *problem; /* must appear in the message */
} refused;

static const refused bad[] = {
    {"", "endpoint: is empty"},
    {"   ", "contains a space"},
    {" h", "contains a space"},
    {"h h", "contains a space"},
    {"http://h/a b", "contains a space"},
    {"h\t", "contains a control character"},
    {"h\n", "contains a control character"},
    {"h\x7f", "contains a control character"},
    {"hö.com", "non-ASCII byte '\\xc3'"},
    {"ftp://h", "unsupported scheme 'ftp' (use http or https)"},
    {"file:///etc/passwd", "unsupported scheme 'file'"},
    {"htp://h", "unsupported scheme 'htp'"},
    {"://h", "missing scheme"},
    {"http://", "missing host in 'http://'"},
    {"https:///prefix", "missing host"},
    {"http://:80", "missing host name before ':'"},
    {":80", "missing host name before ':'"},
    {"h:0", "port 0 out of range"},
    {"h:65536", "port 65536 out of range"},
    {"h:99999999999999999999", "port 99999999999999999999 out of range"},
    {"h:-1", "invalid port '-1'"},
    {"h:abc", "invalid port 'abc'"},
    {"h:80x", "invalid port '80x'"},
    {"h:+80", "invalid port '+80'"},
    {"h:", "missing port number after ':'"},
    {"http://h:/x", "missing port number after ':'"},
    {"http://user:pw@h", "credentials (user:password@) are not supported"},
    {"user@h:80", "credentials"},
    {"[::1", "unclosed '[' in IPv6 address"},
    {"http://[::1/x", "unclosed '['"},
    {"[]:80", "empty IPv6 address"},
    {"[::g]:80", "invalid IPv6 address '::g'"},
    {"[127.0.0.1]:80", "invalid IPv6 address '127.0.0.1'"},
    {"[::1]x", "unexpected 'x' after the IPv6 address"},
    {"[::1]:", "missing port number"},
    {"[::1]:0", "port 0 out of range"},
    {"::1", "too many ':'"},
    {"h:80:90", "too many ':'"},
    {"http:/h", "expected '://' after the scheme"},
    {"https:h", "expected '://' after the scheme"},
    {"h,com", "invalid character ',' in host"},
    {"http://h?x=1", "invalid character '?' in host"},
    {"http://h/p?x=1", "a query or fragment ('?...') is not allowed"},
    {"http://h/p#frag", "a query or fragment ('#...') is not allowed"},
    {"h/<script>", "invalid character '<' in path"},
    {"h/%zz", "invalid percent-escape"},
    {"h/%4", "invalid percent-escape"},
};

static void test_refused_endpoints(void **state)
{
    (void)state;
    char prefix[128];
    snprintf(prefix, sizeof prefix, "%s: endpoint: ", FN);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const refused *r = &bad[i];
        sp_endpoint ep;
        memset(&ep, 0x5a, sizeof ep);
        snowplow_error_clear();
        int rc = sp_endpoint_parse(&ep, FN, r->text, "http", 0);
        const char *msg = snowplow_error_last();
        if (rc != SNOWPLOW_EURL)
            fail_msg("'%s' gave %d (%s)", r->text, rc, msg);
        assert_int_equal(snowplow_error_last_code(), SNOWPLOW_EURL);
        if (strncmp(msg, prefix, strlen(prefix)) != 0 || !strstr(msg, r->problem))
            fail_msg("'%s': message '%s' does not say '%s'", r->text, msg, r->problem);
        assert_true(sp_utf8_valid(msg, strlen(msg)));
        /* Nothing half-filled is left behind. */
        assert_null(ep.scheme);
        assert_null(ep.host);
        assert_null(ep.prefix);
        sp_endpoint_free(&ep);
    }
}

static void test_message_hides_password(void **state)
{
    (void)state;
    sp_endpoint ep;
    assert_int_equal(sp_endpoint_parse(&ep, FN, "https://admin:s3cret@h/", "http", 0),
                     SNOWPLOW_EURL);
    assert_null(strstr(snowplow_error_last(), "s3cret"));
}

static void test_null_and_bad_arguments(void **state)
{
    (void)state;
    sp_endpoint ep;
    assert_int_equal(sp_endpoint_parse(&ep, FN, NULL, "http", 0), SNOWPLOW_EURL);
    assert_string_equal(snowplow_error_last(), FN ": endpoint: is NULL");
    assert_int_equal(sp_endpoint_parse(&ep, FN, "h", "gopher", 0), SNOWPLOW_EURL);
    assert_non_null(strstr(snowplow_error_last(), "unsupported scheme 'gopher'"));
    assert_int_equal(sp_endpoint_parse(&ep, FN, "h", "http", 70000), SNOWPLOW_EURL);
    assert_non_null(strstr(snowplow_error_last(), "default port 70000 out of range"));
    assert_int_equal(sp_endpoint_parse(&ep, FN, "h", "http", -5), SNOWPLOW_EURL);
    assert_int_equal(sp_endpoint_parse(NULL, FN, "h", "http", 0), SNOWPLOW_EINVAL);
}

static void test_long_garbage_is_quoted_briefly(void **state)
{
    (void)state;
    /* A huge scheme with invalid bytes: the message stays short and printable. */
    char text[2100];
    memset(text, 'x', 2000);
    text[10] = '\x01'; /* would be a control character... */
    memcpy(text + 2000, "://h", 5);
    sp_endpoint ep;
    assert_int_equal(sp_endpoint_parse(&ep, FN, text, "http", 0), SNOWPLOW_EURL);
    assert_non_null(strstr(snowplow_error_last(), "control character at offset 10"));
    text[10] = 'x';
    assert_int_equal(sp_endpoint_parse(&ep, FN, text, "http", 0), SNOWPLOW_EURL);
    const char *msg = snowplow_error_last();
    assert_non_null(strstr(msg, "unsupported scheme 'xxxx"));
    assert_non_null(strstr(msg, "...'"));
    assert_true(strlen(msg) < 200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepted_endpoints),
        cmocka_unit_test(test_url_building),
        cmocka_unit_test(test_refused_endpoints),
        cmocka_unit_test(test_message_hides_password),
        cmocka_unit_test(test_null_and_bad_arguments),
        cmocka_unit_test(test_long_garbage_is_quoted_briefly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
