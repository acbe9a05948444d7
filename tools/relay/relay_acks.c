/* Results of the emitter, from its threads to the relay's main thread. */
#include "relay_acks.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int relay_acks_init(relay_acks *a)
{
    memset(a, 0, sizeof *a);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    int rc = pthread_mutex_init(&a->mu, NULL) || pthread_cond_init(&a->cv, &attr) ? -1 : 0;
    pthread_condattr_destroy(&attr);
    return rc;
}

void relay_acks_free(relay_acks *a)
{
    free(a->items);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->cv);
}

static int reserve(relay_acks *a, size_t more)
{
    if (a->count + more <= a->cap)
        return 0;
    size_t cap = a->cap ? a->cap : 1024;
    while (cap < a->count + more)
        cap *= 2;
    relay_ack *items = realloc(a->items, cap * sizeof *items);
    if (!items)
        return -1;
    a->items = items;
    a->cap = cap;
    return 0;
}

/* Failures that end an event: a status means the collector refused it (only
 * the non-retried statuses end an event while the emitter retries forever);
 * none means the emitter gave it up (closing), so it goes back to the list. */
static relay_state final_state(const snowplow_result *r)
{
    if (snowplow_result_get_kind(r) == SNOWPLOW_RESULT_SENT)
        return RELAY_SENT;
    if (snowplow_result_will_retry(r))
        return RELAY_PENDING;
    return snowplow_result_status(r) > 0 ? RELAY_DEAD : RELAY_RETURN;
}

void relay_acks_on_result(const snowplow_result *result, void *payload)
{
    relay_acks *a = payload;
    relay_state state = final_state(result);
    if (state == RELAY_PENDING)
        return;
    size_t n = snowplow_result_event_count(result);
    pthread_mutex_lock(&a->mu);
    if (reserve(a, n) < 0) {
        a->oom = 1;
    } else {
        for (size_t i = 0; i < n; i++) {
            const char *eid = snowplow_result_event_id(result, i);
            if (!eid)
                continue;
            relay_ack *ack = &a->items[a->count++];
            strncpy(ack->eid, eid, sizeof ack->eid - 1); /* NUL-padded: hashed whole */
            ack->eid[sizeof ack->eid - 1] = '\0';
            ack->state = (unsigned char)state;
        }
    }
    if (state == RELAY_DEAD) {
        a->refusals += n;
        snprintf(a->last_refusal, sizeof a->last_refusal, "status %d: %s",
                 snowplow_result_status(result),
                 snowplow_result_reason(result) ? snowplow_result_reason(result) : "");
    }
    pthread_cond_signal(&a->cv);
    pthread_mutex_unlock(&a->mu);
}

size_t relay_acks_apply(relay_acks *a, relay_window *w, int wait_ms)
{
    pthread_mutex_lock(&a->mu);
    if (a->count == 0 && wait_ms > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += wait_ms / 1000;
        ts.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        while (a->count == 0 && pthread_cond_timedwait(&a->cv, &a->mu, &ts) != ETIMEDOUT) {
        }
    }
    /* Take the batch and apply it outside the lock. */
    relay_ack *items = a->items;
    size_t n = a->count;
    a->items = NULL;
    a->count = a->cap = 0;
    pthread_mutex_unlock(&a->mu);
    for (size_t i = 0; i < n; i++)
        relay_window_mark(w, items[i].eid, (relay_state)items[i].state);
    free(items);
    return n;
}
