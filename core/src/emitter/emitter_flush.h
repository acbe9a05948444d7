/*
 * Internal: completion (which events are outstanding), flush, close and the
 * stop at process exit (emitter_flush.c). Uses the report and store hooks.
 */
#ifndef SP_EMITTER_FLUSH_H
#define SP_EMITTER_FLUSH_H

#include "emitter/emitter_impl.h"

/* Outstanding events (lock held). */
uint64_t sp_emitter_outstanding_min(const snowplow_emitter *em);
void sp_emitter_hold(snowplow_emitter *em, sp_holder *h, uint64_t min_seq);
void sp_emitter_unhold(snowplow_emitter *em, sp_holder *h);
/* Wake whoever waits for completions or for room (lock held). */
void sp_emitter_wake_waiters(snowplow_emitter *em);
/*
 * Events that will not be sent because the emitter is closing: reported failed
 * ("emitter closed", will_retry 0), unless the persistent store keeps them.
 * Call without the lock; the caller keeps them outstanding meanwhile.
 */
void sp_emitter_abandon(snowplow_emitter *em, const sp_record_list *records);
/* Close without the callback check or error messages; 0 or SNOWPLOW_ETIMEOUT. */
int sp_emitter_close_core(snowplow_emitter *em, int timeout_ms);
/* At process exit: tell the threads to stop, report nothing more (begin), then
 * wait for them up to a monotonic deadline and join them (finish). */
void sp_emitter_begin_exit(snowplow_emitter *em, const struct timespec *until_realtime);
void sp_emitter_finish_exit(snowplow_emitter *em, const struct timespec *deadline);

#endif
