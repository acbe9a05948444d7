/*
 * Retry decisions: which failures are tried again, and after how long
 * (exponential backoff with jitter, Retry-After honoured, both capped).
 */
#include "emitter/emitter_impl.h"
#include "emitter/emitter_retry.h"

/* PROTOCOL.md: these mean the request itself is wrong; sending it again
 * cannot help. */
static bool never_retried(int status)
{
    return status == 400 || status == 401 || status == 403 || status == 410 || status == 422;
}

bool sp_retry_status_wanted(const snowplow_emitter_options *o, int status)
{
    if (status >= SP_STATUS_FIRST && status <= SP_STATUS_LAST) {
        signed char override = o->retry_override[status - SP_STATUS_FIRST];
        if (override != 0)
            return override > 0;
    }
    if (status == 0)
        return true; /* network error, timeout, dropped connection */
    return !never_retried(status);
}

/* xorshift64*: jitter needs spread, not secrecy. */
uint64_t sp_rng_next(uint64_t *state)
{
    uint64_t x = *state ? *state : 0x9E3779B97F4A7C15ULL;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

int64_t sp_retry_delay_ms(const snowplow_emitter_options *o, int attempts, int retry_after_ms,
                          uint64_t *rng)
{
    int64_t cap = o->retry_max_ms;
    int64_t delay = o->retry_base_ms;
    for (int i = 1; i < attempts && delay < cap; i++)
        delay *= 2;
    if (delay > cap)
        delay = cap;
    /* Jitter: uniformly within +-25%, so that many clients (or threads) that
     * failed together do not come back together. */
    int64_t spread = delay / 2;
    if (spread > 0)
        delay += (int64_t)(sp_rng_next(rng) % (uint64_t)(spread + 1)) - spread / 2;
    if (delay < retry_after_ms)
        delay = retry_after_ms; /* the collector asked for at least this */
    if (delay > cap)
        delay = cap;
    return delay < 1 ? 1 : delay;
}
