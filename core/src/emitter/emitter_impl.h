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
 * close() waits until the oldest outstanding sequence number is above the last
 * one accepted before the call, which stays exact when threads finish batches
 * out of order and when events are retried. flush() waits for less: until the
 * oldest event that has not yet had one attempt end is above it; such an event
 * is fresh in the queue, in its first attempt (a sending thread's
 * first_attempt_min), or being reported by another thread (a holder). An event
 * waiting for a retry has had its attempt and its will_retry report.
 *
 * Memory bound: the events held (queued plus in flight) never exceed
 * opt->queue_capacity events and opt->queue_max_bytes encoded bytes.
 *
 * Files: emitter.c (life), emitter_enqueue.c (tracking side), emitter_worker.c
 * (sending threads), emitter_retry.c (retry decisions), emitter_report.c
 * (results), emitter_flush.c (flush, close), emitter_results.c (result queue
 * API), emitter_process.c (fork and exit), emitter_store.c (store hooks).
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
    uint64_t first_attempt_min; /* oldest seq in it on its first attempt; SP_NO_SEQ when none */
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

/* emitter_flush.c: outstanding events (lock held). */
uint64_t sp_emitter_outstanding_min(const snowplow_emitter *em);
/* The oldest event that has not yet had an attempt end (lock held): what flush waits for. */
uint64_t sp_emitter_unattempted_min(const snowplow_emitter *em);
/* The lowest seq of the batch's records on their first attempt, SP_NO_SEQ if none. */
uint64_t sp_batch_first_attempt_min(const sp_record_list *batch);
void sp_emitter_hold(snowplow_emitter *em, sp_holder *h, uint64_t min_seq);
void sp_emitter_unhold(snowplow_emitter *em, sp_holder *h);
/* Wake whoever waits for completions or for room (lock held). */
void sp_emitter_wake_waiters(snowplow_emitter *em);
/*
 * Events that will not be sent because the emitter is closing: reported failed
 * ("emitter closed", will_retry 0), unless the persistent store keeps them.
 * Call without the lock; the caller keeps them outstanding meanwhile.
 */
void sp_emitter_abandon(snowplow_emitter *em, const sp_record_list *records);
/* Close without the callback check or error messages; 0 or SNOWPLOW_ETIMEOUT. */
int sp_emitter_close_core(snowplow_emitter *em, int timeout_ms);
/* At process exit: tell the threads to stop, report nothing more (begin), then
 * wait for them up to a monotonic deadline and join them (finish). */
void sp_emitter_begin_exit(snowplow_emitter *em, const struct timespec *until_realtime);
void sp_emitter_finish_exit(snowplow_emitter *em, const struct timespec *deadline);

/* emitter_worker.c: the sending threads' main function. */
void *sp_worker_main(void *arg);
/* No reason to hold a fresh partial batch open any longer (lock held). */
bool sp_emitter_send_now(const snowplow_emitter *em);
/* Fresh events were queued: wake a sending thread if one should act (lock held). */
void sp_emitter_wake_senders(snowplow_emitter *em);

/* emitter_retry.c */
bool sp_retry_status_wanted(const snowplow_emitter_options *o, int status);
int64_t sp_retry_delay_ms(const snowplow_emitter_options *o, int attempts, int retry_after_ms,
                          uint64_t *rng);
uint64_t sp_rng_next(uint64_t *state);

/* emitter_report.c: the one place that turns records into a result, counts
 * them under `counter` (sent, failed, retried or dropped), calls the callback
 * and pushes the result into the result queue. Call without the lock. */
void sp_emitter_report(snowplow_emitter *em, const sp_record_list *records,
                       snowplow_result_kind kind, int status, const char *reason,
                       int will_retry, snowplow_counter counter);
/* Whether the calling thread is inside a callback of `em` / of any emitter. */
bool sp_emitter_in_callback(const snowplow_emitter *em);
bool sp_emitter_in_any_callback(void);

/* emitter_process.c: the registry of live emitters for fork() and exit. */
int sp_process_init(void);
void sp_process_register(snowplow_emitter *em);
void sp_process_unregister(snowplow_emitter *em);

/* emitter.c: free everything (threads already joined, or a forked copy). */
void sp_emitter_destroy(snowplow_emitter *em);

#endif
