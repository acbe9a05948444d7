/*
 * The emitter's life: creation (threads started), references, the final
 * release, counters.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emitter/emitter_impl.h"
#include "emitter/emitter_flush.h"
#include "emitter/emitter_process.h"
#include "emitter/emitter_report.h"
#include "emitter/emitter_worker.h"
#include "emitter/emitter_internal.h"
#include "emitter/emitter_store.h"
#include "util/error.h"
#include "util/endpoint.h"
#include "util/hot_mutex.h"
#include "util/text.h"

#define SP_FREE_CLOSE_TIMEOUT_MS 5000

static int init_sync(snowplow_emitter *em)
{
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0)
        return -1;
    /* Deadlines are monotonic: a clock change must not stretch a bounded wait. */
    int rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    int made = 0;
    if (rc == 0 && (rc = sp_hot_mutex_init(&em->lock)) == 0)
        made++;
    if (rc == 0 && (rc = pthread_mutex_init(&em->close_lock, NULL)) == 0)
        made++;
    if (rc == 0 && (rc = pthread_cond_init(&em->cv_work, &attr)) == 0)
        made++;
    if (rc == 0 && (rc = pthread_cond_init(&em->cv_fill, &attr)) == 0)
        made++;
    if (rc == 0 && (rc = pthread_cond_init(&em->cv_done, &attr)) == 0)
        made++;
    if (rc == 0 && (rc = pthread_cond_init(&em->cv_room, &attr)) == 0)
        made++;
    if (rc == 0 && (rc = sp_record_pool_init(&em->pool)) == 0)
        made++;
    pthread_condattr_destroy(&attr);
    if (rc == 0)
        return 0;
    /* Undo in reverse order what was made. */
    if (made > 5)
        pthread_cond_destroy(&em->cv_room);
    if (made > 4)
        pthread_cond_destroy(&em->cv_done);
    if (made > 3)
        pthread_cond_destroy(&em->cv_fill);
    if (made > 2)
        pthread_cond_destroy(&em->cv_work);
    if (made > 1)
        pthread_mutex_destroy(&em->close_lock);
    if (made > 0)
        pthread_mutex_destroy(&em->lock);
    return -1;
}

static void destroy_sync(snowplow_emitter *em)
{
    sp_record_pool_destroy(&em->pool);
    pthread_cond_destroy(&em->cv_room);
    pthread_cond_destroy(&em->cv_done);
    pthread_cond_destroy(&em->cv_fill);
    pthread_cond_destroy(&em->cv_work);
    pthread_mutex_destroy(&em->close_lock);
    pthread_mutex_destroy(&em->lock);
}

/* The request URL: the POST path, or /i for GET, after the endpoint's prefix. */
static int build_url(snowplow_emitter *em, const char *fn)
{
    const snowplow_emitter_options *o = em->opt;
    if (o->redis) { /* named in messages only */
        em->url = strdup(sp_redis_target_name(o->redis));
        return em->url ? 0 : sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
    }
    sp_endpoint ep;
    int rc = sp_endpoint_parse(&ep, fn, o->endpoint, o->protocol, o->port);
    if (rc < 0)
        return rc;
    em->url = sp_endpoint_url(&ep, o->method == SNOWPLOW_METHOD_GET ? "/i" : o->post_path);
    sp_endpoint_free(&ep);
    return em->url ? 0 : sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
}

/* Sending threads start with every signal blocked: the application's handlers
 * run on its own threads, and a SIGPIPE from a closed connection is harmless. */
static int start_workers(snowplow_emitter *em)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = 0;
    for (int i = 0; i < em->worker_count && rc == 0; i++) {
        pthread_mutex_lock(&em->lock);
        em->running_workers++;
        pthread_mutex_unlock(&em->lock);
        rc = pthread_create(&em->workers[i].thread, NULL, sp_worker_main, &em->workers[i]);
        em->workers[i].started = rc == 0;
        if (rc != 0) {
            pthread_mutex_lock(&em->lock);
            em->running_workers--;
            pthread_mutex_unlock(&em->lock);
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc == 0 ? 0 : -1;
}

/* Free what snowplow_emitter_new() built before its threads started. */
static void free_unstarted(snowplow_emitter *em)
{
    sp_result_queue_free(em->results);
    free(em->workers);
    free(em->url);
    snowplow_emitter_options_free(em->opt);
    free(em);
}

static snowplow_emitter *alloc_emitter(snowplow_emitter_options *options)
{
    snowplow_emitter *em = calloc(1, sizeof *em);
    if (!em)
        return NULL;
    em->opt = options;
    sp_ref_init(&em->refs);
    sp_queue_init(&em->queue);
    for (int c = 0; c < SP_COUNTER_COUNT; c++)
        atomic_init(&em->counters[c], 0);
    atomic_init(&em->closing_flag, false);
    atomic_init(&em->abort_flag, false);
    atomic_init(&em->forked, false);
    atomic_init(&em->exiting, false);
    em->worker_count = options->thread_count;
    em->workers = calloc((size_t)em->worker_count, sizeof *em->workers);
    if (!em->workers) {
        free(em);
        return NULL;
    }
    /* Jitter seeds differ between emitters, threads and processes. */
    uint64_t seed = (uint64_t)sp_monotonic_ms() ^ ((uint64_t)(uintptr_t)em << 16) ^
                    ((uint64_t)getpid() << 40);
    for (int i = 0; i < em->worker_count; i++) {
        em->workers[i].em = em;
        em->workers[i].inflight_min = SP_NO_SEQ;
        em->workers[i].rng = seed + 0x9E3779B97F4A7C15ULL * (uint64_t)(i + 1);
    }
    return em;
}

static void sp_emitter_destroy(snowplow_emitter *em);

int snowplow_emitter_new(snowplow_emitter **out, snowplow_emitter_options *options)
{
    static const char fn[] = "snowplow_emitter_new";
    if (!out) {
        snowplow_emitter_options_free(options);
        return sp_error_set(SNOWPLOW_EINVAL, "%s: out: NULL", fn);
    }
    *out = NULL;
    if (!options)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: options: NULL", fn);
    if (options->redis) /* its items are the POST `data` elements */
        options->method = SNOWPLOW_METHOD_POST;
    else if (!options->endpoint) {
        snowplow_emitter_options_free(options);
        return sp_error_set(SNOWPLOW_EINVAL,
                            "%s: options: no endpoint (see snowplow_emitter_options_set_endpoint)",
                            fn);
    }
    /* libcurl's global state, the fork handlers and the exit handler, once. */
    if (sp_process_init() < 0) {
        snowplow_emitter_options_free(options);
        return sp_error_set(SNOWPLOW_ESYS,
                            "%s: curl_global_init, pthread_atfork or atexit failed", fn);
    }

    snowplow_emitter *em = alloc_emitter(options);
    if (!em) {
        snowplow_emitter_options_free(options);
        return sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
    }
    int rc = build_url(em, fn);
    if (rc == 0 && sp_http_options_prepare(&options->http, options->method == SNOWPLOW_METHOD_POST) < 0)
        rc = sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
    if (rc < 0) {
        free_unstarted(em);
        return rc;
    }
    if (options->result_queue_capacity > 0) {
        rc = sp_result_queue_new(&em->results, options->result_queue_capacity);
        if (rc < 0) {
            free_unstarted(em);
            return sp_error_set(rc, "%s: cannot create the result queue (%s)", fn,
                                rc == SNOWPLOW_ENOMEM ? "out of memory" : "eventfd failed");
        }
    }
    if (init_sync(em) < 0) {
        free_unstarted(em);
        return sp_error_set(SNOWPLOW_ESYS, "%s: cannot create a mutex or condition variable",
                            fn);
    }
    /* STORE HOOK (start): open the store and queue its backlog first. */
    rc = sp_emitter_store_start(em, fn);
    if (rc < 0) {
        sp_emitter_store_free(em);
        destroy_sync(em);
        free_unstarted(em);
        return rc;
    }
    sp_process_register(em);
    if (start_workers(em) < 0) {
        sp_emitter_close_core(em, 0); /* stops and joins those that started */
        sp_emitter_destroy(em);
        return sp_error_set(SNOWPLOW_ESYS, "%s: cannot start the sending threads", fn);
    }
    *out = em;
    return 0;
}

void sp_emitter_ref(snowplow_emitter *em)
{
    if (em)
        sp_ref_inc(&em->refs);
}

/* Free everything (threads already joined, or a forked copy). */
static void sp_emitter_destroy(snowplow_emitter *em)
{
    sp_process_unregister(em);
    sp_record_list rest = sp_queue_take_all(&em->queue);
    sp_record_list_free(&rest);
    sp_emitter_store_free(em); /* STORE HOOK (free) */
    if (atomic_load(&em->forked)) {
        /* A child's copy: the locks and condition variables may be in any state
         * the parent's threads left them in, and the threads' own buffers may
         * be half way through an update; both are left alone (a small leak). */
        sp_result_queue_free_forked(em->results);
        em->results = NULL;
    } else {
        destroy_sync(em);
    }
    free_unstarted(em);
}

static void *release_in_background(void *arg)
{
    snowplow_emitter *em = arg;
    sp_emitter_close_core(em, SP_FREE_CLOSE_TIMEOUT_MS);
    sp_emitter_destroy(em);
    return NULL;
}

/*
 * The last reference went inside one of this emitter's callbacks: closing here
 * would join the calling thread itself, so a detached thread closes and frees
 * the emitter once the callback has returned. If that thread cannot start, the
 * emitter is stopped and leaked rather than risking a deadlock.
 */
static void release_deferred(snowplow_emitter *em)
{
    pthread_t thread;
    pthread_attr_t attr;
    int rc = pthread_attr_init(&attr);
    if (rc == 0) {
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        rc = pthread_create(&thread, &attr, release_in_background, em);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        pthread_attr_destroy(&attr);
    }
    if (rc != 0) {
        pthread_mutex_lock(&em->lock);
        em->closing = em->stop = true;
        atomic_store(&em->closing_flag, true);
        atomic_store(&em->abort_flag, true);
        pthread_cond_broadcast(&em->cv_work);
        pthread_cond_broadcast(&em->cv_fill);
        pthread_cond_broadcast(&em->cv_room);
        pthread_mutex_unlock(&em->lock);
    }
}

void snowplow_emitter_free(snowplow_emitter *emitter)
{
    if (!emitter || !sp_ref_dec(&emitter->refs))
        return;
    if (atomic_load(&emitter->forked)) {
        sp_emitter_destroy(emitter); /* memory only: no threads here to stop */
        return;
    }
    if (sp_emitter_in_callback(emitter)) {
        release_deferred(emitter);
        return;
    }
    sp_emitter_close_core(emitter, SP_FREE_CLOSE_TIMEOUT_MS);
    sp_emitter_destroy(emitter);
}

uint64_t snowplow_emitter_counter(const snowplow_emitter *emitter, snowplow_counter counter)
{
    if (!emitter || (int)counter < 0 || (int)counter >= SP_COUNTER_COUNT)
        return 0;
    snowplow_emitter *em = (snowplow_emitter *)emitter; /* C11 atomic_load takes non-const */
    return atomic_load_explicit(&em->counters[counter], memory_order_relaxed);
}
