/*
 * Test support: run a throw-away redis-server on a free loopback port (and a
 * unix socket in a temporary folder), stop it, kill it and start it again on
 * the same address. It writes an append-only file synced on every write, so
 * that what it acknowledged survives a kill and a restart.
 *
 * Every function prints why on stderr when it fails ("sp_test_redis: ...").
 */
#ifndef SP_TEST_REDIS_SERVER_H
#define SP_TEST_REDIS_SERVER_H

#include <hiredis/hiredis.h>

typedef struct sp_test_redis sp_test_redis;

/* Start redis-server (requirepass `password` unless NULL); waits up to 15 s
 * until it answers PING. Start it from the test's main thread (the server gets
 * SIGTERM when that thread ends). NULL on failure. */
sp_test_redis *sp_test_redis_start(const char *password);

/* SIGKILL the server (it is down until sp_test_redis_resume). */
void sp_test_redis_kill(sp_test_redis *r);

/* Start it again on the same port and socket; 0 or -1. */
int sp_test_redis_resume(sp_test_redis *r);

/* Stop it, remove its folder, free. NULL is fine. */
void sp_test_redis_stop(sp_test_redis *r);

/* "redis://127.0.0.1:PORT" (with ":password@" when it has one), owned by `r`. */
const char *sp_test_redis_url(const sp_test_redis *r);

/* The unix socket's path, owned by `r`. */
const char *sp_test_redis_socket(const sp_test_redis *r);

int sp_test_redis_port(const sp_test_redis *r);

/* A connection (authenticated when the server has a password), or NULL. Free
 * with redisFree(). */
redisContext *sp_test_redis_connect(const sp_test_redis *r);

#endif
