/*
 * Internal: what the tracker needs from an emitter.
 *
 * An event goes in two steps so that it is encoded once per emitter and goes
 * to all of a tracker's emitters or to none:
 *   sp_emitter_prepare() for every emitter (encodes and checks; nothing is
 *   queued), then sp_emitter_commit() for each of them, or
 *   sp_emitter_discard() for each prepared one when any prepare failed.
 */
#ifndef SP_EMITTER_INTERNAL_H
#define SP_EMITTER_INTERNAL_H

#include <stddef.h>

#include "event/payload.h"
#include "snowplow/emitter.h"

/* Take another reference (released with snowplow_emitter_free()). */
void sp_emitter_ref(snowplow_emitter *em);

/* Events encoded for one emitter, not queued yet. The caller provides the
 * storage (e.g. on its stack); the fields are the emitter's business. */
typedef struct sp_prepared {
    snowplow_emitter *em;
    struct sp_record *head, *tail;
    size_t count;
    size_t bytes;
} sp_prepared;

/*
 * Encode the `n` payloads (one tracked event and, for a transaction, its items)
 * for `em` and check that each fits the byte limit and that the emitter is
 * open. The payloads are only read: the caller keeps and frees them. Never
 * does network I/O, never waits. Returns 0 with `out` filled (then exactly one
 * of commit/discard must follow), or SNOWPLOW_EINVAL / SNOWPLOW_ETOOBIG /
 * SNOWPLOW_ECLOSED / SNOWPLOW_ENOMEM with the thread's message set (prefixed
 * with `fn`) and nothing to release.
 */
int sp_emitter_prepare(snowplow_emitter *em, const char *fn, const sp_payload *const *payloads,
                       size_t n, sp_prepared *out);

/*
 * Queue prepared events as a unit; consumes `prepared` in every case. When the
 * queue is full the emitter's full policy applies: DROP_NEWEST and BLOCK (after
 * its wait) report the new events through on_failure ("queue full"), count
 * them as dropped and return SNOWPLOW_EFULL; DROP_OLDEST reports the evicted
 * ones instead. SNOWPLOW_ECLOSED when the emitter closed since prepare. Errors
 * set the thread's message prefixed with `fn`. Waits only under BLOCK, and
 * never inside a callback of any emitter.
 */
int sp_emitter_commit(sp_prepared *prepared, const char *fn);

/* Release prepared events that will not be committed. */
void sp_emitter_discard(sp_prepared *prepared);

/*
 * Wait up to timeout_ms (negative: no limit) until every event accepted so far
 * is sent or failed for good and reported: what close waits for before it stops
 * the threads, without closing. flush() waits for less (one attempt per event).
 * For tests and benchmarks. 0, SNOWPLOW_ETIMEOUT, SNOWPLOW_ECLOSED, or
 * SNOWPLOW_EDEADLK from a callback of `em`.
 */
int sp_emitter_drain(snowplow_emitter *em, int timeout_ms);

/* prepare + commit for one emitter (tests and single-emitter callers). */
int sp_emitter_enqueue(snowplow_emitter *em, const char *fn, const sp_payload *const *payloads,
                       size_t n);

/*
 * Queue one event already encoded as its POST JSON object (compact, every
 * value a non-empty string, no stm), given as `n` pieces that follow each
 * other, with its eid: the text is the record, no payload is built. Returns 1
 * without doing anything when the emitter sends GET (the caller then goes
 * through a payload); otherwise as sp_emitter_enqueue().
 */
int sp_emitter_enqueue_post_text(snowplow_emitter *em, const char *fn,
                                 const sp_text_piece *pieces, size_t n, const char *eid);

#endif
