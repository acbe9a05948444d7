/*
 * The emitter and the process: a registry of live emitters, so that
 *  - fork(): the child's copies of the parent's emitters are marked as forked
 *    (their threads do not exist there); they refuse events with
 *    SNOWPLOW_ECLOSED, and close/free only release memory;
 *  - exit without close: an atexit handler stops every emitter's threads
 *    (aborting requests under way) before libcurl's and OpenSSL's exit-time
 *    cleanup, which would otherwise race the threads still using them.
 *
 * The atexit handler is registered after curl_global_init(), so it runs before
 * the cleanup OpenSSL registers there (handlers run in reverse order).
 * Lock order: registry_lock, then each emitter's lock, then its result queue's.
 */
#include <stdlib.h>

#include "emitter/emitter_impl.h"
#include "emitter/emitter_flush.h"
#include "emitter/emitter_process.h"
#include "transport/transport.h"

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static snowplow_emitter *registry; /* guarded by registry_lock */
static pthread_once_t process_once = PTHREAD_ONCE_INIT;
static int process_rc = -1;

/* How long, in all, the exit waits for sending threads to end. Normally they
 * end within one abort poll (50 ms); the bound is for a thread stuck in an
 * application callback, or in a long TLS setup on a starved machine. */
#define SP_EXIT_STOP_MS 5000

static void stop_all_at_exit(void)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += SP_EXIT_STOP_MS / 1000;
    struct timespec deadline = sp_deadline_after_ms(SP_EXIT_STOP_MS);
    pthread_mutex_lock(&registry_lock);
    for (snowplow_emitter *em = registry; em; em = em->reg_next)
        if (!atomic_load(&em->forked))
            sp_emitter_begin_exit(em, &until);
    for (snowplow_emitter *em = registry; em; em = em->reg_next)
        if (!atomic_load(&em->forked))
            sp_emitter_finish_exit(em, &deadline);
    pthread_mutex_unlock(&registry_lock);
}

/* Before fork(): no emitter is half way through an update of its queue or its
 * result queue while the process is copied. */
static void before_fork(void)
{
    pthread_mutex_lock(&registry_lock);
    for (snowplow_emitter *em = registry; em; em = em->reg_next) {
        if (atomic_load(&em->forked))
            continue;
        pthread_mutex_lock(&em->lock);
        if (em->results)
            sp_result_queue_fork_lock(em->results);
    }
}

static void unlock_all(void)
{
    for (snowplow_emitter *em = registry; em; em = em->reg_next) {
        if (atomic_load(&em->forked))
            continue;
        if (em->results)
            sp_result_queue_fork_unlock(em->results);
        pthread_mutex_unlock(&em->lock);
    }
}

static void after_fork_parent(void)
{
    unlock_all();
    pthread_mutex_unlock(&registry_lock);
}

/* In the child only the forking thread exists: every emitter of the parent
 * becomes a memory-only copy. Its locks are released (this thread holds them)
 * but never used again. */
static void after_fork_child(void)
{
    unlock_all();
    for (snowplow_emitter *em = registry; em; em = em->reg_next) {
        atomic_store(&em->forked, true);
        atomic_store(&em->closing_flag, true);
    }
    pthread_mutex_unlock(&registry_lock);
}

static void init_once(void)
{
    /* Initialise libcurl (and so OpenSSL) first: see the comment at the top. */
    if (sp_http_global_init() < 0)
        return;
    if (pthread_atfork(before_fork, after_fork_parent, after_fork_child) != 0)
        return;
    if (atexit(stop_all_at_exit) != 0)
        return;
    process_rc = 0;
}

int sp_process_init(void)
{
    pthread_once(&process_once, init_once);
    return process_rc;
}

void sp_process_register(snowplow_emitter *em)
{
    pthread_mutex_lock(&registry_lock);
    em->reg_prev = NULL;
    em->reg_next = registry;
    if (registry)
        registry->reg_prev = em;
    registry = em;
    pthread_mutex_unlock(&registry_lock);
}

void sp_process_unregister(snowplow_emitter *em)
{
    pthread_mutex_lock(&registry_lock);
    if (em->reg_prev)
        em->reg_prev->reg_next = em->reg_next;
    else if (registry == em)
        registry = em->reg_next;
    if (em->reg_next)
        em->reg_next->reg_prev = em->reg_prev;
    em->reg_prev = em->reg_next = NULL;
    pthread_mutex_unlock(&registry_lock);
}
