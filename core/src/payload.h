/* Internal: one event's protocol fields, an ordered list of name/value strings. */
#ifndef SP_PAYLOAD_H
#define SP_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

typedef struct sp_payload sp_payload;

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
/* JSON text as base64url under key_b64 when `base64`, else as is under key_plain. */
int sp_payload_add_json(sp_payload *p, int base64, const char *key_b64,
                        const char *key_plain, const char *json, size_t len);

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
