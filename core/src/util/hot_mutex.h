/* Internal: mutexes that the tracking and sending threads take many times per
 * batch for a few hundred nanoseconds each. */
#ifndef SP_HOT_MUTEX_H
#define SP_HOT_MUTEX_H

#include <pthread.h>

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

#endif
