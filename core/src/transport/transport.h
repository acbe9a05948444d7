/*
 * Internal: where a batch goes. The one header the emitter uses to reach the
 * transport layer.
 *
 * Each sending thread opens one connection object (open), hands it units to
 * deliver (send_many, or send one at a time) and closes it when the thread
 * ends. A unit is what the transport delivers as a whole and answers for:
 *  - SP_TRANSPORT_HTTP: an HTTP request the emitter built (a GET URL or a
 *    POST body holding a batch); its events share its outcome. libcurl (http.c),
 *    several requests in flight per thread through curl multi; GET to a plain
 *    http:// address pipelined by the lean engine (http_lean.h) instead.
 *  - SP_TRANSPORT_EVENTS: one event, a JSON object of its payload fields (the
 *    POST `data` element); each has its own outcome. Redis (redis.c).
 * Tests plug in other transports (sp_emitter_options_set_transport()).
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
    /* Most units a send_many() call carries for SP_TRANSPORT_HTTP (requests in
     * flight at once); SP_TRANSPORT_EVENTS calls carry up to this many batches. */
    unsigned max_inflight;
    /* TLS, proxy, headers, User-Agent: sp_http_options_apply() on each easy handle. */
    const struct sp_http_options *http;
} sp_transport_config;

typedef struct sp_http_request {
    const char *url;  /* full URL; for GET it includes the query string */
    const char *body; /* NULL for GET */
    size_t body_len;
} sp_http_request;

/* How a unit ended, when the transport decides it rather than an HTTP status. */
typedef enum sp_send_verdict {
    SP_VERDICT_BY_STATUS = 0, /* HTTP: the emitter judges `status` (2xx/3xx sent) */
    SP_VERDICT_DELIVERED,     /* accepted */
    SP_VERDICT_RETRY,         /* failed; may succeed later (retry policy applies) */
    SP_VERDICT_FINAL          /* failed; trying again cannot help (e.g. wrong key type) */
} sp_send_verdict;

typedef struct sp_http_response {
    int status;          /* HTTP status, 0 when there was no HTTP answer */
    sp_send_verdict verdict; /* left 0 by HTTP transports */
    bool aborted;        /* ended because abort_flag was set */
    int retry_after_ms;  /* the answer's Retry-After in ms; 0 when absent or past */
    char reason[256];    /* transport error text when status == 0 */
} sp_http_response;

/* One unit of a send_many() call: the request, and its answer the transport fills. */
typedef struct sp_send_unit {
    sp_http_request req; /* SP_TRANSPORT_EVENTS: url NULL, body the event's JSON */
    sp_http_response resp;
} sp_send_unit;

typedef enum sp_transport_input {
    SP_TRANSPORT_HTTP = 0, /* units are HTTP requests */
    SP_TRANSPORT_EVENTS    /* units are events (JSON objects) */
} sp_transport_input;

typedef struct sp_transport {
    /* One connection per sending thread; NULL when it cannot be created (then
     * send is still called, with conn NULL, and must report a failure). */
    void *(*open)(void *ctx, const sp_transport_config *cfg);
    /* Perform one request and fill `resp`. Always fills it; never blocks past
     * the request timeout, and returns soon after abort_flag is set. May be
     * NULL when send_many is set. */
    void (*send)(void *conn, const sp_http_request *req, sp_http_response *resp);
    void (*close)(void *conn);
    void *ctx;
    /* Optional: deliver `n` units at once (in flight together, or pipelined)
     * and fill every unit's resp, in any order of completion. Same bounds as
     * send. NULL: the emitter calls send for each unit in turn. */
    void (*send_many)(void *conn, sp_send_unit *units, size_t n);
    sp_transport_input input;
} sp_transport;

/* The Redis transport (redis.c; hiredis): each event becomes one list item, a
 * JSON object of its payload fields; a group of batches goes as one pipeline
 * of RPUSH commands and every command's reply is that event's outcome. Its ctx
 * is an sp_redis_target that outlives every connection (the emitter's options
 * own it). */
typedef struct sp_redis_target sp_redis_target;
const sp_transport *sp_redis_transport(void);

/*
 * Parse `url` (redis://[[user]:password@]host[:port][/db], with [v6] hosts, or
 * unix:///path[?db=N][&password=P]) and copy `key`. 0, or SNOWPLOW_EINVAL /
 * SNOWPLOW_ENOMEM with the thread's message set, prefixed with `fn`, naming
 * what was wrong. Free with sp_redis_target_free() (NULL is fine).
 */
int sp_redis_target_new(sp_redis_target **out, const char *fn, const char *url,
                        const char *key);
void sp_redis_target_free(sp_redis_target *t);
/* The URL without its password, for messages. */
const char *sp_redis_target_name(const sp_redis_target *t);

/* The HTTP transport: libcurl, and the lean engine for GET where it applies. */
const sp_transport *sp_http_transport(void);

/* A Retry-After value (delay-seconds or HTTP-date, without the header name)
 * in ms from now; 0 when unreadable or in the past. */
int sp_http_retry_after_ms(const char *value);

/* curl_global_init, exactly once per process. 0 or SNOWPLOW_ESYS. */
int sp_http_global_init(void);

#endif
