/* Clocks: wall time for event timestamps, monotonic time for waits and backoff. */
#include <time.h>

#include "util/text.h"

static int64_t clock_ms(clockid_t id)
{
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0)
        return 0; /* both clocks always exist on Linux; never reached in practice */
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t sp_now_ms(void)
{
    return clock_ms(CLOCK_REALTIME);
}

int64_t sp_monotonic_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}
