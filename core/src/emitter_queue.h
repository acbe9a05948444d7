/*
 * Internal: the emitter's bounded FIFO of records. Not synchronised: the
 * emitter's lock guards it. Records are kept in sequence order (appended in
 * order of acceptance; a record put back for a retry goes to the front), so the
 * head holds the oldest event still waiting.
 */
#ifndef SP_EMITTER_QUEUE_H
#define SP_EMITTER_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emitter_record.h"

typedef struct sp_queue {
    sp_record *head;
    sp_record *tail;
    size_t count;
    size_t bytes; /* sum of wire_size */
    size_t capacity;
} sp_queue;

/* A chain of records linked through `next`. */
typedef struct sp_record_list {
    sp_record *head;
    sp_record *tail;
    size_t count;
} sp_record_list;

void sp_queue_init(sp_queue *q, size_t capacity);
bool sp_queue_has_room(const sp_queue *q, size_t n);
/* Append a chain at the back (new events) or put it back at the front (retries). */
void sp_queue_push_back(sp_queue *q, sp_record_list *list);
void sp_queue_push_front(sp_queue *q, sp_record_list *list);
/*
 * Take from the front at most `max_n` records whose request stays within
 * `byte_limit` (at least one record when the queue is not empty).
 */
sp_record_list sp_queue_pop_batch(sp_queue *q, snowplow_method method, size_t max_n,
                                  size_t byte_limit);
/* Whether a full batch (by count or by bytes) is waiting. */
bool sp_queue_batch_ready(const sp_queue *q, snowplow_method method, size_t max_n,
                          size_t byte_limit);
/* Everything, emptying the queue. */
sp_record_list sp_queue_take_all(sp_queue *q);
/* Sequence number of the oldest waiting record, UINT64_MAX when empty. */
uint64_t sp_queue_min_seq(const sp_queue *q);

void sp_record_list_append(sp_record_list *list, sp_record *r);
/* Free every record of the list (and their payloads). */
void sp_record_list_free(sp_record_list *list);

#endif
