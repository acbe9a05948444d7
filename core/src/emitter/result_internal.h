/* Internal: building delivery results (see snowplow/result.h). */
#ifndef SP_RESULT_INTERNAL_H
#define SP_RESULT_INTERNAL_H

#include <stddef.h>

#include "snowplow/result.h"
#include "util/text.h"

/*
 * A result with no events yet. `reason` NULL means "". NULL on ENOMEM.
 * Free with snowplow_result_free().
 */
snowplow_result *sp_result_new(snowplow_result_kind kind, int status, const char *reason,
                               int will_retry, size_t success_count);

/*
 * Append one event: its JSON object text (`json_len` bytes) and its eid (NULL
 * means ""). Both are copied. Returns 0 or SNOWPLOW_ENOMEM (result unchanged).
 */
int sp_result_add_event(snowplow_result *r, const char *json, size_t json_len,
                        const char *eid);

/* Room for `events` more events whose texts (JSON and eid, NULs included) take
 * `text_bytes`, so that adding them copies each text once. 0 or SNOWPLOW_ENOMEM. */
int sp_result_reserve(snowplow_result *r, size_t events, size_t text_bytes);

/* sp_result_add_event for JSON text made of pieces, joined in the result. */
int sp_result_add_event_pieces(snowplow_result *r, const sp_text_piece *pieces, size_t n,
                               const char *eid);

/*
 * Make `r` (no events added yet) lazy: it reports `count` events, and fill(r,
 * ctx) adds them with sp_result_add_event* on the first call that reads a text
 * or copies the result, from whatever thread makes it (once, under a lock).
 * ctx must stay valid until the result is freed: for results lent to a
 * callback only. 0 or SNOWPLOW_ENOMEM.
 */
typedef void (*sp_result_fill_fn)(snowplow_result *r, void *ctx);
int sp_result_set_lazy(snowplow_result *r, size_t count, sp_result_fill_fn fill, void *ctx);

/* For a success, success_count follows the events added; set it afterwards. */
void sp_result_set_success_count(snowplow_result *r, size_t success_count);

#endif
