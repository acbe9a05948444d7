/* The emitter's queue: records in sequence order, fresh and waiting for a retry. */
#include "emitter_queue.h"

void sp_queue_init(sp_queue *q)
{
    *q = (sp_queue){0};
}

/* ---- the `all` list (links prev/next) ---- */

static void all_insert_before(sp_queue *q, sp_record *r, sp_record *before)
{
    r->next = before;
    r->prev = before ? before->prev : q->all.tail;
    if (r->prev)
        r->prev->next = r;
    else
        q->all.head = r;
    if (before)
        before->prev = r;
    else
        q->all.tail = r;
}

static void all_unlink(sp_queue *q, sp_record *r)
{
    if (r->prev)
        r->prev->next = r->next;
    else
        q->all.head = r->next;
    if (r->next)
        r->next->prev = r->prev;
    else
        q->all.tail = r->prev;
    r->prev = r->next = NULL;
}

/* ---- the fresh and retry lists (links sub_prev/sub_next) ---- */

static void sub_insert_before(sp_dlist *l, sp_record *r, sp_record *before)
{
    r->sub_next = before;
    r->sub_prev = before ? before->sub_prev : l->tail;
    if (r->sub_prev)
        r->sub_prev->sub_next = r;
    else
        l->head = r;
    if (before)
        before->sub_prev = r;
    else
        l->tail = r;
}

static void sub_unlink(sp_dlist *l, sp_record *r)
{
    if (r->sub_prev)
        r->sub_prev->sub_next = r->sub_next;
    else
        l->head = r->sub_next;
    if (r->sub_next)
        r->sub_next->sub_prev = r->sub_prev;
    else
        l->tail = r->sub_prev;
    r->sub_prev = r->sub_next = NULL;
}

/* Take `r` out of the queue entirely. */
static void unlink_record(sp_queue *q, sp_record *r)
{
    bool fresh = r->not_before == 0;
    sub_unlink(fresh ? &q->fresh : &q->retry, r);
    all_unlink(q, r);
    q->count--;
    q->bytes -= r->wire_size;
    if (fresh) {
        q->fresh_count--;
        q->fresh_bytes -= r->wire_size;
    }
}

void sp_queue_push_fresh(sp_queue *q, sp_record_list *list)
{
    sp_record *r = list->head;
    while (r) {
        sp_record *next = r->next;
        r->not_before = 0;
        all_insert_before(q, r, NULL);
        sub_insert_before(&q->fresh, r, NULL);
        q->count++;
        q->bytes += r->wire_size;
        q->fresh_count++;
        q->fresh_bytes += r->wire_size;
        r = next;
    }
    *list = (sp_record_list){0};
}

/* Sort a chain by seq (merge sort on `next`); returns the new head. */
static sp_record *sort_by_seq(sp_record *head)
{
    if (!head || !head->next)
        return head;
    sp_record *slow = head, *fast = head->next;
    while (fast && fast->next) {
        slow = slow->next;
        fast = fast->next->next;
    }
    sp_record *second = slow->next;
    slow->next = NULL;
    sp_record *a = sort_by_seq(head), *b = sort_by_seq(second);
    sp_record *merged = NULL, **link = &merged;
    while (a && b) {
        sp_record **smaller = a->seq < b->seq ? &a : &b;
        *link = *smaller;
        link = &(*smaller)->next;
        *smaller = (*smaller)->next;
    }
    *link = a ? a : b;
    return merged;
}

void sp_queue_push_retry(sp_queue *q, sp_record_list *list)
{
    sp_record *r = sort_by_seq(list->head);
    sp_record *cursor = q->all.head;
    while (r) {
        sp_record *next = r->next;
        if (r->not_before == 0)
            r->not_before = 1; /* 0 marks fresh records */
        while (cursor && cursor->seq < r->seq)
            cursor = cursor->next;
        all_insert_before(q, r, cursor);
        /* Usually the latest not_before: found at once from the tail. */
        sp_record *after = q->retry.tail;
        while (after && after->not_before > r->not_before)
            after = after->sub_prev;
        sub_insert_before(&q->retry, r, after ? after->sub_next : q->retry.head);
        q->count++;
        q->bytes += r->wire_size;
        r = next;
    }
    *list = (sp_record_list){0};
}

/* Bytes the next record adds to a POST body that already holds `n` events. */
static size_t added_bytes(const sp_record *r, size_t n)
{
    return r->wire_size + (n > 0 ? 1 : 0); /* the comma between events */
}

sp_record_list sp_queue_pop_batch(sp_queue *q, snowplow_method method, size_t max_n,
                                  size_t byte_limit, int64_t now_ms, uint64_t *min_seq)
{
    sp_record_list out = {0};
    uint64_t min = UINT64_MAX;
    if (method == SNOWPLOW_METHOD_GET)
        max_n = 1;
    size_t size = method == SNOWPLOW_METHOD_GET ? 0 : SP_POST_ENVELOPE_BYTES;
    while (out.count < max_n) {
        sp_record *r = sp_queue_retry_due(q, now_ms) ? q->retry.head : q->fresh.head;
        if (!r)
            break;
        size_t add = added_bytes(r, out.count);
        if (out.count > 0 && size + add > byte_limit)
            break;
        size += add;
        unlink_record(q, r);
        if (r->seq < min)
            min = r->seq;
        sp_record_list_append(&out, r);
    }
    if (min_seq)
        *min_seq = min;
    return out;
}

sp_record *sp_queue_pop_oldest(sp_queue *q)
{
    sp_record *r = q->all.head;
    if (r)
        unlink_record(q, r);
    return r;
}

sp_record_list sp_queue_take_all(sp_queue *q)
{
    sp_record_list out = {0};
    sp_record *r;
    while ((r = sp_queue_pop_oldest(q)) != NULL)
        sp_record_list_append(&out, r);
    return out;
}

bool sp_queue_batch_ready(const sp_queue *q, snowplow_method method, size_t max_n,
                          size_t byte_limit)
{
    if (q->fresh_count == 0)
        return false;
    if (method == SNOWPLOW_METHOD_GET || q->fresh_count >= max_n)
        return true;
    /* Everything waiting would not fit one body: the first batch is full. */
    return SP_POST_ENVELOPE_BYTES + q->fresh_bytes + (q->fresh_count - 1) > byte_limit;
}

bool sp_queue_retry_due(const sp_queue *q, int64_t now_ms)
{
    return q->retry.head && q->retry.head->not_before <= now_ms;
}

int64_t sp_queue_next_retry(const sp_queue *q)
{
    return q->retry.head ? q->retry.head->not_before : INT64_MAX;
}

uint64_t sp_queue_min_seq(const sp_queue *q)
{
    return q->all.head ? q->all.head->seq : UINT64_MAX;
}

uint64_t sp_queue_fresh_min_seq(const sp_queue *q)
{
    return q->fresh.head ? q->fresh.head->seq : UINT64_MAX;
}
