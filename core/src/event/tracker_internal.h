/* Internal: the tracker's payload building, shared with snowplow_tracker_options_encode(). */
#ifndef SP_TRACKER_INTERNAL_H
#define SP_TRACKER_INTERNAL_H

#include <stddef.h>

#include "event/payload.h"
#include "snowplow/tracker.h"

/* The payloads of one tracked event: its own (`first`, no allocation) and one
 * per transaction item; the array stays on the stack up to this many. */
#define SP_PAYLOAD_SET_STACK 16
typedef struct sp_payload_set {
    sp_payload first;
    sp_payload *stack[SP_PAYLOAD_SET_STACK];
    sp_payload **all; /* all[0] == &first; the items' are allocated when built */
    size_t n;
} sp_payload_set;

/*
 * The start shared by every function that turns one event into payloads: check
 * `ev` for the public function `fn` (not NULL, sp_event_check()), then make room
 * for its payloads (1 + its items), all[0] initialised. Returns SNOWPLOW_OK, or an
 * error code with the thread's last error set (then nothing is to be released).
 */
int sp_payload_set_begin(sp_payload_set *set, const snowplow_event *ev, const char *fn);
/* Free what the set and its payloads allocated. */
void sp_payload_set_release(sp_payload_set *set);

/*
 * Fill payloads[0..n-1] for `ev` (n = 1 + its items) as a tracker made from
 * `options` would: eid (written to `eid`, SNOWPLOW_EID_SIZE bytes), dtm, tracker
 * and subject fields, the event's fields and contexts. payloads[0] is the
 * caller's, initialised; the others are allocated here and freed by the caller
 * (also on error). The event must have passed sp_event_check(). Returns 0 or
 * SNOWPLOW_ENOMEM.
 */
int sp_tracker_options_payloads(sp_payload **payloads, size_t n,
                                const snowplow_tracker_options *options,
                                const snowplow_event *ev, char *eid);

/* snowplow_tracker_track() with messages that start with `fn`. */
int sp_tracker_track(char *eid_out, snowplow_tracker *tracker, const snowplow_event *event,
                     const char *fn);

#endif
