/*
 * Test support: a scripted HTTP/1.1 stand-in for a collector on 127.0.0.1,
 * for what the real collector cannot do on demand: close a connection after
 * answering some of the pipelined requests, stall, split answers into
 * one-byte writes. A thread accepts connections, one thread per connection
 * reads requests in order and asks the script what to do with each.
 */
#ifndef SP_TEST_HTTP_STANDIN_H
#define SP_TEST_HTTP_STANDIN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

typedef enum sp_standin_action {
    SP_STANDIN_OK = 0,    /* 200, Content-Length body */
    SP_STANDIN_STATUS,    /* `status` with Retry-After: `retry_after` (seconds) when > 0 */
    SP_STANDIN_DROP,      /* close the connection without answering this or later ones */
    SP_STANDIN_CLOSE,     /* answer 200 with "Connection: close", then close */
    SP_STANDIN_STALL,     /* never answer (until the stand-in stops) */
    SP_STANDIN_SPLIT      /* `status` (200 if 0), chunked, written one byte at a time */
} sp_standin_action;

typedef struct sp_standin_reply {
    sp_standin_action action;
    int status;
    int retry_after;
} sp_standin_reply;

#define SP_STANDIN_MAX 4096

typedef struct sp_standin sp_standin;
/* What to do with request `index` (0-based, in arrival order over all
 * connections) arriving as number `in_conn` on connection `conn` (0-based, in
 * accept order). Called with the stand-in's lock held. */
typedef sp_standin_reply (*sp_standin_script)(sp_standin *s, int conn, int in_conn, int index);

struct sp_standin {
    int port;
    sp_standin_script script;
    void *payload; /* for the script */
    pthread_mutex_t mu;
    int connections; /* accepted so far */
    int received;    /* requests read */
    int answered;    /* requests answered */
    char *targets[SP_STANDIN_MAX]; /* of the answered requests, in order */
    char *head[SP_STANDIN_MAX];    /* every request as it arrived (request line + headers) */
    /* internal */
    int fd;
    atomic_bool stop;
    pthread_t acceptor;
    pthread_t conn_threads[1024];
};

/* Listen on 127.0.0.1:0 and start accepting. 0 or -1. */
int sp_standin_start(sp_standin *s, sp_standin_script script, void *payload);
/* Stop every thread, close every socket, free what was recorded. */
void sp_standin_stop(sp_standin *s);
/* How many answered requests had `target` (locks). */
int sp_standin_answered_count(sp_standin *s, const char *target);

#endif
