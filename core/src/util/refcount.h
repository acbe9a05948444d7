/* Internal: atomic reference counts for the shared handles. */
#ifndef SP_REFCOUNT_H
#define SP_REFCOUNT_H

#include <stdatomic.h>
#include <stdbool.h>

typedef struct sp_refcount {
    atomic_int count;
} sp_refcount;

static inline void sp_ref_init(sp_refcount *r) { atomic_init(&r->count, 1); }
static inline void sp_ref_inc(sp_refcount *r)
{
    atomic_fetch_add_explicit(&r->count, 1, memory_order_relaxed);
}
/* True when this was the last reference: the caller then frees the object. */
static inline bool sp_ref_dec(sp_refcount *r)
{
    return atomic_fetch_sub_explicit(&r->count, 1, memory_order_acq_rel) == 1;
}

#endif
