/*
 * snowplow-relay's main loop. Only this thread talks to Redis and touches the
 * window; the emitter's threads report through relay_acks.
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


/* Settling the `n` oldest items (`deleted` claims whole, then `trim` items
 * of the next) is done in Redis: count and forget them. */
static void settled(relay *r, size_t n, size_t deleted, size_t trim)
{
    relay_claims_settled(&r->claims, deleted, trim);
    for (uint64_t s = r->window.head; s < r->window.head + n; s++) {
        unsigned char st = relay_window_at(&r->window, s)->state;
        r->counts.sent += st == RELAY_SENT;
        r->counts.returned += st == RELAY_RETURN;
        r->counts.stored += st == RELAY_STORED;
    }
    relay_window_drop_head(&r->window, n);
}

static void claim_key(const relay *r, char *out, size_t size, uint64_t number)
{
    relay_claim_key(out, size, r->claim_prefix, number);
}

/* The answer to a claim was lost: it happened if its list exists (the relay
 * is that list's only writer), and is then adopted, unread. */
static int resolve_claim(relay *r)
{
    char key[1024];
    claim_key(r, key, sizeof key, r->claims.next_number);
    int rc;
    long long len = list_length(r, key, &rc);
    if (rc == RELAY_REDIS_OK && len > 0 && relay_claims_push(&r->claims, (size_t)len) < 0)
        rc = RELAY_REDIS_FATAL;
    return rc;
}

/* The answer to a settle was lost: it happened if the first claim it deleted
 * is gone or, when it deleted none, if the claim it trimmed got shorter. */
static int resolve_settle(relay *r)
{
    char key[1024];
    const relay_claim *first = relay_claims_at(&r->claims, 0);
    claim_key(r, key, sizeof key, first->number);
    int rc;
    long long len = list_length(r, key, &rc);
    if (rc != RELAY_REDIS_OK)
        return rc;
    size_t before = first->total - first->removed;
    int done = r->uncertain_deleted > 0 ? len == 0
                                        : len == (long long)(before - r->uncertain_trim);
    if (done)
        settled(r, r->uncertain_n, r->uncertain_deleted, r->uncertain_trim);
    else if (len != (long long)before)
        say(r, "warning: %s holds %lld items, %zu expected: Redis lost data (persistence "
               "off?); some may be delivered twice",
            key, len, before);
    return RELAY_REDIS_OK;
}

/* After a reconnection: settle what the lost answer left open (see the top). */
static int resolve_uncertain(relay *r)
{
    int rc = r->uncertain == RELAY_MAYBE_TOOK      ? resolve_claim(r)
             : r->uncertain == RELAY_MAYBE_SETTLED ? resolve_settle(r)
                                                   : RELAY_REDIS_OK;
    if (rc == RELAY_REDIS_OK)
        r->uncertain = RELAY_SURE;
    return rc;
}

/* Connect (again), retrying while Redis is down, until *stop or --give-up. */
static int ensure_connected(relay *r, int stop_matters)
{
    if (r->redis.c)
        return RELAY_REDIS_OK;
    if (r->prefetching) { /* its answer went with the connection */
        r->prefetching = 0;
        if (r->prefetch_claims)
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

static size_t reply_items(const redisReply *reply)
{
    if (!reply)
        return 0;
    return reply->type == REDIS_REPLY_ARRAY ? reply->elements : reply->type == REDIS_REPLY_STRING;
}

/* Ask for up to `room` items (the answer is read by take_receive), so that
 * Redis works while this thread feeds the emitter: the next slice of the
 * claimed list, or, once all is read, a new claim and its first slice. */
static int take_send(relay *r, size_t room)
{
    size_t unread = relay_claims_unread(&r->claims);
    size_t want = room < r->opt->take ? room : r->opt->take;
    const relay_claim *newest = relay_claims_newest(&r->claims);
    uint64_t number = unread ? newest->number : r->claims.next_number;
    size_t from = unread ? newest->read - newest->removed : 0;
    if (unread && want > unread)
        want = unread;
    char key[1024], first[24], last[24];
    claim_key(r, key, sizeof key, number);
    snprintf(first, sizeof first, "%zu", from);
    snprintf(last, sizeof last, "%zu", from + want - 1);
    int rc = RELAY_REDIS_OK;
    r->prefetch_claims = unread == 0;
    if (r->prefetch_claims) {
        char most[24], take[24];
        snprintf(most, sizeof most, "%zu", r->opt->claim);
        snprintf(take, sizeof take, "%zu", r->opt->take);
        const char *keys[] = {r->opt->key, key};
        const char *args[] = {most, take};
        r->uncertain = RELAY_MAYBE_TOOK;
        rc = eval(r, NULL, "claiming items", RELAY_SCRIPT_CLAIM, 2, keys, 2, args, NULL);
    }
    if (rc == RELAY_REDIS_OK) {
        const char *argv[] = {"LRANGE", key, first, last};
        rc = relay_redis_send(&r->redis, "reading claimed items", 4, argv, NULL);
    }
    if (rc == RELAY_REDIS_OK) {
        r->prefetching = 1;
        r->prefetch_want = want;
    } else if (rc == RELAY_REDIS_FATAL) {
        r->uncertain = RELAY_SURE;
    }
    return rc;
}

/* The answer to take_send: the items read (*batch), now counted as read. */
static int take_receive(relay *r, redisReply **batch)
{
    r->prefetching = 0;
    int rc = RELAY_REDIS_OK;
    if (r->prefetch_claims) {
        redisReply *count = NULL;
        rc = relay_redis_receive(&r->redis, &count, "claiming items");
        if (rc == RELAY_REDIS_OK) {
            r->uncertain = RELAY_SURE;
            long long total = count->type == REDIS_REPLY_INTEGER ? count->integer : 0;
            freeReplyObject(count);
            if (total > 0 && relay_claims_push(&r->claims, (size_t)total) < 0) {
                say(r, "too many claims (a bug: the window bounds them)");
                rc = RELAY_REDIS_FATAL;
            }
        }
    }
    if (rc == RELAY_REDIS_OK)
        rc = relay_redis_receive(&r->redis, batch, "reading claimed items");
    if (rc == RELAY_REDIS_FATAL)
        r->uncertain = RELAY_SURE;
    relay_claim *newest = relay_claims_newest(&r->claims);
    if (rc != RELAY_REDIS_OK || !newest)
        return rc;
    size_t got = reply_items(*batch);
    newest->read += got;
    if (got < r->prefetch_want && newest->read < newest->total) {
        say(r, "warning: a claimed list lost %zu items: Redis lost data (persistence off?)",
            newest->total - newest->read);
        newest->total = newest->read;
    }
    return rc;
}

/* At the end: the answer to a take still under way is read and dropped (its
 * items were not fed: they count as unread). */
static void finish_take(relay *r)
{
    redisReply *batch = NULL;
    if (!r->prefetching || take_receive(r, &batch) != RELAY_REDIS_OK)
        return;
    size_t got = reply_items(batch);
    if (got > 0)
        relay_claims_newest(&r->claims)->read -= got;
    freeReplyObject(batch);
}

/* At the end: what is claimed and unread goes back to the head of the main list. */
static void give_back_unread(relay *r)
{
    relay_claim *newest = relay_claims_newest(&r->claims);
    if (!newest || newest->read == newest->total || !r->redis.c)
        return;
    char key[1024], from[24];
    claim_key(r, key, sizeof key, newest->number);
    snprintf(from, sizeof from, "%zu", newest->read - newest->removed);
    const char *keys[] = {r->opt->key, key};
    const char *args[] = {from};
    redisReply *reply;
    if (eval(r, &reply, "giving back unread items", RELAY_SCRIPT_GIVE_BACK, 2, keys, 1, args,
             NULL) != RELAY_REDIS_OK)
        return; /* still claimed: the next start re-queues them */
    freeReplyObject(reply);
    r->counts.requeued_at_exit += newest->total - newest->read;
    newest->total = newest->read;
    if (newest->total == 0)
        r->claims.tail--; /* nothing of it was read: the list is gone */
}

/* Wait up to `seconds` for one item (BLMOVE into a new claim); 1, 0, or a
 * negative status. */
static long wait_for_item(relay *r, double seconds)
{
    char timeout[24], key[1024];
    snprintf(timeout, sizeof timeout, "%.3f", seconds);
    claim_key(r, key, sizeof key, r->claims.next_number);
    const char *argv[] = {"BLMOVE", r->opt->key, key, "LEFT", "RIGHT", timeout};
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
    if (relay_claims_push(&r->claims, 1) < 0) {
        freeReplyObject(reply);
        return RELAY_REDIS_FATAL;
    }
    relay_claims_newest(&r->claims)->read = 1;
    return feed_reply(r, reply) < 0 ? RELAY_REDIS_FATAL : 1;
}

/* ---- settling ----------------------------------------------------------------- */

/* Remove what has settled at the head of the window from Redis: claims
 * settled whole are deleted, the next one trimmed; dead items go to KEY:dead,
 * returned ones back to the main list. */
static int settle(relay *r)
{
    size_t n = relay_window_settled_prefix(&r->window), deleted, trim;
    if (n == 0)
        return RELAY_REDIS_OK;
    relay_claims_plan(&r->claims, n, &deleted, &trim);
    size_t dead = 0, back = 0;
    for (uint64_t s = r->window.head; s < r->window.head + n; s++) {
        unsigned char st = relay_window_at(&r->window, s)->state;
        dead += st == RELAY_DEAD;
        back += st == RELAY_RETURN;
    }
    size_t nargs = 2 + dead + back, nkeys = 2 + deleted + (trim > 0);
    size_t key_size = strlen(r->claim_prefix) + 24;
    const char **args = malloc(nargs * sizeof *args);
    size_t *lens = malloc(nargs * sizeof *lens);
    const char **keys = malloc(nkeys * sizeof *keys);
    char *names = malloc((nkeys - 2) * key_size + 1);
    if (!args || !lens || !keys || !names) {
        free(args);
        free(lens);
        free(keys);
        free(names);
        return RELAY_REDIS_OK; /* try again next round */
    }
    char ndead[24], ntrim[24];
    snprintf(ndead, sizeof ndead, "%zu", dead);
    snprintf(ntrim, sizeof ntrim, "%zu", trim);
    args[0] = ndead;
    lens[0] = strlen(ndead);
    args[1] = ntrim;
    lens[1] = strlen(ntrim);
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
    keys[0] = r->dead_key;
    keys[1] = r->opt->key;
    /* The trimmed claim first (KEYS[3] when ARGV[2] > 0), then the deleted ones. */
    for (size_t k = 0; k < nkeys - 2; k++) {
        size_t claim = trim > 0 ? (k == 0 ? deleted : k - 1) : k;
        char *name = names + k * key_size;
        claim_key(r, name, key_size, relay_claims_at(&r->claims, claim)->number);
        keys[2 + k] = name;
    }
    redisReply *reply;
    r->uncertain = RELAY_MAYBE_SETTLED;
    r->uncertain_n = n;
    r->uncertain_deleted = deleted;
    r->uncertain_trim = trim;
    int rc = eval(r, &reply, "settling items", RELAY_SCRIPT_SETTLE, (int)nkeys, keys,
                  (int)nargs, args, lens);
    free(args);
    free(lens);
    free(keys);
    free(names);
    if (rc == RELAY_REDIS_FATAL || rc == RELAY_REDIS_OK)
        r->uncertain = RELAY_SURE;
    if (rc != RELAY_REDIS_OK)
        return rc;
    freeReplyObject(reply);
    settled(r, n, deleted, trim);
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
    double t = now_s();
    if (t >= r->next_stats) {
        print_stats(r, "stats");
        r->next_stats = t + r->opt->stats_interval;
    }
}

/* ---- start, loop, stop -------------------------------------------------------- */

/* SCAN's glob for the claimed lists: the prefix with its glob characters escaped. */
static char *claim_pattern(const char *prefix)
{
    char *p = malloc(2 * strlen(prefix) + 2), *q = p;
    if (!p)
        return NULL;
    for (const char *c = prefix; *c; c++) {
        if (strchr("*?[]\\", *c))
            *q++ = '\\';
        *q++ = *c;
    }
    strcpy(q, "*");
    return p;
}

/* `key` is PREFIX followed by a decimal number (another relay's id may extend
 * this one's: "a" and "a:b"). */
static int claim_number_of(const char *key, size_t key_len, const char *prefix, uint64_t *n)
{
    size_t plen = strlen(prefix);
    if (key_len <= plen || key_len - plen > 19 || memcmp(key, prefix, plen) != 0)
        return 0;
    uint64_t v = 0;
    for (size_t i = plen; i < key_len; i++) {
        if (key[i] < '0' || key[i] > '9')
            return 0;
        v = v * 10 + (uint64_t)(key[i] - '0');
    }
    *n = v;
    return 1;
}

static int by_number_descending(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* The numbers of the claimed lists an earlier run left (*out: malloc'd). */
static int find_claims(relay *r, uint64_t **out, size_t *count)
{
    char *pattern = claim_pattern(r->claim_prefix);
    if (!pattern)
        return out_of_memory(r);
    uint64_t *found = NULL;
    size_t n = 0, cap = 0;
    char cursor[32] = "0";
    int rc;
    do {
        const char *argv[] = {"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"};
        redisReply *reply;
        rc = relay_redis_call(&r->redis, &reply, "looking for claimed lists", 6, argv, NULL);
        if (rc != RELAY_REDIS_OK)
            break;
        if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) {
            freeReplyObject(reply);
            break;
        }
        snprintf(cursor, sizeof cursor, "%s", reply->element[0]->str ? reply->element[0]->str : "0");
        const redisReply *keys = reply->element[1];
        for (size_t i = 0; keys->type == REDIS_REPLY_ARRAY && i < keys->elements; i++) {
            uint64_t number;
            if (!claim_number_of(keys->element[i]->str, keys->element[i]->len, r->claim_prefix,
                                 &number))
                continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 64;
                uint64_t *bigger = realloc(found, cap * sizeof *found);
                if (!bigger) {
                    freeReplyObject(reply);
                    free(found);
                    free(pattern);
                    return out_of_memory(r);
                }
                found = bigger;
            }
            found[n++] = number;
        }
        freeReplyObject(reply);
    } while (strcmp(cursor, "0") != 0);
    free(pattern);
    if (rc != RELAY_REDIS_OK) {
        free(found);
        return rc;
    }
    if (n > 1)
        qsort(found, n, sizeof *found, by_number_descending);
    *out = found;
    *count = n;
    return RELAY_REDIS_OK;
}

/* Give one list left by an earlier run back to the head of the main list. */
static int requeue(relay *r, const char *list)
{
    const char *keys[] = {r->opt->key, list};
    redisReply *reply;
    int rc = eval(r, &reply, "re-queueing a claimed list", RELAY_SCRIPT_REQUEUE, 2, keys, 0,
                  NULL, NULL);
    if (rc != RELAY_REDIS_OK)
        return rc;
    r->counts.requeued += reply->type == REDIS_REPLY_INTEGER ? (uint64_t)reply->integer : 0;
    freeReplyObject(reply);
    return RELAY_REDIS_OK;
}

/* Check the lists' types, then re-queue what an earlier run left in its
 * claimed lists, newest first, so that the oldest ends up at the head, and
 * before them what an earlier build's single processing list held. */
static int start(relay *r)
{
    int rc = ensure_connected(r, 1);
    if (rc != RELAY_REDIS_OK)
        return rc;
    const char *lists[] = {r->opt->key, r->legacy_key, r->dead_key};
    for (int i = 0; i < 3 && rc == RELAY_REDIS_OK; i++)
        rc = relay_redis_check_list(&r->redis, lists[i]);
    uint64_t *numbers = NULL;
    size_t count = 0;
    if (rc == RELAY_REDIS_OK)
        rc = find_claims(r, &numbers, &count);
    char key[1024];
    for (size_t i = 0; i < count && rc == RELAY_REDIS_OK; i++) {
        relay_claim_key(key, sizeof key, r->claim_prefix, numbers[i]);
        rc = relay_redis_check_list(&r->redis, key);
        if (rc == RELAY_REDIS_OK)
            rc = requeue(r, key);
    }
    free(numbers);
    if (rc == RELAY_REDIS_OK)
        rc = requeue(r, r->legacy_key);
    if (rc != RELAY_REDIS_OK) {
        say(r, "%s", r->redis.err);
        return rc;
    }
    if (r->counts.requeued)
        say(r, "re-queued %llu items left in %s* by an earlier run",
            (unsigned long long)r->counts.requeued, r->claim_prefix);
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
    int took = r->prefetching || room_left(r) > 0;
    if (r->prefetching)
        rc = take_receive(r, &batch);
    else if (took && (rc = take_send(r, room_left(r))) == RELAY_REDIS_OK)
        rc = take_receive(r, &batch);
    if (rc != RELAY_REDIS_OK)
        return rc;
    size_t got = reply_items(batch);
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
    give_back_unread(r);
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
        say(r, "%zu items stay in %s* (Redis unreachable): the next start with --id %s "
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
    r.stats_at = now_s();
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
    int rc = start(&r);
    if (rc == RELAY_REDIS_DOWN && *stop) {
        status = RELAY_EXIT_OK;
    } else if (rc != RELAY_REDIS_OK) {
        status = r.down_since > 0 ? RELAY_EXIT_FAILED : RELAY_EXIT_CONFIG;
    } else {
        say(&r, "relaying %s -> %s (claimed lists %s*)", opt->key, opt->collector, r.claim_prefix);
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
