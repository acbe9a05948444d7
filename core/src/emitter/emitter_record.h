/*
 * Internal: one event held by an emitter, encoded once for the emitter's method.
 *
 * A record moves between the queue (fresh, or waiting for a retry), a sending
 * thread and the reports; it keeps its eid and sequence number for its whole
 * life, whatever the number of attempts. Its text never holds `stm`, which is
 * spliced in at send time.
 */
#ifndef SP_EMITTER_RECORD_H
#define SP_EMITTER_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "event/payload.h"
#include "snowplow/emitter.h"
#include "util/strbuf.h"
#include "util/text.h"

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

/* Records are allocated in size classes of SP_RECORD_CLASS_BYTES (the whole
 * allocation, header included), up to SP_RECORD_CLASSES of them, so that a
 * delivered record can carry another event of its class (sp_record_pool);
 * larger records are allocated to measure and never reused. */
#define SP_RECORD_CLASS_BYTES 128
#define SP_RECORD_CLASSES 32

typedef struct sp_record {
    /* In the queue: the list of every queued record in sequence order. In a
     * chain (sp_record_list): `next` links the chain, `prev` is unused. */
    struct sp_record *prev, *next;
    /* In the queue: the fresh FIFO or the retry list (ordered by not_before). */
    struct sp_record *sub_prev, *sub_next;
    uint64_t seq;       /* 1, 2, ... in order of acceptance; 0 until accepted */
    int64_t not_before; /* monotonic ms before which it is not sent again; 0 = due */
    int attempts;       /* send attempts made so far */
    int64_t last_stm;   /* stm of the last attempt, 0 before the first */
    size_t wire_size;   /* bytes the event adds to a request, stm included */
    size_t text_len;
    unsigned size_class; /* 1..SP_RECORD_CLASSES, or 0: not reusable */
    char eid[37];
    char text[];        /* POST: JSON object without stm; GET: query without stm */
} sp_record;

/* A chain of records linked through `next`. */
typedef struct sp_record_list {
    sp_record *head;
    sp_record *tail;
    size_t count;
} sp_record_list;

/* Bytes a request carrying only this event takes (what the byte limit bounds). */
size_t sp_record_request_size(snowplow_method method, size_t wire_size);

/* The size class of a record holding `text_len` bytes of text (0: none). */
unsigned sp_record_size_class(size_t text_len);

/* A zeroed record with room for `text_len` bytes of text and a NUL, allocated
 * in its size class. NULL on ENOMEM. */
sp_record *sp_record_alloc(size_t text_len);

/* Where sp_record_encode() gets a record with room for `text_len` bytes of
 * text: a zeroed record (as sp_record_alloc() returns), or NULL on ENOMEM. */
typedef sp_record *(*sp_record_alloc_fn)(void *ctx, size_t text_len);

/*
 * Encode `p` into a new record, allocated by `alloc(ctx, ...)` (NULL:
 * sp_record_alloc()); the payload is not kept. NULL on ENOMEM. Free with
 * sp_record_free() or give it back to a pool. sp_record_new() is
 * sp_record_encode(p, method, NULL, NULL).
 */
sp_record *sp_record_encode(const sp_payload *p, snowplow_method method,
                            sp_record_alloc_fn alloc, void *ctx);
sp_record *sp_record_new(const sp_payload *p, snowplow_method method);

/*
 * A record from text already encoded for `method` (the POST JSON object or the
 * GET query, without stm), e.g. read back from a persistent store, with the
 * event's eid. NULL on ENOMEM.
 */
sp_record *sp_record_from_text(const char *text, size_t len, const char *eid,
                               snowplow_method method);

/* Fill a zeroed record (sp_record_alloc(), a pool's) with `len` bytes of
 * encoded text, which it has room for, and the eid. */
void sp_record_set_text(sp_record *r, const char *text, size_t len, const char *eid,
                        snowplow_method method);

/* The same with the text given as pieces, copied one after the other. */
void sp_record_set_pieces(sp_record *r, const sp_text_piece *pieces, size_t n, const char *eid,
                          snowplow_method method);

void sp_record_free(sp_record *r);

/*
 * Append the event's JSON object as sent: every field, with the stm of its last
 * attempt when there was one (a GET query is decoded back into fields).
 * 0 or SNOWPLOW_ENOMEM.
 */
int sp_record_event_json(const sp_record *r, snowplow_method method, sp_strbuf *out);

/*
 * The POST event JSON as sent, as pieces to join (no copy): at most
 * SP_RECORD_PIECES_MAX, pointing into the record and into `digits` (the
 * caller's, alive while the pieces are used). Returns the number of pieces.
 */
#define SP_RECORD_PIECES_MAX 4
size_t sp_record_post_pieces(const sp_record *r, sp_text_piece *pieces, char digits[24]);

/* Append the POST form of the event with `stm` spliced in. */
int sp_record_append_post(const sp_record *r, int64_t stm, sp_strbuf *out);

/* The same for every record of a request: `tail` (`,"stm":"..."}`, made once per
 * request by sp_record_stm_tail) replaces the closing brace. */
#define SP_RECORD_STM_TAIL_MAX 40
size_t sp_record_stm_tail(int64_t stm, char tail[SP_RECORD_STM_TAIL_MAX]);
int sp_record_append_post_tail(const sp_record *r, int64_t stm, const char *tail,
                               size_t tail_len, sp_strbuf *out);

void sp_record_list_append(sp_record_list *list, sp_record *r);
/* Append every record of `more` (emptied) at the end of `list`. */
void sp_record_list_concat(sp_record_list *list, sp_record_list *more);
/* Free every record of the list. */
void sp_record_list_free(sp_record_list *list);
/* Sum of the records' wire sizes. */
size_t sp_record_list_bytes(const sp_record_list *list);

#endif
