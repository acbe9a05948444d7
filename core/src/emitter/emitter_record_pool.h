/*
 * Internal: delivered records kept for reuse by the tracking threads.
 *
 * Without it every track() mallocs a record that a sending thread frees: the
 * frees land in the tracking thread's malloc arena and the two threads contend
 * for its lock (futex waits in the tail of track()), and a growing queue keeps
 * faulting in fresh pages. A sending thread gives back a whole batch under one
 * lock; track() takes one record of its size class.
 */
#ifndef SP_EMITTER_RECORD_POOL_H
#define SP_EMITTER_RECORD_POOL_H

#include <pthread.h>
#include <stddef.h>

#include "emitter/emitter_record.h"

/* At most this many bytes of records (their size classes) wait in a pool; more
 * are freed. A byte bound rather than a count: a server handing over thousands
 * of small events at once (nginx: docs/performance.md) reuses them all, and the
 * memory held stays as it was with 1 024 records of the largest class. */
#define SP_RECORD_POOL_MAX_BYTES ((size_t)1024 * SP_RECORD_CLASSES * SP_RECORD_CLASS_BYTES)

typedef struct sp_record_pool {
    pthread_mutex_t lock;
    sp_record *free[SP_RECORD_CLASSES]; /* by size class, linked through `next` */
    size_t count;
    size_t bytes; /* of the records held, by their classes */
} sp_record_pool;

/* 0, or -1 when the mutex cannot be made. */
int sp_record_pool_init(sp_record_pool *pool);
/* Frees every record held. No other thread may use the pool any more. */
void sp_record_pool_destroy(sp_record_pool *pool);

/* A zeroed record with room for text_len bytes and a NUL: reused when one of
 * its size class is free, else allocated. NULL on ENOMEM. Thread-safe. */
sp_record *sp_record_pool_take(sp_record_pool *pool, size_t text_len);

/* sp_record_encode() with a record taken from `pool`. NULL on ENOMEM. Thread-safe. */
sp_record *sp_record_new_pooled(sp_record_pool *pool, const sp_payload *p,
                                snowplow_method method);

/* Take every record of `list` (emptied): kept for reuse while there is room,
 * freed otherwise. Thread-safe. */
void sp_record_pool_give(sp_record_pool *pool, sp_record_list *list);

#endif
