/*
 * Internal to the emitter's files: the emitter object and what they share.
 *
 * One mutex guards the queue, the sequence numbers, the in-flight marks and
 * the state flags. Counters are atomics, read without the lock. Callbacks run
 * outside the lock, always through sp_emitter_report().
 *
 * Completion: every accepted event gets a sequence number (1, 2, ...). An event
 * is outstanding while it is queued or held by a sending thread (or by close),
 * up to the return of its callback. flush() waits until the oldest outstanding
 * sequence number is above the last one accepted before the call, which stays
 * exact when threads finish batches out of order.
 */
#ifndef SP_EMITTER_IMPL_H
#define SP_EMITTER_IMPL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "emitter_options.h"
#include "emitter_queue.h"
#include "util/refcount.h"
#include "util/strbuf.h"

#define SP_COUNTER_COUNT (SNOWPLOW_COUNTER_STORED + 1)
#define SP_NO_SEQ UINT64_MAX

typedef struct sp_worker {
    snowplow_emitter *em;
    pthread_t thread;
    bool started;
    uint64_t inflight_min; /* oldest seq of the batch it holds; SP_NO_SEQ when none */
    sp_strbuf request;     /* reused request body / URL buffer, the thread's own */
} sp_worker;

struct snowplow_emitter {
    sp_refcount refs;
    snowplow_emitter_options *opt; /* consumed at creation, read-only afterwards */
    char *url;                     /* POST target, or the GET base ".../i" */

    pthread_mutex_t lock;
    pthread_cond_t cv_work; /* idle sending threads wait here for events */
    pthread_cond_t cv_fill; /* the lingering thread waits here for a full batch */
    pthread_cond_t cv_done; /* flush and close wait here for completions */

    /* Guarded by lock. */
    sp_queue queue;
    uint64_t last_seq;      /* sequence number of the last accepted event */
    int idle_waiters;
    bool lingerer;          /* a thread is holding a partial batch open */
    int urgent;             /* flushes under way: no lingering */
    int done_waiters;
    bool closing;           /* no new events; set once, by close */
    bool stop;              /* sending threads exit */
    uint64_t closer_min;    /* oldest seq close is reporting; SP_NO_SEQ when none */
    size_t abandoned;       /* events close gave up (reported "emitter closed") */

    atomic_bool closing_flag; /* lock-free copy of `closing` for quick refusals */
    atomic_bool abort_flag;   /* tells transports to end requests at once */

    pthread_mutex_t close_lock; /* one close at a time */
    bool closed;                /* guarded by close_lock */

    sp_worker *workers;
    int worker_count;

    atomic_uint_fast64_t counters[SP_COUNTER_COUNT];
};

#define SP_REASON_CLOSED "emitter closed"
#define SP_REASON_FULL "queue full"

static inline void sp_counter_add(snowplow_emitter *em, snowplow_counter c, uint64_t n)
{
    atomic_fetch_add_explicit(&em->counters[c], n, memory_order_relaxed);
}
static inline void sp_counter_sub(snowplow_emitter *em, snowplow_counter c, uint64_t n)
{
    atomic_fetch_sub_explicit(&em->counters[c], n, memory_order_relaxed);
}

/* The CLOCK_MONOTONIC time `ms` from now (the emitter's condvars use that clock). */
static inline struct timespec sp_deadline_after_ms(int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

/* emitter_worker.c: the sending threads' main function. */
void *sp_worker_main(void *arg);

/* emitter_report.c: the one place that turns records into a result, counts
 * them under `counter` (sent, failed or dropped) and calls the callback. Call
 * without the lock. */
void sp_emitter_report(snowplow_emitter *em, const sp_record_list *records,
                       snowplow_result_kind kind, int status, const char *reason,
                       snowplow_counter counter);
/* Whether the calling thread is inside a callback of `em`. */
bool sp_emitter_in_callback(const snowplow_emitter *em);

/* emitter_flush.c: the oldest outstanding seq (lock held). */
uint64_t sp_emitter_outstanding_min(const snowplow_emitter *em);
/* Close without the callback check or error messages; 0 or SNOWPLOW_ETIMEOUT. */
int sp_emitter_close_core(snowplow_emitter *em, int timeout_ms);

/* emitter.c: free everything (threads already joined). */
void sp_emitter_destroy(snowplow_emitter *em);

#endif
