/*
 * snowplow-relay's settling: the items at the head of the window that have an
 * outcome leave Redis in one script (claims deleted or trimmed, dead items to
 * KEY:dead, returned ones back to the main list).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relay_internal.h"

/* Settling the `n` oldest items (`deleted` claims whole, then `trim` items
 * of the next) is done in Redis: count and forget them. */
void relay_settled(relay *r, size_t n, size_t deleted, size_t trim)
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

/* Remove what has settled at the head of the window from Redis: claims
 * settled whole are deleted, the next one trimmed; dead items go to KEY:dead,
 * returned ones back to the main list. */
int relay_settle(relay *r)
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
        relay_key_of_claim(r, name, key_size, relay_claims_at(&r->claims, claim)->number);
        keys[2 + k] = name;
    }
    redisReply *reply;
    r->uncertain = RELAY_MAYBE_SETTLED;
    r->uncertain_n = n;
    r->uncertain_deleted = deleted;
    r->uncertain_trim = trim;
    int rc = relay_eval(r, &reply, "settling items", RELAY_SCRIPT_SETTLE, (int)nkeys, keys,
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
    relay_settled(r, n, deleted, trim);
    return RELAY_REDIS_OK;
}
