/*
 * Internal: how the emitter's sending threads talk to a collector.
 *
 * Each sending thread opens one connection object and sends every request
 * through it (keep-alive). The default is libcurl (http.c); tests plug in
 * another transport (sp_emitter_options_set_transport()).
 */
#ifndef SP_TRANSPORT_H
#define SP_TRANSPORT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct sp_transport_config {
    int connect_timeout_ms;
    int request_timeout_ms;
    /* Set when the emitter is closing and unfinished requests must end now;
     * a transport checks it while a request is under way. */
    const atomic_bool *abort_flag;
    /* TLS, proxy, headers, User-Agent: sp_http_options_apply() on each easy handle. */
    const struct sp_http_options *http;
} sp_transport_config;

typedef struct sp_http_request {
    const char *url;  /* full URL; for GET it includes the query string */
    const char *body; /* NULL for GET */
    size_t body_len;
} sp_http_request;

typedef struct sp_http_response {
    int status;          /* HTTP status, 0 when there was no HTTP answer */
    bool aborted;        /* ended because abort_flag was set */
    int retry_after_ms;  /* the answer's Retry-After in ms; 0 when absent or past */
    char reason[256];    /* transport error text when status == 0 */
} sp_http_response;

typedef struct sp_transport {
    /* One connection per sending thread; NULL when it cannot be created (then
     * send is still called, with conn NULL, and must report a failure). */
    void *(*open)(void *ctx, const sp_transport_config *cfg);
    /* Perform one request and fill `resp`. Always fills it; never blocks past
     * the request timeout, and returns soon after abort_flag is set. */
    void (*send)(void *conn, const sp_http_request *req, sp_http_response *resp);
    void (*close)(void *conn);
    void *ctx;
} sp_transport;

/* The libcurl transport. */
const sp_transport *sp_http_transport(void);

/* A Retry-After value (delay-seconds or HTTP-date, without the header name)
 * in ms from now; 0 when unreadable or in the past. */
int sp_http_retry_after_ms(const char *value);

/* curl_global_init, exactly once per process. 0 or SNOWPLOW_ESYS. */
int sp_http_global_init(void);

#endif
