/* Helpers shared by the emitter tests: valid payloads, callback recorders. */
#ifndef TEST_EMITTER_HELPERS_H
#define TEST_EMITTER_HELPERS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emitter/emitter_internal.h"
#include "emitter/emitter_options.h"
#include "event/payload.h"
#include "snowplow.h"
#include "util/text.h"

/* Sanitizer builds are slower and heavier: some tests scale down under them. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SP_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SP_SANITIZED 1
#endif
#endif

/* A structured event the collector validates: e=se with every required field. */
static inline sp_payload *th_make_payload(char eid_out[37], const char *label)
{
    char eid[37];
    sp_uuid_v4(eid);
    if (eid_out)
        memcpy(eid_out, eid, 37);
    sp_payload *p = sp_payload_new();
    if (!p)
        return NULL;
    char dtm[24];
    sp_format_int64(dtm, sp_now_ms());
    if (sp_payload_add(p, "e", "se") || sp_payload_add(p, "eid", eid) ||
        sp_payload_add(p, "tv", "c-0.1.0") || sp_payload_add(p, "p", "srv") ||
        sp_payload_add(p, "dtm", dtm) || sp_payload_add(p, "se_ca", "test") ||
        sp_payload_add(p, "se_ac", "emit") || sp_payload_add(p, "se_la", label)) {
        sp_payload_free(p);
        return NULL;
    }
    return p;
}

/* Queue one payload (which stays ours); returns the enqueue code. */
static inline int th_enqueue_payload(snowplow_emitter *em, const sp_payload *p)
{
    const sp_payload *group[1] = {p};
    return sp_emitter_enqueue(em, "test", group, 1);
}

/* Queue one event; returns the enqueue code. */
static inline int th_enqueue(snowplow_emitter *em, char eid_out[37], const char *label)
{
    sp_payload *p = th_make_payload(eid_out, label);
    if (!p)
        return SNOWPLOW_ENOMEM;
    int rc = th_enqueue_payload(em, p);
    sp_payload_free(p);
    return rc;
}

/* Records what callbacks saw (copies of the results), thread-safe. */
typedef struct th_recorder {
    pthread_mutex_t mu;
    snowplow_result *results[4096];
    size_t count;
    size_t events;
    int callback_rc; /* code a callback's own call (flush/close) returned */
} th_recorder;

static inline void th_recorder_init(th_recorder *r)
{
    memset(r, 0, sizeof *r);
    pthread_mutex_init(&r->mu, NULL);
}

static inline void th_recorder_free(th_recorder *r)
{
    for (size_t i = 0; i < r->count; i++)
        snowplow_result_free(r->results[i]);
    pthread_mutex_destroy(&r->mu);
}

static inline void th_record(const snowplow_result *result, void *payload)
{
    th_recorder *r = payload;
    snowplow_result *copy = NULL;
    if (snowplow_result_copy(&copy, result) < 0)
        abort();
    pthread_mutex_lock(&r->mu);
    if (r->count < sizeof r->results / sizeof *r->results)
        r->results[r->count++] = copy;
    else
        snowplow_result_free(copy);
    r->events += snowplow_result_event_count(result);
    pthread_mutex_unlock(&r->mu);
}

static inline size_t th_recorded_events(th_recorder *r)
{
    pthread_mutex_lock(&r->mu);
    size_t n = r->events;
    pthread_mutex_unlock(&r->mu);
    return n;
}

/* Whether any recorded result lists event `eid`. */
static inline int th_recorded_eid(th_recorder *r, const char *eid)
{
    int found = 0;
    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; i < r->count && !found; i++)
        for (size_t j = 0; j < snowplow_result_event_count(r->results[i]); j++)
            if (strcmp(snowplow_result_event_id(r->results[i], j), eid) == 0)
                found = 1;
    pthread_mutex_unlock(&r->mu);
    return found;
}

/* Options with an endpoint and the recorders as callbacks. */
static inline snowplow_emitter_options *th_options(const char *endpoint, th_recorder *ok,
                                                   th_recorder *failed)
{
    snowplow_emitter_options *o = NULL;
    if (snowplow_emitter_options_new(&o) < 0 ||
        snowplow_emitter_options_set_endpoint(o, endpoint) < 0)
        abort();
    if (ok)
        snowplow_emitter_options_set_on_success(o, th_record, ok);
    if (failed)
        snowplow_emitter_options_set_on_failure(o, th_record, failed);
    return o;
}

static inline void th_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Wait until a counter reaches `n`; -1 after `timeout_ms` (a hang detector,
 * never a timing assertion: give it a generous bound). */
static inline int th_wait_counter(snowplow_emitter *em, snowplow_counter c, uint64_t n,
                                  int timeout_ms)
{
    for (int waited = 0; waited < timeout_ms; waited += 5) {
        if (snowplow_emitter_counter(em, c) >= n)
            return 0;
        th_sleep_ms(5);
    }
    return snowplow_emitter_counter(em, c) >= n ? 0 : -1;
}

/* Events in the recorded results with will_retry `retry` (0 or 1). */
static inline size_t th_recorded_events_retry(th_recorder *r, int retry)
{
    size_t n = 0;
    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; i < r->count; i++)
        if (snowplow_result_will_retry(r->results[i]) == retry)
            n += snowplow_result_event_count(r->results[i]);
    pthread_mutex_unlock(&r->mu);
    return n;
}

/* ---- a stub transport (no network): records requests, answers a status,
 * fails the first `fail_first` requests with `fail_status`, and holds a
 * request whose body/URL contains `hold_label` until released (or aborted) ---- */

#define TH_STUB_TEXTS 256

typedef struct stub {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int status;           /* answer given */
    int fail_first;       /* that many first requests get fail_status */
    int fail_status;      /* 0: a network error */
    int retry_after_ms;   /* given with failures */
    char hold_label[32];  /* a request whose body/URL contains this waits */
    int holding;          /* requests waiting now */
    bool release;
    size_t requests;
    char *texts[TH_STUB_TEXTS]; /* body (POST) or URL (GET) of each request */
    int64_t times[TH_STUB_TEXTS]; /* monotonic ms of each request */
    int opens, closes;
} stub;

typedef struct stub_conn {
    stub *s;
    const atomic_bool *abort_flag;
} stub_conn;

static inline void *stub_open(void *ctx, const sp_transport_config *cfg)
{
    stub_conn *c = calloc(1, sizeof *c);
    c->s = ctx;
    c->abort_flag = cfg->abort_flag;
    pthread_mutex_lock(&c->s->mu);
    c->s->opens++;
    pthread_mutex_unlock(&c->s->mu);
    return c;
}

static inline void stub_send(void *conn, const sp_http_request *req, sp_http_response *resp)
{
    stub_conn *c = conn;
    stub *s = c->s;
    const char *text = req->body ? req->body : req->url;
    memset(resp, 0, sizeof *resp);
    pthread_mutex_lock(&s->mu);
    size_t index = s->requests++;
    if (index < TH_STUB_TEXTS) {
        s->texts[index] = strdup(text);
        s->times[index] = sp_monotonic_ms();
    }
    pthread_cond_broadcast(&s->cv);
    if (s->hold_label[0] && strstr(text, s->hold_label)) {
        s->holding++;
        pthread_cond_broadcast(&s->cv);
        while (!s->release && !atomic_load(c->abort_flag)) {
            pthread_mutex_unlock(&s->mu);
            th_sleep_ms(2);
            pthread_mutex_lock(&s->mu);
        }
        s->holding--;
        if (!s->release) {
            pthread_mutex_unlock(&s->mu);
            resp->aborted = true;
            snprintf(resp->reason, sizeof resp->reason, "aborted");
            return;
        }
    }
    if ((int)index < s->fail_first) {
        resp->status = s->fail_status;
        resp->retry_after_ms = s->retry_after_ms;
        if (s->fail_status == 0)
            snprintf(resp->reason, sizeof resp->reason, "stub: connection refused");
    } else {
        resp->status = s->status;
    }
    pthread_mutex_unlock(&s->mu);
}

static inline void stub_close(void *conn)
{
    stub_conn *c = conn;
    pthread_mutex_lock(&c->s->mu);
    c->s->closes++;
    pthread_mutex_unlock(&c->s->mu);
    free(c);
}

static inline void stub_init(stub *s, int status)
{
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->status = status;
}

static inline void stub_free(stub *s)
{
    for (size_t i = 0; i < s->requests && i < TH_STUB_TEXTS; i++)
        free(s->texts[i]);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
}

static inline void stub_wait_holding(stub *s, int n)
{
    pthread_mutex_lock(&s->mu);
    while (s->holding < n)
        pthread_cond_wait(&s->cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
}

static inline void stub_wait_requests(stub *s, size_t n)
{
    pthread_mutex_lock(&s->mu);
    while (s->requests < n)
        pthread_cond_wait(&s->cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
}

static inline size_t stub_requests(stub *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->requests;
    pthread_mutex_unlock(&s->mu);
    return n;
}

static inline void stub_release(stub *s)
{
    pthread_mutex_lock(&s->mu);
    s->release = true;
    pthread_mutex_unlock(&s->mu);
}

/* An emitter with `o` (consumed) on the stub; the test fails if it cannot start. */
static inline snowplow_emitter *stub_emitter(stub *s, snowplow_emitter_options *o)
{
    sp_transport t = {stub_open, stub_send, stub_close, s};
    if (sp_emitter_options_set_transport(o, &t) != 0)
        abort();
    snowplow_emitter *em = NULL;
    if (snowplow_emitter_new(&em, o) != 0)
        abort();
    return em;
}

/* ---- against the local collector (tests/support/sp_test_collector.h) ---- */
#ifdef SP_TEST_COLLECTOR_H

/* cmocka group fixtures: one collector for the group, cleaned before each test. */
static inline int th_group_setup(void **state)
{
    sp_test_collector *c = sp_test_collector_start();
    *state = c;
    return c ? 0 : -1;
}

static inline int th_group_teardown(void **state)
{
    sp_test_collector_stop(*state);
    return 0;
}

#include <curl/curl.h>

#include "util/strbuf.h"

/* Forget events, requests and faults; "status":200 means "no fault". */
static inline void th_collector_clean(sp_test_collector *c)
{
    sp_test_collector_reset(c);
    sp_test_collector_fault(c, "{\"status\":200}");
}

/* cmocka per-test setup: forget the previous test's events, requests and faults. */
static inline int th_clean(void **state)
{
    th_collector_clean(*state);
    return 0;
}

/* Requests to the tracker routes, in arrival order (cJSON array; caller deletes). */
static inline cJSON *th_requests(sp_test_collector *c)
{
    return sp_test_collector_get(c, "/micro/requests");
}

/* How many good events carry `eid` (event.eid, or raw.eid when the collector
 * was asked for raw fields only). */
static inline int th_good_count_of(const cJSON *good, const char *eid)
{
    int n = 0;
    const cJSON *rec;
    cJSON_ArrayForEach(rec, good)
    {
        const cJSON *rec_eid = cJSON_GetObjectItem(cJSON_GetObjectItem(rec, "event"), "eid");
        if (!cJSON_IsString(rec_eid))
            rec_eid = cJSON_GetObjectItem(cJSON_GetObjectItem(rec, "raw"), "eid");
        if (cJSON_IsString(rec_eid) && strcmp(rec_eid->valuestring, eid) == 0)
            n++;
    }
    return n;
}

static inline int th_int_field(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItem(obj, name);
    return cJSON_IsNumber(v) ? v->valueint : -1;
}

static inline size_t th_collect(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    return sp_strbuf_append(userdata, ptr, size * nmemb) == 0 ? size * nmemb : 0;
}

/* GET a large JSON answer (e.g. /micro/good with 80 000 events) into a buffer
 * that grows geometrically; NULL on failure. The caller deletes the result. */
static inline cJSON *th_fetch_json(sp_test_collector *c, const char *path)
{
    char url[256];
    snprintf(url, sizeof url, "%s%s", sp_test_collector_url(c), path);
    sp_strbuf body = SP_STRBUF_INIT;
    CURL *h = curl_easy_init();
    if (!h)
        return NULL;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 240000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, th_collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    cJSON *doc = rc == CURLE_OK && status == 200 && body.data
                     ? cJSON_ParseWithLength(body.data, body.len)
                     : NULL;
    if (!doc)
        fprintf(stderr, "th_fetch_json: GET %s: %s, status %ld\n", url,
                curl_easy_strerror(rc), status);
    sp_strbuf_free(&body);
    return doc;
}

/* Wait until the collector has logged `n` requests (e.g. one now hanging). */
static inline int th_wait_requests(sp_test_collector *c, int n, int timeout_ms)
{
    for (int waited = 0; waited < timeout_ms; waited += 10) {
        cJSON *r = th_requests(c);
        int have = r ? cJSON_GetArraySize(r) : 0;
        cJSON_Delete(r);
        if (have >= n)
            return 0;
        th_sleep_ms(10);
    }
    return -1;
}

#endif

#endif
