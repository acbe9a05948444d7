/* The completion queue: a bounded ring of results, a condition variable for
 * blocking waits and an eventfd for event loops. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "emitter/result_queue.h"
#include "snowplow/common.h"

struct sp_result_queue {
    pthread_mutex_t lock;
    pthread_cond_t ready;
    snowplow_result **ring;
    size_t capacity, head, count;
    uint64_t wake_generation; /* bumped by every wake; a waiter compares */
    bool wake_pending;        /* a wake with nobody waiting, for the next pop */
    bool closed;
    int fd;
};

int sp_result_queue_new(sp_result_queue **out, size_t capacity)
{
    *out = NULL;
    sp_result_queue *q = calloc(1, sizeof *q);
    if (q == NULL || (q->ring = calloc(capacity, sizeof *q->ring)) == NULL) {
        free(q);
        return SNOWPLOW_ENOMEM;
    }
    q->capacity = capacity;
    q->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (q->fd < 0) {
        free(q->ring);
        free(q);
        return SNOWPLOW_ESYS;
    }
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&q->ready, &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_init(&q->lock, NULL);
    *out = q;
    return SNOWPLOW_OK;
}

static void free_memory(sp_result_queue *q)
{
    for (size_t i = 0; i < q->count; i++)
        snowplow_result_free(q->ring[(q->head + i) % q->capacity]);
    free(q->ring);
    close(q->fd);
}

void sp_result_queue_free(sp_result_queue *q)
{
    if (q == NULL)
        return;
    free_memory(q);
    pthread_cond_destroy(&q->ready);
    pthread_mutex_destroy(&q->lock);
    free(q);
}

void sp_result_queue_free_forked(sp_result_queue *q)
{
    if (q == NULL)
        return;
    free_memory(q);
    free(q);
}

/* The fd mirrors "non-empty": set on the first push, drained on the last pop.
 * Called with the lock held, so the two never race. */
static void signal_fd(sp_result_queue *q, bool readable)
{
    uint64_t value = 1;
    ssize_t n;
    if (readable)
        n = write(q->fd, &value, sizeof value);
    else
        n = read(q->fd, &value, sizeof value);
    (void)n; /* EAGAIN on read means it was already drained */
}

bool sp_result_queue_push(sp_result_queue *q, snowplow_result *result)
{
    pthread_mutex_lock(&q->lock);
    bool accepted = !q->closed && q->count < q->capacity;
    if (accepted) {
        q->ring[(q->head + q->count) % q->capacity] = result;
        if (q->count++ == 0)
            signal_fd(q, true);
        pthread_cond_signal(&q->ready);
    }
    pthread_mutex_unlock(&q->lock);
    return accepted;
}

static struct timespec deadline_after(int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

int sp_result_queue_pop(sp_result_queue *q, snowplow_result **out, int timeout_ms)
{
    *out = NULL;
    struct timespec deadline = deadline_after(timeout_ms > 0 ? timeout_ms : 0);
    int rc = SNOWPLOW_OK;
    pthread_mutex_lock(&q->lock);
    uint64_t generation = q->wake_generation;
    for (;;) {
        if (q->count > 0)
            break;
        if (q->wake_pending || q->wake_generation != generation) {
            q->wake_pending = false;
            rc = SNOWPLOW_EWOKEN;
            break;
        }
        if (q->closed) {
            rc = SNOWPLOW_ECLOSED;
            break;
        }
        if (timeout_ms == 0) {
            rc = SNOWPLOW_ETIMEOUT;
            break;
        }
        int wait = timeout_ms < 0 ? pthread_cond_wait(&q->ready, &q->lock)
                                  : pthread_cond_timedwait(&q->ready, &q->lock, &deadline);
        if (wait == ETIMEDOUT && q->count == 0) {
            rc = SNOWPLOW_ETIMEOUT;
            break;
        }
    }
    if (rc == SNOWPLOW_OK) {
        *out = q->ring[q->head];
        q->head = (q->head + 1) % q->capacity;
        if (--q->count == 0)
            signal_fd(q, false);
    }
    pthread_mutex_unlock(&q->lock);
    return rc;
}

void sp_result_queue_wake(sp_result_queue *q)
{
    pthread_mutex_lock(&q->lock);
    q->wake_generation++;
    q->wake_pending = true; /* consumed by the next pop that sees it */
    pthread_cond_broadcast(&q->ready);
    pthread_mutex_unlock(&q->lock);
}

void sp_result_queue_close(sp_result_queue *q)
{
    pthread_mutex_lock(&q->lock);
    q->closed = true;
    pthread_cond_broadcast(&q->ready);
    pthread_mutex_unlock(&q->lock);
}

int sp_result_queue_fd(const sp_result_queue *q)
{
    return q->fd;
}

void sp_result_queue_fork_lock(sp_result_queue *q)
{
    pthread_mutex_lock(&q->lock);
}

void sp_result_queue_fork_unlock(sp_result_queue *q)
{
    pthread_mutex_unlock(&q->lock);
}
