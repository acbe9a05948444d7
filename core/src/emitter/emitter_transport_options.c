/* Emitter options that choose and tune the transport: requests in flight, Redis. */
#include "emitter/emitter_options.h"
#include "transport/transport.h"
#include "util/error.h"

int snowplow_emitter_options_set_max_inflight(snowplow_emitter_options *options,
                                              unsigned max_inflight)
{
    static const char fn[] = "snowplow_emitter_options_set_max_inflight";
    if (!options)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: options: NULL", fn);
    if (max_inflight < 1 || max_inflight > SP_MAX_INFLIGHT)
        return sp_error_set(SNOWPLOW_ERANGE, "%s: max_inflight: %u is outside 1..%d", fn,
                            max_inflight, SP_MAX_INFLIGHT);
    options->max_inflight = max_inflight;
    return 0;
}

int snowplow_emitter_options_set_redis(snowplow_emitter_options *options, const char *url,
                                       const char *key)
{
    static const char fn[] = "snowplow_emitter_options_set_redis";
    if (!options)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: options: NULL", fn);
    sp_redis_target *target = NULL;
    if (url) {
        int rc = sp_redis_target_new(&target, fn, url, key);
        if (rc < 0)
            return rc;
    }
    sp_redis_target_free(options->redis);
    options->redis = target;
    options->transport = target ? *sp_redis_transport() : *sp_http_transport();
    options->transport.ctx = target;
    return 0;
}
