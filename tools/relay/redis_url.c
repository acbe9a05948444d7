/* Parsing the --redis URL. */
#include "redis_url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hex(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Copy s[0..len) into out, decoding %XX; -1 when it does not fit or an escape is bad. */
static int copy_decoded(char *out, size_t size, const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= len)
                return -1;
            int h = hex((unsigned char)s[i + 1]), l = hex((unsigned char)s[i + 2]);
            if (h < 0 || l < 0)
                return -1;
            c = (char)(h * 16 + l);
            i += 2;
        }
        if (n + 1 >= size)
            return -1;
        out[n++] = c;
    }
    out[n] = '\0';
    return 0;
}

static int fail(char *err, size_t size, const char *url, const char *why)
{
    snprintf(err, size, "--redis '%s': %s", url, why);
    return -1;
}

static int parse_int(const char *s, size_t len, long lo, long hi, int *out)
{
    if (len == 0 || len > 10)
        return -1;
    long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    if (v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

static int parse_unix(redis_url *out, const char *url, const char *path, char *err,
                      size_t size)
{
    const char *q = strchr(path, '?');
    size_t len = q ? (size_t)(q - path) : strlen(path);
    if (len == 0 || path[0] != '/')
        return fail(err, size, url, "a unix socket needs an absolute path");
    if (len >= sizeof out->socket)
        return fail(err, size, url, "socket path too long");
    memcpy(out->socket, path, len);
    out->socket[len] = '\0';
    if (q) {
        if (strncmp(q, "?db=", 4) != 0 || parse_int(q + 4, strlen(q + 4), 0, 1000000, &out->db))
            return fail(err, size, url, "the only query a unix URL takes is ?db=N");
    }
    return 0;
}

static int parse_userinfo(redis_url *out, const char *url, const char *s, size_t len,
                          char *err, size_t size)
{
    const char *colon = memchr(s, ':', len);
    if (!colon) /* redis://password@host, as redis-py reads it */
        colon = s - 1;
    size_t user_len = colon >= s ? (size_t)(colon - s) : 0;
    if (copy_decoded(out->user, sizeof out->user, s, user_len) ||
        copy_decoded(out->password, sizeof out->password, colon + 1,
                     len - (size_t)(colon + 1 - s)))
        return fail(err, size, url, "bad %-escape or too long user or password");
    return 0;
}

int redis_url_parse(redis_url *out, const char *url, char *err, size_t size)
{
    memset(out, 0, sizeof *out);
    out->port = 6379;
    if (!url || !*url)
        return fail(err, size, url ? url : "", "empty");
    if (url[0] == '/')
        return parse_unix(out, url, url, err, size);
    if (strncmp(url, "unix://", 7) == 0)
        return parse_unix(out, url, url + 7, err, size);
    if (strncmp(url, "unix:", 5) == 0)
        return parse_unix(out, url, url + 5, err, size);
    if (strncmp(url, "rediss://", 9) == 0)
        return fail(err, size, url, "TLS (rediss://) is not supported by this build's hiredis");
    if (strncmp(url, "redis://", 8) != 0)
        return fail(err, size, url, "expected redis://host[:port][/db] or unix:///path");
    const char *s = url + 8;
    const char *end = s + strcspn(s, "/?#");
    const char *at = NULL;
    for (const char *p = s; p < end; p++)
        if (*p == '@')
            at = p;
    if (at) {
        if (parse_userinfo(out, url, s, (size_t)(at - s), err, size))
            return -1;
        s = at + 1;
    }
    const char *host_end = end;
    if (*s == '[') { /* [ipv6]:port */
        const char *close = memchr(s, ']', (size_t)(end - s));
        if (!close)
            return fail(err, size, url, "unclosed '[' in the host");
        if ((size_t)(close - s - 1) >= sizeof out->host)
            return fail(err, size, url, "host too long");
        memcpy(out->host, s + 1, (size_t)(close - s - 1));
        host_end = close + 1;
        if (host_end < end && *host_end != ':')
            return fail(err, size, url, "junk after ']'");
    } else {
        const char *colon = memchr(s, ':', (size_t)(end - s));
        if (colon)
            host_end = colon;
        if ((size_t)(host_end - s) >= sizeof out->host)
            return fail(err, size, url, "host too long");
        memcpy(out->host, s, (size_t)(host_end - s));
    }
    if (host_end < end && *host_end == ':' &&
        parse_int(host_end + 1, (size_t)(end - host_end - 1), 1, 65535, &out->port))
        return fail(err, size, url, "port must be 1..65535");
    if (!out->host[0])
        snprintf(out->host, sizeof out->host, "127.0.0.1");
    if (*end == '/' && end[1] && parse_int(end + 1, strlen(end + 1), 0, 1000000, &out->db))
        return fail(err, size, url, "the path must be a database number (/0, /1, ...)");
    if (*end == '?' || *end == '#')
        return fail(err, size, url, "queries and fragments are not understood");
    return 0;
}

const char *redis_url_where(const redis_url *u, char *buf, size_t size)
{
    if (u->socket[0])
        return u->socket;
    snprintf(buf, size, "%s:%d", u->host, u->port);
    return buf;
}
