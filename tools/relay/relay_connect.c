/*
 * snowplow-relay's Redis calls: scripts, list lengths, and reconnection, which
 * first settles what an answer lost with the connection left open (the
 * invariant at the top of relay.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relay_internal.h"

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

int relay_out_of_memory(relay *r)
{
    snprintf(r->redis.err, sizeof r->redis.err, "out of memory");
    return RELAY_REDIS_FATAL;
}

/* Run a script: send and wait for its answer (out NULL: only send it). */
int relay_eval(relay *r, redisReply **out, const char *what, const char *script, int nkeys,
               const char **keys, int nargs, const char **args, const size_t *arg_lens)
{
    eval_args e;
    if (eval_build(&e, script, nkeys, keys, nargs, args, arg_lens) < 0)
        return relay_out_of_memory(r);
    int rc = out ? relay_redis_call(&r->redis, out, what, e.argc, e.argv, e.lens)
                 : relay_redis_send(&r->redis, what, e.argc, e.argv, e.lens);
    free(e.argv);
    free(e.lens);
    return rc;
}

long long relay_list_length(relay *r, const char *key, int *rc)
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


void relay_key_of_claim(const relay *r, char *out, size_t size, uint64_t number)
{
    relay_claim_key(out, size, r->claim_prefix, number);
}

/* The answer to a claim was lost: it happened if its list exists (the relay
 * is that list's only writer), and is then adopted, unread. */
static int resolve_claim(relay *r)
{
    char key[1024];
    relay_key_of_claim(r, key, sizeof key, r->claims.next_number);
    int rc;
    long long len = relay_list_length(r, key, &rc);
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
    relay_key_of_claim(r, key, sizeof key, first->number);
    int rc;
    long long len = relay_list_length(r, key, &rc);
    if (rc != RELAY_REDIS_OK)
        return rc;
    size_t before = first->total - first->removed;
    int done = r->uncertain_deleted > 0 ? len == 0
                                        : len == (long long)(before - r->uncertain_trim);
    if (done)
        relay_settled(r, r->uncertain_n, r->uncertain_deleted, r->uncertain_trim);
    else if (len != (long long)before)
        relay_say(r, "warning: %s holds %lld items, %zu expected: Redis lost data (persistence "
               "off?); some may be delivered twice",
            key, len, before);
    return RELAY_REDIS_OK;
}

/* After a reconnection: settle what the lost answer left open (see the top). */
int relay_resolve_uncertain(relay *r)
{
    int rc = r->uncertain == RELAY_MAYBE_TOOK      ? resolve_claim(r)
             : r->uncertain == RELAY_MAYBE_SETTLED ? resolve_settle(r)
                                                   : RELAY_REDIS_OK;
    if (rc == RELAY_REDIS_OK)
        r->uncertain = RELAY_SURE;
    return rc;
}

/* Connect (again), retrying while Redis is down, until *stop or --give-up. */
int relay_ensure_connected(relay *r, int stop_matters)
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
            rc = relay_resolve_uncertain(r);
        if (rc == RELAY_REDIS_OK) {
            if (r->down_since > 0)
                relay_say(r, "redis %s: connected again after %.1f s", r->redis.where,
                    relay_now_s() - r->down_since);
            r->down_since = 0;
            return RELAY_REDIS_OK;
        }
        if (rc == RELAY_REDIS_FATAL) {
            relay_say(r, "%s", r->redis.err);
            return rc;
        }
        double t = relay_now_s();
        if (r->down_since == 0)
            r->down_since = t;
        if (last_said == 0 || t - last_said >= 10) {
            relay_say(r, "%s; retrying", r->redis.err);
            last_said = t;
        }
        if (r->opt->give_up > 0 && t - r->down_since >= r->opt->give_up) {
            relay_say(r, "giving up: Redis unreachable for %.0f s (--give-up)", t - r->down_since);
            return RELAY_REDIS_FATAL;
        }
        if (stop_matters && *r->stop)
            return RELAY_REDIS_DOWN;
        relay_sleep_s(backoff);
        backoff = backoff * 2 > 2 ? 2 : backoff * 2;
    }
}
