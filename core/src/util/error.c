/* The thread-local last error behind snowplow_error_last() and sp_error_set(). */
#include "util/error.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/quote.h"

/* Room for a message naming a function, an argument and a quoted value. */
#define SP_ERROR_MESSAGE_SIZE 512

typedef struct sp_error_state {
    int code;
    char message[SP_ERROR_MESSAGE_SIZE];
} sp_error_state;

static _Thread_local sp_error_state error_state;

int sp_error_set(int code, const char *fmt, ...)
{
    /* Format into a scratch buffer first: an argument may be the current
     * message itself (a caller wrapping snowplow_error_last()). */
    char scratch[2 * SP_ERROR_MESSAGE_SIZE];
    int n = 0;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        n = vsnprintf(scratch, sizeof scratch, fmt, ap);
        va_end(ap);
    }
    size_t len = n < 0 ? 0 : (size_t)n < sizeof scratch ? (size_t)n : sizeof scratch - 1;
    /* Whatever the arguments held, the stored message is printable UTF-8, cut
     * at a character boundary with "..." when too long. */
    sp_quote_bytes(error_state.message, sizeof error_state.message, scratch, len, SIZE_MAX);
    error_state.code = code;
    return code;
}

void sp_error_reset(void)
{
    error_state.code = 0;
    error_state.message[0] = '\0';
}

SNOWPLOW_API const char *snowplow_error_last(void)
{
    return error_state.message;
}

SNOWPLOW_API int snowplow_error_last_code(void)
{
    return error_state.code;
}

SNOWPLOW_API void snowplow_error_clear(void)
{
    sp_error_reset();
}

SNOWPLOW_API const char *snowplow_strerror(int code)
{
    switch (code) {
    case SNOWPLOW_OK: return "success";
    case SNOWPLOW_EINVAL: return "invalid argument";
    case SNOWPLOW_ENOMEM: return "out of memory";
    case SNOWPLOW_EUTF8: return "string is not valid UTF-8";
    case SNOWPLOW_EJSON: return "invalid JSON";
    case SNOWPLOW_ESCHEMA: return "invalid schema URI";
    case SNOWPLOW_EMISSING: return "required field missing";
    case SNOWPLOW_ERANGE: return "number out of range";
    case SNOWPLOW_EURL: return "invalid endpoint URL";
    case SNOWPLOW_ETOOBIG: return "event too large";
    case SNOWPLOW_ECLOSED: return "emitter closed";
    case SNOWPLOW_ETIMEOUT: return "timed out";
    case SNOWPLOW_EDEADLK: return "call would deadlock";
    case SNOWPLOW_EFULL: return "queue full";
    case SNOWPLOW_ESTORE: return "persistent store error";
    case SNOWPLOW_EFIELD: return "no such field, or wrong type";
    case SNOWPLOW_ESYS: return "system call failed";
    case SNOWPLOW_EUNSUPPORTED: return "feature not compiled in";
    default: return "unknown error";
    }
}

SNOWPLOW_API void snowplow_string_free(char *str)
{
    free(str);
}
