/*
 * Fuzz target: the collector endpoint parser (sp_endpoint_parse).
 *
 * The whole input, NUL-terminated (an embedded NUL ends the text, as it would in
 * C), is parsed three times: with no defaults, with "https" and port 8443, and
 * with an out-of-range default port. On success:
 * - scheme is "http" or "https", host non-empty, 1 <= port <= 65535, the
 *   prefix never ends with '/';
 * - sp_endpoint_url() works and starts with "<scheme>://";
 * - (strict checks) parsing that URL again gives the same scheme, host, port
 *   and prefix, and libcurl's URL parser accepts the URL and reads the same
 *   host and port from it, so an endpoint accepted at configuration time does
 *   not fail at send time.
 * On failure the output is cleared and an SNOWPLOW_EURL message is recorded.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz_support.h"
#include "snowplow/common.h"
#include "util/endpoint.h"

static const char FN[] = "fuzz_endpoint";

static void check_failure(int rc, const sp_endpoint *ep)
{
    FUZZ_CHECK(rc == SNOWPLOW_EURL || rc == SNOWPLOW_ENOMEM, snowplow_error_last());
    FUZZ_CHECK(ep->scheme == NULL && ep->host == NULL && ep->prefix == NULL,
               "output not cleared on error");
    FUZZ_CHECK(snowplow_error_last_code() == rc, snowplow_error_last());
    FUZZ_CHECK(strncmp(snowplow_error_last(), "fuzz_endpoint: endpoint: ", 25) == 0,
               snowplow_error_last());
}

static void check_fields(const sp_endpoint *ep, const char *input)
{
    FUZZ_CHECK(ep->scheme != NULL && ep->host != NULL && ep->prefix != NULL, input);
    FUZZ_CHECK(strcmp(ep->scheme, "http") == 0 || strcmp(ep->scheme, "https") == 0,
               ep->scheme);
    FUZZ_CHECK(ep->host[0] != '\0', input);
    FUZZ_CHECK(ep->port >= 1 && ep->port <= 65535, input);
    size_t plen = strlen(ep->prefix);
    FUZZ_CHECK(plen == 0 || ep->prefix[plen - 1] != '/', ep->prefix);
    FUZZ_CHECK(plen == 0 || ep->prefix[0] == '/', ep->prefix);
}

/* Whether two IPv6 texts (without brackets or zone) are the same address. */
static int same_ipv6(const char *a, size_t alen, const char *b, size_t blen)
{
    char ta[INET6_ADDRSTRLEN + 1], tb[INET6_ADDRSTRLEN + 1];
    struct in6_addr xa, xb;
    if (alen >= sizeof ta || blen >= sizeof tb)
        return 0;
    memcpy(ta, a, alen);
    ta[alen] = '\0';
    memcpy(tb, b, blen);
    tb[blen] = '\0';
    return inet_pton(AF_INET6, ta, &xa) == 1 && inet_pton(AF_INET6, tb, &xb) == 1 &&
           memcmp(&xa, &xb, sizeof xa) == 0;
}

/* Whether curl's host is ours, allowing for curl's normalisation of numeric
 * hosts: IPv4 shorthands ("5", "0x7f.1") become dotted quads, IPv6 addresses
 * their canonical text, and the zone id of an IPv6 address is kept apart. */
static int same_host(const char *ours, const char *curls)
{
    if (strchr(ours, ':') != NULL) {
        size_t clen = strlen(curls);
        if (clen < 2 || curls[0] != '[' || curls[clen - 1] != ']')
            return 0;
        size_t olen = strcspn(ours, "%");
        return same_ipv6(ours, olen, curls + 1, clen - 2) ||
               (strncasecmp(ours, curls + 1, olen) == 0 && olen == clen - 2);
    }
    struct in_addr ipv4;
    if (inet_aton(ours, &ipv4))
        return strcmp(inet_ntoa(ipv4), curls) == 0;
    return strcasecmp(ours, curls) == 0;
}

/* libcurl must read the same host and port from the URL (strict check), so that
 * an endpoint accepted at configuration time does not fail at send time. */
static void check_curl_agrees(const sp_endpoint *ep, const char *url)
{
    CURLU *u = curl_url();
    FUZZ_CHECK(u != NULL, "curl_url");
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
        fuzz_fail(__FILE__, __LINE__, "libcurl accepts the endpoint URL", url);
    char *host = NULL, *port = NULL;
    FUZZ_CHECK(curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK, url);
    FUZZ_CHECK(curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK, url);
    FUZZ_CHECK(same_host(ep->host, host), url);
    FUZZ_CHECK(atoi(port) == ep->port, url);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
}

static void check_success(const sp_endpoint *ep, const char *input)
{
    check_fields(ep, input);

    char *url = sp_endpoint_url(ep, "/i");
    FUZZ_CHECK(url != NULL, input);
    size_t slen = strlen(ep->scheme);
    FUZZ_CHECK(strncmp(url, ep->scheme, slen) == 0 && strncmp(url + slen, "://", 3) == 0, url);
    size_t ulen = strlen(url);
    FUZZ_CHECK(ulen >= 2 && strcmp(url + ulen - 2, "/i") == 0, url);
    free(url);

    /* Round trip (strict check): the URL the emitter would use names the same
     * endpoint, for us and for libcurl. */
    if (!fuzz_strict_enabled())
        return;
    char *base = sp_endpoint_url(ep, NULL);
    FUZZ_CHECK(base != NULL, input);
    sp_endpoint again;
    int rc = sp_endpoint_parse(&again, FN, base, NULL, 0);
    FUZZ_CHECK(rc == 0, base);
    check_fields(&again, base);
    check_curl_agrees(ep, base);
    FUZZ_CHECK(strcmp(again.scheme, ep->scheme) == 0, base);
    FUZZ_CHECK(strcmp(again.host, ep->host) == 0, base);
    FUZZ_CHECK(again.port == ep->port, base);
    FUZZ_CHECK(strcmp(again.prefix, ep->prefix) == 0, base);
    sp_endpoint_free(&again);
    free(base);
}

static void parse_with(const char *text, const char *default_scheme, int default_port)
{
    sp_endpoint ep;
    memset(&ep, 0xA5, sizeof ep); /* garbage: the parser must initialise it */
    snowplow_error_clear();
    int rc = sp_endpoint_parse(&ep, FN, text, default_scheme, default_port);
    if (rc == 0) {
        check_success(&ep, text);
        sp_endpoint_free(&ep);
        FUZZ_CHECK(ep.scheme == NULL && ep.host == NULL && ep.prefix == NULL,
                   "sp_endpoint_free left pointers");
    } else {
        check_failure(rc, &ep);
        sp_endpoint_free(&ep); /* harmless after a failure */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_strndup(data, size);
    parse_with(text, NULL, 0);
    parse_with(text, "https", 8443);
    parse_with(text, "http", 70000);
    free(text);
    return 0;
}
