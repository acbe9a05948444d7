/*
 * Internal: the one place that turns records into a result, counts them under
 * `counter` (sent, failed, retried or dropped), calls the callback and pushes
 * the result into the result queue. Calls nothing else of the emitter.
 */
#ifndef SP_EMITTER_REPORT_H
#define SP_EMITTER_REPORT_H

#include "emitter/emitter_impl.h"

/* Report `records` (call without the emitter's lock). */
void sp_emitter_report(snowplow_emitter *em, const sp_record_list *records,
                       snowplow_result_kind kind, int status, const char *reason,
                       int will_retry, snowplow_counter counter);
/* Whether the calling thread is inside a callback of `em` / of any emitter. */
bool sp_emitter_in_callback(const snowplow_emitter *em);
bool sp_emitter_in_any_callback(void);

#endif
