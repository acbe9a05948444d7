/* Internal: what the tracker needs from an emitter. */
#ifndef SP_EMITTER_INTERNAL_H
#define SP_EMITTER_INTERNAL_H

#include <stddef.h>

#include "payload.h"
#include "snowplow/emitter.h"

/* Take another reference (released with snowplow_emitter_free()). */
void sp_emitter_ref(snowplow_emitter *em);

/*
 * Check, without queueing anything, that each of the `n` payloads fits the
 * emitter's byte limit once encoded and that the emitter is open. Returns 0, or
 * SNOWPLOW_ETOOBIG / SNOWPLOW_ECLOSED with the thread's error message set
 * (prefixed with `fn`).
 */
int sp_emitter_check(snowplow_emitter *em, const char *fn, sp_payload *const *payloads,
                     size_t n);

/*
 * Queue `n` payloads (one tracked event and, for a transaction, its items) as a
 * unit. Each payload holds every field but `stm`, which the emitter adds at send
 * time. On success the emitter owns the payloads and sets the array entries to
 * NULL; on error the caller keeps them. Never does network I/O. When the queue is
 * full the events are reported through on_failure and counted as dropped, and
 * SNOWPLOW_EFULL is returned. Errors set the thread's message prefixed with `fn`.
 */
int sp_emitter_enqueue(snowplow_emitter *em, const char *fn, sp_payload **payloads,
                       size_t n);

#endif
