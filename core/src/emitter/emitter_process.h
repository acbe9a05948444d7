/* Internal: the registry of live emitters for fork() and exit (emitter_process.c). */
#ifndef SP_EMITTER_PROCESS_H
#define SP_EMITTER_PROCESS_H

#include "emitter/emitter_impl.h"

/* Once per process: curl, the fork handlers, the exit handler. 0 or -1. */
int sp_process_init(void);
void sp_process_register(snowplow_emitter *em);
void sp_process_unregister(snowplow_emitter *em);

#endif
