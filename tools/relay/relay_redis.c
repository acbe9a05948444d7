/* hiredis calls and their failures, classified for the relay's loop. */
#include "relay_redis.h"

#include <snowplow.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

static struct timeval tv_ms(int ms)
{
    return (struct timeval){ms / 1000, (ms % 1000) * 1000};
}

static int set_err(relay_redis *r, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int set_err(relay_redis *r, int status, const char *fmt, ...)
{
    int n = snprintf(r->err, sizeof r->err, "redis %s: ", r->where);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof r->err)
        vsnprintf(r->err + n, sizeof r->err - (size_t)n, fmt, ap);
    va_end(ap);
    return status;
}

int relay_redis_init(relay_redis *r, const char *url, const char *key, int io_timeout_ms)
{
    memset(r, 0, sizeof *r);
    r->io_timeout_ms = io_timeout_ms;
    if (sp_redis_target_new(&r->target, "--redis", url, key) < 0) {
        snprintf(r->err, sizeof r->err, "%s", snowplow_error_last());
        return -1;
    }
    snprintf(r->where, sizeof r->where, "%s", r->target->display);
    return 0;
}

void relay_redis_free(relay_redis *r)
{
    relay_redis_disconnect(r);
    sp_redis_target_free(r->target);
    r->target = NULL;
}

void relay_redis_disconnect(relay_redis *r)
{
    if (r->c)
        redisFree(r->c);
    r->c = NULL;
}

/* Errors the server gives while it cannot serve yet, or for a moment. */
static int transient_error(const char *msg)
{
    return strncmp(msg, "LOADING", 7) == 0 || strncmp(msg, "BUSY", 4) == 0 ||
           strncmp(msg, "TRYAGAIN", 8) == 0 || strncmp(msg, "MASTERDOWN", 10) == 0 ||
           strncmp(msg, "READONLY", 8) == 0 || strncmp(msg, "MISCONF", 7) == 0;
}

static int classify_error_reply(relay_redis *r, const char *what, const char *msg)
{
    if (strstr(msg, "WRONGTYPE"))
        return set_err(r, RELAY_REDIS_FATAL, "%s: a key holds the wrong kind of value (not a "
                                             "list): %s", what, msg);
    if (strncmp(msg, "NOAUTH", 6) == 0 || strncmp(msg, "WRONGPASS", 9) == 0 ||
        strstr(msg, "invalid password") || strstr(msg, "without any password"))
        return set_err(r, RELAY_REDIS_FATAL, "authentication failed: %s", msg);
    if (transient_error(msg))
        return set_err(r, RELAY_REDIS_DOWN, "%s: %s", what, msg);
    return set_err(r, RELAY_REDIS_FATAL, "%s: %s", what, msg);
}

/* The connection failed: name it and drop it. */
static int lost(relay_redis *r, const char *what)
{
    int status = set_err(r, RELAY_REDIS_DOWN, "%s: connection lost: %s", what,
                         r->c->errstr[0] ? r->c->errstr : "no answer");
    relay_redis_disconnect(r);
    return status;
}

int relay_redis_send(relay_redis *r, const char *what, int argc, const char **argv,
                     const size_t *lens)
{
    if (!r->c)
        return set_err(r, RELAY_REDIS_DOWN, "%s: not connected", what);
    if (redisAppendCommandArgv(r->c, argc, argv, lens) != REDIS_OK)
        return lost(r, what);
    int done = 0;
    while (!done)
        if (redisBufferWrite(r->c, &done) != REDIS_OK)
            return lost(r, what);
    return RELAY_REDIS_OK;
}

int relay_redis_receive(relay_redis *r, redisReply **out, const char *what)
{
    *out = NULL;
    if (!r->c)
        return set_err(r, RELAY_REDIS_DOWN, "%s: not connected", what);
    void *got = NULL;
    if (redisGetReply(r->c, &got) != REDIS_OK || !got)
        return lost(r, what);
    redisReply *reply = got;
    if (reply->type == REDIS_REPLY_ERROR) {
        int status = classify_error_reply(r, what, reply->str ? reply->str : "");
        freeReplyObject(reply);
        return status;
    }
    *out = reply;
    return RELAY_REDIS_OK;
}

int relay_redis_call(relay_redis *r, redisReply **out, const char *what, int argc,
                     const char **argv, const size_t *lens)
{
    *out = NULL;
    int rc = relay_redis_send(r, what, argc, argv, lens);
    return rc == RELAY_REDIS_OK ? relay_redis_receive(r, out, what) : rc;
}

/* A command whose reply only matters when it is an error. */
static int call_simple(relay_redis *r, const char *what, int argc, const char **argv)
{
    redisReply *reply;
    int rc = relay_redis_call(r, &reply, what, argc, argv, NULL);
    if (reply)
        freeReplyObject(reply);
    return rc;
}

int relay_redis_connect(relay_redis *r)
{
    relay_redis_disconnect(r);
    struct timeval tv = tv_ms(r->io_timeout_ms);
    const sp_redis_target *t = r->target;
    redisContext *c = t->socket_path ? redisConnectUnixWithTimeout(t->socket_path, tv)
                                     : redisConnectWithTimeout(t->host, t->port, tv);
    if (!c)
        return set_err(r, RELAY_REDIS_DOWN, "cannot connect: out of memory");
    if (c->err) {
        set_err(r, RELAY_REDIS_DOWN, "cannot connect: %s", c->errstr);
        redisFree(c);
        return RELAY_REDIS_DOWN;
    }
    r->c = c;
    redisSetTimeout(c, tv);
    if (!t->socket_path)
        redisEnableKeepAlive(c);
    int rc = RELAY_REDIS_OK;
    if (t->password) {
        const char *auth_user[] = {"AUTH", t->user ? t->user : "", t->password};
        const char *auth[] = {"AUTH", t->password};
        rc = t->user ? call_simple(r, "AUTH", 3, auth_user) : call_simple(r, "AUTH", 2, auth);
    }
    if (rc == RELAY_REDIS_OK && t->db) {
        char db[16];
        snprintf(db, sizeof db, "%d", t->db);
        const char *select[] = {"SELECT", db};
        rc = call_simple(r, "SELECT", 2, select);
    }
    if (rc == RELAY_REDIS_OK) {
        const char *ping[] = {"PING"};
        rc = call_simple(r, "PING", 1, ping);
    }
    if (rc != RELAY_REDIS_OK)
        relay_redis_disconnect(r);
    return rc;
}

int relay_redis_check_list(relay_redis *r, const char *key)
{
    const char *argv[] = {"TYPE", key};
    redisReply *reply;
    int rc = relay_redis_call(r, &reply, "TYPE", 2, argv, NULL);
    if (rc != RELAY_REDIS_OK)
        return rc;
    const char *type = reply->str ? reply->str : "?";
    if (strcmp(type, "list") != 0 && strcmp(type, "none") != 0)
        rc = set_err(r, RELAY_REDIS_FATAL, "key '%s' holds a %s, not a list (WRONGTYPE)", key,
                     type);
    freeReplyObject(reply);
    return rc;
}
