/* The persistent store: freeing loaded events (built with or without SQLite). */
#include <stdlib.h>

#include "store/store.h"

void sp_store_events_free(sp_store_event *events, size_t n)
{
    if (!events)
        return;
    for (size_t i = 0; i < n; i++)
        free(events[i].payload_json);
    free(events);
}
