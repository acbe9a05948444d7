/* Internal: the sending threads (emitter_worker.c), and how the tracking side
 * wakes them. */
#ifndef SP_EMITTER_WORKER_H
#define SP_EMITTER_WORKER_H

#include "emitter/emitter_impl.h"

/* The sending threads' main function (arg: its sp_worker). */
void *sp_worker_main(void *arg);
/* No reason to hold a fresh partial batch open any longer (lock held). */
bool sp_emitter_send_now(const snowplow_emitter *em);
/* Fresh events were queued: wake a sending thread if one should act (lock held). */
void sp_emitter_wake_senders(snowplow_emitter *em);

#endif
