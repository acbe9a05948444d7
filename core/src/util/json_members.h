/* Internal: walking the members of a JSON object that sp_json_problem() accepted. */
#ifndef SP_JSON_MEMBERS_H
#define SP_JSON_MEMBERS_H

#include <stdbool.h>
#include <stddef.h>

#include "util/strbuf.h"

typedef enum sp_json_kind {
    SP_JSON_STRING,
    SP_JSON_NUMBER,
    SP_JSON_BOOLEAN,
    SP_JSON_NULL,
    SP_JSON_OBJECT,
    SP_JSON_ARRAY
} sp_json_kind;

/* One member, pointing into the text: a string's key and value are the bytes
 * between the quotes, escapes left as written (`*_escaped` says whether there
 * are any); other values are their whole token (numbers as written). */
typedef struct sp_json_member {
    const char *key;
    size_t key_len;
    bool key_escaped;
    sp_json_kind kind;
    const char *value;
    size_t value_len;
    bool value_escaped;
} sp_json_member;

/*
 * The member after *pos in `text` (len bytes), a valid JSON object; start with
 * *pos = 0. Returns true with *m filled, false after the last member. Nothing is
 * allocated. On text that is not a valid object the result is unspecified but
 * never reads outside [text, text + len).
 */
bool sp_json_next_member(const char *text, size_t len, size_t *pos, sp_json_member *m);

/* Append the decoded content of a string (the bytes between its quotes, valid
 * JSON) to `out`: escapes become UTF-8, \u0000 a NUL byte. 0 or SNOWPLOW_ENOMEM. */
int sp_json_unescape(const char *s, size_t len, sp_strbuf *out);

/* Name of a kind for messages: "a string", "a number", "an object", ... */
const char *sp_json_kind_name(sp_json_kind kind);

#endif
