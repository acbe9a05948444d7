/* Emitter options: defaults and the validation of each setting. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "emitter/emitter_options.h"
#include "util/error.h"
#include "store/store.h"
#include "util/endpoint.h"
#include "util/text.h"

#define CHECK_OPTIONS(fn)                                                     \
    do {                                                                      \
        if (!options)                                                         \
            return sp_error_set(SNOWPLOW_EINVAL, fn ": options: NULL");       \
    } while (0)

int snowplow_emitter_options_new(snowplow_emitter_options **out)
{
    if (!out)
        return sp_error_set(SNOWPLOW_EINVAL, "snowplow_emitter_options_new: out: NULL");
    *out = NULL;
    snowplow_emitter_options *o = calloc(1, sizeof *o);
    if (!o || !(o->post_path = strdup(SP_DEFAULT_POST_PATH))) {
        free(o);
        return sp_error_set(SNOWPLOW_ENOMEM, "snowplow_emitter_options_new: out of memory");
    }
    strcpy(o->protocol, "http");
    o->method = SNOWPLOW_METHOD_POST;
    o->thread_count = 1;
    o->batch_size = 10;
    o->byte_limit = 40000;
    o->queue_sent_events = 1;
    o->linger_ms = 10;
    o->connect_timeout_ms = 5000;
    o->request_timeout_ms = 10000;
    o->queue_capacity = SP_DEFAULT_QUEUE_CAPACITY;
    o->queue_max_bytes = SP_DEFAULT_QUEUE_MAX_BYTES;
    o->full_policy = SNOWPLOW_FULL_DROP_NEWEST;
    o->block_timeout_ms = -1;
    o->retry_base_ms = SP_DEFAULT_RETRY_BASE_MS;
    o->retry_max_ms = SP_DEFAULT_RETRY_MAX_MS;
    o->transport = *sp_http_transport();
    *out = o;
    return 0;
}

void snowplow_emitter_options_free(snowplow_emitter_options *options)
{
    if (!options)
        return;
    free(options->endpoint);
    free(options->post_path);
    free(options->store_path);
    sp_redis_target_free(options->redis);
    sp_http_options_clear(&options->http);
    free(options);
}

int snowplow_emitter_options_set_endpoint(snowplow_emitter_options *options,
                                          const char *endpoint)
{
    static const char fn[] = "snowplow_emitter_options_set_endpoint";
    CHECK_OPTIONS("snowplow_emitter_options_set_endpoint");
    if (!endpoint)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: endpoint: NULL", fn);
    if (!sp_utf8_valid(endpoint, strlen(endpoint)))
        return sp_error_set(SNOWPLOW_EUTF8, "%s: endpoint: not valid UTF-8", fn);

    /* Parsed now so that a bad endpoint is reported where it was given; parsed
     * again at snowplow_emitter_new() with the final protocol and port. */
    sp_endpoint ep;
    int rc = sp_endpoint_parse(&ep, fn, endpoint, options->protocol, options->port);
    if (rc < 0)
        return rc;
    sp_endpoint_free(&ep);

    char *copy = strdup(endpoint);
    if (!copy)
        return sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
    free(options->endpoint);
    options->endpoint = copy;
    return 0;
}

int snowplow_emitter_options_set_protocol(snowplow_emitter_options *options,
                                          const char *protocol)
{
    static const char fn[] = "snowplow_emitter_options_set_protocol";
    CHECK_OPTIONS("snowplow_emitter_options_set_protocol");
    if (!protocol)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: protocol: NULL", fn);
    if (strcasecmp(protocol, "http") == 0)
        strcpy(options->protocol, "http");
    else if (strcasecmp(protocol, "https") == 0)
        strcpy(options->protocol, "https");
    else
        return sp_error_set(SNOWPLOW_EURL, "%s: protocol: '%.40s' is not \"http\" or \"https\"",
                            fn, protocol);
    return 0;
}

int snowplow_emitter_options_set_port(snowplow_emitter_options *options, int port)
{
    CHECK_OPTIONS("snowplow_emitter_options_set_port");
    if (port < 0 || port > 65535)
        return sp_error_set(SNOWPLOW_EURL,
                            "snowplow_emitter_options_set_port: port: %d is outside 0..65535",
                            port);
    options->port = port;
    return 0;
}

int snowplow_emitter_options_set_method(snowplow_emitter_options *options,
                                        snowplow_method method)
{
    CHECK_OPTIONS("snowplow_emitter_options_set_method");
    if (method != SNOWPLOW_METHOD_POST && method != SNOWPLOW_METHOD_GET)
        return sp_error_set(SNOWPLOW_EINVAL,
                            "snowplow_emitter_options_set_method: method: unknown value %d",
                            (int)method);
    options->method = method;
    return 0;
}

/* A path goes into the URL as is: printable ASCII, no query or fragment. */
static const char *path_problem(const char *path)
{
    if (path[0] != '/')
        return "does not start with '/'";
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if (*p <= 0x20 || *p >= 0x7f)
            return "contains a space, control or non-ASCII character";
        if (*p == '?' || *p == '#')
            return "contains '?' or '#'";
    }
    return NULL;
}

int snowplow_emitter_options_set_post_path(snowplow_emitter_options *options,
                                           const char *path)
{
    static const char fn[] = "snowplow_emitter_options_set_post_path";
    CHECK_OPTIONS("snowplow_emitter_options_set_post_path");
    if (!path)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: path: NULL", fn);
    const char *problem = path_problem(path);
    if (problem)
        return sp_error_set(SNOWPLOW_EURL, "%s: path: %s", fn, problem);
    char *copy = strdup(path);
    if (!copy)
        return sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
    free(options->post_path);
    options->post_path = copy;
    return 0;
}

static int set_int_in_range(int *field, int value, int lo, int hi, const char *fn,
                            const char *arg)
{
    if (value < lo || value > hi)
        return sp_error_set(SNOWPLOW_ERANGE, "%s: %s: %d is outside %d..%d", fn, arg, value,
                            lo, hi);
    *field = value;
    return 0;
}

int snowplow_emitter_options_set_thread_count(snowplow_emitter_options *options,
                                              int thread_count)
{
    CHECK_OPTIONS("snowplow_emitter_options_set_thread_count");
    return set_int_in_range(&options->thread_count, thread_count, 1, SP_MAX_THREADS,
                            "snowplow_emitter_options_set_thread_count", "thread_count");
}

int snowplow_emitter_options_set_batch_size(snowplow_emitter_options *options, int batch_size)
{
    CHECK_OPTIONS("snowplow_emitter_options_set_batch_size");
    return set_int_in_range(&options->batch_size, batch_size, 1, SP_MAX_BATCH_SIZE,
                            "snowplow_emitter_options_set_batch_size", "batch_size");
}

int snowplow_emitter_options_set_byte_limit(snowplow_emitter_options *options,
                                            size_t byte_limit)
{
    CHECK_OPTIONS("snowplow_emitter_options_set_byte_limit");
    if (byte_limit < SP_MIN_BYTE_LIMIT)
        return sp_error_set(SNOWPLOW_ERANGE,
                            "snowplow_emitter_options_set_byte_limit: byte_limit: %zu is below "
                            "the minimum of %d",
                            byte_limit, SP_MIN_BYTE_LIMIT);
    options->byte_limit = byte_limit;
    return 0;
}

int snowplow_emitter_options_set_linger_ms(snowplow_emitter_options *options, int linger_ms)
{
    CHECK_OPTIONS("snowplow_emitter_options_set_linger_ms");
    return set_int_in_range(&options->linger_ms, linger_ms, 0, SP_MAX_LINGER_MS,
                            "snowplow_emitter_options_set_linger_ms", "linger_ms");
}

/* A timeout: at least 1 ms. */
static int set_timeout_ms(int *field, int timeout_ms, const char *fn)
{
    if (timeout_ms < 1)
        return sp_error_set(SNOWPLOW_ERANGE, "%s: timeout_ms: %d is below 1", fn, timeout_ms);
    *field = timeout_ms;
    return 0;
}

int snowplow_emitter_options_set_connect_timeout_ms(snowplow_emitter_options *options,
                                                    int timeout_ms)
{
    CHECK_OPTIONS("snowplow_emitter_options_set_connect_timeout_ms");
    return set_timeout_ms(&options->connect_timeout_ms, timeout_ms,
                          "snowplow_emitter_options_set_connect_timeout_ms");
}

int snowplow_emitter_options_set_request_timeout_ms(snowplow_emitter_options *options,
                                                    int timeout_ms)
{
    CHECK_OPTIONS("snowplow_emitter_options_set_request_timeout_ms");
    return set_timeout_ms(&options->request_timeout_ms, timeout_ms,
                          "snowplow_emitter_options_set_request_timeout_ms");
}

int snowplow_emitter_options_set_on_success(snowplow_emitter_options *options,
                                            snowplow_result_cb cb, void *payload)
{
    CHECK_OPTIONS("snowplow_emitter_options_set_on_success");
    options->on_success = cb;
    options->on_success_payload = cb ? payload : NULL;
    return 0;
}

int snowplow_emitter_options_set_on_failure(snowplow_emitter_options *options,
                                            snowplow_result_cb cb, void *payload)
{
    CHECK_OPTIONS("snowplow_emitter_options_set_on_failure");
    options->on_failure = cb;
    options->on_failure_payload = cb ? payload : NULL;
    return 0;
}

int sp_emitter_options_set_queue_capacity(snowplow_emitter_options *options, size_t capacity)
{
    CHECK_OPTIONS("sp_emitter_options_set_queue_capacity");
    if (capacity < 1)
        return sp_error_set(SNOWPLOW_ERANGE,
                            "sp_emitter_options_set_queue_capacity: capacity: 0 is below 1");
    options->queue_capacity = capacity;
    return 0;
}

int sp_emitter_options_set_transport(snowplow_emitter_options *options,
                                     const sp_transport *transport)
{
    CHECK_OPTIONS("sp_emitter_options_set_transport");
    if (!transport || !transport->open || !(transport->send || transport->send_many) ||
        !transport->close)
        return sp_error_set(SNOWPLOW_EINVAL,
                            "sp_emitter_options_set_transport: transport: NULL or incomplete");
    options->transport = *transport;
    return 0;
}

int snowplow_emitter_options_set_buffer_capacity(snowplow_emitter_options *options,
                                                 size_t max_events, size_t max_bytes)
{
    static const char fn[] = "snowplow_emitter_options_set_buffer_capacity";
    CHECK_OPTIONS("snowplow_emitter_options_set_buffer_capacity");
    if (max_events < 1)
        return sp_error_set(SNOWPLOW_ERANGE, "%s: max_events: 0 is below 1", fn);
    if (max_bytes != 0 && max_bytes < SP_MIN_BYTE_LIMIT)
        return sp_error_set(SNOWPLOW_ERANGE,
                            "%s: max_bytes: %zu is below the minimum of %d (0 means the "
                            "default, 64 MiB)",
                            fn, max_bytes, SP_MIN_BYTE_LIMIT);
    options->queue_capacity = max_events;
    options->queue_max_bytes = max_bytes ? max_bytes : SP_DEFAULT_QUEUE_MAX_BYTES;
    return 0;
}

int snowplow_emitter_options_set_full_policy(snowplow_emitter_options *options,
                                             snowplow_full_policy policy, int block_timeout_ms)
{
    CHECK_OPTIONS("snowplow_emitter_options_set_full_policy");
    if (policy != SNOWPLOW_FULL_DROP_NEWEST && policy != SNOWPLOW_FULL_DROP_OLDEST &&
        policy != SNOWPLOW_FULL_BLOCK)
        return sp_error_set(SNOWPLOW_EINVAL,
                            "snowplow_emitter_options_set_full_policy: policy: unknown value %d",
                            (int)policy);
    options->full_policy = policy;
    options->block_timeout_ms = block_timeout_ms;
    return 0;
}

int snowplow_emitter_options_set_retry(snowplow_emitter_options *options, int base_delay_ms,
                                       int max_delay_ms, int max_attempts)
{
    static const char fn[] = "snowplow_emitter_options_set_retry";
    CHECK_OPTIONS("snowplow_emitter_options_set_retry");
    if (base_delay_ms < 1 || base_delay_ms > SP_MAX_RETRY_DELAY_MS)
        return sp_error_set(SNOWPLOW_ERANGE, "%s: base_delay_ms: %d is outside 1..%d", fn,
                            base_delay_ms, SP_MAX_RETRY_DELAY_MS);
    if (max_delay_ms < base_delay_ms || max_delay_ms > SP_MAX_RETRY_DELAY_MS)
        return sp_error_set(SNOWPLOW_ERANGE,
                            "%s: max_delay_ms: %d is outside base_delay_ms..%d (%d..%d)", fn,
                            max_delay_ms, SP_MAX_RETRY_DELAY_MS, base_delay_ms,
                            SP_MAX_RETRY_DELAY_MS);
    if (max_attempts < 0)
        return sp_error_set(SNOWPLOW_ERANGE,
                            "%s: max_attempts: %d is negative (0 means no limit)", fn,
                            max_attempts);
    options->retry_base_ms = base_delay_ms;
    options->retry_max_ms = max_delay_ms;
    options->max_attempts = max_attempts;
    return 0;
}

int snowplow_emitter_options_set_custom_retry_code(snowplow_emitter_options *options,
                                                   int status, int retry)
{
    static const char fn[] = "snowplow_emitter_options_set_custom_retry_code";
    CHECK_OPTIONS("snowplow_emitter_options_set_custom_retry_code");
    if (status < SP_STATUS_FIRST || status > SP_STATUS_LAST)
        return sp_error_set(SNOWPLOW_ERANGE, "%s: status: %d is outside %d..%d", fn, status,
                            SP_STATUS_FIRST, SP_STATUS_LAST);
    if (retry != 0 && retry != 1)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: retry: %d is not 0 or 1", fn, retry);
    options->retry_override[status - SP_STATUS_FIRST] = retry ? 1 : -1;
    return 0;
}

int snowplow_emitter_options_set_result_queue(snowplow_emitter_options *options,
                                              size_t capacity)
{
    CHECK_OPTIONS("snowplow_emitter_options_set_result_queue");
    if (capacity > SP_MAX_RESULT_QUEUE)
        return sp_error_set(SNOWPLOW_ERANGE,
                            "snowplow_emitter_options_set_result_queue: capacity: %zu is over "
                            "%d",
                            capacity, SP_MAX_RESULT_QUEUE);
    options->result_queue_capacity = capacity;
    return 0;
}

int snowplow_emitter_options_set_result_queue_sent_events(snowplow_emitter_options *options,
                                                         int sent_events)
{
    CHECK_OPTIONS("snowplow_emitter_options_set_result_queue_sent_events");
    if (sent_events != 0 && sent_events != 1)
        return sp_error_set(SNOWPLOW_EINVAL,
                            "snowplow_emitter_options_set_result_queue_sent_events: "
                            "sent_events: must be 0 or 1, not %d",
                            sent_events);
    options->queue_sent_events = sent_events;
    return 0;
}

int snowplow_emitter_options_set_store(snowplow_emitter_options *options, const char *path,
                                       int sync_interval_ms, size_t max_events,
                                       int64_t max_age_ms)
{
    static const char fn[] = "snowplow_emitter_options_set_store";
    CHECK_OPTIONS("snowplow_emitter_options_set_store");
    if (!sp_store_available())
        return sp_error_set(SNOWPLOW_EUNSUPPORTED,
                            "%s: this build of libsnowplow has no persistent store (built "
                            "without SQLite)",
                            fn);
    if (path && path[0] == '\0')
        return sp_error_set(SNOWPLOW_EINVAL, "%s: path: empty", fn);
    if (sync_interval_ms < 0 || sync_interval_ms > SP_MAX_STORE_SYNC_MS)
        return sp_error_set(SNOWPLOW_ERANGE, "%s: sync_interval_ms: %d is outside 0..%d", fn,
                            sync_interval_ms, SP_MAX_STORE_SYNC_MS);
    if (max_age_ms < 0)
        return sp_error_set(SNOWPLOW_ERANGE, "%s: max_age_ms: %lld is negative", fn,
                            (long long)max_age_ms);
    char *copy = NULL;
    if (path && !(copy = strdup(path)))
        return sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
    free(options->store_path);
    options->store_path = copy; /* NULL turns the store off */
    options->store_sync_ms = sync_interval_ms > 0 ? sync_interval_ms : SP_DEFAULT_STORE_SYNC_MS;
    options->store_max_events = max_events;
    options->store_max_age_ms = max_age_ms;
    return 0;
}
