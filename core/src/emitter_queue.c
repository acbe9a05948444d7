/* The emitter's FIFO of records and the cutting of batches. */
#include "emitter_queue.h"

void sp_queue_init(sp_queue *q, size_t capacity)
{
    q->head = q->tail = NULL;
    q->count = q->bytes = 0;
    q->capacity = capacity;
}

bool sp_queue_has_room(const sp_queue *q, size_t n)
{
    return n <= q->capacity && q->count <= q->capacity - n;
}

static size_t list_bytes(const sp_record_list *list)
{
    size_t bytes = 0;
    for (const sp_record *r = list->head; r; r = r->next)
        bytes += r->wire_size;
    return bytes;
}

void sp_queue_push_back(sp_queue *q, sp_record_list *list)
{
    if (!list->head)
        return;
    if (q->tail)
        q->tail->next = list->head;
    else
        q->head = list->head;
    q->tail = list->tail;
    q->count += list->count;
    q->bytes += list_bytes(list);
    *list = (sp_record_list){0};
}

void sp_queue_push_front(sp_queue *q, sp_record_list *list)
{
    if (!list->head)
        return;
    list->tail->next = q->head;
    q->head = list->head;
    if (!q->tail)
        q->tail = list->tail;
    q->count += list->count;
    q->bytes += list_bytes(list);
    *list = (sp_record_list){0};
}

/* Bytes the next record adds to a POST body that already holds `n` events. */
static size_t added_bytes(const sp_record *r, size_t n)
{
    return r->wire_size + (n > 0 ? 1 : 0); /* the comma between events */
}

sp_record_list sp_queue_pop_batch(sp_queue *q, snowplow_method method, size_t max_n,
                                  size_t byte_limit)
{
    sp_record_list out = {0};
    if (method == SNOWPLOW_METHOD_GET)
        max_n = 1;
    size_t size = method == SNOWPLOW_METHOD_GET ? 0 : SP_POST_ENVELOPE_BYTES;
    while (q->head && out.count < max_n) {
        sp_record *r = q->head;
        size_t add = added_bytes(r, out.count);
        if (out.count > 0 && size + add > byte_limit)
            break;
        size += add;
        q->head = r->next;
        if (!q->head)
            q->tail = NULL;
        q->count--;
        q->bytes -= r->wire_size;
        r->next = NULL;
        sp_record_list_append(&out, r);
    }
    return out;
}

bool sp_queue_batch_ready(const sp_queue *q, snowplow_method method, size_t max_n,
                          size_t byte_limit)
{
    if (method == SNOWPLOW_METHOD_GET)
        return q->count > 0;
    if (q->count >= max_n)
        return true;
    /* Everything waiting would not fit one body: the first batch is full. */
    return q->count > 0 && SP_POST_ENVELOPE_BYTES + q->bytes + (q->count - 1) > byte_limit;
}

sp_record_list sp_queue_take_all(sp_queue *q)
{
    sp_record_list out = {q->head, q->tail, q->count};
    sp_queue_init(q, q->capacity);
    return out;
}

uint64_t sp_queue_min_seq(const sp_queue *q)
{
    return q->head ? q->head->seq : UINT64_MAX;
}

void sp_record_list_append(sp_record_list *list, sp_record *r)
{
    r->next = NULL;
    if (list->tail)
        list->tail->next = r;
    else
        list->head = r;
    list->tail = r;
    list->count++;
}

void sp_record_list_free(sp_record_list *list)
{
    sp_record *r = list->head;
    while (r) {
        sp_record *next = r->next;
        sp_record_free(r);
        r = next;
    }
    *list = (sp_record_list){0};
}
