/*
 * The libcurl transport: one easy handle per sending thread, reused for every
 * request so that the connection stays open (keep-alive).
 *
 * The easy handle is driven through the thread's own multi handle (which keeps
 * the connection cache) in slices of at most SP_ABORT_POLL_MS, so that a close
 * can abort a request that waits on a silent collector within that slice;
 * curl's progress callback alone runs only about once a second when idle.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "snowplow/common.h"
#include "transport/http_options.h"
#include "transport/transport.h"

#define SP_ABORT_POLL_MS 50

typedef struct sp_http_conn {
    CURLM *multi;
    CURL *curl;
    const atomic_bool *abort_flag;
    int retry_after_ms; /* from the current answer's headers */
    char errbuf[CURL_ERROR_SIZE];
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
    sp_http_conn *c = userdata;
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

/* Called by curl during a transfer; a non-zero return aborts it. */
static int check_abort(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    const sp_http_conn *c = clientp;
    return atomic_load(c->abort_flag) ? 1 : 0;
}

static void http_close(void *conn)
{
    sp_http_conn *c = conn;
    if (!c)
        return;
    if (c->curl)
        curl_easy_cleanup(c->curl);
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
    c->curl = curl_easy_init();
    c->multi = curl_multi_init();
    if (!c->curl || !c->multi) {
        http_close(c);
        return NULL;
    }

    CURL *h = c->curl;
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)cfg->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)cfg->request_timeout_ms);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard_body);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, read_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, check_abort);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, c);
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85.0 */
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    if (sp_http_options_apply(h, cfg->http) < 0) { /* headers, User-Agent, TLS, proxy */
        http_close(c);
        return NULL;
    }
    return c;
}

/* Run the transfer to its end, or until the abort flag is seen. */
static CURLcode perform(sp_http_conn *c)
{
    CURLMcode mc = curl_multi_add_handle(c->multi, c->curl);
    CURLcode rc = CURLE_OK;
    bool done = false;
    while (mc == CURLM_OK && !done) {
        int running = 0;
        mc = curl_multi_perform(c->multi, &running);
        CURLMsg *msg;
        int left;
        while (mc == CURLM_OK && (msg = curl_multi_info_read(c->multi, &left)))
            if (msg->msg == CURLMSG_DONE && msg->easy_handle == c->curl) {
                rc = msg->data.result;
                done = true;
            }
        if (done || mc != CURLM_OK)
            break;
        if (atomic_load(c->abort_flag)) {
            rc = CURLE_ABORTED_BY_CALLBACK;
            break;
        }
        mc = curl_multi_poll(c->multi, NULL, 0, SP_ABORT_POLL_MS, NULL);
    }
    curl_multi_remove_handle(c->multi, c->curl);
    if (mc != CURLM_OK) {
        snprintf(c->errbuf, sizeof c->errbuf, "%s", curl_multi_strerror(mc));
        rc = CURLE_FAILED_INIT;
    }
    return rc;
}

static void http_send(void *conn, const sp_http_request *req, sp_http_response *resp)
{
    sp_http_conn *c = conn;
    memset(resp, 0, sizeof *resp);
    if (!c) {
        snprintf(resp->reason, sizeof resp->reason, "could not create an HTTP handle");
        return;
    }
    CURL *h = c->curl;
    c->errbuf[0] = '\0';
    c->retry_after_ms = 0;
    curl_easy_setopt(h, CURLOPT_URL, req->url);
    if (req->body) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    } else {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }

    CURLcode rc = perform(c);
    if (rc == CURLE_OK) {
        long status = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        resp->status = (int)status;
        resp->retry_after_ms = c->retry_after_ms;
        if (status == 0)
            snprintf(resp->reason, sizeof resp->reason, "no HTTP status received");
        return;
    }
    resp->aborted = rc == CURLE_ABORTED_BY_CALLBACK;
    snprintf(resp->reason, sizeof resp->reason, "%s",
             c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc));
}

static const sp_transport curl_transport = {http_open, http_send, http_close, NULL};

const sp_transport *sp_http_transport(void)
{
    return &curl_transport;
}
