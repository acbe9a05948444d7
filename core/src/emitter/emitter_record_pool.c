/* Records reused between sending and tracking threads (see emitter_record_pool.h). */
#include "emitter/emitter_record_pool.h"

#include "util/hot_mutex.h"

#include <stdlib.h>
#include <string.h>

int sp_record_pool_init(sp_record_pool *pool)
{
    memset(pool->free, 0, sizeof pool->free);
    pool->count = 0;
    pool->bytes = 0;
    return sp_hot_mutex_init(&pool->lock) == 0 ? 0 : -1;
}

static void free_chain(sp_record *r)
{
    while (r) {
        sp_record *next = r->next;
        sp_record_free(r);
        r = next;
    }
}

void sp_record_pool_destroy(sp_record_pool *pool)
{
    for (size_t k = 0; k < SP_RECORD_CLASSES; k++) {
        free_chain(pool->free[k]);
        pool->free[k] = NULL;
    }
    pool->count = 0;
    pool->bytes = 0;
    pthread_mutex_destroy(&pool->lock);
}

sp_record *sp_record_pool_take(sp_record_pool *pool, size_t text_len)
{
    unsigned k = sp_record_size_class(text_len);
    if (k == 0)
        return sp_record_alloc(text_len);
    pthread_mutex_lock(&pool->lock);
    sp_record *r = pool->free[k - 1];
    if (r) {
        pool->free[k - 1] = r->next;
        pool->count--;
        pool->bytes -= (size_t)k * SP_RECORD_CLASS_BYTES;
    }
    pthread_mutex_unlock(&pool->lock);
    if (!r)
        return sp_record_alloc(text_len);
    memset(r, 0, sizeof *r);
    r->size_class = k;
    return r;
}

static sp_record *take_from(void *pool, size_t text_len)
{
    return sp_record_pool_take(pool, text_len);
}

sp_record *sp_record_new_pooled(sp_record_pool *pool, const sp_payload *p,
                                snowplow_method method)
{
    return sp_record_encode(p, method, take_from, pool);
}

void sp_record_pool_give(sp_record_pool *pool, sp_record_list *list)
{
    /* Sorted into chains by class first, so that the lock is held only to
     * link each chain in. */
    sp_record *head[SP_RECORD_CLASSES] = {0}, *tail[SP_RECORD_CLASSES] = {0};
    sp_record *unpooled = NULL;
    size_t n = 0, bytes = 0;
    sp_record *r = list->head;
    while (r) {
        sp_record *next = r->next;
        unsigned k = r->size_class;
        if (k == 0 || k > SP_RECORD_CLASSES) {
            r->next = unpooled;
            unpooled = r;
        } else {
            r->next = head[k - 1];
            head[k - 1] = r;
            if (!tail[k - 1])
                tail[k - 1] = r;
            n++;
            bytes += (size_t)k * SP_RECORD_CLASS_BYTES;
        }
        r = next;
    }
    *list = (sp_record_list){0};
    free_chain(unpooled);
    if (n == 0)
        return;

    pthread_mutex_lock(&pool->lock);
    int keep = pool->bytes + bytes <= SP_RECORD_POOL_MAX_BYTES;
    if (keep) {
        for (size_t k = 0; k < SP_RECORD_CLASSES; k++) {
            if (!head[k])
                continue;
            tail[k]->next = pool->free[k];
            pool->free[k] = head[k];
        }
        pool->count += n;
        pool->bytes += bytes;
    }
    pthread_mutex_unlock(&pool->lock);
    if (!keep)
        for (size_t k = 0; k < SP_RECORD_CLASSES; k++)
            free_chain(head[k]);
}
