/*
 * snowplow-relay's main loop: the emitter, the rounds, statistics and the
 * shutdown. Only this thread talks to Redis and touches the window; the
 * emitter's threads report through relay_acks. Its parts: relay_connect.c
 * (Redis calls, reconnection), relay_take.c (claiming and feeding),
 * relay_settle.c (settling), relay_start.c (what an earlier run left).
 *
 * Invariant: the claimed lists in Redis (KEY:processing:ID:N, relay_claims.h)
 * hold exactly the window's items, in order, followed by the newest claim's
 * unread items, except after a Redis call whose answer was lost with the
 * connection (r->uncertain), which is resolved on reconnection from the
 * length of the list it concerned.
 */
#include "relay.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "relay_internal.h"

double relay_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void relay_sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - floor(s)) * 1e9)};
    nanosleep(&ts, NULL);
}

void relay_say(const relay *r, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "snowplow-relay[%s]: %s\n", r->opt->id, line);
}

static char *joined(const char *a, const char *b, const char *c)
{
    size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s%s%s", a, b, c);
    return s;
}

/* ---- the emitter ------------------------------------------------------------ */

static int check(int rc, const char *what)
{
    if (rc < 0)
        fprintf(stderr, "snowplow-relay: %s: %s\n", what, snowplow_error_last());
    return rc;
}

static int make_emitter(relay *r)
{
    const relay_options *o = r->opt;
    snowplow_emitter_options *eo = NULL;
    if (check(snowplow_emitter_options_new(&eo), "emitter options") < 0)
        return -1;
    int rc = check(snowplow_emitter_options_set_endpoint(eo, o->collector), "--collector");
    if (rc == 0)
        rc = snowplow_emitter_options_set_method(eo, o->method_get ? SNOWPLOW_METHOD_GET
                                                                   : SNOWPLOW_METHOD_POST);
    if (rc == 0)
        rc = check(snowplow_emitter_options_set_batch_size(eo, o->batch), "--batch");
    if (rc == 0)
        rc = check(snowplow_emitter_options_set_thread_count(eo, o->threads), "--threads");
    if (rc == 0 && o->max_inflight)
        rc = check(snowplow_emitter_options_set_max_inflight(eo, o->max_inflight),
                   "--max-inflight");
    if (rc == 0 && o->byte_limit)
        rc = check(snowplow_emitter_options_set_byte_limit(eo, o->byte_limit), "--byte-limit");
    /* Room for the whole window, and for the requests whose results the window
     * has already settled: the emitter counts their events until every report
     * of their group has returned, so a window refilled at once could find the
     * queue full and bounce items back to Redis. Taking is what waits, never
     * the queue. */
    size_t in_flight = (size_t)o->threads * (o->max_inflight ? o->max_inflight : 8) *
                       (size_t)o->batch;
    if (rc == 0)
        rc = check(snowplow_emitter_options_set_buffer_capacity(eo, o->window + in_flight, 0),
                   "--window");
    if (rc == 0 && o->store)
        rc = check(snowplow_emitter_options_set_store(eo, o->store, 0, 0, 0), "--store");
    if (rc == 0)
        rc = snowplow_emitter_options_set_on_success(eo, relay_acks_on_result, &r->acks);
    if (rc == 0)
        rc = snowplow_emitter_options_set_on_failure(eo, relay_acks_on_result, &r->acks);
    if (rc < 0) {
        snowplow_emitter_options_free(eo);
        return -1;
    }
    return check(snowplow_emitter_new(&r->em, eo), "emitter");
}

/* ---- statistics --------------------------------------------------------------- */

static void print_stats(relay *r, const char *when)
{
    double t = relay_now_s();
    double rate = t > r->stats_at ? (double)(r->counts.taken - r->stats_taken) / (t - r->stats_at)
                                  : 0;
    r->stats_taken = r->counts.taken;
    r->stats_at = t;
    int rc = RELAY_REDIS_DOWN;
    long long waiting = r->redis.c ? relay_list_length(r, r->opt->key, &rc) : -1;
    unsigned long refused;
    pthread_mutex_lock(&r->acks.mu);
    refused = r->acks.refusals;
    pthread_mutex_unlock(&r->acks.mu);
    char list[32];
    if (rc == RELAY_REDIS_OK)
        snprintf(list, sizeof list, "%lld", waiting);
    else
        snprintf(list, sizeof list, "?");
    relay_say(r,
        "%s: taken %llu (%.0f/s), delivered %llu, in flight %zu, retried %llu, dead %llu "
        "(malformed %llu, refused by the collector %lu), returned %llu, stored %llu, "
        "requeued at start %llu, claimed and unread %zu, given back unread %llu, "
        "waiting in %s %s",
        when, (unsigned long long)r->counts.taken, rate, (unsigned long long)r->counts.sent,
        r->window.pending,
        (unsigned long long)snowplow_emitter_counter(r->em, SNOWPLOW_COUNTER_RETRIED),
        (unsigned long long)(r->counts.malformed + refused),
        (unsigned long long)r->counts.malformed, refused,
        (unsigned long long)r->counts.returned, (unsigned long long)r->counts.stored,
        (unsigned long long)r->counts.requeued, relay_claims_unread(&r->claims),
        (unsigned long long)r->counts.requeued_at_exit, r->opt->key, list);
}

static void maybe_stats(relay *r)
{
    if (r->opt->stats_interval <= 0)
        return;
    double t = relay_now_s();
    if (t >= r->next_stats) {
        print_stats(r, "stats");
        r->next_stats = t + r->opt->stats_interval;
    }
}

/* ---- the loop and the stop ---------------------------------------------------- */

static size_t room_left(const relay *r)
{
    return r->opt->window - relay_window_count(&r->window);
}

/* One round: take a batch (or collect the one asked for last round), settle,
 * ask for the next batch, then feed this one to the emitter while Redis
 * works. Returns how many items came (0: the list is empty and, with --once,
 * everything is settled), or a negative relay_redis_status. */
static long round_trip(relay *r)
{
    relay_acks_apply(&r->acks, &r->window, 0);
    redisReply *batch = NULL;
    int rc = RELAY_REDIS_OK;
    int took = r->prefetching || room_left(r) > 0;
    if (r->prefetching)
        rc = relay_take_receive(r, &batch);
    else if (took && (rc = relay_take_send(r, room_left(r))) == RELAY_REDIS_OK)
        rc = relay_take_receive(r, &batch);
    if (rc != RELAY_REDIS_OK)
        return rc;
    size_t got = relay_reply_items(batch);
    rc = relay_settle(r);
    if (rc == RELAY_REDIS_OK)
        maybe_stats(r);
    if (rc == RELAY_REDIS_OK && got > 0 && room_left(r) > got && !*r->stop)
        rc = relay_take_send(r, room_left(r) - got);
    if (batch && relay_feed_reply(r, batch) < 0)
        rc = relay_out_of_memory(r);
    if (rc != RELAY_REDIS_OK)
        return rc;
    if (got > 0)
        return (long)got;
    if (!took) { /* the window was full: wait for results, unless settling made room */
        if (room_left(r) == 0)
            relay_acks_apply(&r->acks, &r->window, 50);
        return 1; /* busy, not drained */
    }
    if (r->opt->once) {
        if (relay_window_count(&r->window) == 0)
            return 0;
        relay_acks_apply(&r->acks, &r->window, 50);
        return 1;
    }
    long one = relay_wait_for_item(r, relay_window_count(&r->window) ? 0.05 : 0.2);
    return one == 0 ? 1 : one; /* a daemon is never drained */
}

static int run_loop(relay *r)
{
    int status = RELAY_EXIT_OK;
    while (!*r->stop) {
        long got = round_trip(r);
        if (got == 0)
            break; /* --once: drained and delivered */
        if (got == RELAY_REDIS_FATAL) {
            relay_say(r, "%s", r->redis.err);
            status = RELAY_EXIT_CONFIG;
            break;
        }
        if (got == RELAY_REDIS_DOWN) {
            relay_say(r, "%s", r->redis.err);
            r->down_since = relay_now_s();
            if (relay_ensure_connected(r, 1) == RELAY_REDIS_FATAL) {
                status = RELAY_EXIT_FAILED;
                break;
            }
        }
    }
    relay_finish_take(r);
    relay_give_back_unread(r);
    return status;
}

/* Stop taking; deliver what is in flight within --shutdown-timeout; give the
 * rest back (or leave it to the store); settle everything in Redis. */
static int shut_down(relay *r, int status)
{
    double deadline = relay_now_s() + r->opt->shutdown_timeout;
    int close_rc = snowplow_emitter_close(r->em, (int)(r->opt->shutdown_timeout * 1000));
    relay_acks_apply(&r->acks, &r->window, 0);
    relay_state rest = r->opt->store && close_rc == SNOWPLOW_ETIMEOUT ? RELAY_STORED
                                                                       : RELAY_RETURN;
    for (uint64_t s = r->window.head; s < r->window.tail; s++)
        relay_window_settle(&r->window, s, rest);
    for (;;) {
        int rc = relay_settle(r);
        if (rc == RELAY_REDIS_OK || rc == RELAY_REDIS_FATAL)
            break;
        if (relay_now_s() >= deadline + 5)
            break;
        relay_sleep_s(0.2);
        relay_redis_connect(&r->redis);
        if (r->redis.c && r->uncertain != RELAY_SURE)
            relay_resolve_uncertain(r);
    }
    if (relay_window_count(&r->window))
        relay_say(r, "%zu items stay in %s* (Redis unreachable): the next start with --id %s "
               "re-queues them",
            relay_window_count(&r->window), r->claim_prefix, r->opt->id);
    print_stats(r, "finished");
    return status;
}

int relay_run(const relay_options *opt, volatile sig_atomic_t *stop)
{
    relay r;
    memset(&r, 0, sizeof r);
    r.opt = opt;
    r.stop = stop;
    r.stats_at = relay_now_s();
    r.next_stats = r.stats_at + opt->stats_interval;
    int status = RELAY_EXIT_CONFIG;
    r.legacy_key = joined(opt->key, ":processing:", opt->id);
    r.claim_prefix = joined(r.legacy_key ? r.legacy_key : "", ":", "");
    r.dead_key = joined(opt->key, ":dead", "");
    if (!r.legacy_key || !r.claim_prefix || !r.dead_key || relay_acks_init(&r.acks) < 0 ||
        relay_window_init(&r.window, opt->window) < 0 ||
        relay_claims_init(&r.claims, opt->window) < 0) {
        fprintf(stderr, "snowplow-relay: out of memory\n");
        status = RELAY_EXIT_FAILED;
        goto out;
    }
    if (relay_redis_init(&r.redis, opt->redis_url, opt->key, 5000) < 0) {
        fprintf(stderr, "snowplow-relay: %s\n", r.redis.err);
        goto out;
    }
    if (make_emitter(&r) < 0)
        goto out;
    int rc = relay_start(&r);
    if (rc == RELAY_REDIS_DOWN && *stop) {
        status = RELAY_EXIT_OK;
    } else if (rc != RELAY_REDIS_OK) {
        status = r.down_since > 0 ? RELAY_EXIT_FAILED : RELAY_EXIT_CONFIG;
    } else {
        relay_say(&r, "relaying %s -> %s (claimed lists %s*)", opt->key, opt->collector,
                  r.claim_prefix);
        status = shut_down(&r, run_loop(&r));
    }
out:
    snowplow_emitter_free(r.em);
    relay_redis_free(&r.redis);
    relay_window_free(&r.window);
    relay_acks_free(&r.acks);
    relay_claims_free(&r.claims);
    free(r.legacy_key);
    free(r.claim_prefix);
    free(r.dead_key);
    return status;
}
