/* Redis URLs: redis://[[user]:password@]host[:port][/db] and unix:///path?db=N&password=P. */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport/redis.h"
#include "util/error.h"
#include "util/text.h"

const char *sp_redis_target_name(const sp_redis_target *t)
{
    return t->display;
}

void sp_redis_target_free(sp_redis_target *t)
{
    if (!t)
        return;
    free(t->host);
    free(t->socket_path);
    free(t->user);
    free(t->password);
    free(t->key);
    free(t->display);
    free(t);
}

/* A copy of s[0..n) with %XX decoded; NULL on ENOMEM or a bad escape (*bad set). */
static char *decode(const char *s, size_t n, bool *bad)
{
    char *out = malloc(n + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '%') {
            *o++ = s[i];
            continue;
        }
        int hi = i + 1 < n ? sp_hex_value(s[i + 1]) : -1;
        int lo = i + 2 < n ? sp_hex_value(s[i + 2]) : -1;
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
            *bad = true;
            free(out);
            return NULL;
        }
        *o++ = (char)(hi * 16 + lo);
        i += 2;
    }
    *o = '\0';
    return out;
}

/* A number 0..max from s[0..n); -1 when not one. */
static long parse_number(const char *s, size_t n, long max)
{
    if (n == 0 || n > 9)
        return -1;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v <= max ? v : -1;
}

static int fail(const char *fn, const char *what, const char *url)
{
    return sp_error_set(SNOWPLOW_EINVAL, "%s: url: %s (\"%s\"; expected "
                        "redis://[[user]:password@]host[:port][/db] or "
                        "unix:///path/to/socket[?db=N][&password=P])",
                        fn, what, url);
}

/* The ?db=N&password=P of a unix URL. */
static int parse_query(sp_redis_target *t, const char *fn, const char *url, const char *q)
{
    while (*q) {
        const char *end = strchr(q, '&');
        size_t len = end ? (size_t)(end - q) : strlen(q);
        if (len > 3 && strncmp(q, "db=", 3) == 0) {
            long db = parse_number(q + 3, len - 3, INT_MAX);
            if (db < 0)
                return fail(fn, "db: not a number", url);
            t->db = (int)db;
        } else if (len > 9 && strncmp(q, "password=", 9) == 0) {
            bool bad = false;
            free(t->password);
            t->password = decode(q + 9, len - 9, &bad);
            if (!t->password)
                return bad ? fail(fn, "password: bad %-escape", url)
                           : sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
        } else {
            return fail(fn, "unknown parameter (db and password are known)", url);
        }
        q += len + (end ? 1 : 0);
    }
    return 0;
}

static int parse_unix(sp_redis_target *t, const char *fn, const char *url)
{
    const char *path = url + strlen("unix://");
    const char *q = strchr(path, '?');
    size_t n = q ? (size_t)(q - path) : strlen(path);
    if (n == 0 || path[0] != '/')
        return fail(fn, "unix socket: the path must be absolute", url);
    if (!(t->socket_path = strndup(path, n)))
        return sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
    return q ? parse_query(t, fn, url, q + 1) : 0;
}

static int parse_tcp(sp_redis_target *t, const char *fn, const char *url)
{
    const char *p = url + strlen("redis://");
    const char *slash = strchr(p, '/');
    const char *end = slash ? slash : p + strlen(p);
    const char *at = memchr(p, '@', (size_t)(end - p));
    bool bad = false;
    if (at) { /* [user]:password or password */
        const char *colon = memchr(p, ':', (size_t)(at - p));
        const char *pw = colon ? colon + 1 : p;
        if (colon && colon > p && !(t->user = decode(p, (size_t)(colon - p), &bad)))
            return bad ? fail(fn, "user: bad %-escape", url)
                       : sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
        if (at > pw && !(t->password = decode(pw, (size_t)(at - pw), &bad)))
            return bad ? fail(fn, "password: bad %-escape", url)
                       : sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
        p = at + 1;
    }
    const char *host = p, *host_end, *port = NULL;
    if (*p == '[') { /* [v6 address] */
        host = p + 1;
        host_end = memchr(host, ']', (size_t)(end - host));
        if (!host_end)
            return fail(fn, "host: missing ']'", url);
        if (host_end + 1 < end) {
            if (host_end[1] != ':')
                return fail(fn, "host: junk after ']'", url);
            port = host_end + 2;
        }
    } else {
        host_end = memchr(p, ':', (size_t)(end - p));
        if (host_end)
            port = host_end + 1;
        else
            host_end = end;
    }
    if (host_end == host)
        return fail(fn, "host: empty", url);
    if (!(t->host = strndup(host, (size_t)(host_end - host))))
        return sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
    t->port = 6379;
    if (port) {
        long v = parse_number(port, (size_t)(end - port), 65535);
        if (v <= 0)
            return fail(fn, "port: not a number in 1..65535", url);
        t->port = (int)v;
    }
    if (slash && slash[1]) {
        long db = parse_number(slash + 1, strlen(slash + 1), INT_MAX);
        if (db < 0)
            return fail(fn, "db: not a number", url);
        t->db = (int)db;
    }
    return 0;
}

/* The URL without its password. */
static int make_display(sp_redis_target *t)
{
    size_t n = 64 + (t->host ? strlen(t->host) : 0) +
               (t->socket_path ? strlen(t->socket_path) : 0);
    t->display = malloc(n);
    if (!t->display)
        return -1;
    if (t->socket_path)
        snprintf(t->display, n, "unix://%s?db=%d", t->socket_path, t->db);
    else if (strchr(t->host, ':'))
        snprintf(t->display, n, "redis://[%s]:%d/%d", t->host, t->port, t->db);
    else
        snprintf(t->display, n, "redis://%s:%d/%d", t->host, t->port, t->db);
    return 0;
}

int sp_redis_target_new(sp_redis_target **out, const char *fn, const char *url,
                        const char *key)
{
    *out = NULL;
    if (!url)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: url: NULL", fn);
    if (!key || !*key)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: key: %s", fn, key ? "empty" : "NULL");
    sp_redis_target *t = calloc(1, sizeof *t);
    if (!t)
        return sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
    int rc;
    if (strncmp(url, "redis://", 8) == 0)
        rc = parse_tcp(t, fn, url);
    else if (strncmp(url, "unix://", 7) == 0)
        rc = parse_unix(t, fn, url);
    else if (strncmp(url, "rediss://", 9) == 0)
        rc = fail(fn, "rediss (TLS) is not supported: hiredis 0.14 has no TLS", url);
    else
        rc = fail(fn, "unknown scheme", url);
    if (rc == 0 && (!(t->key = strdup(key)) || make_display(t) < 0))
        rc = sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
    if (rc < 0) {
        sp_redis_target_free(t);
        return rc;
    }
    *out = t;
    return 0;
}
