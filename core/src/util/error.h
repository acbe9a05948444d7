/* Internal: raising errors with a thread-local message (see snowplow_error_last()). */
#ifndef SP_ERROR_H
#define SP_ERROR_H

#include "snowplow/common.h"

/*
 * Record `code` and a printf-style message for the calling thread and return
 * `code`, so that callers can write `return sp_error_set(SNOWPLOW_EINVAL, ...)`.
 * Messages start with the public function name and name the bad argument:
 * "snowplow_sdjson_new: schema: not an Iglu URI: 'abc'".
 */
int sp_error_set(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Forget the calling thread's error. */
void sp_error_reset(void);

#endif
