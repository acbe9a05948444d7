/*
 * The one shape of JSON text worth a reader of its own: a compact object of
 * plain strings, {"k":"v","k":"v"}, no whitespace, no escapes, every value a
 * string. It is what the Redis transport writes, so the relay reads each
 * item once instead of checking and then walking it.
 */
#ifndef SP_UTIL_JSON_FLAT_H
#define SP_UTIL_JSON_FLAT_H

#include <stddef.h>

typedef struct sp_json_flat_member {
    const char *key; /* between the quotes, inside the text */
    size_t key_len;
    const char *value;
    size_t value_len;
} sp_json_flat_member;

/*
 * Read `text` (len bytes) as such an object into out[0..max). Returns the
 * number of members, or -1 when the text has any other shape (whitespace, an
 * escape, a value that is not a string, more than `max` members), is not
 * valid JSON or not valid UTF-8: the general reader (json_check.h) then
 * decides, and names the problem. Never reads outside the text.
 */
int sp_json_flat_object(const char *text, size_t len, sp_json_flat_member *out, size_t max);

#endif
