/* snowplow-relay: one hiredis connection with errors that name their cause. */
#ifndef RELAY_REDIS_H
#define RELAY_REDIS_H

#include <hiredis/hiredis.h>

#include "transport/redis.h"

/* What a failed call means for the caller. */
typedef enum relay_redis_status {
    RELAY_REDIS_OK = 0,
    RELAY_REDIS_DOWN = -1,  /* connection lost or refused, timeout, server loading: retry */
    RELAY_REDIS_FATAL = -2  /* wrong password, wrong key type, unknown command: give up */
} relay_redis_status;

typedef struct relay_redis {
    sp_redis_target *target; /* parsed by the library's own URL reader */
    redisContext *c;   /* NULL while disconnected */
    int io_timeout_ms; /* for every command (blocking ones add their own wait) */
    char where[300];   /* the URL without its password */
    char err[768];     /* the last failure, named: "redis 127.0.0.1:6379: ..." */
} relay_redis;

/* Set up for the list `key` (no connection yet). -1 with r->err set when the
 * URL is bad (the grammar of snowplow_emitter_options_set_redis()). */
int relay_redis_init(relay_redis *r, const char *url, const char *key, int io_timeout_ms);

/* Disconnect and free what init made. */
void relay_redis_free(relay_redis *r);

/* Connect, AUTH, SELECT, PING. Returns a relay_redis_status; r->err on failure. */
int relay_redis_connect(relay_redis *r);

/* Drop the connection (reconnect with relay_redis_connect). */
void relay_redis_disconnect(relay_redis *r);

/*
 * Run one command. On success *out is the reply (free with freeReplyObject).
 * An error reply or a lost connection gives NULL and a status, with r->err
 * naming it (`what` says what the command was for); a lost connection also
 * disconnects.
 */
int relay_redis_call(relay_redis *r, redisReply **out, const char *what, int argc,
                     const char **argv, const size_t *lens);

/* The two halves of relay_redis_call(), for a pipelined command: send (written
 * out at once), then later receive its reply, with no other call in between. */
int relay_redis_send(relay_redis *r, const char *what, int argc, const char **argv,
                     const size_t *lens);
int relay_redis_receive(relay_redis *r, redisReply **out, const char *what);

/* That `key` is a list or absent: RELAY_REDIS_FATAL naming its type otherwise. */
int relay_redis_check_list(relay_redis *r, const char *key);

#endif
