/**
 * @file
 * libsnowplow: self-describing JSON, a schema URI paired with a JSON object.
 *
 * Used for the data of self-describing events and for context entities. An
 * snowplow_sdjson is immutable once built, so one value may be attached to many
 * events and read by many threads at once.
 */
#ifndef SNOWPLOW_SDJSON_H
#define SNOWPLOW_SDJSON_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque, immutable, reference-counted self-describing JSON value. */
typedef struct snowplow_sdjson snowplow_sdjson;

/* cJSON's node type, declared here so that this header does not need cJSON.h. */
struct cJSON;

/**
 * Build a self-describing JSON from a schema URI and the JSON text of its data.
 *
 * @param out    receives the new value; set to NULL on error.
 * @param schema an Iglu URI, `iglu:vendor/name/format/M-R-A` (ASCII, validated).
 * @param json   UTF-8 JSON text of the data; must be a JSON object.
 *
 * Ownership: the caller owns *out and frees it with snowplow_sdjson_free(); the
 * strings are copied. Threads: any.
 * Errors: SNOWPLOW_EINVAL (NULL argument), SNOWPLOW_ESCHEMA (bad URI),
 * SNOWPLOW_EUTF8 (invalid UTF-8 in json), SNOWPLOW_EJSON (not JSON, or not an
 * object), SNOWPLOW_ENOMEM.
 */
SNOWPLOW_API int snowplow_sdjson_new(snowplow_sdjson **out, const char *schema,
                                     const char *json);

/**
 * Build a self-describing JSON from a schema URI and a cJSON object.
 *
 * Same as snowplow_sdjson_new() but the data is a cJSON tree (from cJSON.h of
 * the libcjson the library links). The tree must be an object and its strings
 * valid UTF-8. Ownership: `data` stays the caller's; it is copied. Threads: any.
 * Errors: as snowplow_sdjson_new().
 */
SNOWPLOW_API int snowplow_sdjson_new_cjson(snowplow_sdjson **out, const char *schema,
                                           const struct cJSON *data);

/**
 * The schema URI. Ownership: owned by `sdj`, valid while it lives.
 * Returns NULL when sdj is NULL. Threads: any.
 */
SNOWPLOW_API const char *snowplow_sdjson_schema(const snowplow_sdjson *sdj);

/**
 * The data, as compact JSON text. Ownership: owned by `sdj`, valid while it lives.
 * Returns NULL when sdj is NULL. Threads: any.
 */
SNOWPLOW_API const char *snowplow_sdjson_data(const snowplow_sdjson *sdj);

/**
 * The whole value as compact JSON text: `{"schema":"...","data":{...}}`.
 * Ownership: owned by `sdj`, valid while it lives. Returns NULL when sdj is NULL.
 * Threads: any.
 */
SNOWPLOW_API const char *snowplow_sdjson_json(const snowplow_sdjson *sdj);

/**
 * Release the caller's reference. Events that hold the value keep their own
 * reference, so freeing it right after attaching it to an event is fine.
 * NULL is ignored. Threads: any.
 */
SNOWPLOW_API void snowplow_sdjson_free(snowplow_sdjson *sdj);

#ifdef __cplusplus
}
#endif

#endif /* SNOWPLOW_SDJSON_H */
