/*
 * Delivery results: what happened to a group of events.
 *
 * The texts of every event (JSON and eid, each NUL-terminated) live in one
 * growing buffer addressed by offsets, so that building a result for a batch
 * costs a few allocations and copying it is a handful of memcpy calls.
 *
 * A result lent to a callback can also be lazy (sp_result_set_lazy): the texts
 * are written on the first call that needs one, from any thread, under the
 * result's lock, so that a callback that only counts events costs no copy.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "emitter/result_internal.h"

struct snowplow_result {
    snowplow_result_kind kind;
    int status;
    int will_retry;
    size_t success_count;
    char *reason;

    size_t count;
    size_t cap;
    size_t *json_off; /* offsets into text */
    size_t *eid_off;

    char *text;
    size_t text_len;
    size_t text_cap;

    /* Lazy texts: fill() adds the events once; `filled` says it has run. */
    size_t lazy_count;
    sp_result_fill_fn fill;
    void *fill_ctx;
    atomic_bool filled;
    pthread_mutex_t fill_lock;
};

snowplow_result *sp_result_new(snowplow_result_kind kind, int status, const char *reason,
                               int will_retry, size_t success_count)
{
    snowplow_result *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->reason = strdup(reason ? reason : "");
    if (!r->reason) {
        free(r);
        return NULL;
    }
    r->kind = kind;
    r->status = status;
    r->will_retry = will_retry;
    r->success_count = success_count;
    atomic_init(&r->filled, true);
    return r;
}

int sp_result_set_lazy(snowplow_result *r, size_t count, sp_result_fill_fn fill, void *ctx)
{
    if (pthread_mutex_init(&r->fill_lock, NULL) != 0)
        return SNOWPLOW_ENOMEM;
    r->lazy_count = count;
    r->fill = fill;
    r->fill_ctx = ctx;
    atomic_store(&r->filled, false);
    return 0;
}

/* The texts, written now if the result is lazy and they are not yet. */
static const snowplow_result *texts_of(const snowplow_result *result)
{
    if (!atomic_load_explicit(&result->filled, memory_order_acquire)) {
        snowplow_result *r = (snowplow_result *)result; /* the texts are a cache */
        pthread_mutex_lock(&r->fill_lock);
        if (!atomic_load_explicit(&r->filled, memory_order_relaxed)) {
            r->fill(r, r->fill_ctx);
            atomic_store_explicit(&r->filled, true, memory_order_release);
        }
        pthread_mutex_unlock(&r->fill_lock);
    }
    return result;
}

static int grow_text(snowplow_result *r, size_t extra)
{
    if (r->text_cap - r->text_len >= extra)
        return 0;
    size_t cap = r->text_cap ? r->text_cap : 256;
    while (cap - r->text_len < extra) {
        if (cap > SIZE_MAX / 2)
            return SNOWPLOW_ENOMEM;
        cap *= 2;
    }
    char *text = realloc(r->text, cap);
    if (!text)
        return SNOWPLOW_ENOMEM;
    r->text = text;
    r->text_cap = cap;
    return 0;
}

static int grow_index(snowplow_result *r, size_t extra)
{
    if (r->cap - r->count >= extra)
        return 0;
    size_t cap = r->cap ? r->cap : 8;
    while (cap - r->count < extra) {
        if (cap > SIZE_MAX / 2 / sizeof(size_t))
            return SNOWPLOW_ENOMEM;
        cap *= 2;
    }
    size_t *json_off = realloc(r->json_off, cap * sizeof *json_off);
    if (!json_off)
        return SNOWPLOW_ENOMEM;
    r->json_off = json_off;
    size_t *eid_off = realloc(r->eid_off, cap * sizeof *eid_off);
    if (!eid_off)
        return SNOWPLOW_ENOMEM;
    r->eid_off = eid_off;
    r->cap = cap;
    return 0;
}

int sp_result_reserve(snowplow_result *r, size_t events, size_t text_bytes)
{
    if (grow_index(r, events) < 0 || grow_text(r, text_bytes) < 0)
        return SNOWPLOW_ENOMEM;
    return 0;
}

int sp_result_add_event_pieces(snowplow_result *r, const sp_text_piece *pieces, size_t n,
                               const char *eid)
{
    if (!eid)
        eid = "";
    size_t eid_len = strlen(eid), need = eid_len + 2;
    for (size_t i = 0; i < n; i++) {
        if (pieces[i].len > SIZE_MAX - need)
            return SNOWPLOW_ENOMEM;
        need += pieces[i].len;
    }
    if (grow_index(r, 1) < 0 || grow_text(r, need) < 0)
        return SNOWPLOW_ENOMEM;

    r->json_off[r->count] = r->text_len;
    for (size_t i = 0; i < n; i++) {
        memcpy(r->text + r->text_len, pieces[i].data, pieces[i].len);
        r->text_len += pieces[i].len;
    }
    r->text[r->text_len++] = '\0';

    r->eid_off[r->count] = r->text_len;
    memcpy(r->text + r->text_len, eid, eid_len + 1);
    r->text_len += eid_len + 1;

    r->count++;
    return 0;
}

int sp_result_add_event(snowplow_result *r, const char *json, size_t json_len,
                        const char *eid)
{
    sp_text_piece piece = {json, json_len};
    return sp_result_add_event_pieces(r, &piece, 1, eid);
}

void sp_result_set_success_count(snowplow_result *r, size_t success_count)
{
    r->success_count = success_count;
}

snowplow_result_kind snowplow_result_get_kind(const snowplow_result *result)
{
    return result ? result->kind : (snowplow_result_kind)0;
}

size_t snowplow_result_event_count(const snowplow_result *result)
{
    if (!result)
        return 0;
    return result->fill ? result->lazy_count : result->count;
}

const char *snowplow_result_event_json(const snowplow_result *result, size_t index)
{
    if (!result || index >= texts_of(result)->count)
        return NULL;
    return result->text + result->json_off[index];
}

const char *snowplow_result_event_id(const snowplow_result *result, size_t index)
{
    if (!result || index >= texts_of(result)->count)
        return NULL;
    return result->text + result->eid_off[index];
}

int snowplow_result_status(const snowplow_result *result)
{
    return result ? result->status : 0;
}

const char *snowplow_result_reason(const snowplow_result *result)
{
    /* NULL only for a NULL result, like the other accessors' "nothing" values. */
    return result ? result->reason : NULL;
}

int snowplow_result_will_retry(const snowplow_result *result)
{
    return result ? result->will_retry : 0;
}

size_t snowplow_result_success_count(const snowplow_result *result)
{
    return result ? result->success_count : 0;
}

int snowplow_result_copy(snowplow_result **out, const snowplow_result *result)
{
    if (!out)
        return sp_error_set(SNOWPLOW_EINVAL, "snowplow_result_copy: out: NULL");
    *out = NULL;
    if (!result)
        return sp_error_set(SNOWPLOW_EINVAL, "snowplow_result_copy: result: NULL");

    texts_of(result);
    snowplow_result *c = sp_result_new(result->kind, result->status, result->reason,
                                       result->will_retry, result->success_count);
    if (!c)
        goto nomem;
    if (result->count) {
        c->json_off = malloc(result->count * sizeof *c->json_off);
        c->eid_off = malloc(result->count * sizeof *c->eid_off);
        c->text = malloc(result->text_len);
        if (!c->json_off || !c->eid_off || !c->text)
            goto nomem;
        memcpy(c->json_off, result->json_off, result->count * sizeof *c->json_off);
        memcpy(c->eid_off, result->eid_off, result->count * sizeof *c->eid_off);
        memcpy(c->text, result->text, result->text_len);
        c->count = c->cap = result->count;
        c->text_len = c->text_cap = result->text_len;
    }
    *out = c;
    return 0;

nomem:
    snowplow_result_free(c);
    return sp_error_set(SNOWPLOW_ENOMEM, "snowplow_result_copy: out of memory");
}

void snowplow_result_free(snowplow_result *result)
{
    if (!result)
        return;
    free(result->json_off);
    free(result->eid_off);
    free(result->text);
    free(result->reason);
    if (result->fill)
        pthread_mutex_destroy(&result->fill_lock);
    free(result);
}
