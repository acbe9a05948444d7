/**
 * @file
 * libsnowplow: common definitions shared by every public header.
 *
 * Export macro, version numbers, error codes and the thread-local last error.
 * Every function in this library returns 0 (SNOWPLOW_OK) on success or one of the
 * negative snowplow_error codes below, and on failure records a message that names
 * the offending argument; read it with snowplow_error_last() on the same thread.
 */
#ifndef SNOWPLOW_COMMON_H
#define SNOWPLOW_COMMON_H

#include <stddef.h>
#include <stdint.h>

/**
 * @def SNOWPLOW_API
 * Marks the library's exported functions: default visibility while the library
 * is built (SNOWPLOW_BUILDING), dllexport/dllimport on Windows, empty otherwise.
 */
#if defined(_WIN32)
#  if defined(SNOWPLOW_BUILDING)
#    define SNOWPLOW_API __declspec(dllexport)
#  else
#    define SNOWPLOW_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) && defined(SNOWPLOW_BUILDING)
#  define SNOWPLOW_API __attribute__((visibility("default")))
#else
#  define SNOWPLOW_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** Version of the headers. Compare with snowplow_version() at run time (dlopen users). */
#define SNOWPLOW_VERSION_MAJOR 0
#define SNOWPLOW_VERSION_MINOR 1 /**< minor version of the headers */
#define SNOWPLOW_VERSION_PATCH 0 /**< patch version of the headers */
#define SNOWPLOW_VERSION_STRING "0.1.0" /**< "MAJOR.MINOR.PATCH" of the headers */
/** Single number for comparisons: 0xMMmmpp. */
#define SNOWPLOW_VERSION_NUM \
    ((SNOWPLOW_VERSION_MAJOR << 16) | (SNOWPLOW_VERSION_MINOR << 8) | SNOWPLOW_VERSION_PATCH)

/** Size of a buffer that holds an event id: 36 characters of UUID and a NUL. */
#define SNOWPLOW_EID_SIZE 37

/**
 * Error codes. 0 is success; every error is negative so that `if (rc < 0)` works.
 * The numbers are part of the ABI and never change meaning.
 */
typedef enum snowplow_error {
    SNOWPLOW_OK = 0,
    SNOWPLOW_EINVAL = -1,    /**< invalid argument: NULL handle or string, bad value, wrong type */
    SNOWPLOW_ENOMEM = -2,    /**< out of memory */
    SNOWPLOW_EUTF8 = -3,     /**< a string is not valid UTF-8 */
    SNOWPLOW_EJSON = -4,     /**< text is not valid JSON, or not the JSON type required */
    SNOWPLOW_ESCHEMA = -5,   /**< a schema URI is not of the form iglu:vendor/name/format/M-R-A */
    SNOWPLOW_EMISSING = -6,  /**< a required field of an event is missing */
    SNOWPLOW_ERANGE = -7,    /**< a number is out of the range the protocol or schema allows */
    SNOWPLOW_EURL = -8,      /**< an endpoint is not a valid http(s) URL, host or host:port */
    SNOWPLOW_ETOOBIG = -9,   /**< an event is larger than the emitter's byte limit */
    SNOWPLOW_ECLOSED = -10,  /**< the emitter was closed (or inherited across fork()) */
    SNOWPLOW_ETIMEOUT = -11, /**< a bounded wait ended before its work was done */
    SNOWPLOW_EDEADLK = -12,  /**< a blocking call from a callback would deadlock; refused */
    SNOWPLOW_EFULL = -13,    /**< the queue is full and the event was not accepted */
    SNOWPLOW_ESTORE = -14,   /**< the persistent store could not be opened, read or written */
    SNOWPLOW_EFIELD = -15,   /**< an event has no field of that name, or it has another type */
    SNOWPLOW_ESYS = -16,     /**< a system call failed (threads, pipes, clocks) */
    SNOWPLOW_EUNSUPPORTED = -17, /**< the feature was not compiled in */
    SNOWPLOW_EWOKEN = -18    /**< a wait was ended early by a wake-up call */
} snowplow_error;

/**
 * The library version at run time, e.g. "0.1.0".
 * Ownership: static string, never free it. Threads: any. Errors: none.
 */
SNOWPLOW_API const char *snowplow_version(void);

/**
 * The library version at run time as SNOWPLOW_VERSION_NUM computes it.
 * Threads: any. Errors: none.
 */
SNOWPLOW_API int snowplow_version_num(void);

/**
 * A short English description of an error code ("invalid argument", ...).
 * Ownership: static string, never free it. Unknown codes give "unknown error".
 * Threads: any. Errors: none.
 */
SNOWPLOW_API const char *snowplow_strerror(int code);

/**
 * The message of the last error raised on the calling thread, naming the argument
 * or field that was wrong, e.g. "snowplow_sdjson_new: schema: not an Iglu URI: 'x'".
 * Returns "" when no error was recorded since the last snowplow_error_clear().
 * Ownership: thread-local storage owned by the library; valid until the next
 * libsnowplow call on this thread. Threads: each thread has its own. Errors: none.
 */
SNOWPLOW_API const char *snowplow_error_last(void);

/**
 * The code of the last error raised on the calling thread (0 when none).
 * Threads: each thread has its own. Errors: none.
 */
SNOWPLOW_API int snowplow_error_last_code(void);

/**
 * Forget the calling thread's last error. Threads: affects only the calling thread.
 */
SNOWPLOW_API void snowplow_error_clear(void);

/**
 * Free a string that a libsnowplow function returned as owned by the caller.
 * NULL is accepted and ignored. Threads: any.
 */
SNOWPLOW_API void snowplow_string_free(char *str);

#ifdef __cplusplus
}
#endif

#endif /* SNOWPLOW_COMMON_H */
