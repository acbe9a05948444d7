/*
 * Internal: one queued event, encoded once for the emitter's method.
 *
 * A record moves between the queue, a sending thread and (in later issues) a
 * retry list or a persistent store; it keeps its eid and sequence number for
 * its whole life, whatever the number of attempts.
 */
#ifndef SP_EMITTER_RECORD_H
#define SP_EMITTER_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "payload.h"
#include "snowplow/emitter.h"
#include "util/strbuf.h"

#define SP_PAYLOAD_DATA_SCHEMA \
    "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4"
#define SP_POST_PREFIX "{\"schema\":\"" SP_PAYLOAD_DATA_SCHEMA "\",\"data\":["
#define SP_POST_SUFFIX "]}"
/* Bytes of the POST envelope around the events. */
#define SP_POST_ENVELOPE_BYTES (sizeof SP_POST_PREFIX - 1 + sizeof SP_POST_SUFFIX - 1)
/* Largest `stm` addition: ,"stm":"<int64>" (POST) and &stm=<int64> (GET). */
#define SP_STM_DIGITS_MAX 20
#define SP_POST_STM_BYTES (sizeof ",\"stm\":\"\"" - 1 + SP_STM_DIGITS_MAX)
#define SP_GET_STM_BYTES (sizeof "&stm=" - 1 + SP_STM_DIGITS_MAX)

typedef struct sp_record {
    struct sp_record *next;
    uint64_t seq;       /* 1, 2, ... in order of acceptance; 0 until accepted */
    char *text;         /* POST: JSON object without stm; GET: query without stm */
    size_t text_len;
    size_t wire_size;   /* bytes the event adds to a request, stm included */
    sp_payload *payload; /* GET: the fields, for the result's JSON; NULL for POST */
    int64_t last_stm;   /* stm of the last attempt, 0 before the first */
    char eid[37];
} sp_record;

/*
 * Size the event would take in a request (text plus the largest stm) without
 * keeping anything; for POST add SP_POST_ENVELOPE_BYTES to compare with the
 * byte limit. `scratch` is reused between calls. 0 or SNOWPLOW_ENOMEM.
 */
int sp_record_measure(const sp_payload *p, snowplow_method method, sp_strbuf *scratch,
                      size_t *wire_size);

/* Bytes a request carrying only this event takes (what the byte limit bounds). */
size_t sp_record_request_size(snowplow_method method, size_t wire_size);

/*
 * Encode `p` into a new record; NULL on ENOMEM. A GET record points to `p` (its
 * fields make the result's JSON); a POST record keeps only its JSON text and
 * never touches `p` again. Once the record is queued it owns `p`: the caller
 * then frees `p` itself for POST and lets sp_record_free() free it for GET.
 */
sp_record *sp_record_new(sp_payload *p, snowplow_method method);

/* Free a record and the payload it points to (GET). */
void sp_record_free(sp_record *r);
/* Free a record but not its payload (the caller keeps it). */
void sp_record_free_borrowed(sp_record *r);

/*
 * Append the event's JSON object as sent: every field, with the stm of its last
 * attempt when there was one. 0 or SNOWPLOW_ENOMEM.
 */
int sp_record_event_json(const sp_record *r, sp_strbuf *out);

/* Append the POST form of the event with `stm` spliced in. */
int sp_record_append_post(const sp_record *r, int64_t stm, sp_strbuf *out);

#endif
