/*
 * Internal: the completion queue, the one callback trampoline of every binding.
 *
 * Sending threads push results; a host thread (a Python or Ruby dispatcher, a Lua
 * loop) takes them. Pushing never waits: a full queue drops the result and counts
 * it. An eventfd is readable exactly while results wait, for event loops.
 */
#ifndef SP_RESULT_QUEUE_H
#define SP_RESULT_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snowplow/result.h"

typedef struct sp_result_queue sp_result_queue;

/* capacity >= 1. Returns 0, SNOWPLOW_ENOMEM or SNOWPLOW_ESYS (no eventfd). */
int sp_result_queue_new(sp_result_queue **out, size_t capacity);
/* Frees results still waiting. No thread may be waiting in pop. */
void sp_result_queue_free(sp_result_queue *q);
/* In a child process after fork(): free the memory (and the child's copy of the
 * fd) without touching the lock or condition variable, which threads of the
 * parent may have been using. */
void sp_result_queue_free_forked(sp_result_queue *q);

/* Take ownership of `result` and queue it; false when full (the caller keeps and
 * frees it, and counts the drop). Never blocks beyond the queue's own lock. */
bool sp_result_queue_push(sp_result_queue *q, snowplow_result *result);

/*
 * Oldest result, waiting up to timeout_ms (0 = poll, negative = no limit).
 * Returns 0 with *out owned by the caller, SNOWPLOW_ETIMEOUT, SNOWPLOW_EWOKEN
 * (sp_result_queue_wake was called since the last pop returned it), or
 * SNOWPLOW_ECLOSED (closed and empty).
 */
int sp_result_queue_pop(sp_result_queue *q, snowplow_result **out, int timeout_ms);

/* End every current wait with SNOWPLOW_EWOKEN, or the next one if none waits. */
void sp_result_queue_wake(sp_result_queue *q);
/* No more results will come: waits end with SNOWPLOW_ECLOSED once it is empty. */
void sp_result_queue_close(sp_result_queue *q);
/* Readable while results wait. */
int sp_result_queue_fd(const sp_result_queue *q);

/* fork(): hold the queue's lock across the fork so that the child's copy is
 * consistent; release it afterwards, in the parent and in the child. */
void sp_result_queue_fork_lock(sp_result_queue *q);
void sp_result_queue_fork_unlock(sp_result_queue *q);

#endif
