/*
 * snowplow-relay's parts, shared between relay.c, relay_connect.c,
 * relay_take.c, relay_settle.c and relay_start.c. Every function runs on the
 * relay's main thread (the only one that talks to Redis and touches the
 * window). Redis calls return a relay_redis_status (relay_redis.h).
 */
#ifndef RELAY_INTERNAL_H
#define RELAY_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "relay.h"
#include "relay_scripts.h"

/* relay.c: monotonic seconds; sleeping; one line on stderr, naming the relay. */
double relay_now_s(void);
void relay_sleep_s(double s);
void relay_say(const relay *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* relay_connect.c */
/* RELAY_REDIS_FATAL, with "out of memory" as the error. */
int relay_out_of_memory(relay *r);
/* EVAL `script` with its keys and arguments (arg_lens NULL: strlen each);
 * with `out` NULL, only sent (its answer is read later). */
int relay_eval(relay *r, redisReply **out, const char *what, const char *script, int nkeys,
               const char **keys, int nargs, const char **args, const size_t *arg_lens);
/* LLEN of `key`; -1 with *rc not RELAY_REDIS_OK on failure. */
long long relay_list_length(relay *r, const char *key, int *rc);
/* The name of claimed list `number` (KEY:processing:ID:N). */
void relay_key_of_claim(const relay *r, char *out, size_t size, uint64_t number);
/* Settle what a lost answer left open (r->uncertain), from the lists' lengths. */
int relay_resolve_uncertain(relay *r);
/* Connect (again), retrying while Redis is down, until *stop (when
 * stop_matters) or --give-up. */
int relay_ensure_connected(relay *r, int stop_matters);

/* relay_take.c */
/* Feed the items of `reply` to the window and the emitter; consumes it. 0 or -1. */
int relay_feed_reply(relay *r, redisReply *reply);
/* Items in a reply to a read: an array's elements, or 1 for a string. */
size_t relay_reply_items(const redisReply *reply);
/* Ask for up to `room` items; relay_take_receive reads the answer. */
int relay_take_send(relay *r, size_t room);
int relay_take_receive(relay *r, redisReply **batch);
/* At the end: drop the answer of a take under way; give unread items back. */
void relay_finish_take(relay *r);
void relay_give_back_unread(relay *r);
/* Wait up to `seconds` for one item: 1, 0 (none), or a negative status. */
long relay_wait_for_item(relay *r, double seconds);

/* relay_settle.c */
/* Remove the settled head of the window from Redis. */
int relay_settle(relay *r);
/* Count and forget the `n` oldest items once Redis has settled them. */
void relay_settled(relay *r, size_t n, size_t deleted, size_t trim);

/* relay_start.c: check the lists, re-queue what an earlier run left. */
int relay_start(relay *r);

#endif
