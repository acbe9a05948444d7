/* snowplow-relay: where the Redis server is, from a redis:// or unix:// URL. */
#ifndef RELAY_REDIS_URL_H
#define RELAY_REDIS_URL_H

#include <stddef.h>

typedef struct redis_url {
    char host[256];     /* TCP host; empty for a unix socket */
    int port;           /* 6379 unless given */
    char socket[256];   /* unix socket path; empty for TCP */
    char user[128];     /* ACL user (Redis 6+); empty: AUTH with the password alone */
    char password[256]; /* empty: no AUTH */
    int db;             /* SELECT db when not 0 */
} redis_url;

/*
 * Parse redis://[[user]:password@]host[:port][/db], unix:///path/to.sock[?db=N]
 * (also unix:/path and a bare /path), with %XX escapes in user and password.
 * Returns 0, or -1 with a message naming the problem in err (err_size bytes).
 */
int redis_url_parse(redis_url *out, const char *url, char *err, size_t err_size);

/* "host:port" or the socket path, for messages (points into u or buf). */
const char *redis_url_where(const redis_url *u, char *buf, size_t size);

#endif
