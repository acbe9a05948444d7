/* The scripted HTTP stand-in (see sp_test_http_standin.h). */
#include "sp_test_http_standin.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct conn_arg {
    sp_standin *s;
    int fd;
    int conn;
} conn_arg;

static void nap_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static bool write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Wait for the stand-in to stop. */
static void stall(sp_standin *s)
{
    while (!atomic_load(&s->stop))
        nap_ms(10);
}

static void *conn_main(void *arg)
{
    conn_arg a = *(conn_arg *)arg;
    free(arg);
    sp_standin *s = a.s;
    char buf[65536];
    size_t len = 0;
    int in_conn = 0;
    bool open = true;
    while (open && !atomic_load(&s->stop)) {
        struct pollfd p = {a.fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0)
            continue;
        ssize_t r = recv(a.fd, buf + len, sizeof buf - 1 - len, 0);
        if (r <= 0)
            break;
        len += (size_t)r;
        buf[len] = '\0';
        char *end;
        while (open && (end = strstr(buf, "\r\n\r\n"))) {
            size_t head_len = (size_t)(end - buf) + 4;
            char *target = NULL;
            const char *sp1 = strchr(buf, ' ');
            const char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
            if (sp1 && sp2 && sp2 < end)
                target = strndup(sp1 + 1, (size_t)(sp2 - sp1 - 1));
            pthread_mutex_lock(&s->mu);
            int index = s->received++;
            if (index < SP_STANDIN_MAX)
                s->head[index] = strndup(buf, head_len);
            sp_standin_reply rep = s->script(s, a.conn, in_conn++, index);
            bool answers = rep.action != SP_STANDIN_DROP && rep.action != SP_STANDIN_STALL;
            if (answers && s->answered < SP_STANDIN_MAX)
                s->targets[s->answered++] = target, target = NULL;
            pthread_mutex_unlock(&s->mu);
            free(target);
            memmove(buf, buf + head_len, len - head_len + 1);
            len -= head_len;
            char out[512];
            int status = rep.status ? rep.status : 200;
            switch (rep.action) {
            case SP_STANDIN_OK:
                snprintf(out, sizeof out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                open = write_all(a.fd, out, strlen(out));
                break;
            case SP_STANDIN_STATUS:
                if (rep.retry_after > 0)
                    snprintf(out, sizeof out,
                             "HTTP/1.1 %d Nope\r\nRetry-After: %d\r\nContent-Length: 4\r\n\r\nnope",
                             status, rep.retry_after);
                else
                    snprintf(out, sizeof out, "HTTP/1.1 %d Nope\r\nContent-Length: 4\r\n\r\nnope",
                             status);
                open = write_all(a.fd, out, strlen(out));
                break;
            case SP_STANDIN_DROP:
                open = false;
                break;
            case SP_STANDIN_CLOSE:
                snprintf(out, sizeof out,
                         "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
                write_all(a.fd, out, strlen(out));
                open = false;
                break;
            case SP_STANDIN_STALL:
                stall(s);
                open = false;
                break;
            case SP_STANDIN_SPLIT:
                snprintf(out, sizeof out,
                         "HTTP/1.1 %d Split\r\nRetry-After: %d\r\nTransfer-Encoding: chunked\r\n"
                         "\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
                         status, rep.retry_after > 0 ? rep.retry_after : 0);
                for (size_t i = 0; open && out[i]; i++) {
                    open = write_all(a.fd, out + i, 1);
                    if (i % 8 == 0)
                        nap_ms(1);
                }
                break;
            }
        }
    }
    close(a.fd); /* unread requests make it a reset, as a crashing server's would */
    return NULL;
}

static void *accept_main(void *arg)
{
    sp_standin *s = arg;
    while (!atomic_load(&s->stop)) {
        struct pollfd p = {s->fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int fd = accept(s->fd, NULL, NULL);
        if (fd < 0)
            continue;
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        pthread_mutex_lock(&s->mu);
        int n = s->connections;
        if (n >= 1024) {
            pthread_mutex_unlock(&s->mu);
            close(fd);
            continue;
        }
        conn_arg *a = malloc(sizeof *a);
        *a = (conn_arg){s, fd, n};
        if (pthread_create(&s->conn_threads[n], NULL, conn_main, a) != 0) {
            free(a);
            close(fd);
        } else {
            s->connections++;
        }
        pthread_mutex_unlock(&s->mu);
    }
    return NULL;
}

int sp_standin_start(sp_standin *s, sp_standin_script script, void *payload)
{
    memset(s, 0, sizeof *s);
    s->script = script;
    s->payload = payload;
    pthread_mutex_init(&s->mu, NULL);
    s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&a, sizeof a) < 0 ||
        listen(s->fd, 64) < 0 || getsockname(s->fd, (struct sockaddr *)&a, &alen) < 0) {
        perror("sp_standin_start");
        return -1;
    }
    s->port = ntohs(a.sin_port);
    if (pthread_create(&s->acceptor, NULL, accept_main, s) != 0)
        return -1;
    return 0;
}

void sp_standin_stop(sp_standin *s)
{
    atomic_store(&s->stop, true);
    pthread_join(s->acceptor, NULL);
    for (int i = 0; i < s->connections; i++) {
        pthread_join(s->conn_threads[i], NULL);
    }
    close(s->fd);
    for (int i = 0; i < s->answered && i < SP_STANDIN_MAX; i++)
        free(s->targets[i]);
    for (int i = 0; i < s->received && i < SP_STANDIN_MAX; i++)
        free(s->head[i]);
    pthread_mutex_destroy(&s->mu);
}

int sp_standin_answered_count(sp_standin *s, const char *target)
{
    int n = 0;
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < s->answered && i < SP_STANDIN_MAX; i++)
        n += s->targets[i] && strcmp(s->targets[i], target) == 0;
    pthread_mutex_unlock(&s->mu);
    return n;
}
