/**
 * @file
 * libsnowplow: the emitter, which delivers tracked events to a collector.
 *
 * A fixed pool of `thread_count` sending threads takes events from a bounded
 * queue, batches them (POST) or sends them one by one (GET), and reports every
 * outcome through the callbacks. The caller's thread never does network I/O.
 * Every 2xx and 3xx answer is a success (redirects are not followed); network
 * errors and other statuses are failures, reported, never raised.
 *
 * fork(): the threads of an emitter do not exist in a child process. In the
 * child, an emitter created by the parent refuses new events with
 * SNOWPLOW_ECLOSED and its close/free only release memory, sending nothing; the
 * parent's emitter is unaffected. Create a new emitter in the child.
 *
 * Configuration goes through an options object that snowplow_emitter_new()
 * consumes, as in sentry-native.
 */
#ifndef SNOWPLOW_EMITTER_H
#define SNOWPLOW_EMITTER_H

#include "common.h"
#include "result.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque, thread-safe, reference-counted emitter. */
typedef struct snowplow_emitter snowplow_emitter;
/** Opaque emitter configuration. Not synchronised: configure it on one thread. */
typedef struct snowplow_emitter_options snowplow_emitter_options;

/** HTTP method. */
typedef enum snowplow_method {
    SNOWPLOW_METHOD_POST = 0, /**< batches to /com.snowplowanalytics.snowplow/tp2 (default) */
    SNOWPLOW_METHOD_GET = 1   /**< one event per request to /i */
} snowplow_method;

/** Counters readable with snowplow_emitter_counter(). */
typedef enum snowplow_counter {
    SNOWPLOW_COUNTER_TRACKED = 0,   /**< events offered to the emitter, dropped ones included:
                                         at rest TRACKED = SENT + FAILED + DROPPED */
    SNOWPLOW_COUNTER_SENT = 1,      /**< events the collector accepted */
    SNOWPLOW_COUNTER_FAILED = 2,    /**< events given up for good after failures */
    SNOWPLOW_COUNTER_RETRIED = 3,   /**< event attempts that failed and were queued again */
    SNOWPLOW_COUNTER_DROPPED = 4,   /**< events refused or evicted because the queue was full */
    SNOWPLOW_COUNTER_QUEUED = 5,    /**< events waiting in the queue now */
    SNOWPLOW_COUNTER_IN_FLIGHT = 6, /**< events in requests under way now */
    SNOWPLOW_COUNTER_RESULTS = 7,   /**< results put into the result queue */
    SNOWPLOW_COUNTER_RESULTS_DROPPED = 8, /**< results lost because the result queue was full */
    SNOWPLOW_COUNTER_STORED = 9     /**< events waiting in the persistent store now */
} snowplow_counter;

/** What a full queue does with a new event (snowplow_emitter_options_set_full_policy()). */
typedef enum snowplow_full_policy {
    SNOWPLOW_FULL_DROP_NEWEST = 0, /**< refuse the new event (default): track returns SNOWPLOW_EFULL */
    SNOWPLOW_FULL_DROP_OLDEST = 1, /**< evict the oldest queued event to make room */
    SNOWPLOW_FULL_BLOCK = 2        /**< track waits for room, up to a timeout, then refuses */
} snowplow_full_policy;

/**
 * Create emitter options with the defaults: POST, http, thread_count 1,
 * batch_size 10, byte_limit 40000, linger 10 ms, connect timeout 5000 ms,
 * request timeout 10000 ms, no callbacks.
 * Ownership: pass *out to snowplow_emitter_new(), which consumes it, or free it
 * with snowplow_emitter_options_free(). Errors: SNOWPLOW_EINVAL, SNOWPLOW_ENOMEM.
 */
SNOWPLOW_API int snowplow_emitter_options_new(snowplow_emitter_options **out);

/** Free options that were not given to snowplow_emitter_new(). NULL is ignored. */
SNOWPLOW_API void snowplow_emitter_options_free(snowplow_emitter_options *options);

/**
 * The collector: "host", "host:port", or a full "http://" or "https://" URL,
 * optionally with a path prefix; a trailing "/" is dropped. Required.
 * Checked here: empty host, ports outside 1..65535 and other schemes give
 * SNOWPLOW_EURL with the reason. Errors: SNOWPLOW_EINVAL, SNOWPLOW_EURL,
 * SNOWPLOW_EUTF8, SNOWPLOW_ENOMEM.
 */
SNOWPLOW_API int snowplow_emitter_options_set_endpoint(snowplow_emitter_options *options,
                                                       const char *endpoint);

/**
 * Scheme used when the endpoint has none: "http" (default) or "https".
 * Errors: SNOWPLOW_EINVAL, SNOWPLOW_EURL.
 */
SNOWPLOW_API int snowplow_emitter_options_set_protocol(snowplow_emitter_options *options,
                                                       const char *protocol);

/**
 * Port used when the endpoint has none (0 = the scheme's default).
 * Errors: SNOWPLOW_EINVAL, SNOWPLOW_EURL (outside 0..65535).
 */
SNOWPLOW_API int snowplow_emitter_options_set_port(snowplow_emitter_options *options,
                                                   int port);

/**
 * POST (body JSON, Content-Type "application/json; charset=utf-8", the one the
 * collector expects) or GET. Errors: SNOWPLOW_EINVAL (unknown method).
 */
SNOWPLOW_API int snowplow_emitter_options_set_method(snowplow_emitter_options *options,
                                                     snowplow_method method);

/**
 * Path for POST requests, default "/com.snowplowanalytics.snowplow/tp2"; must
 * start with "/". Errors: SNOWPLOW_EINVAL, SNOWPLOW_EURL.
 */
SNOWPLOW_API int snowplow_emitter_options_set_post_path(snowplow_emitter_options *options,
                                                        const char *path);

/** Number of sending threads, 1..64 (default 1). Errors: SNOWPLOW_EINVAL, SNOWPLOW_ERANGE. */
SNOWPLOW_API int snowplow_emitter_options_set_thread_count(snowplow_emitter_options *options,
                                                           int thread_count);

/**
 * Requests in flight at once per sending thread, 1..256 (default 8). Each thread
 * drives that many HTTP transfers together through curl multi: over parallel
 * keep-alive connections with HTTP/1.1, multiplexed on one connection when the
 * collector offers HTTP/2 (https). GET sends one event per request, so this is
 * what lifts GET throughput; POST sends up to this many batches at once. 1 sends
 * one request at a time. With Redis, up to this many batches go in one pipeline.
 *
 * GET to a plain http:// collector at a numeric address, with no proxy (option
 * or environment), goes through a lean HTTP/1.1 engine instead of libcurl: the
 * group's requests pipelined, up to 16 per kept-alive connection, each with its
 * own outcome (docs/delivery.md). The environment variable
 * SNOWPLOW_HTTP_ENGINE=curl, read when a sending thread starts, turns it off.
 *
 * Order: events of different requests complete, and reach the collector, in any
 * order; every event is still counted, reported and retried exactly once per
 * attempt. Errors: SNOWPLOW_EINVAL, SNOWPLOW_ERANGE.
 */
SNOWPLOW_API int snowplow_emitter_options_set_max_inflight(snowplow_emitter_options *options,
                                                           unsigned max_inflight);

/**
 * Send events to a Redis list instead of an HTTP collector (the endpoint is then
 * not needed, and the method is ignored). Each event is pushed as one item: a
 * JSON object of its payload fields, every value a string, `stm` included (the
 * POST `data` element, the format of the official trackers' Redis emitter), by one
 * RPUSH of the whole batch (atomic: one outcome for all). A relay (snowplow-relay, or the
 * official tracker's Redis worker) moves them on to a collector.
 *
 * `url`: `redis://[:password@]host[:port][/db]` (port 6379, db 0 by default;
 * `redis://user:password@host` sends AUTH user password, Redis 6 ACLs) or
 * `unix:///path/to/socket[?db=N][&password=P]`. `key`: the list's name, not
 * empty. `url` NULL goes back to HTTP. Connect and command timeouts are the
 * emitter's connect and request timeouts.
 *
 * Results: a pushed event is reported sent with status 0. Failures have status 0
 * and a reason naming the cause: connection errors and a Redis restart
 * ("redis: ...", retried as network errors are), a refused AUTH or SELECT, a
 * missing password, and a key holding another type ("WRONGTYPE ..."): these fail
 * for good, will_retry 0, since trying again cannot help. Retries, the bounded
 * queue, callbacks, counters, flush, close and the persistent store work as with
 * HTTP. Errors: SNOWPLOW_EINVAL (NULL options, empty key, a URL that is not of
 * these forms: the message names the part), SNOWPLOW_ENOMEM.
 */
SNOWPLOW_API int snowplow_emitter_options_set_redis(snowplow_emitter_options *options,
                                                    const char *url, const char *key);

/** Events per POST request, 1..10000 (default 10). Errors: SNOWPLOW_EINVAL, SNOWPLOW_ERANGE. */
SNOWPLOW_API int snowplow_emitter_options_set_batch_size(snowplow_emitter_options *options,
                                                         int batch_size);

/**
 * Largest POST body in bytes, and largest single event (default 40000; at least
 * 1024). An event that cannot fit alone is refused at track time with
 * SNOWPLOW_ETOOBIG. Errors: SNOWPLOW_EINVAL, SNOWPLOW_ERANGE.
 */
SNOWPLOW_API int snowplow_emitter_options_set_byte_limit(snowplow_emitter_options *options,
                                                         size_t byte_limit);

/**
 * How long a partial batch waits for more events before it is sent, in ms
 * (default 10; 0 sends at once). Errors: SNOWPLOW_EINVAL, SNOWPLOW_ERANGE.
 */
SNOWPLOW_API int snowplow_emitter_options_set_linger_ms(snowplow_emitter_options *options,
                                                        int linger_ms);

/** Connect timeout in ms, >= 1 (default 5000). Errors: SNOWPLOW_EINVAL, SNOWPLOW_ERANGE. */
SNOWPLOW_API int snowplow_emitter_options_set_connect_timeout_ms(
    snowplow_emitter_options *options, int timeout_ms);

/** Whole-request timeout in ms, >= 1 (default 10000). Errors: SNOWPLOW_EINVAL, SNOWPLOW_ERANGE. */
SNOWPLOW_API int snowplow_emitter_options_set_request_timeout_ms(
    snowplow_emitter_options *options, int timeout_ms);

/**
 * Called after the collector accepted a batch, on the sending thread that sent it.
 * The callback must not block for long; it may track events. A blocking
 * snowplow_emitter_flush() or close from inside it returns SNOWPLOW_EDEADLK.
 * `cb` NULL removes it. Errors: SNOWPLOW_EINVAL.
 */
SNOWPLOW_API int snowplow_emitter_options_set_on_success(snowplow_emitter_options *options,
                                                         snowplow_result_cb cb, void *payload);

/**
 * Called when events fail (HTTP status other than 2xx/3xx, network error,
 * timeout, queue full, emitter closed), on the sending thread, or on the thread
 * that called track/close when the failure happened there. Rules as for
 * on_success. Errors: SNOWPLOW_EINVAL.
 */
SNOWPLOW_API int snowplow_emitter_options_set_on_failure(snowplow_emitter_options *options,
                                                         snowplow_result_cb cb, void *payload);

/**
 * Queue bounds: at most `max_events` events (default 10000, at least 1) and
 * `max_bytes` encoded bytes (default 0 = 64 MiB; otherwise at least 1024) wait in
 * memory, counting events in requests under way. Retried events go back into the
 * same queue. Errors: SNOWPLOW_EINVAL, SNOWPLOW_ERANGE.
 */
SNOWPLOW_API int snowplow_emitter_options_set_buffer_capacity(snowplow_emitter_options *options,
                                                              size_t max_events, size_t max_bytes);

/**
 * What happens when an event does not fit in the queue (default DROP_NEWEST).
 * Every dropped event is reported through on_failure (reason "queue full",
 * will_retry 0) and counted in SNOWPLOW_COUNTER_DROPPED; nothing is lost silently.
 * With BLOCK, track waits up to `block_timeout_ms` (negative = no limit) for
 * room, then drops the new event; a track from inside a callback never waits.
 * Errors: SNOWPLOW_EINVAL (unknown policy).
 */
SNOWPLOW_API int snowplow_emitter_options_set_full_policy(snowplow_emitter_options *options,
                                                          snowplow_full_policy policy,
                                                          int block_timeout_ms);

/**
 * Retry timing (base_delay_ms from 1 ms to one day): the first retry waits about
 * `base_delay_ms` (default 100), each
 * further one twice as long, with random jitter, never more than `max_delay_ms`
 * (default 60000). A Retry-After header (seconds) is honoured, capped at
 * max_delay_ms. `max_attempts` 0 (default) retries until delivered, the emitter
 * is closed, or the queue evicts the event; otherwise events fail for good after
 * that many attempts. Errors: SNOWPLOW_EINVAL, SNOWPLOW_ERANGE.
 */
SNOWPLOW_API int snowplow_emitter_options_set_retry(snowplow_emitter_options *options,
                                                   int base_delay_ms, int max_delay_ms,
                                                   int max_attempts);

/**
 * Override the retry decision for one HTTP status: `retry` 1 retries it, 0 gives
 * the events up (other values: SNOWPLOW_EINVAL). By default network errors,
 * timeouts and every status but 2xx, 3xx, 400, 401, 403, 410 and 422 are
 * retried. Errors: SNOWPLOW_EINVAL,
 * SNOWPLOW_ERANGE (status outside 100..599), SNOWPLOW_ENOMEM.
 */
SNOWPLOW_API int snowplow_emitter_options_set_custom_retry_code(
    snowplow_emitter_options *options, int status, int retry);

/**
 * Keep every result (success or failure) in a bounded result queue as well, for
 * a host thread to take with snowplow_emitter_next_result(): the callback
 * trampoline of the language bindings. `capacity` 0 (default) turns it off.
 * When the queue is full new results are dropped and counted
 * (SNOWPLOW_COUNTER_RESULTS_DROPPED); sending threads never wait for it.
 * Errors: SNOWPLOW_EINVAL, SNOWPLOW_ERANGE (over 1000000).
 */
SNOWPLOW_API int snowplow_emitter_options_set_result_queue(snowplow_emitter_options *options,
                                                           size_t capacity);

/**
 * Whether a result of delivered events put into the result queue carries the
 * events (their texts and ids): 1 (default), or 0 for a host that only counts
 * its successes: such a result then has snowplow_result_event_count() 0 and the
 * count in snowplow_result_success_count(), and the sending thread copies no
 * event text for it. Failures always carry their events; an on_success
 * callback set with snowplow_emitter_options_set_on_success() still gets them
 * (the result is then built with them, queue or not).
 * Errors: SNOWPLOW_EINVAL (options NULL, sent_events not 0 or 1).
 */
SNOWPLOW_API int snowplow_emitter_options_set_result_queue_sent_events(
    snowplow_emitter_options *options, int sent_events);

/**
 * Persist queued events in an SQLite database at `path` (created when missing;
 * NULL turns it off). Events are written in groups by a background thread, at the
 * latest `sync_interval_ms` (default 100) after they were tracked: that is the
 * window a crash may lose (0 = 100; at most one hour). Events found there at
 * start are sent first, as many as the queue holds; the rest wait for a later
 * run. Limits are applied when the emitter starts and when it closes. At most
 * `max_events` events are kept (0 = no limit) and events older than `max_age_ms`
 * (0 = no limit) are dropped, oldest first; each dropped event is reported
 * through on_failure. Errors: SNOWPLOW_EINVAL, SNOWPLOW_ERANGE (negative values),
 * SNOWPLOW_EUNSUPPORTED (built without SQLite), SNOWPLOW_ENOMEM; an unusable file
 * is reported by snowplow_emitter_new() with SNOWPLOW_ESTORE.
 */
SNOWPLOW_API int snowplow_emitter_options_set_store(snowplow_emitter_options *options,
                                                    const char *path, int sync_interval_ms,
                                                    size_t max_events, int64_t max_age_ms);

/*
 * Network options. TLS certificates are always verified (the collector's chain
 * against the system's CA store, or the CA file/directory given here, and its
 * host name) unless snowplow_emitter_options_set_insecure_skip_tls_verify()
 * turns that off. Paths are checked when set (they must be readable) and read
 * by libcurl (OpenSSL) when a connection is opened.
 */

/**
 * Trust the CA certificates in this PEM file instead of the system's store,
 * for the collector and an https:// proxy. NULL restores the system store.
 * Errors: SNOWPLOW_EINVAL (NULL options, empty, unreadable or not a file),
 * SNOWPLOW_ENOMEM.
 */
SNOWPLOW_API int snowplow_emitter_options_set_ca_file(snowplow_emitter_options *options,
                                                      const char *path);

/**
 * Trust the CA certificates in this directory (OpenSSL's hashed names, as made
 * by `openssl rehash`), for the collector and an https:// proxy. NULL turns it
 * off. Errors: SNOWPLOW_EINVAL (unreadable or not a directory), SNOWPLOW_ENOMEM.
 */
SNOWPLOW_API int snowplow_emitter_options_set_ca_path(snowplow_emitter_options *options,
                                                      const char *dir);

/**
 * Authenticate to the collector with a client certificate (PEM) and its
 * private key (PEM, unencrypted; `key_path` NULL when the key is in the
 * certificate's file). Both NULL turn it off. Errors: SNOWPLOW_EINVAL
 * (unreadable file, key without certificate), SNOWPLOW_ENOMEM.
 */
SNOWPLOW_API int snowplow_emitter_options_set_client_cert(snowplow_emitter_options *options,
                                                          const char *cert_path,
                                                          const char *key_path);

/**
 * Accept the collector only if its public key matches `pin`: "sha256//BASE64"
 * (the base64 of the SHA-256 of the DER SubjectPublicKeyInfo; several joined by
 * ';') or the path of a PEM/DER public key file. Checked in addition to the
 * normal verification. A mismatch fails each request with the reason "SSL:
 * public key does not match pinned public key" (retried like any network
 * error). NULL turns it off. Errors: SNOWPLOW_EINVAL (malformed hash,
 * unreadable file), SNOWPLOW_ENOMEM.
 */
SNOWPLOW_API int snowplow_emitter_options_set_pinned_public_key(
    snowplow_emitter_options *options, const char *pin);

/**
 * INSECURE: `on` 1 turns off the verification of the collector's (and an
 * https:// proxy's) certificate and host name, so anyone on the path can read
 * and change the events. For tests only. 0 (default) verifies.
 * Errors: SNOWPLOW_EINVAL (on not 0 or 1).
 */
SNOWPLOW_API int snowplow_emitter_options_set_insecure_skip_tls_verify(
    snowplow_emitter_options *options, int on);

/**
 * Send every request through this proxy: "http://host:port" (also "host:port"),
 * "https://", "socks4://", "socks4a://", "socks5://" or "socks5h://", with
 * optional "user:password@". "" means no proxy at all, whatever the environment
 * says. NULL (default) leaves the choice to the environment as libcurl reads
 * it: `http_proxy` (lowercase only) for http:// collectors, `https_proxy` or
 * `HTTPS_PROXY` for https:// ones, `all_proxy`/`ALL_PROXY` otherwise, and
 * `no_proxy`/`NO_PROXY` (comma-separated hosts or domains, "*" for all) for
 * exceptions; no_proxy is honoured for a proxy set here too. Errors:
 * SNOWPLOW_EINVAL, SNOWPLOW_EURL (unknown scheme, no host, spaces), SNOWPLOW_ENOMEM.
 */
SNOWPLOW_API int snowplow_emitter_options_set_proxy(snowplow_emitter_options *options,
                                                    const char *url);

/**
 * Add a header to every request, e.g. an authentication token. The same name
 * again (any case) replaces the value. Not allowed: Host, Content-Length,
 * Content-Type, Transfer-Encoding, Expect, Connection (the emitter sets them)
 * and User-Agent (snowplow_emitter_options_set_user_agent()). At most 64
 * headers. Errors: SNOWPLOW_EINVAL (NULL, a name that is not an HTTP token or
 * is not allowed, a control character in the value), SNOWPLOW_ERANGE (line over
 * 8192 bytes, too many headers), SNOWPLOW_ENOMEM.
 */
SNOWPLOW_API int snowplow_emitter_options_add_header(snowplow_emitter_options *options,
                                                     const char *name, const char *value);

/**
 * The User-Agent header of every request (default "libsnowplow/VERSION"; NULL
 * restores it). Errors: SNOWPLOW_EINVAL (empty, control characters),
 * SNOWPLOW_ENOMEM.
 */
SNOWPLOW_API int snowplow_emitter_options_set_user_agent(snowplow_emitter_options *options,
                                                         const char *user_agent);

/**
 * Create an emitter and start its threads. Consumes `options` in every case (also
 * on error). Ownership: the caller frees *out with snowplow_emitter_free();
 * trackers hold their own references. Threads: any.
 * Errors: SNOWPLOW_EINVAL (NULL argument, no endpoint), SNOWPLOW_ESYS (threads),
 * SNOWPLOW_ENOMEM.
 */
SNOWPLOW_API int snowplow_emitter_new(snowplow_emitter **out,
                                      snowplow_emitter_options *options);

/**
 * Queue an event that was built elsewhere: `payload_json` is one JSON object of
 * payload fields (payload_data 1-0-4 names, e.g. {"e":"se","se_ca":"c",...}), as
 * the official trackers' RedisEmitter writes it and snowplow-relay reads it from
 * Redis. Values must be strings or numbers; a number is sent as the string of its
 * JSON text as written ("dtm":1700000000000 -> "1700000000000", 7.5 -> "7.5").
 * Empty strings are left out, as for tracked events. `e` is required. `eid` is
 * kept when present (it must be a UUID), else a new one is generated. A `stm`
 * field is ignored: stm is set at send time on every attempt, as usual. The
 * event then goes through the emitter like a tracked one (queue, full policy,
 * batching, retries, store, callbacks, counters).
 * `eid_out`: NULL, or a buffer of SNOWPLOW_EID_SIZE bytes that receives the
 * event's id on success (the callbacks' results carry the same id).
 * Ownership: the text is copied; the caller keeps it. Threads: any; never does
 * network I/O; waits only under SNOWPLOW_FULL_BLOCK.
 * Errors: SNOWPLOW_EINVAL (NULL emitter or text, `eid` not a UUID),
 * SNOWPLOW_EUTF8 (invalid UTF-8, or a `\u` escape of a lone surrogate),
 * SNOWPLOW_EJSON (not JSON, not an object, a value that is an object, array,
 * boolean or null, a field twice, a `\u0000` in a name or value, an empty name),
 * SNOWPLOW_EMISSING (no `e`), SNOWPLOW_ETOOBIG, SNOWPLOW_EFULL, SNOWPLOW_ECLOSED,
 * SNOWPLOW_ENOMEM. On error nothing is queued.
 */
SNOWPLOW_API int snowplow_emitter_input_json(snowplow_emitter *emitter,
                                             const char *payload_json, char *eid_out);

/**
 * Wait until every event the emitter accepted before this call has had one
 * delivery attempt that ended: accepted by the collector, or failed and
 * reported (its callbacks returned and its result is in the result queue), or
 * until timeout_ms passes (negative = no limit). Events whose attempt failed and
 * that will be retried (reported with will_retry 1) stay queued, or in the
 * persistent store, for their retries and do not hold the flush, nor does an
 * event that already had an attempt before the call and waits for its retry: a
 * flush during a collector outage returns after one attempt per event, and the
 * retries deliver the events later. Partial batches are sent without lingering
 * meanwhile; retry backoff and Retry-After are kept. (To wait for delivery
 * itself, close the emitter with a timeout, or watch the counters.)
 * The official trackers: Python's flush sends the buffer once and returns (not
 * at all while a retry is pending), failures going back to the buffer; Ruby
 * 0.x and Lua send once and do not retry. Threads: any, but from inside a
 * callback of any emitter it returns SNOWPLOW_EDEADLK at once (use
 * snowplow_emitter_flush_async() there). Blocks at most timeout_ms.
 * Errors: SNOWPLOW_EINVAL, SNOWPLOW_ETIMEOUT, SNOWPLOW_EDEADLK, SNOWPLOW_ECLOSED.
 */
SNOWPLOW_API int snowplow_emitter_flush(snowplow_emitter *emitter, int timeout_ms);

/**
 * Ask the sending threads to send everything queued now, without lingering, and
 * return at once (the asynchronous flush). Threads: any, also from a callback.
 * Errors: SNOWPLOW_EINVAL, SNOWPLOW_ECLOSED.
 */
SNOWPLOW_API int snowplow_emitter_flush_async(snowplow_emitter *emitter);

/**
 * Write every event tracked so far into the persistent store now, waiting at
 * most timeout_ms. Errors: SNOWPLOW_EINVAL, SNOWPLOW_EUNSUPPORTED (no store
 * configured), SNOWPLOW_ETIMEOUT, SNOWPLOW_ESTORE, SNOWPLOW_EDEADLK (from a
 * callback), SNOWPLOW_ECLOSED (after close).
 */
SNOWPLOW_API int snowplow_emitter_store_sync(snowplow_emitter *emitter, int timeout_ms);

/**
 * Take the oldest result from the result queue, waiting up to timeout_ms
 * (0 = do not wait, negative = no limit). Ownership: the caller frees *out with
 * snowplow_result_free(). Threads: any; meant for one host dispatcher thread.
 * Blocks at most timeout_ms; releases no interpreter lock itself (bindings do).
 * Errors: SNOWPLOW_EINVAL (no result queue configured), SNOWPLOW_ETIMEOUT (none
 * came), SNOWPLOW_EWOKEN (snowplow_emitter_wake_results() was called),
 * SNOWPLOW_ECLOSED (the emitter is closed and the queue is empty).
 */
SNOWPLOW_API int snowplow_emitter_next_result(snowplow_result **out, snowplow_emitter *emitter,
                                              int timeout_ms);

/**
 * Wake every thread waiting in snowplow_emitter_next_result(); each returns
 * SNOWPLOW_EWOKEN (a wake-up with nobody waiting makes the next wait return at
 * once). Threads: any (it takes a mutex: not for signal handlers).
 * Errors: SNOWPLOW_EINVAL.
 */
SNOWPLOW_API int snowplow_emitter_wake_results(snowplow_emitter *emitter);

/**
 * A file descriptor that is readable while results wait in the result queue, for
 * poll()/select()/event loops; -1 when there is no result queue. Owned by the
 * emitter: do not read, write or close it. Threads: any.
 */
SNOWPLOW_API int snowplow_emitter_result_fd(const snowplow_emitter *emitter);

/**
 * Wait for at most timeout_ms until every event is sent or failed for good
 * (retries included, unlike snowplow_emitter_flush()), then stop the threads.
 * Events still unsent are reported through on_failure (will_retry 0). Later tracks fail with
 * SNOWPLOW_ECLOSED. Idempotent. Threads: any; from inside a callback of this
 * emitter it returns SNOWPLOW_EDEADLK. Blocks at most about timeout_ms plus one
 * request timeout. Errors: SNOWPLOW_EINVAL, SNOWPLOW_ETIMEOUT (events were
 * left unsent: kept in the persistent store when there is one, else reported as
 * failed), SNOWPLOW_EDEADLK.
 */
SNOWPLOW_API int snowplow_emitter_close(snowplow_emitter *emitter, int timeout_ms);

/**
 * Release the caller's reference. When the last reference goes the emitter is
 * closed with a bound of 5000 ms (snowplow_emitter_close()) and freed. NULL is
 * ignored. Threads: any. When the last reference goes inside a callback of this
 * emitter, a detached thread does the close and the free, since a sending thread
 * cannot join itself.
 */
SNOWPLOW_API void snowplow_emitter_free(snowplow_emitter *emitter);

/** Read a counter; 0 when emitter is NULL or the counter unknown. Threads: any. */
SNOWPLOW_API uint64_t snowplow_emitter_counter(const snowplow_emitter *emitter,
                                               snowplow_counter counter);

#ifdef __cplusplus
}
#endif

#endif /* SNOWPLOW_EMITTER_H */
