/**
 * @file
 * libsnowplow: the tracker, which turns events into protocol payloads and hands
 * them to its emitters.
 *
 * snowplow_tracker_track() validates the event, stamps it (event id, timestamps,
 * tracker and subject fields, contexts), encodes it once and queues it on every
 * emitter, all on the caller's thread in microseconds; it never touches the
 * network. A tracker may be shared by any number of threads.
 */
#ifndef SNOWPLOW_TRACKER_H
#define SNOWPLOW_TRACKER_H

#include "common.h"
#include "emitter.h"
#include "event.h"
#include "subject.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque, thread-safe tracker. */
typedef struct snowplow_tracker snowplow_tracker;
/** Opaque tracker configuration. Not synchronised: configure it on one thread. */
typedef struct snowplow_tracker_options snowplow_tracker_options;

/**
 * Create tracker options with the defaults: no namespace, no app id, platform
 * "pc", base64 encoding on, no subject, no emitter.
 * Ownership: consumed by snowplow_tracker_new(), or freed with
 * snowplow_tracker_options_free(). Errors: SNOWPLOW_EINVAL, SNOWPLOW_ENOMEM.
 */
SNOWPLOW_API int snowplow_tracker_options_new(snowplow_tracker_options **out);

/** Free options that were not given to snowplow_tracker_new(). NULL is ignored. */
SNOWPLOW_API void snowplow_tracker_options_free(snowplow_tracker_options *options);

/**
 * Encode `event` exactly as a tracker made from `options` would (new event id,
 * `dtm`, tracker and subject fields, contexts, one payload per transaction item
 * after the event's own), but queue it nowhere: for emitters implemented in a
 * host language. `stm` is not set (it belongs to sending).
 *
 * @param out     receives a JSON array with one object per payload, every value a
 *                string (as a POST body's `data` holds them); free it with
 *                snowplow_string_free(). NULL on error.
 * @param options the tracker's settings (namespace, app id, platform, base64,
 *                subject); only read: it may have no emitter, and stays the
 *                caller's.
 * @param event   the event to encode; not changed, still the caller's.
 *
 * Threads: any, but not while `options` is being changed. Errors:
 * SNOWPLOW_EINVAL (a NULL argument), SNOWPLOW_EMISSING (a required field,
 * named), SNOWPLOW_ENOMEM.
 */
SNOWPLOW_API int snowplow_tracker_options_encode(char **out,
                                                 const snowplow_tracker_options *options,
                                                 const snowplow_event *event);

/** `tna`: tracker namespace; NULL or "" for none. Errors: SNOWPLOW_EINVAL, SNOWPLOW_EUTF8. */
SNOWPLOW_API int snowplow_tracker_options_set_namespace(snowplow_tracker_options *options,
                                                        const char *name_space);

/** `aid`: application id; NULL or "" for none. Errors: SNOWPLOW_EINVAL, SNOWPLOW_EUTF8. */
SNOWPLOW_API int snowplow_tracker_options_set_app_id(snowplow_tracker_options *options,
                                                     const char *app_id);

/**
 * `p`: platform, one of web, mob, pc, srv, app, tv, cnsl, iot, headset (default
 * "pc"). Errors: SNOWPLOW_EINVAL (NULL or unknown, named in the message).
 */
SNOWPLOW_API int snowplow_tracker_options_set_platform(snowplow_tracker_options *options,
                                                       const char *platform);

/**
 * 1 (default): self-describing data and contexts go base64url-encoded in `ue_px`
 * and `cx`; 0: as plain JSON in `ue_pr` and `co`. Errors: SNOWPLOW_EINVAL.
 */
SNOWPLOW_API int snowplow_tracker_options_set_encode_base64(snowplow_tracker_options *options,
                                                            int encode_base64);

/**
 * `tv`: the tracker version sent with every event, default "c-" followed by the
 * library version ("c-0.1.0"). Language bindings set their own ("py-...").
 * At most 100 bytes. Errors: SNOWPLOW_EINVAL (NULL, empty or too long), SNOWPLOW_EUTF8.
 */
SNOWPLOW_API int snowplow_tracker_options_set_tracker_version(snowplow_tracker_options *options,
                                                              const char *version);

/**
 * The tracker's subject; the options (and then the tracker) take a reference.
 * NULL removes it. Errors: SNOWPLOW_EINVAL.
 */
SNOWPLOW_API int snowplow_tracker_options_set_subject(snowplow_tracker_options *options,
                                                      snowplow_subject *subject);

/**
 * Add an emitter; the options (and then the tracker) take a reference. Every
 * event goes to every emitter. Errors: SNOWPLOW_EINVAL, SNOWPLOW_ENOMEM.
 */
SNOWPLOW_API int snowplow_tracker_options_add_emitter(snowplow_tracker_options *options,
                                                      snowplow_emitter *emitter);

/**
 * Create a tracker. Consumes `options` in every case. At least one emitter is
 * required. Ownership: the caller frees *out with snowplow_tracker_free().
 * Errors: SNOWPLOW_EINVAL (NULL argument, no emitter), SNOWPLOW_ENOMEM.
 */
SNOWPLOW_API int snowplow_tracker_new(snowplow_tracker **out,
                                      snowplow_tracker_options *options);

/**
 * Release the tracker and its references to its emitters and subject (an emitter
 * whose last reference goes is closed with a bound, see snowplow_emitter_free()).
 * NULL is ignored. Threads: not while other threads still use the tracker.
 */
SNOWPLOW_API void snowplow_tracker_free(snowplow_tracker *tracker);

/**
 * Replace the tracker's subject (the tracker takes a reference; NULL removes it).
 * Events tracked afterwards use the new subject. Threads: any.
 * Errors: SNOWPLOW_EINVAL.
 */
SNOWPLOW_API int snowplow_tracker_set_subject(snowplow_tracker *tracker,
                                              snowplow_subject *subject);

/**
 * Track an event: validate it, stamp it with a new event id and the current time,
 * merge the subjects, encode it and queue it on every emitter.
 *
 * @param eid_out NULL, or a buffer of SNOWPLOW_EID_SIZE bytes that receives the
 *                event id (for a transaction, the `tr` event's id; its items get
 *                their own).
 * @param tracker the tracker.
 * @param event   the event; not changed, and still the caller's to free.
 *
 * All or nothing: on error nothing was queued on any emitter. Threads: any, from
 * any number of threads at once, also from a callback. Blocks only briefly on the
 * queue lock. Errors: SNOWPLOW_EINVAL (NULL tracker or event), SNOWPLOW_EMISSING
 * (a required field, named), SNOWPLOW_ETOOBIG (larger than an emitter's byte
 * limit), SNOWPLOW_EFULL (queue full; the event is also reported through
 * on_failure), SNOWPLOW_ECLOSED, SNOWPLOW_ENOMEM.
 */
SNOWPLOW_API int snowplow_tracker_track(char *eid_out, snowplow_tracker *tracker,
                                        const snowplow_event *event);

/**
 * Track a structured event (`e=se`) from its values, without an event object:
 * the same checks, payload and errors as snowplow_event_structured_new(),
 * snowplow_event_set_double(ev, "value", *value) (when `value` is not NULL),
 * snowplow_event_set_device_timestamp(ev, *device_timestamp) (when that is not
 * NULL) and snowplow_tracker_track(), but nothing is allocated or copied for the
 * event itself: for servers that track many events (docs/performance.md).
 *
 * @param eid_out  NULL, or a buffer of SNOWPLOW_EID_SIZE bytes for the event id.
 * @param tracker  the tracker.
 * @param category required, not empty, UTF-8.
 * @param action   required, not empty, UTF-8.
 * @param label    NULL or UTF-8 ("" is left out, as NULL).
 * @param property NULL or UTF-8 ("" is left out, as NULL).
 * @param value    NULL (no `se_va`), or a finite number.
 * @param device_timestamp NULL (the time of the call), or `dtm` in ms (0 to
 *                 year 9999).
 *
 * The strings are only read during the call and stay the caller's. All or
 * nothing, threads and blocking as snowplow_tracker_track(). Errors (messages
 * start with "snowplow_tracker_track_structured"): SNOWPLOW_EINVAL (NULL tracker,
 * category or action, an empty category or action), SNOWPLOW_EUTF8,
 * SNOWPLOW_ERANGE (value not finite, timestamp out of range), and
 * snowplow_tracker_track()'s.
 */
SNOWPLOW_API int snowplow_tracker_track_structured(char *eid_out, snowplow_tracker *tracker,
                                                   const char *category, const char *action,
                                                   const char *label, const char *property,
                                                   const double *value,
                                                   const int64_t *device_timestamp);

/**
 * Flush every emitter of the tracker; see snowplow_emitter_flush(): returns once
 * every event tracked before the call has had one delivery attempt that ended
 * (sent, or failed and reported); events waiting for a retry do not hold it, so
 * it returns during a collector outage. The timeout applies to the whole call.
 * Errors: as snowplow_emitter_flush().
 */
SNOWPLOW_API int snowplow_tracker_flush(snowplow_tracker *tracker, int timeout_ms);

#ifdef __cplusplus
}
#endif

#endif /* SNOWPLOW_TRACKER_H */
