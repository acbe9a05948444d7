/*
 * snowplow-track: a small in-place JSON scanner for one level of an object or
 * an array, fast enough for bulk input. Strings are unescaped in place and
 * NUL-ended; nested objects and arrays are handed back as raw text (NUL-ended,
 * not checked beyond their brackets and strings: the library checks what it
 * is given). The text is modified.
 */
#ifndef SNOWPLOW_TRACK_JSON_H
#define SNOWPLOW_TRACK_JSON_H

#include <stddef.h>

typedef enum track_json_kind {
    TRACK_JSON_STRING,
    TRACK_JSON_NUMBER,
    TRACK_JSON_OBJECT,
    TRACK_JSON_ARRAY,
    TRACK_JSON_TRUE,
    TRACK_JSON_FALSE,
    TRACK_JSON_NULL
} track_json_kind;

typedef struct track_json_value {
    const char *key;  /* object members: the unescaped key; NULL in arrays */
    char *text;       /* string: unescaped; other kinds: raw text; NUL-ended */
    size_t len;
    track_json_kind kind;
} track_json_value;

#define TRACK_JSON_MAX_MEMBERS 64

/* Scan the object (or array) that is all of text[0..len), whitespace around it
 * allowed. Fills out[] (at most max entries) and returns the count, or -1 with
 * the reason and its byte offset in err. Duplicate keys are an error. */
int track_json_object(track_json_value *out, size_t max, char *text, size_t len, char *err,
                      size_t errlen);
int track_json_array(track_json_value *out, size_t max, char *text, size_t len, char *err,
                     size_t errlen);

/* The member named key, or NULL. */
const track_json_value *track_json_get(const track_json_value *v, int n, const char *key);

/* Name of a kind, for messages ("a string", "an object", ...). */
const char *track_json_kind_name(track_json_kind kind);

#endif /* SNOWPLOW_TRACK_JSON_H */
