/*
 * Hook points of the persistent store (see emitter_store.h): no-ops until the
 * store is wired into the emitter.
 */
#include "emitter_impl.h"
#include "emitter_store.h"

int sp_emitter_store_start(snowplow_emitter *em, const char *fn)
{
    (void)em;
    (void)fn;
    return 0;
}

void sp_emitter_store_accepted(snowplow_emitter *em, const sp_record_list *records)
{
    (void)em;
    (void)records;
}

void sp_emitter_store_retrying(snowplow_emitter *em, const sp_record_list *records)
{
    (void)em;
    (void)records;
}

void sp_emitter_store_finished(snowplow_emitter *em, const sp_record_list *records,
                               bool delivered)
{
    (void)em;
    (void)records;
    (void)delivered;
}

bool sp_emitter_store_keeps_unsent(snowplow_emitter *em)
{
    return em->store != NULL;
}

void sp_emitter_store_stop(snowplow_emitter *em)
{
    (void)em;
}

void sp_emitter_store_at_exit(snowplow_emitter *em)
{
    (void)em;
}

void sp_emitter_store_free(snowplow_emitter *em)
{
    (void)em;
}
