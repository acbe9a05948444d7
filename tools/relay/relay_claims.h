/*
 * snowplow-relay: the lists it has claimed, oldest first. A claim moves items
 * from the main list into a list of the relay's own, KEY:processing:ID:N (N
 * counts claims): the whole main list when it holds at most --claim items
 * (one RENAME: Redis copies nothing), else up to --take items. The relay reads
 * a claimed list in slices (LRANGE, as the window has room), removes items
 * from its head as they settle (LTRIM) and the list itself once all have (DEL).
 * Only the newest claim can have unread items; a new claim is made once all
 * are read. Only the relay's main thread uses it.
 */
#ifndef RELAY_CLAIMS_H
#define RELAY_CLAIMS_H

#include <stddef.h>
#include <stdint.h>

typedef struct relay_claim {
    uint64_t number; /* N of its key */
    size_t total;    /* items the claim moved */
    size_t read;     /* of them, read into the window */
    size_t removed;  /* of them, settled and removed from the list's head */
} relay_claim;

typedef struct relay_claims {
    relay_claim *ring;
    size_t mask;
    uint64_t head, tail;
    uint64_t next_number; /* the N of the next claim */
} relay_claims;

/* Room for `capacity` claims with items in the window (each has at least
 * one: the window's size is enough). 0 or -1 (ENOMEM). */
int relay_claims_init(relay_claims *c, size_t capacity);
void relay_claims_free(relay_claims *c);

static inline size_t relay_claims_count(const relay_claims *c)
{
    return (size_t)(c->tail - c->head);
}

/* The i-th claim from the oldest. */
static inline relay_claim *relay_claims_at(const relay_claims *c, size_t i)
{
    return &c->ring[(c->head + i) & c->mask];
}

/* The newest claim, or NULL. */
static inline relay_claim *relay_claims_newest(const relay_claims *c)
{
    return c->tail > c->head ? relay_claims_at(c, relay_claims_count(c) - 1) : NULL;
}

/* Items claimed and not read yet (all in the newest claim). */
size_t relay_claims_unread(const relay_claims *c);

/* Record claim number next_number (then counted up) of `total` items. -1 when
 * full (a bug: the window is smaller). */
int relay_claims_push(relay_claims *c, size_t total);

/*
 * What settling the `n` oldest items read (the window's settled prefix)
 * means in Redis: *deleted claims at the head are settled whole (DEL them),
 * then, when *trim > 0, the next claim loses *trim items from its head
 * (LTRIM). relay_claims_settled() applies it once Redis has done it.
 */
void relay_claims_plan(const relay_claims *c, size_t n, size_t *deleted, size_t *trim);
void relay_claims_settled(relay_claims *c, size_t deleted, size_t trim);

/* "PREFIX" followed by N: the key of claim N (PREFIX is KEY:processing:ID:). */
void relay_claim_key(char *out, size_t size, const char *prefix, uint64_t number);

#endif
