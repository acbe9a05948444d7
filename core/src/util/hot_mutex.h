/* Internal: mutexes that the tracking and sending threads take many times per
 * batch for a short while each. */
#ifndef SP_HOT_MUTEX_H
#define SP_HOT_MUTEX_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

/*
 * pthread_mutex_init, adaptive where the C library has it (glibc): a thread
 * that finds the mutex taken spins briefly before sleeping, since the holder
 * is about to release it; a futex sleep and wake-up costs more than the whole
 * critical section, and more still in a virtual machine. Returns 0 or an errno.
 */
static inline int sp_hot_mutex_init(pthread_mutex_t *m)
{
#ifdef PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP
    pthread_mutexattr_t attr;
    if (pthread_mutexattr_init(&attr) == 0) {
        int rc = pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
        if (rc == 0)
            rc = pthread_mutex_init(m, &attr);
        pthread_mutexattr_destroy(&attr);
        if (rc == 0)
            return 0;
    }
#endif
    return pthread_mutex_init(m, NULL);
}

/* How long sp_hot_mutex_lock() spins before it sleeps. */
#define SP_HOT_MUTEX_SPIN_NS 20000

static inline void sp_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/*
 * Lock `m`, spinning up to SP_HOT_MUTEX_SPIN_NS before sleeping; for the
 * application's thread inside track(). A sending thread holds the emitter lock
 * for a few microseconds while it takes a batch (it touches every record),
 * longer than glibc's adaptive spin lasts, and falling asleep then costs the
 * caller a futex wait and a wake-up: 20-30 µs in a virtual machine. Spinning
 * costs at most the bound, and only when the lock is taken.
 */
static inline void sp_hot_mutex_lock(pthread_mutex_t *m)
{
    if (pthread_mutex_trylock(m) == 0)
        return;
    /* On one CPU the holder cannot run while we spin: sleep at once. */
    static atomic_int cpus; /* 0 until known */
    int n = atomic_load_explicit(&cpus, memory_order_relaxed);
    if (n == 0) {
        long online = sysconf(_SC_NPROCESSORS_ONLN);
        n = online > 1 ? 2 : 1;
        atomic_store_explicit(&cpus, n, memory_order_relaxed);
    }
    if (n == 1) {
        pthread_mutex_lock(m);
        return;
    }
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (unsigned i = 1;; i++) {
        sp_cpu_relax();
        if (pthread_mutex_trylock(m) == 0)
            return;
        if (i % 16 == 0) {
            clock_gettime(CLOCK_MONOTONIC, &now);
            int64_t spent = (int64_t)(now.tv_sec - start.tv_sec) * 1000000000 +
                            (now.tv_nsec - start.tv_nsec);
            if (spent > SP_HOT_MUTEX_SPIN_NS)
                break;
        }
    }
    pthread_mutex_lock(m);
}

#endif
