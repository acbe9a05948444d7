/*
 * The result queue's public side: the callback trampoline of the bindings.
 * Results are pushed by sp_emitter_report(); a host thread takes them here.
 */
#include "emitter/emitter_impl.h"
#include "emitter/emitter_report.h"
#include "util/error.h"

static int check_results(const snowplow_emitter *em, const char *fn)
{
    if (!em)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: emitter: NULL", fn);
    if (!em->results)
        return sp_error_set(SNOWPLOW_EINVAL,
                            "%s: emitter: no result queue configured (see "
                            "snowplow_emitter_options_set_result_queue)",
                            fn);
    return 0;
}

int snowplow_emitter_next_result(snowplow_result **out, snowplow_emitter *emitter,
                                 int timeout_ms)
{
    static const char fn[] = "snowplow_emitter_next_result";
    if (!out)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: out: NULL", fn);
    *out = NULL;
    int rc = check_results(emitter, fn);
    if (rc < 0)
        return rc;
    if (atomic_load(&emitter->forked))
        return sp_error_set(SNOWPLOW_ECLOSED, "%s: " SP_FORKED_MESSAGE, fn);
    rc = sp_result_queue_pop(emitter->results, out, timeout_ms);
    switch (rc) {
    case SNOWPLOW_OK:
        return 0;
    case SNOWPLOW_ETIMEOUT:
        return sp_error_set(rc, "%s: timeout_ms: no result came within %d ms", fn, timeout_ms);
    case SNOWPLOW_EWOKEN:
        return sp_error_set(rc, "%s: woken by snowplow_emitter_wake_results", fn);
    case SNOWPLOW_ECLOSED:
        return sp_error_set(rc, "%s: emitter: closed and every result taken", fn);
    default:
        return sp_error_set(rc, "%s: result queue failed", fn);
    }
}

int snowplow_emitter_wake_results(snowplow_emitter *emitter)
{
    int rc = check_results(emitter, "snowplow_emitter_wake_results");
    if (rc < 0)
        return rc;
    if (!atomic_load(&emitter->forked))
        sp_result_queue_wake(emitter->results);
    return 0;
}

int snowplow_emitter_result_fd(const snowplow_emitter *emitter)
{
    if (!emitter || !emitter->results)
        return -1;
    snowplow_emitter *em = (snowplow_emitter *)emitter; /* C11 atomic_load takes non-const */
    if (atomic_load(&em->forked))
        return -1;
    return sp_result_queue_fd(emitter->results);
}
