/*
 * Internal: the Redis transport (hiredis). Each event becomes one list item, a
 * JSON object of its payload fields; a group of batches goes as one pipeline
 * of RPUSH commands and every command's reply is that event's outcome.
 */
#ifndef SP_REDIS_H
#define SP_REDIS_H

#include "transport/transport.h"

/* Where the events go: parsed from the URL that set_redis was given. */
typedef struct sp_redis_target {
    char *host;        /* TCP host; NULL with a unix socket */
    int port;          /* 6379 by default */
    char *socket_path; /* unix socket; NULL with TCP */
    char *user;        /* ACL user for AUTH, or NULL */
    char *password;    /* NULL: no AUTH */
    int db;            /* SELECTed when not 0 */
    char *key;         /* the list */
    char *display;     /* the URL without the password, for messages */
} sp_redis_target;

/*
 * Parse `url` (redis://[[user]:password@]host[:port][/db], with [v6] hosts, or
 * unix:///path[?db=N][&password=P]) and copy `key`. 0, or SNOWPLOW_EINVAL /
 * SNOWPLOW_ENOMEM with the thread's message set, prefixed with `fn`, naming
 * what was wrong. Free with sp_redis_target_free().
 */
int sp_redis_target_new(sp_redis_target **out, const char *fn, const char *url,
                        const char *key);
void sp_redis_target_free(sp_redis_target *t);

/* The Redis transport; its ctx must be set to an sp_redis_target that outlives
 * every connection (the emitter's options own it). */
const sp_transport *sp_redis_transport(void);

#endif
