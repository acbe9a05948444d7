/* Internal: growing an array of fixed-size elements by doubling. */
#ifndef SP_ARRAY_H
#define SP_ARRAY_H

#include <stdint.h>
#include <stdlib.h>

#include "snowplow/common.h"

/*
 * Make room for one more element in *items (count elements used, *cap
 * allocated, each elem_size bytes): doubles *cap, starting at first_cap.
 * Returns 0, or SNOWPLOW_ENOMEM with *items and *cap unchanged.
 */
static inline int sp_array_grow(void *items, size_t *cap, size_t count, size_t elem_size,
                                size_t first_cap)
{
    if (count < *cap)
        return 0;
    size_t new_cap = *cap ? *cap * 2 : first_cap;
    if (new_cap < *cap || new_cap > SIZE_MAX / elem_size)
        return SNOWPLOW_ENOMEM;
    void **slot = items;
    void *grown = realloc(*slot, new_cap * elem_size);
    if (!grown)
        return SNOWPLOW_ENOMEM;
    *slot = grown;
    *cap = new_cap;
    return 0;
}

#endif
