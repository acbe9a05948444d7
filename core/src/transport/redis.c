/*
 * The Redis transport: one hiredis connection per sending thread, opened on
 * first use and again after any I/O error (a Redis restart costs the events
 * of that send one retry). A send is one RPUSH key item... of the whole batch:
 * Redis runs it atomically, so its one reply is every event's outcome, and
 * Redis reads, parses and answers one command instead of one per event.
 *
 * Failures: connection and I/O errors and replies such as LOADING or OOM are
 * retried (verdict RETRY); a refused AUTH or SELECT, NOAUTH, NOPERM and
 * WRONGTYPE fail for good (FINAL): trying again cannot help until someone
 * changes the server or the URL.
 * An event whose reply was lost with the connection may have been pushed: its
 * retry can push it twice (at least once).
 *
 * hiredis calls block up to the command timeout (the request timeout); a
 * close waits that long at most for a Redis that stopped answering.
 */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "transport/redis.h"

typedef struct sp_redis_conn {
    const sp_redis_target *target;
    redisContext *ctx; /* NULL until connected, and after an I/O error */
    int connect_timeout_ms;
    int command_timeout_ms;
    const atomic_bool *abort_flag;
} sp_redis_conn;

static struct timeval tv_of_ms(int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    return tv;
}

static void *redis_open(void *ctx, const sp_transport_config *cfg)
{
    sp_redis_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->target = ctx;
    c->connect_timeout_ms = cfg->connect_timeout_ms;
    c->command_timeout_ms = cfg->request_timeout_ms;
    c->abort_flag = cfg->abort_flag;
    return c;
}

static void disconnect(sp_redis_conn *c)
{
    if (c->ctx)
        redisFree(c->ctx);
    c->ctx = NULL;
}

static void redis_close(void *conn)
{
    sp_redis_conn *c = conn;
    if (!c)
        return;
    disconnect(c);
    free(c);
}

/* Whether an error reply means that retrying cannot help. */
static bool error_is_final(const char *err)
{
    static const char *const final[] = {"WRONGTYPE", "NOAUTH", "WRONGPASS", "NOPERM",
                                        "ERR invalid password", "ERR AUTH", "ERR Client sent AUTH"};
    for (size_t i = 0; i < sizeof final / sizeof final[0]; i++)
        if (strncmp(err, final[i], strlen(final[i])) == 0)
            return true;
    return false;
}

/* Run one command during connection setup; 0, or -1 with `reason` set. */
static int setup_command(sp_redis_conn *c, const char *what, int argc, const char **argv,
                         char *reason, size_t size, bool *final)
{
    redisReply *reply = redisCommandArgv(c->ctx, argc, argv, NULL);
    if (!reply) {
        snprintf(reason, size, "redis: %s at %s: %s", what, c->target->display, c->ctx->errstr);
        return -1;
    }
    int rc = 0;
    if (reply->type == REDIS_REPLY_ERROR) {
        snprintf(reason, size, "redis: %s refused by %s: %s", what, c->target->display,
                 reply->str);
        /* A refused AUTH or SELECT is the configuration's fault, unless the
         * server is only starting (LOADING) or busy. */
        *final = strncmp(reply->str, "LOADING", 7) != 0 && strncmp(reply->str, "BUSY", 4) != 0;
        rc = -1;
    }
    freeReplyObject(reply);
    return rc;
}

/* Connect, authenticate and select the db; 0, or -1 with `reason` set and
 * `final` telling whether retrying can help. */
static int ensure_connected(sp_redis_conn *c, char *reason, size_t size, bool *final)
{
    if (c->ctx)
        return 0;
    const sp_redis_target *t = c->target;
    struct timeval ctv = tv_of_ms(c->connect_timeout_ms);
    c->ctx = t->socket_path ? redisConnectUnixWithTimeout(t->socket_path, ctv)
                            : redisConnectWithTimeout(t->host, t->port, ctv);
    if (!c->ctx || c->ctx->err) {
        snprintf(reason, size, "redis: cannot connect to %s: %s", t->display,
                 c->ctx ? c->ctx->errstr : "out of memory");
        disconnect(c);
        return -1;
    }
    redisSetTimeout(c->ctx, tv_of_ms(c->command_timeout_ms));
    if (!t->socket_path)
        redisEnableKeepAlive(c->ctx);
    int rc = 0;
    if (t->password) {
        const char *argv[] = {"AUTH", t->user ? t->user : t->password, t->password};
        rc = setup_command(c, "AUTH", t->user ? 3 : 2, argv, reason, size, final);
    }
    if (rc == 0 && t->db != 0) {
        char db[16];
        snprintf(db, sizeof db, "%d", t->db);
        const char *argv[] = {"SELECT", db};
        rc = setup_command(c, "SELECT", 2, argv, reason, size, final);
    }
    if (rc < 0)
        disconnect(c);
    return rc;
}

static void set_answer(sp_send_unit *u, sp_send_verdict v, const char *reason)
{
    memset(&u->resp, 0, sizeof u->resp);
    u->resp.verdict = v;
    if (reason)
        snprintf(u->resp.reason, sizeof u->resp.reason, "%s", reason);
}

static void redis_send_many(void *conn, sp_send_unit *units, size_t n)
{
    sp_redis_conn *c = conn;
    char reason[sizeof units[0].resp.reason];
    bool final = false;
    if (!c) {
        for (size_t i = 0; i < n; i++)
            set_answer(&units[i], SP_VERDICT_RETRY, "redis: out of memory");
        return;
    }
    if (ensure_connected(c, reason, sizeof reason, &final) < 0) {
        for (size_t i = 0; i < n; i++)
            set_answer(&units[i], final ? SP_VERDICT_FINAL : SP_VERDICT_RETRY, reason);
        return;
    }
    const char *key = c->target->key;
    size_t argc = n + 2;
    const char **argv = malloc(argc * sizeof *argv);
    size_t *lens = malloc(argc * sizeof *lens);
    if (!argv || !lens) {
        free(argv);
        free(lens);
        for (size_t i = 0; i < n; i++)
            set_answer(&units[i], SP_VERDICT_RETRY, "redis: out of memory");
        return;
    }
    argv[0] = "RPUSH";
    lens[0] = 5;
    argv[1] = key;
    lens[1] = strlen(key);
    for (size_t i = 0; i < n; i++) {
        argv[i + 2] = units[i].req.body;
        lens[i + 2] = units[i].req.body_len;
    }
    void *r = NULL;
    int rc = redisAppendCommandArgv(c->ctx, (int)argc, argv, lens);
    free(argv);
    free(lens);
    if (rc == REDIS_OK)
        rc = redisGetReply(c->ctx, &r);
    if (rc != REDIS_OK || !r) { /* the connection failed: retried on a new one */
        snprintf(reason, sizeof reason, "redis: %s: %s", c->target->display,
                 c->ctx->errstr[0] ? c->ctx->errstr : "connection lost");
        for (size_t i = 0; i < n; i++)
            set_answer(&units[i], SP_VERDICT_RETRY, reason);
        disconnect(c);
        return;
    }
    redisReply *reply = r;
    sp_send_verdict verdict = SP_VERDICT_DELIVERED;
    if (reply->type == REDIS_REPLY_ERROR) {
        snprintf(reason, sizeof reason, "redis: RPUSH %s: %s", key, reply->str);
        verdict = error_is_final(reply->str) ? SP_VERDICT_FINAL : SP_VERDICT_RETRY;
    }
    for (size_t i = 0; i < n; i++)
        set_answer(&units[i], verdict, verdict == SP_VERDICT_DELIVERED ? NULL : reason);
    freeReplyObject(reply);
}

static const sp_transport redis_transport = {redis_open, NULL, redis_close, NULL,
                                             redis_send_many, SP_TRANSPORT_EVENTS};

const sp_transport *sp_redis_transport(void)
{
    return &redis_transport;
}
