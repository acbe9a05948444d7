/* The claimed lists: a ring, oldest first. */
#include "relay_claims.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int relay_claims_init(relay_claims *c, size_t capacity)
{
    memset(c, 0, sizeof *c);
    size_t size = 2;
    while (size < capacity + 1)
        size <<= 1;
    c->ring = calloc(size, sizeof *c->ring);
    if (!c->ring)
        return -1;
    c->mask = size - 1;
    return 0;
}

void relay_claims_free(relay_claims *c)
{
    free(c->ring);
    memset(c, 0, sizeof *c);
}

size_t relay_claims_unread(const relay_claims *c)
{
    const relay_claim *newest = relay_claims_newest(c);
    return newest ? newest->total - newest->read : 0;
}

int relay_claims_push(relay_claims *c, size_t total)
{
    if (relay_claims_count(c) > c->mask)
        return -1;
    c->ring[c->tail++ & c->mask] = (relay_claim){c->next_number++, total, 0, 0};
    return 0;
}

void relay_claims_plan(const relay_claims *c, size_t n, size_t *deleted, size_t *trim)
{
    *deleted = *trim = 0;
    for (size_t i = 0; i < relay_claims_count(c) && n > 0; i++) {
        const relay_claim *k = relay_claims_at(c, i);
        size_t held = k->read - k->removed; /* read and still in its list */
        if (n < held || k->removed + held < k->total) {
            *trim = n < held ? n : held;
            return;
        }
        n -= held;
        (*deleted)++;
    }
}

void relay_claims_settled(relay_claims *c, size_t deleted, size_t trim)
{
    c->head += deleted;
    if (trim)
        relay_claims_at(c, 0)->removed += trim;
}

void relay_claim_key(char *out, size_t size, const char *prefix, uint64_t number)
{
    snprintf(out, size, "%s%" PRIu64, prefix, number);
}
