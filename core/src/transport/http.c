/*
 * The libcurl transport (GET to a plain http:// address goes through the lean
 * engine instead when it applies: http_lean.h): each sending thread owns a
 * curl multi handle and up to max_inflight easy handles, all reused for every
 * request so that connections stay open (keep-alive in the multi's connection
 * cache). A send_many() call
 * runs its requests at once: over parallel connections for HTTP/1.1, and
 * multiplexed on one connection when the collector speaks HTTP/2
 * (CURLPIPE_MULTIPLEX; https, negotiated by ALPN).
 *
 * The multi handle is driven in slices of at most SP_ABORT_POLL_MS, and the
 * abort flag is read between slices, so that a close can abort requests that
 * wait on a silent collector within that slice (no progress callback: it
 * would cost every transfer and run only about once a second when idle).
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "snowplow/common.h"
#include "snowplow/emitter.h"
#include "transport/http_lean.h"
#include "transport/http_options.h"
#include "transport/transport.h"

#define SP_ABORT_POLL_MS 50

/* One easy handle and what it learns about its current answer. */
typedef struct sp_http_xfer {
    CURL *curl;
    int retry_after_ms; /* from the current answer's headers */
    char errbuf[CURL_ERROR_SIZE];
    char base[512]; /* GET: the URL before its target ("http://host:port") */
} sp_http_xfer;

typedef struct sp_http_conn {
    CURLM *multi;
    sp_http_xfer *xfers; /* max_inflight of them, created on first use */
    unsigned xfer_count;
    const struct sp_http_options *http; /* shared, read-only */
    bool maybe_plain_proxy; /* an http:// request may go through a proxy */
    const atomic_bool *abort_flag;
    long connect_timeout_ms;
    long request_timeout_ms;
    sp_http_lean *lean; /* GET to a plain http:// address: the lean engine */
} sp_http_conn;

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

static void global_init_once(void)
{
    /* Not thread-safe in older libcurl and not reference-counted: once per
     * process, never cleaned up (other threads may still use curl at exit). */
    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int sp_http_global_init(void)
{
    pthread_once(&global_once, global_init_once);
    return global_rc == CURLE_OK ? 0 : SNOWPLOW_ESYS;
}

/* The collector's answer body is not needed. */
static size_t discard_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    (void)ptr;
    (void)userdata;
    return size * nmemb;
}

/* Retry-After's value in ms: delay-seconds, or an HTTP-date (curl_getdate
 * reads it); 0 when unreadable or in the past. Capped far above any useful
 * delay so that the arithmetic cannot overflow; the emitter caps it again. */
int sp_http_retry_after_ms(const char *value)
{
    const long long cap_s = 7 * 24 * 3600;
    while (*value == ' ' || *value == '\t')
        value++;
    if (*value >= '0' && *value <= '9') {
        long long seconds = 0;
        for (; *value >= '0' && *value <= '9'; value++)
            if (seconds <= cap_s)
                seconds = seconds * 10 + (*value - '0');
        while (*value == ' ' || *value == '\t')
            value++;
        if (*value != '\0')
            return 0; /* "12abc": not a delay */
        return (int)((seconds > cap_s ? cap_s : seconds) * 1000);
    }
    time_t when = curl_getdate(value, NULL);
    if (when < 0)
        return 0;
    long long seconds = (long long)when - (long long)time(NULL);
    if (seconds <= 0)
        return 0;
    return (int)((seconds > cap_s ? cap_s : seconds) * 1000);
}

/* Header lines of the answer; curl calls it for every response, including
 * interim ones, so a status line starts the answer afresh. */
static size_t read_header(char *buffer, size_t size, size_t nitems, void *userdata)
{
    sp_http_xfer *c = userdata;
    size_t len = size * nitems;
    static const char name[] = "retry-after:";
    if (len >= 5 && strncasecmp(buffer, "HTTP/", 5) == 0) {
        c->retry_after_ms = 0;
    } else if (len > sizeof name - 1 && strncasecmp(buffer, name, sizeof name - 1) == 0) {
        char value[128];
        size_t n = len - (sizeof name - 1);
        if (n >= sizeof value)
            n = sizeof value - 1;
        memcpy(value, buffer + sizeof name - 1, n);
        while (n > 0 && (value[n - 1] == '\r' || value[n - 1] == '\n' ||
                         value[n - 1] == ' ' || value[n - 1] == '\t'))
            n--;
        value[n] = '\0';
        c->retry_after_ms = sp_http_retry_after_ms(value);
    }
    return len;
}

static void http_close(void *conn)
{
    sp_http_conn *c = conn;
    if (!c)
        return;
    sp_http_lean_free(c->lean);
    for (unsigned i = 0; i < c->xfer_count; i++)
        if (c->xfers[i].curl)
            curl_easy_cleanup(c->xfers[i].curl);
    free(c->xfers);
    if (c->multi)
        curl_multi_cleanup(c->multi);
    free(c);
}

static void *http_open(void *ctx, const sp_transport_config *cfg)
{
    (void)ctx;
    if (sp_http_global_init() < 0)
        return NULL;
    sp_http_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->abort_flag = cfg->abort_flag;
    c->connect_timeout_ms = cfg->connect_timeout_ms;
    c->request_timeout_ms = cfg->request_timeout_ms;
    c->http = cfg->http;
    /* The proxy option, or (without one) the variables libcurl reads for http://. */
    const char *proxy = c->http ? c->http->proxy : NULL;
    if (!proxy && !(proxy = getenv("http_proxy")) && !(proxy = getenv("all_proxy")))
        proxy = getenv("ALL_PROXY");
    c->maybe_plain_proxy = proxy && proxy[0];
    c->xfer_count = cfg->max_inflight ? cfg->max_inflight : 1;
    c->xfers = calloc(c->xfer_count, sizeof *c->xfers);
    c->multi = curl_multi_init();
    if (!c->xfers || !c->multi) {
        http_close(c);
        return NULL;
    }
    /* HTTP/2 streams share one connection when the collector offers it (the
     * default of recent libcurl; said here for older ones). */
    curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    /* Keep a connection per handle open between sends: by default the cache
     * shrinks with the handles added, so removing them would close connections. */
    curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, (long)c->xfer_count);
    c->lean = sp_http_lean_new(cfg); /* NULL: libcurl for everything */
    return c;
}

/* The i-th easy handle, configured once; NULL when it cannot be made (the
 * thread's error message says why). */
static sp_http_xfer *xfer_get(sp_http_conn *c, unsigned i)
{
    sp_http_xfer *x = &c->xfers[i];
    if (x->curl)
        return x;
    CURL *h = curl_easy_init();
    if (!h)
        return NULL;
    x->curl = h;
    curl_easy_setopt(h, CURLOPT_PRIVATE, x);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->request_timeout_ms);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard_body);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, read_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85.0 */
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    /* Headers (Content-Type for POST, Expect:, the extra ones), User-Agent,
     * TLS and proxy: the emitter's network options. */
    if (sp_http_options_apply(h, c->http) < 0) {
        curl_easy_cleanup(h);
        x->curl = NULL;
        return NULL;
    }
    return x;
}

/*
 * Where a GET request's target ("/i?query") starts in its URL, to be given
 * apart (CURLOPT_REQUEST_TARGET): libcurl then copies it in one piece, where it
 * formats a URL's query into the request line byte by byte (half the CPU of a
 * 1 KB GET). NULL when it must stay in the URL: through a proxy without a
 * tunnel (http://) the request line must carry the absolute URL, and libcurl
 * would send the target as given.
 */
static const char *get_target(const sp_http_conn *c, const char *url)
{
    bool https = strncasecmp(url, "https://", 8) == 0;
    if (!https && (c->maybe_plain_proxy || strncasecmp(url, "http://", 7) != 0))
        return NULL;
    const char *target = strchr(url + (https ? 8 : 7), '/');
    return target && strchr(target, '?') ? target : NULL;
}

/* Point the handle at one request. */
static void xfer_set_request(const sp_http_conn *c, sp_http_xfer *x, const sp_http_request *req)
{
    CURL *h = x->curl;
    x->errbuf[0] = '\0';
    x->retry_after_ms = 0;
    const char *target = req->body ? NULL : get_target(c, req->url);
    if (target) { /* the URL up to its path; curl parses that short string */
        size_t n = (size_t)(target - req->url);
        if (n + 1 > sizeof x->base) {
            target = NULL;
        } else {
            memcpy(x->base, req->url, n);
            x->base[n] = '\0';
        }
    }
    curl_easy_setopt(h, CURLOPT_URL, target ? x->base : req->url);
    curl_easy_setopt(h, CURLOPT_REQUEST_TARGET, target);
    /* https: wait for a connection that may multiplex (HTTP/2) rather than
     * open another one; plain http has no HTTP/2 here, so no waiting. */
    curl_easy_setopt(h, CURLOPT_PIPEWAIT, strncasecmp(req->url, "https:", 6) == 0 ? 1L : 0L);
    if (req->body) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    } else {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }
}

/* Fill the answer of a transfer that ended with `rc`. */
static void xfer_answer(sp_http_xfer *x, CURLcode rc, sp_http_response *resp)
{
    memset(resp, 0, sizeof *resp);
    if (rc == CURLE_OK) {
        long status = 0;
        curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status);
        resp->status = (int)status;
        resp->retry_after_ms = x->retry_after_ms;
        if (status == 0)
            snprintf(resp->reason, sizeof resp->reason, "no HTTP status received");
        return;
    }
    resp->aborted = rc == CURLE_ABORTED_BY_CALLBACK;
    snprintf(resp->reason, sizeof resp->reason, "%s",
             x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
}

static void fail_unit(sp_send_unit *u, const char *reason)
{
    memset(&u->resp, 0, sizeof u->resp);
    snprintf(u->resp.reason, sizeof u->resp.reason, "%s", reason);
}

/* Run up to xfer_count requests at once, to their ends or until the abort
 * flag is seen; every unit's resp is filled. */
static void run_wave(sp_http_conn *c, sp_send_unit *units, size_t n)
{
    sp_send_unit *owner[n]; /* the unit of each added handle, by xfer index */
    size_t added = 0;
    for (size_t i = 0; i < n; i++) {
        sp_http_xfer *x = xfer_get(c, (unsigned)i);
        owner[i] = NULL;
        if (!x) {
            char why[200];
            snprintf(why, sizeof why, "could not create an HTTP handle: %s",
                     snowplow_error_last());
            fail_unit(&units[i], why);
            continue;
        }
        xfer_set_request(c, x, &units[i].req);
        CURLMcode mc = curl_multi_add_handle(c->multi, x->curl);
        if (mc != CURLM_OK) {
            fail_unit(&units[i], curl_multi_strerror(mc));
            continue;
        }
        owner[i] = &units[i];
        added++;
    }

    size_t done = 0;
    CURLMcode mc = CURLM_OK;
    bool aborted = false;
    while (done < added) {
        int running = 0;
        mc = curl_multi_perform(c->multi, &running);
        CURLMsg *msg;
        int left;
        while (mc == CURLM_OK && (msg = curl_multi_info_read(c->multi, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            sp_http_xfer *x = NULL;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
            size_t i = (size_t)(x - c->xfers);
            if (!x || i >= n || !owner[i])
                continue;
            xfer_answer(x, msg->data.result, &owner[i]->resp);
            curl_multi_remove_handle(c->multi, x->curl);
            owner[i] = NULL;
            done++;
        }
        if (done >= added || mc != CURLM_OK)
            break;
        if (atomic_load(c->abort_flag)) {
            aborted = true;
            break;
        }
        mc = curl_multi_poll(c->multi, NULL, 0, SP_ABORT_POLL_MS, NULL);
    }
    /* Whatever did not end: aborted, or the multi handle failed. */
    for (size_t i = 0; i < n; i++) {
        if (!owner[i])
            continue;
        curl_multi_remove_handle(c->multi, c->xfers[i].curl);
        if (aborted) {
            fail_unit(owner[i], "aborted: the emitter is closing");
            owner[i]->resp.aborted = true;
        } else {
            fail_unit(owner[i], curl_multi_strerror(mc));
        }
    }
}

static void http_send_many(void *conn, sp_send_unit *units, size_t n)
{
    sp_http_conn *c = conn;
    if (!c) {
        for (size_t i = 0; i < n; i++)
            fail_unit(&units[i], "could not create an HTTP handle");
        return;
    }
    if (c->lean && sp_http_lean_send_many(c->lean, units, n))
        return;
    for (size_t i = 0; i < n; i += c->xfer_count)
        run_wave(c, units + i, n - i < c->xfer_count ? n - i : c->xfer_count);
}

static const sp_transport curl_transport = {http_open, NULL, http_close, NULL,
                                            http_send_many, SP_TRANSPORT_HTTP};

const sp_transport *sp_http_transport(void)
{
    return &curl_transport;
}
