/*
 * The lean HTTP/1.1 engine (see http_lean.h): GET requests pipelined over a
 * few non-blocking keep-alive connections per sending thread, driven by
 * poll() in slices of at most SP_LEAN_POLL_MS so that the abort flag is seen
 * as on libcurl's path. Each connection carries a contiguous share of a
 * group's units, all written at once; answers come back in request order
 * (RFC 9112 section 9.3.2), so the k-th answer belongs to the k-th unit.
 *
 * Outcomes per unit:
 *  - an answer: its status and Retry-After;
 *  - the connection ended before the answer: status 0 and why (the emitter
 *    retries it as a network error); answered units keep their outcome;
 *  - except two cases where the unanswered requests are sent again at once on
 *    a new connection, since the server cannot have processed them: it
 *    answered with "Connection: close" (it reads nothing after that answer),
 *    or a kept-alive connection from an earlier group ended before any byte
 *    of this group's answers came (an idle close racing our write; libcurl
 *    retries that case once too).
 */
#include "transport/http_lean.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "transport/http_options.h"

#define SP_LEAN_POLL_MS 50
#define SP_LEAN_LINKS 4          /* most connections per sending thread */
#define SP_LEAN_PIPELINE 16      /* requests per connection before another is used */
#define SP_LEAN_MAX_HEADERS 8192 /* an answer's head longer than this is malformed */

typedef struct lean_link {
    int fd;                  /* -1: closed */
    bool connecting;         /* connect() under way */
    bool kept;               /* open since an earlier group */
    bool got_bytes;          /* some answer bytes arrived on this socket in this group */
    bool replayed;           /* the stale-connection replay was used in this group */
    unsigned opens;          /* sockets opened so far: tells a new one from the old */
    int64_t connect_deadline; /* ms, monotonic */
    sp_send_unit *units;     /* its share of the group */
    size_t count, answered;
    char *out;               /* the requests not yet written */
    size_t out_len, out_off, out_cap;
    char *in;                /* answer bytes not yet consumed */
    size_t in_len, in_cap;
} lean_link;

struct sp_http_lean {
    struct sockaddr_storage addr;
    socklen_t addr_len;
    char *base;       /* "http://host[:port]" as the URLs start */
    size_t base_len;
    char *head;       /* " HTTP/1.1\r\nHost: ...\r\n...\r\n\r\n": after each target */
    size_t head_len;
    char host[64], port[8]; /* for messages */
    bool declined;    /* the URL base cannot be sent lean: always libcurl */
    sp_transport_config cfg; /* a copy; its pointers outlive the engine */
    lean_link links[SP_LEAN_LINKS];
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool env_set(const char *name)
{
    const char *v = getenv(name);
    return v && v[0];
}

sp_http_lean *sp_http_lean_new(const sp_transport_config *cfg)
{
    const char *engine = getenv("SNOWPLOW_HTTP_ENGINE");
    if (engine && strcasecmp(engine, "curl") == 0)
        return NULL;
    const sp_http_options *o = cfg->http;
    if (o && o->proxy) {
        if (o->proxy[0])
            return NULL; /* a proxy: libcurl */
    } else if (env_set("http_proxy") || env_set("HTTP_PROXY") || env_set("all_proxy") ||
               env_set("ALL_PROXY")) {
        return NULL;
    }
    for (size_t i = 0; o && i < o->header_count; i++) {
        const char *colon = strchr(o->headers[i], ':');
        if (!colon || colon == o->headers[i] || colon[1] != ' ' || colon[2] == '\0')
            return NULL; /* libcurl gives other forms a meaning of their own */
    }
    sp_http_lean *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->cfg = *cfg;
    for (int i = 0; i < SP_LEAN_LINKS; i++)
        l->links[i].fd = -1;
    return l;
}

static void link_close(lean_link *k)
{
    if (k->fd >= 0)
        close(k->fd);
    k->fd = -1;
    k->connecting = false;
    k->kept = false;
    k->in_len = 0;
}

void sp_http_lean_free(sp_http_lean *l)
{
    if (!l)
        return;
    for (int i = 0; i < SP_LEAN_LINKS; i++) {
        link_close(&l->links[i]);
        free(l->links[i].out);
        free(l->links[i].in);
    }
    free(l->base);
    free(l->head);
    free(l);
}

/* Append to a growing buffer; false when out of memory. */
static bool buf_add(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n > *cap) {
        size_t c = *cap ? *cap : 4096;
        while (c < *len + n)
            c *= 2;
        char *b = realloc(*buf, c);
        if (!b)
            return false;
        *buf = b;
        *cap = c;
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    return true;
}

#define ADD_STR(s) ok = ok && buf_add(&head, &len, &cap, (s), strlen(s))

/*
 * Learn the URL base from the first URL: "http://" then a numeric host and an
 * optional port, then the path. Builds the address and the request head that
 * libcurl would send: Host (without the default port), User-Agent, Accept
 * unless an extra header replaces it, the extra headers in order. False when
 * it does not apply.
 */
static bool lean_setup(sp_http_lean *l, const char *url)
{
    if (strncmp(url, "http://", 7) != 0)
        return false;
    const char *h = url + 7;
    const char *slash = strchr(h, '/');
    if (!slash)
        return false;
    size_t hostport_len = (size_t)(slash - h);
    const char *host = h, *host_end, *port = NULL;
    if (*h == '[') {
        host = h + 1;
        host_end = memchr(h, ']', hostport_len);
        if (!host_end)
            return false;
        if (host_end + 1 < slash) {
            if (host_end[1] != ':')
                return false;
            port = host_end + 2;
        }
    } else {
        host_end = memchr(h, ':', hostport_len);
        if (host_end)
            port = host_end + 1;
        else
            host_end = slash;
    }
    size_t host_len = (size_t)(host_end - host);
    if (host_len == 0 || host_len >= sizeof l->host)
        return false;
    memcpy(l->host, host, host_len);
    l->host[host_len] = '\0';
    long portnum = 80;
    if (port) {
        size_t plen = (size_t)(slash - port);
        if (plen == 0 || plen > 5)
            return false;
        portnum = 0;
        for (const char *p = port; p < slash; p++) {
            if (*p < '0' || *p > '9')
                return false;
            portnum = portnum * 10 + (*p - '0');
        }
        if (portnum < 1 || portnum > 65535 || port[0] == '0')
            return false;
    }
    snprintf(l->port, sizeof l->port, "%ld", portnum);
    memset(&l->addr, 0, sizeof l->addr);
    if (*h == '[') {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&l->addr;
        char canon[INET6_ADDRSTRLEN];
        if (inet_pton(AF_INET6, l->host, &a6->sin6_addr) != 1 ||
            !inet_ntop(AF_INET6, &a6->sin6_addr, canon, sizeof canon) ||
            strcmp(canon, l->host) != 0)
            return false; /* libcurl would write it in its canonical form */
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)portnum);
        l->addr_len = sizeof *a6;
    } else {
        struct sockaddr_in *a4 = (struct sockaddr_in *)&l->addr;
        char canon[INET_ADDRSTRLEN];
        if (inet_pton(AF_INET, l->host, &a4->sin_addr) != 1 ||
            !inet_ntop(AF_INET, &a4->sin_addr, canon, sizeof canon) ||
            strcmp(canon, l->host) != 0)
            return false;
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)portnum);
        l->addr_len = sizeof *a4;
    }
    l->base_len = (size_t)(slash - url);
    l->base = strndup(url, l->base_len);

    const sp_http_options *o = l->cfg.http;
    char *head = NULL;
    size_t len = 0, cap = 0;
    bool ok = l->base != NULL;
    bool accept = true;
    ADD_STR(" HTTP/1.1\r\nHost: ");
    ok = ok && buf_add(&head, &len, &cap, h, (size_t)((port && portnum == 80 ? port - 1 : slash) - h));
    ADD_STR("\r\nUser-Agent: ");
    ADD_STR(o && o->user_agent ? o->user_agent : sp_http_default_user_agent());
    ADD_STR("\r\n");
    for (size_t i = 0; o && i < o->header_count; i++)
        if (strncasecmp(o->headers[i], "Accept:", 7) == 0)
            accept = false;
    if (accept)
        ADD_STR("Accept: */*\r\n");
    for (size_t i = 0; o && i < o->header_count; i++) {
        ADD_STR(o->headers[i]);
        ADD_STR("\r\n");
    }
    ADD_STR("\r\n");
    if (!ok) {
        free(head);
        return false;
    }
    l->head = head;
    l->head_len = len;
    return true;
}

/* Every unit a GET whose URL has the engine's base and a target with a query. */
static bool group_fits(const sp_http_lean *l, const sp_send_unit *units, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *u = units[i].req.url;
        if (units[i].req.body || !u || strncmp(u, l->base, l->base_len) != 0 ||
            u[l->base_len] != '/' || !strchr(u + l->base_len, '?'))
            return false;
    }
    return true;
}

/* Fail every unanswered unit of the link with the reason `fmt` (a printf
 * format) and close it. */
__attribute__((format(printf, 4, 5))) static void link_fail(lean_link *k, bool aborted,
                                                             const sp_http_lean *l,
                                                             const char *fmt, ...)
{
    char reason[sizeof k->units[0].resp.reason];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    (void)l;
    for (size_t i = k->answered; i < k->count; i++) {
        sp_http_response *resp = &k->units[i].resp;
        memset(resp, 0, sizeof *resp);
        resp->aborted = aborted;
        memcpy(resp->reason, reason, sizeof reason);
    }
    k->answered = k->count;
    link_close(k);
}

/* Queue the requests of the unanswered units. */
static bool link_fill(sp_http_lean *l, lean_link *k)
{
    k->out_len = k->out_off = 0;
    for (size_t i = k->answered; i < k->count; i++) {
        const char *target = k->units[i].req.url + l->base_len;
        if (!buf_add(&k->out, &k->out_len, &k->out_cap, "GET ", 4) ||
            !buf_add(&k->out, &k->out_len, &k->out_cap, target, strlen(target)) ||
            !buf_add(&k->out, &k->out_len, &k->out_cap, l->head, l->head_len))
            return false;
    }
    return true;
}

/* Open a new connection for the unanswered units (connect under way). */
static void link_open(sp_http_lean *l, lean_link *k, int64_t now)
{
    link_close(k);
    k->got_bytes = false;
    k->opens++;
    if (!link_fill(l, k)) {
        link_fail(k, false, l, "out of memory building requests to %s port %s", l->host, l->port);
        return;
    }
    int fd = socket(l->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        link_fail(k, false, l, "Failed to connect to %s port %s: socket(): %s", l->host, l->port,
                  strerror(errno));
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    k->fd = fd;
    int ct = l->cfg.connect_timeout_ms > 0 ? l->cfg.connect_timeout_ms : 300000;
    k->connect_deadline = now + ct;
    if (connect(fd, (struct sockaddr *)&l->addr, l->addr_len) == 0) {
        k->connecting = false;
    } else if (errno == EINPROGRESS) {
        k->connecting = true;
    } else {
        link_fail(k, false, l, "Failed to connect to %s port %s: %s", l->host, l->port,
                  strerror(errno));
    }
}

/*
 * Parse one answer at the start of the link's input. Returns the bytes it
 * takes, 0 when incomplete, -1 when malformed. Sets *status (1xx: interim,
 * not an answer), *retry_ms and *close_after. *until_close: the body runs to
 * the end of the connection (then the answer is complete only at EOF).
 */
static long parse_answer(const char *in, size_t len, bool eof, int *status, int *retry_ms,
                         bool *close_after)
{
    const char *end = NULL;
    for (size_t i = 3; i < len; i++)
        if (in[i] == '\n' && in[i - 1] == '\r' && in[i - 2] == '\n' && in[i - 3] == '\r') {
            end = in + i + 1;
            break;
        }
    if (!end)
        return len > SP_LEAN_MAX_HEADERS ? -1 : 0;
    if (len < 12 || strncmp(in, "HTTP/1.", 7) != 0 || in[8] != ' ' || in[9] < '1' ||
        in[9] > '5' || in[10] < '0' || in[10] > '9' || in[11] < '0' || in[11] > '9')
        return -1;
    *status = (in[9] - '0') * 100 + (in[10] - '0') * 10 + (in[11] - '0');
    bool http10 = in[7] == '0';
    *close_after = http10;
    *retry_ms = 0;
    long long clen = -1;
    bool chunked = false;
    const char *line = memchr(in, '\n', (size_t)(end - in)) + 1;
    while (line < end - 2) {
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        size_t n = (size_t)(eol - line);
        if (n > 0 && line[n - 1] == '\r')
            n--;
        const char *colon = memchr(line, ':', n);
        if (colon) {
            size_t name = (size_t)(colon - line);
            const char *v = colon + 1;
            size_t vn = n - name - 1;
            while (vn > 0 && (*v == ' ' || *v == '\t'))
                v++, vn--;
            while (vn > 0 && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
                vn--;
            if (name == 14 && strncasecmp(line, "content-length", 14) == 0) {
                clen = 0;
                for (size_t i = 0; i < vn; i++) {
                    if (v[i] < '0' || v[i] > '9' || clen > (1LL << 40))
                        return -1;
                    clen = clen * 10 + (v[i] - '0');
                }
            } else if (name == 17 && strncasecmp(line, "transfer-encoding", 17) == 0) {
                chunked = vn >= 7 && strncasecmp(v + vn - 7, "chunked", 7) == 0;
                if (!chunked)
                    return -1;
            } else if (name == 10 && strncasecmp(line, "connection", 10) == 0) {
                for (size_t i = 0; i + 5 <= vn; i++)
                    if (strncasecmp(v + i, "close", 5) == 0)
                        *close_after = true;
                for (size_t i = 0; i + 10 <= vn; i++)
                    if (strncasecmp(v + i, "keep-alive", 10) == 0 && http10)
                        *close_after = false;
            } else if (name == 11 && strncasecmp(line, "retry-after", 11) == 0) {
                char value[128];
                size_t c = vn < sizeof value ? vn : sizeof value - 1;
                memcpy(value, v, c);
                value[c] = '\0';
                *retry_ms = sp_http_retry_after_ms(value);
            }
        }
        line = eol + 1;
    }
    size_t head = (size_t)(end - in);
    if (*status < 200 || *status == 204 || *status == 304)
        return (long)head; /* no body */
    if (chunked) {
        size_t at = head;
        for (;;) {
            const char *eol = memchr(in + at, '\n', len - at);
            if (!eol)
                return 0;
            unsigned long long size = 0;
            const char *p = in + at;
            int digits = 0;
            for (;; p++, digits++) {
                int d = (*p >= '0' && *p <= '9')   ? *p - '0'
                        : (*p >= 'a' && *p <= 'f') ? *p - 'a' + 10
                        : (*p >= 'A' && *p <= 'F') ? *p - 'A' + 10
                                                   : -1;
                if (d < 0)
                    break;
                if (size > (1ULL << 36))
                    return -1;
                size = size * 16 + (unsigned)d;
            }
            if (digits == 0)
                return -1;
            at = (size_t)(eol - in) + 1;
            if (size == 0) { /* trailers, then an empty line */
                for (;;) {
                    const char *t = memchr(in + at, '\n', len - at);
                    if (!t)
                        return 0;
                    size_t tn = (size_t)(t - (in + at));
                    at = (size_t)(t - in) + 1;
                    if (tn == 0 || (tn == 1 && in[at - 2] == '\r'))
                        return (long)at;
                }
            }
            if (len - at < size + 2)
                return 0;
            at += size;
            if (in[at] == '\r')
                at++;
            if (in[at] != '\n')
                return -1;
            at++;
        }
    }
    if (clen >= 0)
        return len - head >= (size_t)clen ? (long)(head + (size_t)clen) : 0;
    /* No length: the body ends with the connection. */
    *close_after = true;
    return eof ? (long)len : 0;
}

/* Read what arrived and match answers to units. */
static void link_read(sp_http_lean *l, lean_link *k, int64_t now)
{
    bool eof = false;
    int err = 0;
    for (;;) {
        if (k->in_cap - k->in_len < 4096) {
            size_t c = k->in_cap ? k->in_cap * 2 : 16384;
            char *b = realloc(k->in, c);
            if (!b) {
                link_fail(k, false, l, "out of memory reading from %s port %s", l->host, l->port);
                return;
            }
            k->in = b;
            k->in_cap = c;
        }
        ssize_t r = recv(k->fd, k->in + k->in_len, k->in_cap - k->in_len, 0);
        if (r > 0) {
            size_t asked = k->in_cap - k->in_len;
            k->in_len += (size_t)r;
            k->got_bytes = true;
            if ((size_t)r < asked)
                break; /* all there was: poll says when more comes */
            continue;
        }
        if (r == 0)
            eof = true;
        else if (errno == EINTR)
            continue;
        else if (errno != EAGAIN && errno != EWOULDBLOCK)
            err = errno;
        break;
    }
    size_t at = 0;
    bool server_closes = false;
    while (k->answered < k->count && !server_closes) {
        int status = 0, retry_ms = 0;
        bool close_after = false;
        long used = parse_answer(k->in + at, k->in_len - at, eof || err, &status, &retry_ms,
                                 &close_after);
        if (used < 0) {
            link_fail(k, false, l, "malformed HTTP answer from %s port %s", l->host, l->port);
            return;
        }
        if (used == 0)
            break;
        at += (size_t)used;
        if (status < 200)
            continue; /* interim answer */
        sp_http_response *resp = &k->units[k->answered++].resp;
        memset(resp, 0, sizeof *resp);
        resp->status = status;
        resp->retry_after_ms = retry_ms;
        server_closes = close_after;
    }
    memmove(k->in, k->in + at, k->in_len - at);
    k->in_len -= at;
    if (k->answered == k->count && !server_closes && !eof && !err)
        return; /* all answered: the connection stays open */
    if (k->answered == k->count) {
        link_close(k);
        return;
    }
    if (server_closes) {
        /* The server reads nothing after that answer: send the rest again. */
        link_open(l, k, now);
        return;
    }
    if (!eof && !err)
        return;
    if (k->kept && !k->got_bytes && !k->replayed) {
        k->replayed = true; /* a stale kept-alive connection: once more, afresh */
        link_open(l, k, now);
        return;
    }
    if (err) {
        link_fail(k, false, l, "Recv failure from %s port %s: %s", l->host, l->port,
                  strerror(err));
    } else {
        link_fail(k, false, l, "Empty reply from server %s port %s: the connection closed "
                  "before the answer", l->host, l->port);
    }
}

/* Write what the link still has to send. */
static void link_write(sp_http_lean *l, lean_link *k, int64_t now)
{
    while (k->out_off < k->out_len) {
        ssize_t w = send(k->fd, k->out + k->out_off, k->out_len - k->out_off, MSG_NOSIGNAL);
        if (w > 0) {
            k->out_off += (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        /* Broken: answers that already arrived still count, and the read
         * may already have failed, replayed or reopened the link. */
        unsigned opens = k->opens;
        link_read(l, k, now);
        if (k->fd >= 0 && k->opens == opens && k->answered < k->count) {
            if (k->kept && !k->got_bytes && !k->replayed) {
                k->replayed = true;
                link_open(l, k, now);
            } else {
                link_fail(k, false, l, "Send failure to %s port %s: the connection broke", l->host,
                          l->port);
            }
        }
        return;
    }
}

/* The connect under way ended (POLLOUT/POLLERR). */
static void link_connected(sp_http_lean *l, lean_link *k)
{
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(k->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        err = errno;
    if (err) {
        link_fail(k, false, l, "Failed to connect to %s port %s: %s", l->host, l->port,
                  strerror(err));
        return;
    }
    k->connecting = false;
}

bool sp_http_lean_send_many(sp_http_lean *l, sp_send_unit *units, size_t n)
{
    if (!l || l->declined || n == 0)
        return false;
    if (!l->base && !units[0].req.body && units[0].req.url && !lean_setup(l, units[0].req.url)) {
        l->declined = true;
        return false;
    }
    if (!l->base || !group_fits(l, units, n))
        return false;

    int64_t start = now_ms();
    int64_t deadline = l->cfg.request_timeout_ms > 0 ? start + l->cfg.request_timeout_ms
                                                      : INT64_MAX;
    /* Fewer, fuller pipelines cost fewer system calls; big groups spread. */
    size_t links = (n + SP_LEAN_PIPELINE - 1) / SP_LEAN_PIPELINE;
    if (links > SP_LEAN_LINKS)
        links = SP_LEAN_LINKS;
    size_t share = n / links, extra = n % links, at = 0;
    for (size_t i = 0; i < SP_LEAN_LINKS; i++) {
        lean_link *k = &l->links[i];
        k->units = units + at;
        k->count = i < links ? share + (i < extra) : 0;
        k->answered = 0;
        k->replayed = false;
        k->got_bytes = false;
        at += k->count;
        if (k->count == 0)
            continue;
        if (k->fd < 0) {
            link_open(l, k, start);
        } else {
            k->kept = true;
            k->in_len = 0;
            if (!link_fill(l, k))
                link_fail(k, false, l, "out of memory building requests to %s port %s",
                          l->host, l->port);
        }
    }

    for (;;) {
        int64_t now = now_ms();
        struct pollfd pfd[SP_LEAN_LINKS];
        lean_link *of[SP_LEAN_LINKS];
        int np = 0;
        int64_t wake = deadline;
        for (size_t i = 0; i < SP_LEAN_LINKS; i++) {
            lean_link *k = &l->links[i];
            if (k->answered >= k->count || k->fd < 0)
                continue;
            if (k->connecting && now >= k->connect_deadline) {
                link_fail(k, false, l,
                          "Failed to connect to %s port %s after %lld ms: Timeout was reached",
                          l->host, l->port, (long long)(now - start));
                continue;
            }
            if (!k->connecting)
                link_write(l, k, now);
            if (k->answered >= k->count || k->fd < 0)
                continue;
            if (k->connecting && k->connect_deadline < wake)
                wake = k->connect_deadline;
            pfd[np] = (struct pollfd){k->fd,
                                      (short)(POLLIN | (k->connecting || k->out_off < k->out_len
                                                            ? POLLOUT
                                                            : 0)),
                                      0};
            of[np++] = k;
        }
        if (np == 0)
            break;
        if (now >= deadline) {
            for (int i = 0; i < np; i++)
                link_fail(of[i], false, l,
                          "Operation timed out after %lld milliseconds waiting for %s port %s",
                          (long long)(now - start), l->host, l->port);
            break;
        }
        if (atomic_load(l->cfg.abort_flag)) {
            for (int i = 0; i < np; i++)
                link_fail(of[i], true, l, "aborted: the emitter is closing");
            break;
        }
        int64_t wait = wake - now;
        if (wait > SP_LEAN_POLL_MS)
            wait = SP_LEAN_POLL_MS;
        if (wait < 0)
            wait = 0;
        int r = poll(pfd, (nfds_t)np, (int)wait);
        if (r < 0 && errno != EINTR) {
            for (int i = 0; i < np; i++)
                link_fail(of[i], false, l, "poll() failed: %s", strerror(errno));
            break;
        }
        now = now_ms();
        for (int i = 0; i < np && r > 0; i++) {
            lean_link *k = of[i];
            short ev = pfd[i].revents;
            if (!ev || k->fd != pfd[i].fd)
                continue;
            if (k->connecting) {
                link_connected(l, k);
                continue;
            }
            if (ev & (POLLIN | POLLHUP | POLLERR))
                link_read(l, k, now);
        }
    }
    for (size_t i = 0; i < SP_LEAN_LINKS; i++)
        l->links[i].units = NULL;
    return true;
}
