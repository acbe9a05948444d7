/* The emitter's queue: records in sequence order, fresh and waiting for a retry. */
#include "emitter/emitter_queue.h"

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

/* The record that `r` goes before in `all` (NULL: at the tail), found by walking
 * from `hint` in whichever direction is needed; exact from any start. */
static sp_record *all_position(const sp_queue *q, const sp_record *r, sp_record *hint)
{
    sp_record *before = hint;
    for (;;) {
        sp_record *prev = before ? before->prev : q->all.tail;
        if (!prev || prev->seq < r->seq)
            break;
        before = prev;
    }
    while (before && before->seq < r->seq)
        before = before->next;
    return before;
}

/* The record that a retry due at `due` goes before in the retry list (NULL: at
 * the tail), after every record due no later. Walked from the end nearer in
 * time: backoffs grow exponentially, so a first retry belongs near the head
 * while late attempts gather at the tail. */
static sp_record *retry_position(const sp_queue *q, int64_t due)
{
    sp_record *head = q->retry.head, *tail = q->retry.tail;
    if (!head || tail->not_before <= due)
        return NULL;
    if (due - head->not_before < tail->not_before - due) {
        sp_record *before = head;
        while (before && before->not_before <= due)
            before = before->sub_next;
        return before;
    }
    sp_record *after = tail;
    while (after && after->not_before > due)
        after = after->sub_prev;
    return after ? after->sub_next : head;
}

void sp_queue_push_retry(sp_queue *q, sp_record_list *list)
{
    sp_record *r = sort_by_seq(list->head);
    /* Records put back are older than every fresh record (fresh ones leave in
     * sequence order), so their place in `all` is just before the first fresh
     * one: starting there keeps the walk short even with a long queue. */
    sp_record *hint = q->fresh.head;
    sp_record *last_retry = NULL;
    while (r) {
        sp_record *next = r->next;
        if (r->not_before == 0)
            r->not_before = 1; /* 0 marks fresh records */
        sp_record *before = all_position(q, r, hint);
        all_insert_before(q, r, before);
        hint = before; /* the batch is sorted: the next one goes after r */
        if (last_retry && last_retry->not_before == r->not_before) {
            /* A batch shares its not_before: keep its records together. */
            sub_insert_before(&q->retry, r, last_retry->sub_next);
        } else {
            sub_insert_before(&q->retry, r, retry_position(q, r->not_before));
        }
        last_retry = r;
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
