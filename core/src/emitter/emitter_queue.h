/*
 * Internal: the emitter's queue of records. Not synchronised: the emitter's
 * lock guards it.
 *
 * Every queued record is on two lists at once:
 *  - `all`, in sequence order, so that the oldest event (for flush and for
 *    DROP_OLDEST) is always the head;
 *  - either `fresh` (never attempted, FIFO, also in sequence order) or `retry`
 *    (failed attempts waiting for their not_before time, ordered by it).
 * Batches take due retries first, then fresh records. Every operation is O(1)
 * per record except putting failed records back, which merges them into `all`
 * in one pass over the records already waiting for a retry.
 */
#ifndef SP_EMITTER_QUEUE_H
#define SP_EMITTER_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emitter/emitter_record.h"

typedef struct sp_dlist {
    sp_record *head;
    sp_record *tail;
} sp_dlist;

typedef struct sp_queue {
    sp_dlist all;
    sp_dlist fresh;
    sp_dlist retry;
    size_t count, bytes;             /* every queued record; bytes = sum of wire_size */
    size_t fresh_count, fresh_bytes; /* fresh records only (what lingering waits for) */
} sp_queue;

void sp_queue_init(sp_queue *q);

/* Append new records (in sequence order, seqs above every queued one). */
void sp_queue_push_fresh(sp_queue *q, sp_record_list *list);

/*
 * Put records back to wait until their not_before (monotonic ms, set by the
 * caller). They keep their sequence numbers; the list may be in any order.
 */
void sp_queue_push_retry(sp_queue *q, sp_record_list *list);

/*
 * Take a batch: due retries (not_before <= now_ms) first, then fresh records;
 * at most `max_n` records (1 for GET) whose request stays within `byte_limit`,
 * at least one when any is due. `min_seq` receives the batch's lowest seq.
 */
sp_record_list sp_queue_pop_batch(sp_queue *q, snowplow_method method, size_t max_n,
                                  size_t byte_limit, int64_t now_ms, uint64_t *min_seq);

/* Remove and return the oldest record (lowest seq), NULL when empty. */
sp_record *sp_queue_pop_oldest(sp_queue *q);

/* Everything, in sequence order, emptying the queue. */
sp_record_list sp_queue_take_all(sp_queue *q);

/* Whether a full fresh batch (by count or by bytes) is waiting. */
bool sp_queue_batch_ready(const sp_queue *q, snowplow_method method, size_t max_n,
                          size_t byte_limit);

/* Whether a retry is due at now_ms. */
bool sp_queue_retry_due(const sp_queue *q, int64_t now_ms);

/* not_before of the next retry, INT64_MAX when none waits. */
int64_t sp_queue_next_retry(const sp_queue *q);

/* Sequence number of the oldest queued record, UINT64_MAX when empty. */
uint64_t sp_queue_min_seq(const sp_queue *q);

/* Seq of the oldest fresh record, UINT64_MAX when none. */
uint64_t sp_queue_fresh_min_seq(const sp_queue *q);

#endif
