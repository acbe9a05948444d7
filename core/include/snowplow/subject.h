/**
 * @file
 * libsnowplow: the subject, who and where an event is about.
 *
 * A subject set on a tracker applies to every event it tracks; a subject set on
 * one event overrides the tracker's, field by field (unset fields fall through).
 * A subject may be changed while trackers use it: each field is read under a lock
 * at track time, so every event sees a consistent snapshot.
 */
#ifndef SNOWPLOW_SUBJECT_H
#define SNOWPLOW_SUBJECT_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque, reference-counted, thread-safe subject. */
typedef struct snowplow_subject snowplow_subject;

/**
 * Create an empty subject. Ownership: the caller frees *out with
 * snowplow_subject_free(). Threads: any. Errors: SNOWPLOW_EINVAL (out NULL),
 * SNOWPLOW_ENOMEM.
 */
SNOWPLOW_API int snowplow_subject_new(snowplow_subject **out);

/**
 * Release the caller's reference; trackers and events that hold the subject keep
 * theirs. NULL is ignored. Threads: any.
 */
SNOWPLOW_API void snowplow_subject_free(snowplow_subject *subject);

/*
 * String setters. Each copies `value`; NULL or "" clears the field. `value` must be
 * valid UTF-8. Threads: any (the subject is locked). Errors: SNOWPLOW_EINVAL
 * (subject NULL), SNOWPLOW_EUTF8, SNOWPLOW_ENOMEM.
 */
/** `uid`: the business user id. */
SNOWPLOW_API int snowplow_subject_set_user_id(snowplow_subject *subject, const char *value);
/** `tz`: time zone name, e.g. "Europe/London". */
SNOWPLOW_API int snowplow_subject_set_timezone(snowplow_subject *subject, const char *value);
/** `lang`: language, e.g. "en-GB". */
SNOWPLOW_API int snowplow_subject_set_lang(snowplow_subject *subject, const char *value);
/** `duid`: domain user id (first-party cookie id). */
SNOWPLOW_API int snowplow_subject_set_domain_user_id(snowplow_subject *subject, const char *value);
/** `tnuid`: network user id (third-party cookie id). */
SNOWPLOW_API int snowplow_subject_set_network_user_id(snowplow_subject *subject, const char *value);
/** `sid`: domain session id. */
SNOWPLOW_API int snowplow_subject_set_domain_session_id(snowplow_subject *subject, const char *value);
/** `ip`: IP address. */
SNOWPLOW_API int snowplow_subject_set_ip_address(snowplow_subject *subject, const char *value);
/** `ua`: user agent. */
SNOWPLOW_API int snowplow_subject_set_useragent(snowplow_subject *subject, const char *value);

/**
 * `p`: platform, overriding the tracker's. One of web, mob, pc, srv, app, tv,
 * cnsl, iot, headset; NULL or "" clears it. Errors: SNOWPLOW_EINVAL (unknown
 * platform, named in the message).
 */
SNOWPLOW_API int snowplow_subject_set_platform(snowplow_subject *subject, const char *value);

/**
 * `res`: screen resolution WIDTHxHEIGHT. Both must be positive; (0, 0) clears it.
 * Errors: SNOWPLOW_EINVAL (subject NULL), SNOWPLOW_ERANGE (negative or mixed zero).
 */
SNOWPLOW_API int snowplow_subject_set_screen_resolution(snowplow_subject *subject,
                                                       int width, int height);

/** `vp`: viewport WIDTHxHEIGHT. Rules as for the screen resolution. */
SNOWPLOW_API int snowplow_subject_set_viewport(snowplow_subject *subject, int width,
                                              int height);

/**
 * `cd`: colour depth in bits, positive; 0 clears it.
 * Errors: SNOWPLOW_EINVAL, SNOWPLOW_ERANGE (negative).
 */
SNOWPLOW_API int snowplow_subject_set_color_depth(snowplow_subject *subject, int depth);

/**
 * `vid`: domain session index, positive; 0 clears it.
 * Errors: SNOWPLOW_EINVAL, SNOWPLOW_ERANGE (negative).
 */
SNOWPLOW_API int snowplow_subject_set_domain_session_index(snowplow_subject *subject,
                                                          int index);

/**
 * Read one field back by its protocol name ("uid", "res", "p", ...).
 * Ownership: the caller frees *out with snowplow_string_free(); *out is NULL when
 * the field is unset. Threads: any.
 * Errors: SNOWPLOW_EINVAL (NULL argument), SNOWPLOW_EFIELD (no such field).
 */
SNOWPLOW_API int snowplow_subject_get(char **out, const snowplow_subject *subject,
                                      const char *field);

#ifdef __cplusplus
}
#endif

#endif /* SNOWPLOW_SUBJECT_H */
