/**
 * @file
 * libsnowplow: delivery results.
 *
 * A result reports what happened to a group of events: one request's batch that
 * was delivered, or events that failed (HTTP status, network error, queue full,
 * emitter closed). Callbacks receive a result that is borrowed for the duration
 * of the call; snowplow_result_copy() keeps one for later.
 */
#ifndef SNOWPLOW_RESULT_H
#define SNOWPLOW_RESULT_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque delivery result. */
typedef struct snowplow_result snowplow_result;

/** What a result reports. */
typedef enum snowplow_result_kind {
    SNOWPLOW_RESULT_SENT = 1,   /**< the collector accepted the events (2xx or 3xx) */
    SNOWPLOW_RESULT_FAILED = 2  /**< the events were not delivered by this attempt */
} snowplow_result_kind;

/**
 * Callback that receives results. `result` is borrowed: valid only during the
 * call. `payload` is the pointer given with the callback. The thread that runs it
 * is stated where the callback is registered.
 */
typedef void (*snowplow_result_cb)(const snowplow_result *result, void *payload);

/** SENT or FAILED; 0 when result is NULL. Threads: any. */
SNOWPLOW_API snowplow_result_kind snowplow_result_get_kind(const snowplow_result *result);

/** Number of events the result reports; 0 when result is NULL. Threads: any. */
SNOWPLOW_API size_t snowplow_result_event_count(const snowplow_result *result);

/**
 * Event `index` (0-based) as a compact JSON object of its payload fields, every
 * value a string, exactly as sent (with the `stm` of the last attempt when there
 * was one). Ownership: owned by the result. NULL when out of range. Threads: any.
 * Cost: a result lent to a C callback writes the texts of all its events on the
 * first call of this function or snowplow_result_event_id() (once, under a lock),
 * so a callback that only counts events never pays for them.
 */
SNOWPLOW_API const char *snowplow_result_event_json(const snowplow_result *result,
                                                    size_t index);

/**
 * The event id (`eid`) of event `index`. Ownership: owned by the result. NULL when
 * out of range. Threads: any.
 */
SNOWPLOW_API const char *snowplow_result_event_id(const snowplow_result *result,
                                                  size_t index);

/**
 * HTTP status of the request, or 0 when there was no HTTP answer (network error,
 * timeout, queue full, emitter closed). Threads: any.
 */
SNOWPLOW_API int snowplow_result_status(const snowplow_result *result);

/**
 * Why a failure happened, in words ("HTTP 500", "Couldn't connect to server",
 * "queue full", ...); "" for a success. Ownership: owned by the result.
 */
SNOWPLOW_API const char *snowplow_result_reason(const snowplow_result *result);

/**
 * For a failure: 1 when the emitter will try these events again, 0 when they are
 * given up for good. 0 for a success. Threads: any.
 */
SNOWPLOW_API int snowplow_result_will_retry(const snowplow_result *result);

/**
 * Events delivered by the same flush round before this failure (the seed
 * tracker's `success_count`); 0 when unknown. For a success, the event count.
 */
SNOWPLOW_API size_t snowplow_result_success_count(const snowplow_result *result);

/**
 * Copy a result so that it outlives a callback. Ownership: the caller frees *out
 * with snowplow_result_free(). Threads: any.
 * Errors: SNOWPLOW_EINVAL, SNOWPLOW_ENOMEM.
 */
SNOWPLOW_API int snowplow_result_copy(snowplow_result **out, const snowplow_result *result);

/** Free a result obtained from snowplow_result_copy() or a result queue. NULL is ignored. */
SNOWPLOW_API void snowplow_result_free(snowplow_result *result);

#ifdef __cplusplus
}
#endif

#endif /* SNOWPLOW_RESULT_H */
