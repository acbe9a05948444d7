/* Internal: one event's protocol fields, an ordered list of name/value strings. */
#ifndef SP_PAYLOAD_H
#define SP_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

#include "util/text.h"

/* Room for a typical event without another allocation (about 24 fields, and
 * the base64 of a self-describing event with a context). */
#define SP_PAYLOAD_INLINE_FIELDS 24
#define SP_PAYLOAD_INLINE_BYTES 1536

typedef struct sp_payload_field {
    const char *key;
    const char *value;
    size_t key_len;
    size_t value_len;
    unsigned flags; /* SP_PAYLOAD_* below */
} sp_payload_field;

/* Flags of sp_payload_add_flags(). */
enum {
    SP_PAYLOAD_PLAIN = 1,       /* the value needs no JSON escaping (numbers, ids, base64) */
    SP_PAYLOAD_KEY_LITERAL = 2, /* the key is a protocol name in static storage (a
                                 * literal or a table entry): kept, not copied, and
                                 * never escaped, since protocol names need none */
    SP_PAYLOAD_BORROWED = 4,    /* the value is kept, not copied: it must stay as it is,
                                 * NUL at value[len], until the payload is released */
};

typedef struct sp_payload_block sp_payload_block;

/* Defined here so that a caller can keep one on its stack (sp_payload_init);
 * the members are the payload's own business. */
typedef struct sp_payload {
    size_t count;
    size_t cap;
    sp_payload_field *fields; /* inline_fields until it outgrows them */
    sp_payload_block *blocks; /* extra blocks, newest first */
    char *free_ptr;           /* unused room of the current block */
    size_t free_left;
    sp_payload_field inline_fields[SP_PAYLOAD_INLINE_FIELDS];
    char inline_bytes[SP_PAYLOAD_INLINE_BYTES];
} sp_payload;

/* An empty payload in caller-provided memory; sp_payload_release frees what it
 * allocated later (never `p` itself). */
void sp_payload_init(sp_payload *p);
void sp_payload_release(sp_payload *p);

/* NULL on ENOMEM. */
sp_payload *sp_payload_new(void);
sp_payload *sp_payload_clone(const sp_payload *p);
void sp_payload_free(sp_payload *p);

/*
 * Append a field. NULL or "" values are skipped (PROTOCOL.md: left out), and 0 is
 * kept. Keys and values are copied; a key is added at most once (callers ensure
 * it). Return 0 or SNOWPLOW_ENOMEM.
 */
int sp_payload_add(sp_payload *p, const char *key, const char *value);
int sp_payload_add_len(sp_payload *p, const char *key, const char *value, size_t len);
int sp_payload_add_int(sp_payload *p, const char *key, int64_t v);
int sp_payload_add_double(sp_payload *p, const char *key, double v);
/* A value the caller knows needs no JSON escaping (digits, a UUID). */
int sp_payload_add_plain(sp_payload *p, const char *key, const char *value, size_t len);
/* The tracker's own fields without copies (one track call builds and drops the
 * payload while the event's and the tracker's strings stay put): `flags` as
 * above; NULL or "" values are skipped. Return 0 or SNOWPLOW_ENOMEM. */
int sp_payload_add_flags(sp_payload *p, const char *key, const char *value, size_t len,
                         unsigned flags);
/* A C string (NULL or "": skipped) under a literal key, kept, not copied
 * (SP_PAYLOAD_KEY_LITERAL | SP_PAYLOAD_BORROWED). Return 0 or SNOWPLOW_ENOMEM. */
int sp_payload_add_borrowed(sp_payload *p, const char *key, const char *value);
/* JSON text as base64url under key_b64 when `base64`, else as is under key_plain
 * (both protocol names: SP_PAYLOAD_KEY_LITERAL). */
int sp_payload_add_json(sp_payload *p, int base64, const char *key_b64,
                        const char *key_plain, const char *json, size_t len);
/* The same for JSON text made of pieces: they are joined (or encoded) straight
 * into the payload, without an intermediate copy. Empty in total: nothing added. */
int sp_payload_add_json_pieces(sp_payload *p, int base64, const char *key_b64,
                               const char *key_plain, const sp_text_piece *pieces,
                               size_t n);

size_t sp_payload_count(const sp_payload *p);
const char *sp_payload_key(const sp_payload *p, size_t i);
const char *sp_payload_value(const sp_payload *p, size_t i);
/* NULL when absent. */
const char *sp_payload_get(const sp_payload *p, const char *key);

/* Append {"k":"v",...} (every value a JSON string) / k=v&k=v (urlencoded).
 * Return 0 or SNOWPLOW_ENOMEM. */
int sp_payload_to_json(const sp_payload *p, sp_strbuf *out);
int sp_payload_to_query(const sp_payload *p, sp_strbuf *out);

#endif
