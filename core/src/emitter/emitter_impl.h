/*
 * Internal to the emitter's files: the emitter object and what they share.
 *
 * One mutex guards the queue, the sequence numbers, the in-flight marks and
 * the state flags. Counters are atomics, read without the lock. Callbacks run
 * outside the lock, always through sp_emitter_report().
 *
 * Completion: every accepted event gets a sequence number (1, 2, ...). An event
 * is outstanding while it is queued (fresh or waiting for a retry), held by a
 * sending thread, or held by a thread that reports it outside the lock (close,
 * an eviction), up to the return of its callback and the push of its result.
 * flush() waits until the oldest outstanding sequence number is above the last
 * one accepted before the call, which stays exact when threads finish batches
 * out of order and when events are retried.
 *
 * Memory bound: the events held (queued plus in flight) never exceed
 * opt->queue_capacity events and opt->queue_max_bytes encoded bytes.
 *
 * Files, each with its header, in the order they depend on each other (a file
 * calls only into files above it; nothing calls upwards):
 *   emitter_record.c, emitter_record_pool.c, emitter_queue.c, result*.c  data
 *   emitter_report.c   results: counters, callbacks, the result queue
 *   emitter_store.c    hooks into the persistent store (store/store.h)
 *   emitter_retry.c    retry decisions
 *   emitter_flush.c    completion (outstanding events), flush, close, exit
 *   emitter_worker.c   sending threads (transport/transport.h)
 *   emitter_enqueue.c  tracking side (emitter_internal.h, for the tracker)
 *   emitter_process.c  fork and exit registry
 *   emitter.c          life: new, free (the only file that starts threads)
 *   emitter_results.c, emitter_options.c  public API beside the others
 * This header holds only the shared object and inline helpers.
 */
#ifndef SP_EMITTER_IMPL_H
#define SP_EMITTER_IMPL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "emitter/emitter_options.h"
#include "emitter/emitter_queue.h"
#include "emitter/emitter_record_pool.h"
#include "emitter/result_queue.h"
#include "util/refcount.h"
#include "util/strbuf.h"

#define SP_COUNTER_COUNT (SNOWPLOW_COUNTER_STORED + 1)
#define SP_NO_SEQ UINT64_MAX

typedef struct sp_worker {
    snowplow_emitter *em;
    pthread_t thread;
    bool started;          /* created and not joined yet */
    uint64_t inflight_min; /* oldest seq of the batch it holds; SP_NO_SEQ when none */
    uint64_t rng;          /* jitter state, the thread's own */
    sp_strbuf request;     /* reused request body / URL buffer, the thread's own */
} sp_worker;

/* A thread reporting events outside the lock keeps them outstanding with one
 * of these (on its stack), linked into the emitter's list while it reports. */
typedef struct sp_holder {
    uint64_t min_seq;
    struct sp_holder *prev, *next;
} sp_holder;

struct snowplow_emitter {
    sp_refcount refs;
    snowplow_emitter_options *opt; /* consumed at creation, read-only afterwards */
    char *url;                     /* POST target, or the GET base ".../i" */

    pthread_mutex_t lock;
    pthread_cond_t cv_work; /* idle sending threads wait here for events */
    pthread_cond_t cv_fill; /* the lingering thread waits here for a full batch */
    pthread_cond_t cv_done; /* flush and close wait here for completions */
    pthread_cond_t cv_room; /* BLOCK-policy trackers wait here for room */

    /* Guarded by lock. */
    sp_queue queue;
    sp_record_pool pool; /* delivered records, reused by track() */
    size_t inflight_events; /* held by sending threads */
    size_t inflight_bytes;
    uint64_t last_seq;      /* sequence number of the last accepted event */
    uint64_t async_target;  /* flush_async: fresh events up to this seq skip lingering */
    int idle_waiters;
    bool lingerer;          /* a thread is holding a partial batch open */
    int urgent;             /* flushes under way: no lingering */
    int done_waiters;
    int room_waiters;
    int running_workers;    /* sending threads that have not finished yet */
    bool closing;           /* no new events; set once, by close or at exit */
    bool stop;              /* sending threads exit */
    sp_holder *holders;
    size_t abandoned;       /* events close gave up (reported "emitter closed") */

    atomic_bool closing_flag; /* lock-free copy of `closing` for quick refusals */
    atomic_bool abort_flag;   /* tells transports to end requests at once */
    atomic_bool forked;       /* this is a child process's copy: memory only */
    atomic_bool exiting;      /* the process is exiting: report nothing more */

    pthread_mutex_t close_lock; /* one close at a time */
    bool closed;                /* guarded by close_lock */
    bool exit_owns_close;       /* the exit handler holds close_lock */

    sp_worker *workers;
    int worker_count;

    sp_result_queue *results; /* NULL unless opt->result_queue_capacity > 0 */
    void *store;              /* the persistent store's state (emitter_store.c) */

    /* The process-wide list of live emitters (emitter_process.c). */
    struct snowplow_emitter *reg_prev, *reg_next;

    atomic_uint_fast64_t counters[SP_COUNTER_COUNT];
};

#define SP_REASON_CLOSED "emitter closed"
#define SP_REASON_FULL "queue full"
#define SP_FORKED_MESSAGE                                                                   \
    "emitter: inherited across fork(); its threads live in the parent process: create a " \
    "new emitter in the child"

static inline void sp_counter_add(snowplow_emitter *em, snowplow_counter c, uint64_t n)
{
    atomic_fetch_add_explicit(&em->counters[c], n, memory_order_relaxed);
}
static inline void sp_counter_sub(snowplow_emitter *em, snowplow_counter c, uint64_t n)
{
    atomic_fetch_sub_explicit(&em->counters[c], n, memory_order_relaxed);
}

/* The CLOCK_MONOTONIC time `ms` from now (the emitter's condvars use that clock). */
static inline struct timespec sp_deadline_after_ms(int64_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += (time_t)(ms / 1000);
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

/* A monotonic time in ms (sp_monotonic_ms()) as a condvar deadline. */
static inline struct timespec sp_deadline_at_ms(int64_t mono_ms)
{
    struct timespec ts;
    ts.tv_sec = (time_t)(mono_ms / 1000);
    ts.tv_nsec = (long)(mono_ms % 1000) * 1000000L;
    return ts;
}

#endif
