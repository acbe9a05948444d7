/*
 * snowplow-relay's start: the lists' types are checked, then what an earlier
 * run left in its claimed lists (found by SCAN) goes back to the main list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relay_internal.h"

/* SCAN's glob for the claimed lists: the prefix with its glob characters escaped. */
static char *claim_pattern(const char *prefix)
{
    char *p = malloc(2 * strlen(prefix) + 2), *q = p;
    if (!p)
        return NULL;
    for (const char *c = prefix; *c; c++) {
        if (strchr("*?[]\\", *c))
            *q++ = '\\';
        *q++ = *c;
    }
    strcpy(q, "*");
    return p;
}

/* `key` is PREFIX followed by a decimal number (another relay's id may extend
 * this one's: "a" and "a:b"). */
static int claim_number_of(const char *key, size_t key_len, const char *prefix, uint64_t *n)
{
    size_t plen = strlen(prefix);
    if (key_len <= plen || key_len - plen > 19 || memcmp(key, prefix, plen) != 0)
        return 0;
    uint64_t v = 0;
    for (size_t i = plen; i < key_len; i++) {
        if (key[i] < '0' || key[i] > '9')
            return 0;
        v = v * 10 + (uint64_t)(key[i] - '0');
    }
    *n = v;
    return 1;
}

static int by_number_descending(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* The numbers of the claimed lists an earlier run left (*out: malloc'd). */
static int find_claims(relay *r, uint64_t **out, size_t *count)
{
    char *pattern = claim_pattern(r->claim_prefix);
    if (!pattern)
        return relay_out_of_memory(r);
    uint64_t *found = NULL;
    size_t n = 0, cap = 0;
    char cursor[32] = "0";
    int rc;
    do {
        const char *argv[] = {"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"};
        redisReply *reply;
        rc = relay_redis_call(&r->redis, &reply, "looking for claimed lists", 6, argv, NULL);
        if (rc != RELAY_REDIS_OK)
            break;
        if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) {
            freeReplyObject(reply);
            break;
        }
        const char *next = reply->element[0]->str;
        snprintf(cursor, sizeof cursor, "%s", next ? next : "0");
        const redisReply *keys = reply->element[1];
        for (size_t i = 0; keys->type == REDIS_REPLY_ARRAY && i < keys->elements; i++) {
            uint64_t number;
            if (!claim_number_of(keys->element[i]->str, keys->element[i]->len, r->claim_prefix,
                                 &number))
                continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 64;
                uint64_t *bigger = realloc(found, cap * sizeof *found);
                if (!bigger) {
                    freeReplyObject(reply);
                    free(found);
                    free(pattern);
                    return relay_out_of_memory(r);
                }
                found = bigger;
            }
            found[n++] = number;
        }
        freeReplyObject(reply);
    } while (strcmp(cursor, "0") != 0);
    free(pattern);
    if (rc != RELAY_REDIS_OK) {
        free(found);
        return rc;
    }
    if (n > 1)
        qsort(found, n, sizeof *found, by_number_descending);
    *out = found;
    *count = n;
    return RELAY_REDIS_OK;
}

/* Give one list left by an earlier run back to the head of the main list. */
static int requeue(relay *r, const char *list)
{
    const char *keys[] = {r->opt->key, list};
    redisReply *reply;
    int rc = relay_eval(r, &reply, "re-queueing a claimed list", RELAY_SCRIPT_REQUEUE, 2,
                        keys, 0, NULL, NULL);
    if (rc != RELAY_REDIS_OK)
        return rc;
    r->counts.requeued += reply->type == REDIS_REPLY_INTEGER ? (uint64_t)reply->integer : 0;
    freeReplyObject(reply);
    return RELAY_REDIS_OK;
}

/* Check the lists' types, then re-queue what an earlier run left in its
 * claimed lists, newest first, so that the oldest ends up at the head, and
 * before them what an earlier build's single processing list held. */
int relay_start(relay *r)
{
    int rc = relay_ensure_connected(r, 1);
    if (rc != RELAY_REDIS_OK)
        return rc;
    const char *lists[] = {r->opt->key, r->legacy_key, r->dead_key};
    for (int i = 0; i < 3 && rc == RELAY_REDIS_OK; i++)
        rc = relay_redis_check_list(&r->redis, lists[i]);
    uint64_t *numbers = NULL;
    size_t count = 0;
    if (rc == RELAY_REDIS_OK)
        rc = find_claims(r, &numbers, &count);
    char key[1024];
    for (size_t i = 0; i < count && rc == RELAY_REDIS_OK; i++) {
        relay_claim_key(key, sizeof key, r->claim_prefix, numbers[i]);
        rc = relay_redis_check_list(&r->redis, key);
        if (rc == RELAY_REDIS_OK)
            rc = requeue(r, key);
    }
    free(numbers);
    if (rc == RELAY_REDIS_OK)
        rc = requeue(r, r->legacy_key);
    if (rc != RELAY_REDIS_OK) {
        relay_say(r, "%s", r->redis.err);
        return rc;
    }
    if (r->counts.requeued)
        relay_say(r, "re-queued %llu items left in %s* by an earlier run",
            (unsigned long long)r->counts.requeued, r->claim_prefix);
    return RELAY_REDIS_OK;
}
