/* A throw-away redis-server for tests (see sp_test_redis_server.h). */
#include "sp_test_redis_server.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sp_test_collector.h"
#include "sp_test_util.h"

#define REDIS_SERVER "/usr/bin/redis-server"
#define START_TIMEOUT_MS 15000

struct sp_test_redis {
    pid_t pid;
    int port;
    char dir[64];
    char socket[96];
    char password[64];
    char url[160];
};

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

redisContext *sp_test_redis_connect(const sp_test_redis *r)
{
    struct timeval tv = {2, 0};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", r->port, tv);
    if (!c || c->err) {
        if (c)
            redisFree(c);
        return NULL;
    }
    if (r->password[0]) {
        redisReply *reply = redisCommand(c, "AUTH %s", r->password);
        int ok = reply && reply->type != REDIS_REPLY_ERROR;
        if (reply)
            freeReplyObject(reply);
        if (!ok) {
            redisFree(c);
            return NULL;
        }
    }
    return c;
}

/* Whether the server answers PING with PONG. */
static int answers(const sp_test_redis *r)
{
    redisContext *c = sp_test_redis_connect(r);
    if (!c)
        return 0;
    redisReply *reply = redisCommand(c, "PING");
    int ok = reply && reply->type == REDIS_REPLY_STATUS && strcmp(reply->str, "PONG") == 0;
    if (reply)
        freeReplyObject(reply);
    redisFree(c);
    return ok;
}

static int launch(sp_test_redis *r)
{
    char port[16];
    snprintf(port, sizeof port, "%d", r->port);
    char *argv[20];
    int n = 0;
    argv[n++] = (char *)REDIS_SERVER;
    argv[n++] = (char *)"--port";
    argv[n++] = port;
    argv[n++] = (char *)"--bind";
    argv[n++] = (char *)"127.0.0.1";
    argv[n++] = (char *)"--save";
    argv[n++] = (char *)"";
    /* What it acknowledged survives a SIGKILL (restart tests lose nothing). */
    argv[n++] = (char *)"--appendonly";
    argv[n++] = (char *)"yes";
    argv[n++] = (char *)"--appendfsync";
    argv[n++] = (char *)"always";
    argv[n++] = (char *)"--dir";
    argv[n++] = r->dir;
    argv[n++] = (char *)"--unixsocket";
    argv[n++] = r->socket;
    argv[n++] = (char *)"--unixsocketperm";
    argv[n++] = (char *)"700";
    if (r->password[0]) {
        argv[n++] = (char *)"--requirepass";
        argv[n++] = r->password;
    }
    argv[n] = NULL;
    pid_t parent = getpid();
    fflush(NULL);
    r->pid = fork();
    if (r->pid == -1) {
        fprintf(stderr, "sp_test_redis: fork: %s\n", strerror(errno));
        return -1;
    }
    if (r->pid == 0)
        sp_test_exec_child(parent, argv);
    for (int waited = 0; waited < START_TIMEOUT_MS; waited += 20) {
        if (answers(r))
            return 0;
        int status;
        if (waitpid(r->pid, &status, WNOHANG) == r->pid) {
            fprintf(stderr, "sp_test_redis: redis-server exited (status %d) on port %d\n",
                    WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status), r->port);
            r->pid = -1;
            return -1;
        }
        sleep_ms(20);
    }
    fprintf(stderr, "sp_test_redis: no answer on port %d after %d ms\n", r->port,
            START_TIMEOUT_MS);
    return -1;
}

sp_test_redis *sp_test_redis_start(const char *password)
{
    sp_test_redis *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->pid = -1;
    strcpy(r->dir, "/tmp/sp-redis-XXXXXX");
    if (!mkdtemp(r->dir)) {
        fprintf(stderr, "sp_test_redis: mkdtemp: %s\n", strerror(errno));
        free(r);
        return NULL;
    }
    snprintf(r->socket, sizeof r->socket, "%s/redis.sock", r->dir);
    if (password)
        snprintf(r->password, sizeof r->password, "%s", password);
    /* A port nobody listens on; tried again if another process takes it first. */
    for (int attempt = 0; attempt < 5; attempt++) {
        r->port = sp_test_dead_port();
        if (r->port > 0 && launch(r) == 0) {
            if (r->password[0])
                snprintf(r->url, sizeof r->url, "redis://:%s@127.0.0.1:%d", r->password,
                         r->port);
            else
                snprintf(r->url, sizeof r->url, "redis://127.0.0.1:%d", r->port);
            return r;
        }
        sp_test_redis_kill(r);
    }
    sp_test_redis_stop(r);
    return NULL;
}

void sp_test_redis_kill(sp_test_redis *r)
{
    if (!r || r->pid <= 0)
        return;
    kill(r->pid, SIGKILL);
    int status;
    waitpid(r->pid, &status, 0);
    r->pid = -1;
    unlink(r->socket);
}

int sp_test_redis_resume(sp_test_redis *r)
{
    /* The port may linger a moment after the kill. */
    for (int attempt = 0; attempt < 50; attempt++) {
        if (launch(r) == 0)
            return 0;
        sleep_ms(100);
    }
    return -1;
}

void sp_test_redis_stop(sp_test_redis *r)
{
    if (!r)
        return;
    sp_test_redis_kill(r);
    sp_test_tmpdir dir; /* the append-only files and the socket go with it */
    snprintf(dir.dir, sizeof dir.dir, "%s", r->dir);
    sp_test_tmpdir_remove(&dir);
    free(r);
}

const char *sp_test_redis_url(const sp_test_redis *r)
{
    return r->url;
}

const char *sp_test_redis_socket(const sp_test_redis *r)
{
    return r->socket;
}

int sp_test_redis_port(const sp_test_redis *r)
{
    return r->port;
}
