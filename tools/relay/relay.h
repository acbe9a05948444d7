/* snowplow-relay: the loop that moves items from Redis to the emitter. */
#ifndef RELAY_H
#define RELAY_H

#include <signal.h>
#include <stdint.h>

#include <snowplow.h>

#include "relay_acks.h"
#include "relay_claims.h"
#include "relay_options.h"
#include "relay_redis.h"
#include "relay_window.h"

/* A Redis call whose outcome was lost with the connection. */
typedef enum relay_uncertain { RELAY_SURE = 0, RELAY_MAYBE_TOOK, RELAY_MAYBE_SETTLED } relay_uncertain;

typedef struct relay_counts {
    uint64_t taken, sent, malformed, refused, returned, stored, requeued, requeued_at_exit;
} relay_counts;

typedef struct relay {
    const relay_options *opt;
    relay_redis redis;
    snowplow_emitter *em;
    relay_acks acks;
    relay_window window;
    relay_claims claims;
    char *claim_prefix; /* KEY:processing:ID: (a claimed list adds its number) */
    char *legacy_key;   /* KEY:processing:ID: earlier builds kept one list; re-queued at start */
    char *dead_key; /* KEY:dead */
    relay_uncertain uncertain;
    size_t uncertain_n;       /* items of the settle whose answer was lost, */
    size_t uncertain_deleted; /* the claims it deleted */
    size_t uncertain_trim;    /* and the items it trimmed from the next */
    int prefetching;     /* a take was sent and its answer not read yet */
    int prefetch_claims; /* that take makes a new claim (not only reads) */
    size_t prefetch_want; /* and reads this many items, at most */
    relay_counts counts;
    volatile sig_atomic_t *stop;
    double down_since; /* monotonic seconds when Redis became unreachable; 0 = up */
    double next_stats;
    uint64_t stats_taken;
    double stats_at;
} relay;

/* Exit statuses. */
#define RELAY_EXIT_OK 0
#define RELAY_EXIT_FAILED 1 /* gave up on Redis (--give-up) or ran out of memory */
#define RELAY_EXIT_CONFIG 2 /* usage, bad URL, wrong password, wrong key type */

/* Run until *stop (set by a signal handler) or, with --once, until the list is
 * drained. Returns an exit status; errors are on stderr. */
int relay_run(const relay_options *opt, volatile sig_atomic_t *stop);

#endif
