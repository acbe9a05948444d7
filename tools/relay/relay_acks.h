/*
 * snowplow-relay: what the emitter's callbacks learned (on its sending
 * threads), handed to the main thread, which alone touches the window and Redis.
 */
#ifndef RELAY_ACKS_H
#define RELAY_ACKS_H

#include <pthread.h>
#include <stddef.h>

#include <snowplow.h>

#include "relay_window.h"

typedef struct relay_ack {
    char eid[37];
    unsigned char state; /* relay_state */
} relay_ack;

typedef struct relay_acks {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    relay_ack *items;
    size_t count, cap;
    int oom;                    /* an ack could not be stored: stop taking, restart needed */
    char last_refusal[256];     /* the collector's last refusal, for stderr */
    unsigned long refusals;
} relay_acks;

int relay_acks_init(relay_acks *a);
void relay_acks_free(relay_acks *a);

/* on_success and on_failure callbacks of the emitter (`payload` is the relay_acks). */
void relay_acks_on_result(const snowplow_result *result, void *payload);

/*
 * Apply what arrived to the window (marking entries), waiting up to wait_ms
 * for something to arrive when nothing has. Returns how many acks were applied.
 */
size_t relay_acks_apply(relay_acks *a, relay_window *w, int wait_ms);

#endif
