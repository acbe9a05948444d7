/* The taken items: a ring in processing-list order and an eid hash
 * (open addressing, linear probing, backward-shift deletion). */
#include "relay_window.h"

#include <stdlib.h>
#include <string.h>

static size_t pow2_at_least(size_t n)
{
    size_t p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

int relay_window_init(relay_window *w, size_t capacity)
{
    memset(w, 0, sizeof *w);
    size_t ring = pow2_at_least(capacity < 2 ? 2 : capacity);
    size_t slots = ring * 2;
    w->ring = calloc(ring, sizeof *w->ring);
    w->slots = calloc(slots, sizeof *w->slots);
    if (!w->ring || !w->slots) {
        relay_window_free(w);
        return -1;
    }
    w->mask = ring - 1;
    w->slot_mask = slots - 1;
    return 0;
}

void relay_window_free(relay_window *w)
{
    if (w->ring)
        relay_window_drop_head(w, relay_window_count(w));
    free(w->ring);
    free(w->slots);
    memset(w, 0, sizeof *w);
}

/* 32 bits of hash of the 36 characters, eight at a time; a slot keeps them
 * beside the entry's sequence number, so probes and deletions rarely read
 * the ring. */
static uint32_t eid_hash(const char *eid)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < 32; i += 8) {
        uint64_t w;
        memcpy(&w, eid + i, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    uint32_t tail;
    memcpy(&tail, eid + 32, 4);
    h = (h ^ tail) * 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 29;
    return (uint32_t)h | 0x80000000u; /* never 0: a slot is never empty */
}

static uint64_t slot_of(uint32_t hash, uint64_t seq)
{
    return (uint64_t)hash << 32 | (uint32_t)(seq + 1);
}

static uint32_t slot_hash(uint64_t slot)
{
    return (uint32_t)(slot >> 32);
}

/* The entry's sequence number: the low 32 bits of seq + 1, placed in the
 * window's current range (the window is far smaller than 2^32). */
static uint64_t slot_seq(const relay_window *w, uint64_t slot)
{
    uint32_t low = (uint32_t)slot - 1;
    return w->head + (uint32_t)(low - (uint32_t)w->head);
}

relay_holder *relay_holder_new(void (*release)(void *owner), void *owner)
{
    relay_holder *h = malloc(sizeof *h);
    if (!h) {
        release(owner);
        return NULL;
    }
    /* One reference for the pusher until relay_holder_done. */
    *h = (relay_holder){release, owner, 1};
    return h;
}

void relay_holder_done(relay_holder *h)
{
    if (h && --h->refs == 0) {
        h->release(h->owner);
        free(h);
    }
}

uint64_t relay_window_push(relay_window *w, const char *item, size_t len, relay_holder *holder)
{
    if (relay_window_count(w) > w->mask)
        return UINT64_MAX;
    uint64_t seq = w->tail++;
    relay_entry *e = relay_window_at(w, seq);
    *e = (relay_entry){item, len, holder, {0}, RELAY_PENDING, 0};
    holder->refs++;
    w->pending++;
    return seq;
}

void relay_window_set_eid(relay_window *w, uint64_t seq, const char *eid)
{
    relay_entry *e = relay_window_at(w, seq);
    memcpy(e->eid, eid, 36);
    e->eid[36] = '\0';
    uint32_t hash = eid_hash(e->eid);
    size_t i = hash & w->slot_mask;
    while (w->slots[i])
        i = (i + 1) & w->slot_mask;
    w->slots[i] = slot_of(hash, seq);
    e->hashed = 1;
}

void relay_window_settle(relay_window *w, uint64_t seq, relay_state state)
{
    relay_entry *e = relay_window_at(w, seq);
    if (e->state == RELAY_PENDING && state != RELAY_PENDING) {
        e->state = (unsigned char)state;
        w->pending--;
    }
}

int relay_window_mark(relay_window *w, const char *eid, relay_state state)
{
    uint64_t best = UINT64_MAX;
    uint32_t hash = eid_hash(eid);
    for (size_t i = hash & w->slot_mask; w->slots[i]; i = (i + 1) & w->slot_mask) {
        if (slot_hash(w->slots[i]) != hash)
            continue;
        uint64_t seq = slot_seq(w, w->slots[i]);
        relay_entry *e = relay_window_at(w, seq);
        if (e->state == RELAY_PENDING && memcmp(e->eid, eid, 36) == 0 && seq < best)
            best = seq;
    }
    if (best == UINT64_MAX)
        return 0;
    relay_window_settle(w, best, state);
    return 1;
}

size_t relay_window_settled_prefix(const relay_window *w)
{
    size_t n = 0;
    for (uint64_t s = w->head; s < w->tail; s++, n++)
        if (w->ring[s & w->mask].state == RELAY_PENDING)
            break;
    return n;
}

/* Remove the hash slot that points at `seq`, shifting the probe chain back. */
static void unhash(relay_window *w, uint64_t seq)
{
    relay_entry *e = relay_window_at(w, seq);
    uint64_t mine = slot_of(eid_hash(e->eid), seq);
    size_t i = slot_hash(mine) & w->slot_mask;
    while (w->slots[i] && w->slots[i] != mine)
        i = (i + 1) & w->slot_mask;
    if (!w->slots[i])
        return;
    w->slots[i] = 0;
    for (size_t j = (i + 1) & w->slot_mask; w->slots[j]; j = (j + 1) & w->slot_mask) {
        size_t home = slot_hash(w->slots[j]) & w->slot_mask;
        /* Move slot j into the hole unless its home lies cyclically in (i, j]. */
        if (((j - home) & w->slot_mask) >= ((j - i) & w->slot_mask)) {
            w->slots[i] = w->slots[j];
            w->slots[j] = 0;
            i = j;
        }
    }
}

void relay_window_drop_head(relay_window *w, size_t n)
{
    for (size_t k = 0; k < n && w->head < w->tail; k++) {
        uint64_t seq = w->head;
        relay_entry *e = relay_window_at(w, seq);
        if (e->hashed)
            unhash(w, seq);
        if (e->state == RELAY_PENDING)
            w->pending--;
        relay_holder_done(e->holder);
        memset(e, 0, sizeof *e);
        w->head++;
    }
}
