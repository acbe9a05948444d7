/*
 * snowplow-relay's taking: claiming items into the relay's own lists, reading
 * them in slices while Redis works, and feeding them to the window and the
 * emitter; at the end, unread items go back to the main list.
 */
#include <stdio.h>
#include <string.h>

#include "relay_internal.h"

static int dead_on_input(int rc)
{
    return rc == SNOWPLOW_EJSON || rc == SNOWPLOW_EUTF8 || rc == SNOWPLOW_EMISSING ||
           rc == SNOWPLOW_EINVAL || rc == SNOWPLOW_ETOOBIG;
}

static void release_reply(void *reply)
{
    freeReplyObject(reply);
}

/* Items now in the processing list: into the window and the emitter. */
static int feed_items(relay *r, redisReply **items, size_t n, relay_holder *holder)
{
    for (size_t i = 0; i < n; i++) {
        const redisReply *it = items[i];
        const char *text = it->type == REDIS_REPLY_STRING ? it->str : "";
        size_t len = it->type == REDIS_REPLY_STRING ? it->len : 0;
        uint64_t seq = relay_window_push(&r->window, text, len, holder);
        if (seq == UINT64_MAX) {
            relay_say(r, "the window is full (a bug: taking respects it)");
            return -1;
        }
        r->counts.taken++;
        char eid[SNOWPLOW_EID_SIZE];
        /* A NUL inside the item would cut the text: not a payload either. */
        int rc = memchr(text, '\0', len) ? SNOWPLOW_EJSON
                                         : snowplow_emitter_input_json(r->em, text, eid);
        if (rc == 0) {
            relay_window_set_eid(&r->window, seq, eid);
        } else if (dead_on_input(rc)) {
            relay_window_settle(&r->window, seq, RELAY_DEAD);
            r->counts.malformed++;
            if (!r->opt->quiet)
                relay_say(r, "dead-letter (to %s): %s", r->dead_key,
                    rc == SNOWPLOW_EJSON && memchr(text, '\0', len)
                        ? "the item holds a NUL byte"
                        : snowplow_error_last());
        } else {
            relay_window_settle(&r->window, seq, RELAY_RETURN);
        }
    }
    return 0;
}

/* Feed the items of `reply` (an array of strings, or one string); the window
 * keeps the reply, not a copy, until it drops the last of them. Consumes it. */
int relay_feed_reply(relay *r, redisReply *reply)
{
    relay_holder *holder = relay_holder_new(release_reply, reply);
    if (!holder) {
        relay_say(r, "out of memory for the window");
        return -1;
    }
    int rc = 0;
    if (reply->type == REDIS_REPLY_ARRAY)
        rc = feed_items(r, reply->element, reply->elements, holder);
    else if (reply->type == REDIS_REPLY_STRING)
        rc = feed_items(r, &reply, 1, holder);
    relay_holder_done(holder);
    return rc;
}

size_t relay_reply_items(const redisReply *reply)
{
    if (!reply)
        return 0;
    return reply->type == REDIS_REPLY_ARRAY ? reply->elements : reply->type == REDIS_REPLY_STRING;
}

/* Ask for up to `room` items (the answer is read by take_receive), so that
 * Redis works while this thread feeds the emitter: the next slice of the
 * claimed list, or, once all is read, a new claim and its first slice. */
int relay_take_send(relay *r, size_t room)
{
    size_t unread = relay_claims_unread(&r->claims);
    size_t want = room < r->opt->take ? room : r->opt->take;
    const relay_claim *newest = relay_claims_newest(&r->claims);
    uint64_t number = unread ? newest->number : r->claims.next_number;
    size_t from = unread ? newest->read - newest->removed : 0;
    if (unread && want > unread)
        want = unread;
    char key[1024], first[24], last[24];
    relay_key_of_claim(r, key, sizeof key, number);
    snprintf(first, sizeof first, "%zu", from);
    snprintf(last, sizeof last, "%zu", from + want - 1);
    int rc = RELAY_REDIS_OK;
    r->prefetch_claims = unread == 0;
    if (r->prefetch_claims) {
        char most[24], take[24];
        snprintf(most, sizeof most, "%zu", r->opt->claim);
        snprintf(take, sizeof take, "%zu", r->opt->take);
        const char *keys[] = {r->opt->key, key};
        const char *args[] = {most, take};
        r->uncertain = RELAY_MAYBE_TOOK;
        rc = relay_eval(r, NULL, "claiming items", RELAY_SCRIPT_CLAIM, 2, keys, 2, args, NULL);
    }
    if (rc == RELAY_REDIS_OK) {
        const char *argv[] = {"LRANGE", key, first, last};
        rc = relay_redis_send(&r->redis, "reading claimed items", 4, argv, NULL);
    }
    if (rc == RELAY_REDIS_OK) {
        r->prefetching = 1;
        r->prefetch_want = want;
    } else if (rc == RELAY_REDIS_FATAL) {
        r->uncertain = RELAY_SURE;
    }
    return rc;
}

/* The answer to take_send: the items read (*batch), now counted as read. */
int relay_take_receive(relay *r, redisReply **batch)
{
    r->prefetching = 0;
    int rc = RELAY_REDIS_OK;
    if (r->prefetch_claims) {
        redisReply *count = NULL;
        rc = relay_redis_receive(&r->redis, &count, "claiming items");
        if (rc == RELAY_REDIS_OK) {
            r->uncertain = RELAY_SURE;
            long long total = count->type == REDIS_REPLY_INTEGER ? count->integer : 0;
            freeReplyObject(count);
            if (total > 0 && relay_claims_push(&r->claims, (size_t)total) < 0) {
                relay_say(r, "too many claims (a bug: the window bounds them)");
                rc = RELAY_REDIS_FATAL;
            }
        }
    }
    if (rc == RELAY_REDIS_OK)
        rc = relay_redis_receive(&r->redis, batch, "reading claimed items");
    if (rc == RELAY_REDIS_FATAL)
        r->uncertain = RELAY_SURE;
    relay_claim *newest = relay_claims_newest(&r->claims);
    if (rc != RELAY_REDIS_OK || !newest)
        return rc;
    size_t got = relay_reply_items(*batch);
    newest->read += got;
    if (got < r->prefetch_want && newest->read < newest->total) {
        relay_say(r, "warning: a claimed list lost %zu items: Redis lost data (persistence off?)",
            newest->total - newest->read);
        newest->total = newest->read;
    }
    return rc;
}

/* At the end: the answer to a take still under way is read and dropped (its
 * items were not fed: they count as unread). */
void relay_finish_take(relay *r)
{
    redisReply *batch = NULL;
    if (!r->prefetching || relay_take_receive(r, &batch) != RELAY_REDIS_OK)
        return;
    size_t got = relay_reply_items(batch);
    if (got > 0)
        relay_claims_newest(&r->claims)->read -= got;
    freeReplyObject(batch);
}

/* At the end: what is claimed and unread goes back to the head of the main list. */
void relay_give_back_unread(relay *r)
{
    relay_claim *newest = relay_claims_newest(&r->claims);
    if (!newest || newest->read == newest->total || !r->redis.c)
        return;
    char key[1024], from[24];
    relay_key_of_claim(r, key, sizeof key, newest->number);
    snprintf(from, sizeof from, "%zu", newest->read - newest->removed);
    const char *keys[] = {r->opt->key, key};
    const char *args[] = {from};
    redisReply *reply;
    if (relay_eval(r, &reply, "giving back unread items", RELAY_SCRIPT_GIVE_BACK, 2, keys, 1,
                   args, NULL) != RELAY_REDIS_OK)
        return; /* still claimed: the next start re-queues them */
    freeReplyObject(reply);
    r->counts.requeued_at_exit += newest->total - newest->read;
    newest->total = newest->read;
    if (newest->total == 0)
        r->claims.tail--; /* nothing of it was read: the list is gone */
}

/* Wait up to `seconds` for one item (BLMOVE into a new claim); 1, 0, or a
 * negative status. */
long relay_wait_for_item(relay *r, double seconds)
{
    char timeout[24], key[1024];
    snprintf(timeout, sizeof timeout, "%.3f", seconds);
    relay_key_of_claim(r, key, sizeof key, r->claims.next_number);
    const char *argv[] = {"BLMOVE", r->opt->key, key, "LEFT", "RIGHT", timeout};
    redisReply *reply;
    r->uncertain = RELAY_MAYBE_TOOK;
    int rc = relay_redis_call(&r->redis, &reply, "waiting for items", 6, argv, NULL);
    if (rc == RELAY_REDIS_FATAL || rc == RELAY_REDIS_OK)
        r->uncertain = RELAY_SURE;
    if (rc != RELAY_REDIS_OK)
        return rc;
    if (reply->type != REDIS_REPLY_STRING) {
        freeReplyObject(reply); /* nil: nothing came */
        return 0;
    }
    if (relay_claims_push(&r->claims, 1) < 0) {
        freeReplyObject(reply);
        return RELAY_REDIS_FATAL;
    }
    relay_claims_newest(&r->claims)->read = 1;
    return relay_feed_reply(r, reply) < 0 ? RELAY_REDIS_FATAL : 1;
}
