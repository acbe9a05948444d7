/* Internal: the emitter options object and the hooks tests (and later issues) use. */
#ifndef SP_EMITTER_OPTIONS_H
#define SP_EMITTER_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "snowplow/emitter.h"
#include "transport/http_options.h"
#include "transport/transport.h"

#define SP_DEFAULT_POST_PATH "/com.snowplowanalytics.snowplow/tp2"
#define SP_DEFAULT_QUEUE_CAPACITY 10000
#define SP_DEFAULT_QUEUE_MAX_BYTES ((size_t)64 * 1024 * 1024)
#define SP_DEFAULT_RETRY_BASE_MS 100
#define SP_DEFAULT_RETRY_MAX_MS 60000
#define SP_STATUS_FIRST 100
#define SP_STATUS_LAST 599

struct snowplow_emitter_options {
    char *endpoint;      /* as given (validated); parsed again by snowplow_emitter_new() */
    char protocol[8];    /* "http" or "https" */
    int port;            /* 0 = the scheme's default */
    snowplow_method method;
    char *post_path;
    int thread_count;
    int batch_size;
    size_t byte_limit;
    int linger_ms;
    int connect_timeout_ms;
    int request_timeout_ms;
    snowplow_result_cb on_success;
    void *on_success_payload;
    snowplow_result_cb on_failure;
    void *on_failure_payload;
    size_t queue_capacity;       /* max events held (queued or in flight) */
    size_t queue_max_bytes;      /* max encoded bytes held */
    snowplow_full_policy full_policy;
    int block_timeout_ms;        /* BLOCK: negative = no limit */
    int retry_base_ms;
    int retry_max_ms;
    int max_attempts;            /* 0 = no limit */
    /* Per HTTP status 100..599: 0 the default decision, 1 retry, -1 give up. */
    signed char retry_override[SP_STATUS_LAST - SP_STATUS_FIRST + 1];
    size_t result_queue_capacity; /* 0 = no result queue */
    int queue_sent_events;        /* queued successes carry their events (default 1) */
    char *store_path;             /* persistent store file; NULL = no store */
    int store_sync_ms;            /* how often the store thread writes (ms) */
    size_t store_max_events;      /* 0 = no limit */
    int64_t store_max_age_ms;     /* 0 = no limit */
    unsigned max_inflight;        /* 0 = SP_DEFAULT_MAX_INFLIGHT */
    struct sp_redis_target *redis; /* set_redis: the transport's context; NULL = HTTP */
    sp_transport transport;
    sp_http_options http;         /* TLS, proxy, headers, User-Agent (emitter_options_net.c) */
};

/* Bounds of the settings (checked by the setters). */
#define SP_MAX_THREADS 64
#define SP_DEFAULT_MAX_INFLIGHT 8
#define SP_MAX_INFLIGHT 256
#define SP_MAX_BATCH_SIZE 10000
#define SP_MIN_BYTE_LIMIT 1024
#define SP_MAX_LINGER_MS 60000
#define SP_MAX_RETRY_DELAY_MS 86400000 /* one day */
#define SP_MAX_RESULT_QUEUE 1000000
#define SP_DEFAULT_STORE_SYNC_MS 100
#define SP_MAX_STORE_SYNC_MS 3600000 /* one hour */

/* Queue capacity in events (default 10000), >= 1; the byte bound is unchanged.
 * Errors: EINVAL, ERANGE. */
int sp_emitter_options_set_queue_capacity(snowplow_emitter_options *options, size_t capacity);

/* Replace the libcurl transport (the struct is copied). Errors: EINVAL. */
int sp_emitter_options_set_transport(snowplow_emitter_options *options,
                                     const sp_transport *transport);

#endif
