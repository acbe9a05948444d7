/*
 * snowplow-relay's main loop. Only this thread talks to Redis and touches the
 * window; the emitter's threads report through relay_acks.
 *
 * Invariant: the processing list in Redis holds exactly the window's items, in
 * order, except after a Redis call whose answer was lost with the connection
 * (r->uncertain), which is resolved from the list's length on reconnection.
 */
#include "relay.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "relay_scripts.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - floor(s)) * 1e9)};
    nanosleep(&ts, NULL);
}

static void say(const relay *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(const relay *r, const char *fmt, ...)
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
    /* Room for the whole window: taking is what waits, never the queue. */
    if (rc == 0)
        rc = check(snowplow_emitter_options_set_buffer_capacity(eo, o->window + 16, 0),
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

/* ---- Redis, with reconnection ------------------------------------------------ */

/* EVAL script nkeys keys... args... as an argument vector. */
typedef struct eval_args {
    const char **argv;
    size_t *lens;
    int argc;
    char nkeys[16];
} eval_args;

static int eval_build(eval_args *e, const char *script, int nkeys, const char **keys,
                      int nargs, const char **args, const size_t *arg_lens)
{
    e->argc = 3 + nkeys + nargs;
    e->argv = malloc((size_t)e->argc * sizeof *e->argv);
    e->lens = malloc((size_t)e->argc * sizeof *e->lens);
    if (!e->argv || !e->lens) {
        free(e->argv);
        free(e->lens);
        return -1;
    }
    snprintf(e->nkeys, sizeof e->nkeys, "%d", nkeys);
    const char *head[3] = {"EVAL", script, e->nkeys};
    for (int i = 0; i < 3 + nkeys; i++) {
        e->argv[i] = i < 3 ? head[i] : keys[i - 3];
        e->lens[i] = strlen(e->argv[i]);
    }
    for (int i = 0; i < nargs; i++) {
        e->argv[3 + nkeys + i] = args[i];
        e->lens[3 + nkeys + i] = arg_lens ? arg_lens[i] : strlen(args[i]);
    }
    return 0;
}

static int out_of_memory(relay *r)
{
    snprintf(r->redis.err, sizeof r->redis.err, "out of memory");
    return RELAY_REDIS_FATAL;
}

/* Run a script: send and wait for its answer (out NULL: only send it). */
static int eval(relay *r, redisReply **out, const char *what, const char *script, int nkeys,
                const char **keys, int nargs, const char **args, const size_t *arg_lens)
{
    eval_args e;
    if (eval_build(&e, script, nkeys, keys, nargs, args, arg_lens) < 0)
        return out_of_memory(r);
    int rc = out ? relay_redis_call(&r->redis, out, what, e.argc, e.argv, e.lens)
                 : relay_redis_send(&r->redis, what, e.argc, e.argv, e.lens);
    free(e.argv);
    free(e.lens);
    return rc;
}

static long long list_length(relay *r, const char *key, int *rc)
{
    const char *argv[] = {"LLEN", key};
    redisReply *reply;
    *rc = relay_redis_call(&r->redis, &reply, "LLEN", 2, argv, NULL);
    if (*rc != RELAY_REDIS_OK)
        return -1;
    long long n = reply->type == REDIS_REPLY_INTEGER ? reply->integer : -1;
    freeReplyObject(reply);
    return n;
}

static int feed_reply(relay *r, redisReply *reply);

/* The `n` settled items at the head are gone from Redis: count and forget them. */
static void settled(relay *r, size_t n)
{
    for (uint64_t s = r->window.head; s < r->window.head + n; s++) {
        unsigned char st = relay_window_at(&r->window, s)->state;
        r->counts.sent += st == RELAY_SENT;
        r->counts.returned += st == RELAY_RETURN;
        r->counts.stored += st == RELAY_STORED;
    }
    relay_window_drop_head(&r->window, n);
}

/* After a reconnection: settle what the lost answer left open (see the top). */
static int resolve_uncertain(relay *r)
{
    int rc;
    long long len = list_length(r, r->proc_key, &rc);
    if (rc != RELAY_REDIS_OK)
        return rc;
    long long have = (long long)relay_window_count(&r->window);
    if (r->uncertain == RELAY_MAYBE_SETTLED && len == have - (long long)r->uncertain_n) {
        settled(r, r->uncertain_n);
        have = len;
    }
    r->uncertain = RELAY_SURE;
    if (len > have) { /* a take happened: adopt its items */
        char start[24];
        snprintf(start, sizeof start, "%lld", have);
        const char *argv[] = {"LRANGE", r->proc_key, start, "-1"};
        redisReply *reply;
        rc = relay_redis_call(&r->redis, &reply, "LRANGE", 4, argv, NULL);
        if (rc != RELAY_REDIS_OK)
            return rc;
        if (feed_reply(r, reply) < 0)
            return RELAY_REDIS_FATAL;
    } else if (len < have) {
        say(r, "warning: %s holds %lld items, %lld expected: Redis lost data (persistence "
               "off?); some may be delivered twice",
            r->proc_key, len, have);
    }
    return RELAY_REDIS_OK;
}

/* Connect (again), retrying while Redis is down, until *stop or --give-up. */
static int ensure_connected(relay *r, int stop_matters)
{
    if (r->redis.c)
        return RELAY_REDIS_OK;
    if (r->prefetching) { /* its answer went with the connection */
        r->prefetching = 0;
        r->uncertain = RELAY_MAYBE_TOOK;
    }
    double backoff = 0.1;
    double last_said = 0;
    for (;;) {
        int rc = relay_redis_connect(&r->redis);
        if (rc == RELAY_REDIS_OK && r->uncertain != RELAY_SURE)
            rc = resolve_uncertain(r);
        if (rc == RELAY_REDIS_OK) {
            if (r->down_since > 0)
                say(r, "redis %s: connected again after %.1f s", r->redis.where,
                    now_s() - r->down_since);
            r->down_since = 0;
            return RELAY_REDIS_OK;
        }
        if (rc == RELAY_REDIS_FATAL) {
            say(r, "%s", r->redis.err);
            return rc;
        }
        double t = now_s();
        if (r->down_since == 0)
            r->down_since = t;
        if (last_said == 0 || t - last_said >= 10) {
            say(r, "%s; retrying", r->redis.err);
            last_said = t;
        }
        if (r->opt->give_up > 0 && t - r->down_since >= r->opt->give_up) {
            say(r, "giving up: Redis unreachable for %.0f s (--give-up)", t - r->down_since);
            return RELAY_REDIS_FATAL;
        }
        if (stop_matters && *r->stop)
            return RELAY_REDIS_DOWN;
        sleep_s(backoff);
        backoff = backoff * 2 > 2 ? 2 : backoff * 2;
    }
}

/* ---- feeding the emitter ------------------------------------------------------ */

static int dead_on_input(int rc)
{
    return rc == SNOWPLOW_EJSON || rc == SNOWPLOW_EUTF8 || rc == SNOWPLOW_EMISSING ||
           rc == SNOWPLOW_EINVAL || rc == SNOWPLOW_ETOOBIG;
}

static void release_reply(void *reply)
{
    freeReplyObject(reply);
}

/* Items now in the processing list: into the window and the emitter. */
static int feed_items(relay *r, redisReply **items, size_t n, relay_holder *holder)
{
    for (size_t i = 0; i < n; i++) {
        const redisReply *it = items[i];
        const char *text = it->type == REDIS_REPLY_STRING ? it->str : "";
        size_t len = it->type == REDIS_REPLY_STRING ? it->len : 0;
        uint64_t seq = relay_window_push(&r->window, text, len, holder);
        if (seq == UINT64_MAX) {
            say(r, "the window is full (a bug: taking respects it)");
            return -1;
        }
        r->counts.taken++;
        char eid[SNOWPLOW_EID_SIZE];
        /* A NUL inside the item would cut the text: not a payload either. */
        int rc = memchr(text, '\0', len) ? SNOWPLOW_EJSON
                                         : snowplow_emitter_input_json(r->em, text, eid);
        if (rc == 0) {
            relay_window_set_eid(&r->window, seq, eid);
        } else if (dead_on_input(rc)) {
            relay_window_settle(&r->window, seq, RELAY_DEAD);
            r->counts.malformed++;
            if (!r->opt->quiet)
                say(r, "dead-letter (to %s): %s", r->dead_key,
                    rc == SNOWPLOW_EJSON && memchr(text, '\0', len)
                        ? "the item holds a NUL byte"
                        : snowplow_error_last());
        } else {
            relay_window_settle(&r->window, seq, RELAY_RETURN);
        }
    }
    return 0;
}

/* Feed the items of `reply` (an array of strings, or one string); the window
 * keeps the reply, not a copy, until it drops the last of them. Consumes it. */
static int feed_reply(relay *r, redisReply *reply)
{
    relay_holder *holder = relay_holder_new(release_reply, reply);
    if (!holder) {
        say(r, "out of memory for the window");
        return -1;
    }
    int rc = 0;
    if (reply->type == REDIS_REPLY_ARRAY)
        rc = feed_items(r, reply->element, reply->elements, holder);
    else if (reply->type == REDIS_REPLY_STRING)
        rc = feed_items(r, &reply, 1, holder);
    relay_holder_done(holder);
    return rc;
}

/* Ask for up to `room` items (the answer is read by take_receive), so that
 * Redis moves the next batch while this thread feeds the emitter. */
static int take_send(relay *r, size_t room)
{
    char n[24];
    snprintf(n, sizeof n, "%zu", room < r->opt->take ? room : r->opt->take);
    const char *keys[] = {r->opt->key, r->proc_key};
    const char *args[] = {n};
    r->uncertain = RELAY_MAYBE_TOOK;
    int rc = eval(r, NULL, "taking items", RELAY_SCRIPT_TAKE, 2, keys, 1, args, NULL);
    if (rc == RELAY_REDIS_OK)
        r->prefetching = 1;
    else if (rc == RELAY_REDIS_FATAL)
        r->uncertain = RELAY_SURE;
    return rc;
}

static int take_receive(relay *r, redisReply **batch)
{
    r->prefetching = 0;
    int rc = relay_redis_receive(&r->redis, batch, "taking items");
    if (rc == RELAY_REDIS_OK || rc == RELAY_REDIS_FATAL)
        r->uncertain = RELAY_SURE;
    return rc;
}

static size_t batch_size(const redisReply *batch)
{
    return batch && batch->type == REDIS_REPLY_ARRAY ? batch->elements : 0;
}

/* At the end: items of a take still under way join the window, to be returned. */
static void finish_take(relay *r)
{
    redisReply *batch = NULL;
    if (!r->prefetching || take_receive(r, &batch) != RELAY_REDIS_OK)
        return;
    size_t n = batch_size(batch);
    relay_holder *holder = relay_holder_new(release_reply, batch);
    for (size_t i = 0; holder && i < n; i++) {
        const redisReply *it = batch->element[i];
        uint64_t seq = relay_window_push(&r->window, it->str ? it->str : "",
                                         it->str ? it->len : 0, holder);
        if (seq != UINT64_MAX) {
            r->counts.taken++;
            relay_window_settle(&r->window, seq, RELAY_RETURN);
        }
    }
    relay_holder_done(holder);
}

/* Wait up to `seconds` for one item (BLMOVE); 1, 0, or a negative status. */
static long wait_for_item(relay *r, double seconds)
{
    char timeout[24];
    snprintf(timeout, sizeof timeout, "%.3f", seconds);
    const char *argv[] = {"BLMOVE", r->opt->key, r->proc_key, "LEFT", "RIGHT", timeout};
    redisReply *reply;
    r->uncertain = RELAY_MAYBE_TOOK;
    int rc = relay_redis_call(&r->redis, &reply, "waiting for items", 6, argv, NULL);
    if (rc == RELAY_REDIS_FATAL || rc == RELAY_REDIS_OK)
        r->uncertain = RELAY_SURE;
    if (rc != RELAY_REDIS_OK)
        return rc;
    if (reply->type != REDIS_REPLY_STRING) {
        freeReplyObject(reply); /* nil: nothing came */
        return 0;
    }
    return feed_reply(r, reply) < 0 ? RELAY_REDIS_FATAL : 1;
}

/* ---- settling ----------------------------------------------------------------- */

/* Remove the settled head of the processing list from Redis: sent and stored
 * items go, dead ones go to KEY:dead, returned ones back to the main list. */
static int settle(relay *r)
{
    size_t n = relay_window_settled_prefix(&r->window);
    if (n == 0)
        return RELAY_REDIS_OK;
    size_t dead = 0, back = 0;
    for (uint64_t s = r->window.head; s < r->window.head + n; s++) {
        unsigned char st = relay_window_at(&r->window, s)->state;
        dead += st == RELAY_DEAD;
        back += st == RELAY_RETURN;
    }
    size_t nargs = 2 + dead + back;
    const char **args = malloc(nargs * sizeof *args);
    size_t *lens = malloc(nargs * sizeof *lens);
    if (!args || !lens) {
        free(args);
        free(lens);
        return RELAY_REDIS_OK; /* try again next round */
    }
    char count[24], ndead[24];
    snprintf(count, sizeof count, "%zu", n);
    snprintf(ndead, sizeof ndead, "%zu", dead);
    args[0] = count;
    lens[0] = strlen(count);
    args[1] = ndead;
    lens[1] = strlen(ndead);
    size_t d = 2, b = 2 + dead;
    for (uint64_t s = r->window.head; s < r->window.head + n; s++) {
        const relay_entry *e = relay_window_at(&r->window, s);
        if (e->state == RELAY_DEAD) {
            args[d] = e->item;
            lens[d++] = e->len;
        } else if (e->state == RELAY_RETURN) {
            args[b] = e->item;
            lens[b++] = e->len;
        }
    }
    const char *keys[] = {r->proc_key, r->dead_key, r->opt->key};
    redisReply *reply;
    r->uncertain = RELAY_MAYBE_SETTLED;
    r->uncertain_n = n;
    int rc = eval(r, &reply, "settling items", RELAY_SCRIPT_SETTLE, 3, keys, (int)nargs, args,
                  lens);
    free(args);
    free(lens);
    if (rc == RELAY_REDIS_FATAL || rc == RELAY_REDIS_OK)
        r->uncertain = RELAY_SURE;
    if (rc != RELAY_REDIS_OK)
        return rc;
    freeReplyObject(reply);
    settled(r, n);
    return RELAY_REDIS_OK;
}

/* ---- statistics --------------------------------------------------------------- */

static void print_stats(relay *r, const char *when)
{
    double t = now_s();
    double rate = t > r->stats_at ? (double)(r->counts.taken - r->stats_taken) / (t - r->stats_at)
                                  : 0;
    r->stats_taken = r->counts.taken;
    r->stats_at = t;
    int rc = RELAY_REDIS_DOWN;
    long long waiting = r->redis.c ? list_length(r, r->opt->key, &rc) : -1;
    unsigned long refused;
    pthread_mutex_lock(&r->acks.mu);
    refused = r->acks.refusals;
    pthread_mutex_unlock(&r->acks.mu);
    char list[32];
    if (rc == RELAY_REDIS_OK)
        snprintf(list, sizeof list, "%lld", waiting);
    else
        snprintf(list, sizeof list, "?");
    say(r,
        "%s: taken %llu (%.0f/s), delivered %llu, in flight %zu, retried %llu, dead %llu "
        "(malformed %llu, refused by the collector %lu), returned %llu, stored %llu, "
        "requeued at start %llu, waiting in %s %s",
        when, (unsigned long long)r->counts.taken, rate, (unsigned long long)r->counts.sent,
        r->window.pending,
        (unsigned long long)snowplow_emitter_counter(r->em, SNOWPLOW_COUNTER_RETRIED),
        (unsigned long long)(r->counts.malformed + refused),
        (unsigned long long)r->counts.malformed, refused,
        (unsigned long long)r->counts.returned, (unsigned long long)r->counts.stored,
        (unsigned long long)r->counts.requeued, r->opt->key, list);
}

static void maybe_stats(relay *r)
{
    if (r->opt->stats_interval <= 0)
        return;
    double t = now_s();
    if (t >= r->next_stats) {
        print_stats(r, "stats");
        r->next_stats = t + r->opt->stats_interval;
    }
}

/* ---- start, loop, stop -------------------------------------------------------- */

static int start(relay *r)
{
    int rc = ensure_connected(r, 1);
    if (rc != RELAY_REDIS_OK)
        return rc;
    const char *lists[] = {r->opt->key, r->proc_key, r->dead_key};
    for (int i = 0; i < 3 && rc == RELAY_REDIS_OK; i++)
        rc = relay_redis_check_list(&r->redis, lists[i]);
    if (rc != RELAY_REDIS_OK) {
        say(r, "%s", r->redis.err);
        return rc;
    }
    const char *keys[] = {r->opt->key, r->proc_key};
    redisReply *reply;
    rc = eval(r, &reply, "re-queueing the processing list", RELAY_SCRIPT_REQUEUE, 2, keys, 0,
              NULL, NULL);
    if (rc != RELAY_REDIS_OK) {
        say(r, "%s", r->redis.err);
        return rc;
    }
    r->counts.requeued = reply->type == REDIS_REPLY_INTEGER ? (uint64_t)reply->integer : 0;
    freeReplyObject(reply);
    if (r->counts.requeued)
        say(r, "re-queued %llu items left in %s by an earlier run",
            (unsigned long long)r->counts.requeued, r->proc_key);
    return RELAY_REDIS_OK;
}

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
    if (r->prefetching)
        rc = take_receive(r, &batch);
    else if (room_left(r) > 0 && (rc = take_send(r, room_left(r))) == RELAY_REDIS_OK)
        rc = take_receive(r, &batch);
    if (rc != RELAY_REDIS_OK)
        return rc;
    size_t got = batch_size(batch);
    rc = settle(r);
    if (rc == RELAY_REDIS_OK)
        maybe_stats(r);
    if (rc == RELAY_REDIS_OK && got > 0 && room_left(r) > got && !*r->stop)
        rc = take_send(r, room_left(r) - got);
    if (batch && feed_reply(r, batch) < 0)
        rc = out_of_memory(r);
    if (rc != RELAY_REDIS_OK)
        return rc;
    if (got > 0)
        return (long)got;
    if (room_left(r) == 0) {
        relay_acks_apply(&r->acks, &r->window, 50);
        return 1; /* busy, not drained */
    }
    if (r->opt->once) {
        if (relay_window_count(&r->window) == 0)
            return 0;
        relay_acks_apply(&r->acks, &r->window, 50);
        return 1;
    }
    long one = wait_for_item(r, relay_window_count(&r->window) ? 0.05 : 0.2);
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
            say(r, "%s", r->redis.err);
            status = RELAY_EXIT_CONFIG;
            break;
        }
        if (got == RELAY_REDIS_DOWN) {
            say(r, "%s", r->redis.err);
            r->down_since = now_s();
            if (ensure_connected(r, 1) == RELAY_REDIS_FATAL) {
                status = RELAY_EXIT_FAILED;
                break;
            }
        }
    }
    finish_take(r);
    return status;
}

/* Stop taking; deliver what is in flight within --shutdown-timeout; give the
 * rest back (or leave it to the store); settle everything in Redis. */
static int shut_down(relay *r, int status)
{
    double deadline = now_s() + r->opt->shutdown_timeout;
    int close_rc = snowplow_emitter_close(r->em, (int)(r->opt->shutdown_timeout * 1000));
    relay_acks_apply(&r->acks, &r->window, 0);
    relay_state rest = r->opt->store && close_rc == SNOWPLOW_ETIMEOUT ? RELAY_STORED
                                                                       : RELAY_RETURN;
    for (uint64_t s = r->window.head; s < r->window.tail; s++)
        relay_window_settle(&r->window, s, rest);
    for (;;) {
        int rc = settle(r);
        if (rc == RELAY_REDIS_OK || rc == RELAY_REDIS_FATAL)
            break;
        if (now_s() >= deadline + 5)
            break;
        sleep_s(0.2);
        relay_redis_connect(&r->redis);
        if (r->redis.c && r->uncertain != RELAY_SURE)
            resolve_uncertain(r);
    }
    if (relay_window_count(&r->window))
        say(r, "%zu items stay in %s (Redis unreachable): the next start with --id %s "
               "re-queues them",
            relay_window_count(&r->window), r->proc_key, r->opt->id);
    print_stats(r, "finished");
    return status;
}

int relay_run(const relay_options *opt, volatile sig_atomic_t *stop)
{
    relay r;
    memset(&r, 0, sizeof r);
    r.opt = opt;
    r.stop = stop;
    r.stats_at = now_s();
    r.next_stats = r.stats_at + opt->stats_interval;
    int status = RELAY_EXIT_CONFIG;
    r.proc_key = joined(opt->key, ":processing:", opt->id);
    r.dead_key = joined(opt->key, ":dead", "");
    if (!r.proc_key || !r.dead_key || relay_acks_init(&r.acks) < 0 ||
        relay_window_init(&r.window, opt->window) < 0) {
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
    int rc = start(&r);
    if (rc == RELAY_REDIS_DOWN && *stop) {
        status = RELAY_EXIT_OK;
    } else if (rc != RELAY_REDIS_OK) {
        status = r.down_since > 0 ? RELAY_EXIT_FAILED : RELAY_EXIT_CONFIG;
    } else {
        say(&r, "relaying %s -> %s (processing list %s)", opt->key, opt->collector, r.proc_key);
        status = shut_down(&r, run_loop(&r));
    }
out:
    snowplow_emitter_free(r.em);
    relay_redis_free(&r.redis);
    relay_window_free(&r.window);
    relay_acks_free(&r.acks);
    free(r.proc_key);
    free(r.dead_key);
    return status;
}
