/* Internal: retry decisions (whether a status is retried, the backoff delay). */
#ifndef SP_EMITTER_RETRY_H
#define SP_EMITTER_RETRY_H

#include "emitter/emitter_impl.h"

bool sp_retry_status_wanted(const snowplow_emitter_options *o, int status);
int64_t sp_retry_delay_ms(const snowplow_emitter_options *o, int attempts, int retry_after_ms,
                          uint64_t *rng);
uint64_t sp_rng_next(uint64_t *state);

#endif
