/*
 * snowplow-relay: the items this relay has taken, in the order of its
 * processing list in Redis (the relay is that list's only writer), each with
 * its event id and what became of it. Only the relay's main thread uses it.
 */
#ifndef RELAY_WINDOW_H
#define RELAY_WINDOW_H

#include <stddef.h>
#include <stdint.h>

typedef enum relay_state {
    RELAY_PENDING = 0, /* in the emitter */
    RELAY_SENT,        /* the collector accepted it: remove it */
    RELAY_DEAD,        /* malformed, or refused for good by the collector: dead-letter it */
    RELAY_RETURN,      /* not delivered at shutdown: back to the main list */
    RELAY_STORED       /* kept in the emitter's persistent store at shutdown: remove it */
} relay_state;

/* Memory that holds several items (a Redis reply): released when the last
 * entry pointing into it is dropped. */
typedef struct relay_holder {
    void (*release)(void *owner);
    void *owner;
    size_t refs;
} relay_holder;

typedef struct relay_entry {
    const char *item; /* the Redis item, NUL-terminated, inside its holder */
    size_t len;
    relay_holder *holder;
    char eid[37];
    unsigned char state;
    unsigned char hashed;
} relay_entry;

typedef struct relay_window {
    relay_entry *ring;
    size_t mask;       /* ring size - 1 */
    uint64_t head;     /* sequence number of the oldest entry */
    uint64_t tail;     /* one past the newest */
    uint64_t *slots;   /* eid hash: (hash << 32) | (sequence + 1) & 0xffffffff, 0 = empty */
    size_t slot_mask;
    size_t pending;    /* entries in RELAY_PENDING */
} relay_window;

/* Room for `capacity` entries. 0 or -1 (ENOMEM). */
int relay_window_init(relay_window *w, size_t capacity);
void relay_window_free(relay_window *w);

static inline size_t relay_window_count(const relay_window *w)
{
    return (size_t)(w->tail - w->head);
}

static inline relay_entry *relay_window_at(relay_window *w, uint64_t seq)
{
    return &w->ring[seq & w->mask];
}

/* A holder for `owner`, released with release(owner) once no entry uses it
 * (immediately when none ever does: call relay_holder_done after the pushes).
 * NULL on ENOMEM (then release(owner) has been called). */
relay_holder *relay_holder_new(void (*release)(void *owner), void *owner);
void relay_holder_done(relay_holder *h);

/* Append an item (not copied: it lives in `holder`), PENDING, no eid yet; its
 * sequence number, or UINT64_MAX when full. */
uint64_t relay_window_push(relay_window *w, const char *item, size_t len, relay_holder *holder);

/* Give entry `seq` its eid (it can then be found by relay_window_mark). */
void relay_window_set_eid(relay_window *w, uint64_t seq, const char *eid);

/* Set the state of a PENDING entry. */
void relay_window_settle(relay_window *w, uint64_t seq, relay_state state);

/* The oldest PENDING entry with this eid moves to `state`; 0 when there is none
 * (e.g. an event the emitter's store brought from an earlier run). */
int relay_window_mark(relay_window *w, const char *eid, relay_state state);

/* Entries at the head that are no longer PENDING. */
size_t relay_window_settled_prefix(const relay_window *w);

/* Forget the `n` oldest entries (releasing their holders). */
void relay_window_drop_head(relay_window *w, size_t n);

#endif
