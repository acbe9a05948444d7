/*
 * Internal to the Redis transport (redis.c, redis_url.c): the parsed target.
 * The emitter uses the functions declared in transport.h.
 */
#ifndef SP_REDIS_H
#define SP_REDIS_H

#include "transport/transport.h"

/* Where the events go: parsed from the URL that set_redis was given. */
struct sp_redis_target {
    char *host;        /* TCP host; NULL with a unix socket */
    int port;          /* 6379 by default */
    char *socket_path; /* unix socket; NULL with TCP */
    char *user;        /* ACL user for AUTH, or NULL */
    char *password;    /* NULL: no AUTH */
    int db;            /* SELECTed when not 0 */
    char *key;         /* the list */
    char *display;     /* the URL without the password, for messages */
};

#endif
