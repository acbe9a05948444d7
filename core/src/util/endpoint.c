/* The collector endpoint: "host", "host:port", "[v6]:port" or an http(s) URL,
 * checked strictly so that a typo fails at configuration time, not at send time. */
#include "util/endpoint.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <strings.h>

#include "util/error.h"
#include "util/quote.h"

/* Record the error "fn: endpoint: <problem>" and return SNOWPLOW_EURL. */
#define FAIL(...) fail(fn, __VA_ARGS__)

static int fail(const char *fn, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(const char *fn, const char *fmt, ...)
{
    char problem[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(problem, sizeof problem, fmt, ap);
    va_end(ap);
    return sp_error_set(SNOWPLOW_EURL, "%s: endpoint: %s", fn, problem);
}

static bool is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* RFC 3986 reg-name without percent-escapes: what DNS names and IPv4 use. */
static bool is_host_char(unsigned char c)
{
    return is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* pchar or '/', minus the percent sign which is checked separately. */
static bool is_path_char(unsigned char c)
{
    return is_alnum(c) || strchr("-._~!$&'()*+,;=:@/", c) != NULL;
}

/* A printable rendering of one byte for messages ('x' or \xNN). */
static const char *show_char(char out[8], unsigned char c)
{
    if (c > 0x20 && c < 0x7F)
        snprintf(out, 8, "%c", c);
    else
        snprintf(out, 8, "\\x%02x", c);
    return out;
}

static int parse_scheme(const char *fn, const char *text, size_t len, const char **scheme)
{
    char q[SP_QUOTE_SIZE];
    if (len == 0)
        return FAIL("missing scheme before '://' in '%s'", sp_quote(q, text));
    if (len == 4 && strncasecmp(text, "http", 4) == 0) {
        *scheme = "http";
    } else if (len == 5 && strncasecmp(text, "https", 5) == 0) {
        *scheme = "https";
    } else {
        return FAIL("unsupported scheme '%s' (use http or https)",
                    sp_quote_bytes(q, sizeof q, text, len, SP_QUOTE_MAX));
    }
    return 0;
}

/* Port digits "1".."65535"; `text` is not NUL-terminated at `len`. */
static int parse_port(const char *fn, const char *text, size_t len, int *port)
{
    char q[SP_QUOTE_SIZE];
    if (len == 0)
        return FAIL("missing port number after ':'");
    long value = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < '0' || c > '9')
            return FAIL("invalid port '%s' (expected a number from 1 to 65535)",
                        sp_quote_bytes(q, sizeof q, text, len, SP_QUOTE_MAX));
        if (value <= 65535)
            value = value * 10 + (c - '0');
    }
    if (value < 1 || value > 65535)
        return FAIL("port %s out of range (expected 1 to 65535)",
                    sp_quote_bytes(q, sizeof q, text, len, SP_QUOTE_MAX));
    *port = (int)value;
    return 0;
}

/* A zone id (the part after '%'): an interface name, so one to IF_NAMESIZE - 1
 * unreserved URL characters (libcurl refuses longer ones). */
static bool valid_zone_id(const char *z, size_t len)
{
    if (len == 0 || len >= IF_NAMESIZE)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)z[i]) && z[i] != '-' && z[i] != '.' && z[i] != '_' &&
            z[i] != '~')
            return false;
    return true;
}

/* The bracketed IPv6 literal at `a` (authority of `alen` bytes): host and optional port. */
static int parse_ipv6_authority(const char *fn, const char *a, size_t alen, const char **host,
                                size_t *host_len, const char **port, size_t *port_len)
{
    char q[SP_QUOTE_SIZE];
    const char *close = memchr(a, ']', alen);
    if (!close)
        return FAIL("unclosed '[' in IPv6 address '%s'",
                    sp_quote_bytes(q, sizeof q, a, alen, SP_QUOTE_MAX));
    *host = a + 1;
    *host_len = (size_t)(close - a - 1);
    if (*host_len == 0)
        return FAIL("empty IPv6 address '[]'");
    /* The address itself must be a real IPv6 address (libcurl refuses the rest);
     * a zone id (fe80::1%25eth0) after '%' is free text. */
    const char *zone = memchr(*host, '%', *host_len);
    size_t addr_len = zone ? (size_t)(zone - *host) : *host_len;
    char addr[INET6_ADDRSTRLEN];
    struct in6_addr parsed;
    if (addr_len == 0 || addr_len >= sizeof addr)
        return FAIL("invalid IPv6 address '%s'",
                    sp_quote_bytes(q, sizeof q, *host, *host_len, SP_QUOTE_MAX));
    memcpy(addr, *host, addr_len);
    addr[addr_len] = '\0';
    if (inet_pton(AF_INET6, addr, &parsed) != 1)
        return FAIL("invalid IPv6 address '%s'",
                    sp_quote_bytes(q, sizeof q, *host, *host_len, SP_QUOTE_MAX));
    if (zone != NULL && !valid_zone_id(zone + 1, (size_t)(*host + *host_len - zone - 1)))
        return FAIL("invalid IPv6 zone id in '%s'",
                    sp_quote_bytes(q, sizeof q, *host, *host_len, SP_QUOTE_MAX));
    const char *rest = close + 1;
    size_t rest_len = alen - (size_t)(rest - a);
    if (rest_len == 0)
        return 0;
    if (*rest != ':')
        return FAIL("unexpected '%s' after the IPv6 address (expected ':port')",
                    sp_quote_bytes(q, sizeof q, rest, rest_len, SP_QUOTE_MAX));
    *port = rest + 1;
    *port_len = rest_len - 1;
    return 0;
}

/* `scheme_given`: the text had "scheme://", so a host named "http" is just a name. */
static int parse_host_authority(const char *fn, const char *a, size_t alen, bool scheme_given,
                                const char **host, size_t *host_len, const char **port,
                                size_t *port_len)
{
    char q[SP_QUOTE_SIZE], c8[8];
    const char *colon = memchr(a, ':', alen);
    *host = a;
    *host_len = colon ? (size_t)(colon - a) : alen;
    if (colon) {
        *port = colon + 1;
        *port_len = alen - *host_len - 1;
        if (memchr(*port, ':', *port_len))
            return FAIL("too many ':' in '%s' (write IPv6 addresses in brackets: [::1]:9090)",
                        sp_quote_bytes(q, sizeof q, a, alen, SP_QUOTE_MAX));
    }
    if (*host_len == 0)
        return FAIL("missing host name before ':'");
    for (size_t i = 0; i < *host_len; i++) {
        unsigned char c = (unsigned char)a[i];
        if (!is_host_char(c))
            return FAIL("invalid character '%s' in host '%s'", show_char(c8, c),
                        sp_quote_bytes(q, sizeof q, a, *host_len, SP_QUOTE_MAX));
    }
    /* "http:/h" or "https:h": a scheme name with a broken separator. */
    if (colon && !scheme_given && ((*host_len == 4 && strncasecmp(a, "http", 4) == 0) ||
                  (*host_len == 5 && strncasecmp(a, "https", 5) == 0)))
        return FAIL("expected '://' after the scheme '%.*s'", (int)*host_len, a);
    return 0;
}

static int check_prefix(const char *fn, const char *path, size_t len)
{
    char c8[8];
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)path[i];
        if (c == '?' || c == '#')
            return FAIL("a query or fragment ('%c...') is not allowed in an endpoint", c);
        if (c == '%') {
            if (i + 2 >= len || !is_hex((unsigned char)path[i + 1]) ||
                !is_hex((unsigned char)path[i + 2]))
                return FAIL("invalid percent-escape in path (expected %%XX)");
            i += 2;
            continue;
        }
        if (!is_path_char(c))
            return FAIL("invalid character '%s' in path", show_char(c8, c));
    }
    return 0;
}

int sp_endpoint_parse(sp_endpoint *out, const char *fn, const char *text,
                      const char *default_scheme, int default_port)
{
    char q[SP_QUOTE_SIZE], c8[8];
    if (!fn)
        fn = "sp_endpoint_parse";
    if (!out)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: endpoint: no output", fn);
    memset(out, 0, sizeof *out);
    if (!text)
        return FAIL("is NULL");
    if (!*text)
        return FAIL("is empty");
    size_t len = strlen(text);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c <= 0x20 || c == 0x7F)
            return FAIL("%s at offset %zu of '%s'",
                        c == ' ' ? "contains a space" : "contains a control character", i,
                        sp_quote(q, text));
        if (c >= 0x80)
            return FAIL("contains a non-ASCII byte '%s' at offset %zu (write international "
                        "host names in their xn-- form)", show_char(c8, c), i);
    }

    /* Scheme: only when "://" comes before any '/'. */
    const char *scheme = NULL;
    const char *p = text;
    const char *sep = strstr(text, "://");
    const char *slash = strchr(text, '/');
    if (sep && (!slash || sep < slash)) {
        int rc = parse_scheme(fn, text, (size_t)(sep - text), &scheme);
        if (rc)
            return rc;
        p = sep + 3;
    } else {
        const char *dflt = default_scheme ? default_scheme : "http";
        int rc = parse_scheme(fn, dflt, strlen(dflt), &scheme);
        if (rc)
            return rc;
    }

    /* Authority: up to the first '/'. */
    const char *path = strchr(p, '/');
    if (!path)
        path = p + strlen(p);
    size_t alen = (size_t)(path - p);
    if (alen == 0)
        return FAIL("missing host in '%s'", sp_quote(q, text));
    if (memchr(p, '@', alen))
        /* Not quoted: the text holds a password. */
        return FAIL("credentials (user:password@) are not supported in an endpoint");

    const char *host = NULL, *port_text = NULL;
    size_t host_len = 0, port_len = 0;
    int rc = *p == '['
                 ? parse_ipv6_authority(fn, p, alen, &host, &host_len, &port_text, &port_len)
                 : parse_host_authority(fn, p, alen, p != text, &host, &host_len, &port_text,
                                        &port_len);
    if (rc)
        return rc;

    int port = 0;
    if (port_text) {
        rc = parse_port(fn, port_text, port_len, &port);
        if (rc)
            return rc;
    } else if (default_port > 0 && default_port <= 65535) {
        port = default_port;
    } else if (default_port == 0) {
        port = strcmp(scheme, "https") == 0 ? 443 : 80;
    } else {
        return FAIL("default port %d out of range (expected 1 to 65535)", default_port);
    }

    /* Path prefix, without its trailing '/'s. */
    size_t prefix_len = strlen(path);
    while (prefix_len > 0 && path[prefix_len - 1] == '/')
        prefix_len--;
    rc = check_prefix(fn, path, prefix_len);
    if (rc)
        return rc;

    out->scheme = strdup(scheme);
    out->host = strndup(host, host_len);
    out->prefix = strndup(path, prefix_len);
    out->port = port;
    if (!out->scheme || !out->host || !out->prefix) {
        sp_endpoint_free(out);
        return sp_error_set(SNOWPLOW_ENOMEM, "%s: endpoint: out of memory", fn);
    }
    return 0;
}

char *sp_endpoint_url(const sp_endpoint *ep, const char *path)
{
    if (!ep || !ep->scheme || !ep->host)
        return NULL;
    if (!path)
        path = "";
    bool v6 = strchr(ep->host, ':') != NULL;
    const char *prefix = ep->prefix ? ep->prefix : "";
    int n = snprintf(NULL, 0, "%s://%s%s%s:%d%s%s", ep->scheme, v6 ? "[" : "", ep->host,
                     v6 ? "]" : "", ep->port, prefix, path);
    if (n < 0)
        return NULL;
    char *url = malloc((size_t)n + 1);
    if (!url)
        return NULL;
    snprintf(url, (size_t)n + 1, "%s://%s%s%s:%d%s%s", ep->scheme, v6 ? "[" : "", ep->host,
             v6 ? "]" : "", ep->port, prefix, path);
    return url;
}

void sp_endpoint_free(sp_endpoint *ep)
{
    if (!ep)
        return;
    free(ep->scheme);
    free(ep->host);
    free(ep->prefix);
    ep->scheme = ep->host = ep->prefix = NULL;
    ep->port = 0;
}
