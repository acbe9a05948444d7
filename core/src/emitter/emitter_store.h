/*
 * Internal: the hook points where the persistent store (store.h) plugs into the
 * emitter. emitter_store.c implements them as no-ops until the store is wired
 * in; every emitter file calls them at the places described here, so wiring
 * the store means filling in emitter_store.c (and the options), nothing else.
 *
 * em->store is the store's state (NULL without a store). Every hook but
 * sp_emitter_store_accepted() runs without the emitter's lock.
 */
#ifndef SP_EMITTER_STORE_H
#define SP_EMITTER_STORE_H

#include <stdbool.h>

#include "emitter/emitter_queue.h"
#include "snowplow/emitter.h"

/*
 * snowplow_emitter_new(), after the emitter is built and before its sending
 * threads start: open the store, and put the events found there into
 * em->queue (sp_record_from_text(), seqs from ++em->last_seq, counted in
 * TRACKED and QUEUED) so that they are sent first. `fn` names the public
 * function for messages. 0, or an error code with the message set (the
 * emitter is then not created).
 */
int sp_emitter_store_start(snowplow_emitter *em, const char *fn);

/*
 * Tracking: `records` were just accepted into the queue. Called with the
 * emitter's lock held, so the records cannot be sent, retried or freed before
 * it returns: copy what is needed (eid, text) and return quickly; never take
 * the emitter's lock, never call back into the emitter.
 */
void sp_emitter_store_accepted(snowplow_emitter *em, const sp_record_list *records);

/*
 * Sending threads: an attempt at `records` failed and they will be retried
 * (after their will_retry 1 report), e.g. to count attempts across restarts.
 */
void sp_emitter_store_retrying(snowplow_emitter *em, const sp_record_list *records);

/*
 * `records` are finished for good: delivered (`delivered` true), or failed for
 * good or dropped (queue full, eviction, max attempts, a status not retried):
 * they can be deleted from the store. Called after their report.
 */
void sp_emitter_store_finished(snowplow_emitter *em, const sp_record_list *records,
                               bool delivered);

/*
 * close(): whether the events still unsent when the threads have stopped stay
 * in the store for the next run (then they are not reported as failed).
 */
bool sp_emitter_store_keeps_unsent(snowplow_emitter *em);

/*
 * close(), after the sending threads stopped and the unsent events were
 * handled: write what is pending and close the store.
 */
void sp_emitter_store_stop(snowplow_emitter *em);

/* Process exit without close (atexit): write what is pending, quickly. */
void sp_emitter_store_at_exit(snowplow_emitter *em);

/* Free the store's memory (also in a forked child: memory only, no I/O). */
void sp_emitter_store_free(snowplow_emitter *em);

#endif
