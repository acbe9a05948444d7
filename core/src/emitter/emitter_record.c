/* Records: each event encoded once, on the tracking thread; stm added at send time. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "emitter/emitter_record.h"
#include "snowplow/common.h"
#include "util/text.h"

/* A scratch buffer per thread for encoding, so that a record costs one
 * allocation; released when the thread ends. Big ones are not kept. */
#define SP_SCRATCH_KEEP_BYTES 65536

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static int scratch_key_ok;

static void free_scratch(void *p)
{
    sp_strbuf_free(p);
    free(p);
}

static void make_scratch_key(void)
{
    scratch_key_ok = pthread_key_create(&scratch_key, free_scratch) == 0;
}

/* The thread's scratch buffer, or NULL (then the caller uses a local one). */
static sp_strbuf *thread_scratch(void)
{
    pthread_once(&scratch_once, make_scratch_key);
    if (!scratch_key_ok)
        return NULL;
    sp_strbuf *b = pthread_getspecific(scratch_key);
    if (!b && (b = calloc(1, sizeof *b)) != NULL && pthread_setspecific(scratch_key, b) != 0) {
        free(b);
        b = NULL;
    }
    return b;
}

static size_t wire_size_of(snowplow_method method, size_t text_len)
{
    return text_len + (method == SNOWPLOW_METHOD_GET ? SP_GET_STM_BYTES : SP_POST_STM_BYTES);
}

size_t sp_record_request_size(snowplow_method method, size_t wire_size)
{
    return method == SNOWPLOW_METHOD_GET ? wire_size : wire_size + SP_POST_ENVELOPE_BYTES;
}

unsigned sp_record_size_class(size_t text_len)
{
    if (text_len > SP_RECORD_CLASSES * SP_RECORD_CLASS_BYTES)
        return 0;
    size_t total = sizeof(sp_record) + text_len + 1;
    size_t k = (total + SP_RECORD_CLASS_BYTES - 1) / SP_RECORD_CLASS_BYTES;
    return k <= SP_RECORD_CLASSES ? (unsigned)k : 0;
}

sp_record *sp_record_alloc(size_t text_len)
{
    if (text_len > SIZE_MAX - sizeof(sp_record) - 1)
        return NULL;
    unsigned k = sp_record_size_class(text_len);
    size_t size = k ? (size_t)k * SP_RECORD_CLASS_BYTES : sizeof(sp_record) + text_len + 1;
    sp_record *r = malloc(size);
    if (!r)
        return NULL;
    memset(r, 0, sizeof *r);
    r->size_class = k;
    return r;
}

void sp_record_set_text(sp_record *r, const char *text, size_t len, const char *eid,
                        snowplow_method method)
{
    sp_text_piece one = {text, len};
    sp_record_set_pieces(r, &one, 1, eid, method);
}

void sp_record_set_pieces(sp_record *r, const sp_text_piece *pieces, size_t count,
                          const char *eid, snowplow_method method)
{
    size_t len = 0;
    for (size_t i = 0; i < count; i++) {
        memcpy(r->text + len, pieces[i].data, pieces[i].len);
        len += pieces[i].len;
    }
    r->text[len] = '\0';
    r->text_len = len;
    r->wire_size = wire_size_of(method, len);
    if (eid) { /* not snprintf: it costs more than the rest of this function */
        size_t n = strnlen(eid, sizeof r->eid - 1);
        memcpy(r->eid, eid, n);
        r->eid[n] = '\0';
    }
}

sp_record *sp_record_from_text(const char *text, size_t len, const char *eid,
                               snowplow_method method)
{
    sp_record *r = sp_record_alloc(len);
    if (r)
        sp_record_set_text(r, text, len, eid, method);
    return r;
}

sp_record *sp_record_encode(const sp_payload *p, snowplow_method method,
                            sp_record_alloc_fn alloc, void *ctx)
{
    sp_strbuf local = SP_STRBUF_INIT;
    sp_strbuf *buf = thread_scratch();
    if (!buf)
        buf = &local;
    sp_strbuf_reset(buf);
    int rc = method == SNOWPLOW_METHOD_GET ? sp_payload_to_query(p, buf)
                                           : sp_payload_to_json(p, buf);
    sp_record *r = NULL;
    if (rc == 0 && buf->data) {
        r = alloc ? alloc(ctx, buf->len) : sp_record_alloc(buf->len);
        if (r)
            sp_record_set_text(r, buf->data, buf->len, sp_payload_get(p, "eid"), method);
    }
    if (buf == &local || buf->cap > SP_SCRATCH_KEEP_BYTES)
        sp_strbuf_free(buf);
    return r;
}

sp_record *sp_record_new(const sp_payload *p, snowplow_method method)
{
    return sp_record_encode(p, method, NULL, NULL);
}

void sp_record_free(sp_record *r)
{
    free(r);
}

/* `json` (an object) with ,"stm":"..." before its closing brace, as pieces. */
static size_t stm_pieces(const char *json, size_t len, int64_t stm, sp_text_piece *pieces,
                         char digits[24])
{
    if (len < 2 || json[len - 1] != '}') {
        pieces[0] = (sp_text_piece){json, len}; /* not an object: leave it */
        return 1;
    }
    int empty = len == 2; /* "{}": no comma before the field */
    pieces[0] = (sp_text_piece){json, len - 1};
    pieces[1] = empty ? (sp_text_piece){"\"stm\":\"", 7} : (sp_text_piece){",\"stm\":\"", 8};
    pieces[2] = (sp_text_piece){digits, sp_format_int64(digits, stm)};
    pieces[3] = (sp_text_piece){"\"}", 2};
    return 4;
}

static int splice_stm(sp_strbuf *out, const char *json, size_t len, int64_t stm)
{
    sp_text_piece pieces[SP_RECORD_PIECES_MAX];
    char digits[24];
    size_t n = stm_pieces(json, len, stm, pieces, digits);
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += pieces[i].len;
    int rc = sp_strbuf_reserve(out, total);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = sp_strbuf_append(out, pieces[i].data, pieces[i].len);
    return rc;
}

size_t sp_record_post_pieces(const sp_record *r, sp_text_piece *pieces, char digits[24])
{
    if (!r->last_stm) {
        pieces[0] = (sp_text_piece){r->text, r->text_len};
        return 1;
    }
    return stm_pieces(r->text, r->text_len, r->last_stm, pieces, digits);
}

int sp_record_append_post(const sp_record *r, int64_t stm, sp_strbuf *out)
{
    return splice_stm(out, r->text, r->text_len, stm);
}

size_t sp_record_stm_tail(int64_t stm, char tail[SP_RECORD_STM_TAIL_MAX])
{
    memcpy(tail, ",\"stm\":\"", 8);
    size_t n = 8 + sp_format_int64(tail + 8, stm);
    memcpy(tail + n, "\"}", 2);
    return n + 2;
}

int sp_record_append_post_tail(const sp_record *r, int64_t stm, const char *tail,
                               size_t tail_len, sp_strbuf *out)
{
    if (r->text_len <= 2 || r->text[r->text_len - 1] != '}')
        return splice_stm(out, r->text, r->text_len, stm); /* "{}", or not an object */
    int rc = sp_strbuf_reserve(out, r->text_len - 1 + tail_len);
    if (rc == 0)
        rc = sp_strbuf_append(out, r->text, r->text_len - 1);
    if (rc == 0)
        rc = sp_strbuf_append(out, tail, tail_len);
    return rc;
}

/* Percent-decode text[0..len) into `tmp`, then append it as a JSON string. */
static int append_decoded(sp_strbuf *out, sp_strbuf *tmp, const char *text, size_t len)
{
    sp_strbuf_reset(tmp);
    int rc = sp_strbuf_reserve(tmp, len + 1);
    for (size_t i = 0; i < len && rc == 0; i++) {
        char c = text[i];
        int hi, lo;
        if (c == '%' && i + 2 < len && (hi = sp_hex_value(text[i + 1])) >= 0 &&
            (lo = sp_hex_value(text[i + 2])) >= 0) {
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        rc = sp_strbuf_append_char(tmp, c);
    }
    if (rc == 0)
        rc = sp_strbuf_append_json_string(out, tmp->data ? tmp->data : "", tmp->len);
    return rc;
}

/* The GET query k=v&k=v (percent-encoded, as sp_payload_to_query writes it)
 * back into the JSON object of its fields. */
static int query_to_json(const char *q, size_t len, sp_strbuf *out)
{
    sp_strbuf tmp = SP_STRBUF_INIT;
    int rc = sp_strbuf_append_char(out, '{');
    size_t start = 0;
    int first = 1;
    while (rc == 0 && start < len) {
        const char *amp = memchr(q + start, '&', len - start);
        size_t end = amp ? (size_t)(amp - q) : len;
        const char *eq = memchr(q + start, '=', end - start);
        size_t key_end = eq ? (size_t)(eq - q) : end;
        size_t value_start = eq ? key_end + 1 : end;
        if (!first)
            rc = sp_strbuf_append_char(out, ',');
        first = 0;
        if (rc == 0)
            rc = append_decoded(out, &tmp, q + start, key_end - start);
        if (rc == 0)
            rc = sp_strbuf_append_char(out, ':');
        if (rc == 0)
            rc = append_decoded(out, &tmp, q + value_start, end - value_start);
        start = end + 1;
    }
    if (rc == 0)
        rc = sp_strbuf_append_char(out, '}');
    sp_strbuf_free(&tmp);
    return rc;
}

int sp_record_event_json(const sp_record *r, snowplow_method method, sp_strbuf *out)
{
    if (method == SNOWPLOW_METHOD_POST)
        return r->last_stm ? splice_stm(out, r->text, r->text_len, r->last_stm)
                           : sp_strbuf_append(out, r->text, r->text_len);
    sp_strbuf fields = SP_STRBUF_INIT;
    int rc = query_to_json(r->text, r->text_len, &fields);
    if (rc == 0)
        rc = r->last_stm ? splice_stm(out, fields.data, fields.len, r->last_stm)
                         : sp_strbuf_append(out, fields.data, fields.len);
    sp_strbuf_free(&fields);
    return rc;
}

void sp_record_list_append(sp_record_list *list, sp_record *r)
{
    r->next = NULL;
    r->prev = NULL;
    if (list->tail)
        list->tail->next = r;
    else
        list->head = r;
    list->tail = r;
    list->count++;
}

void sp_record_list_concat(sp_record_list *list, sp_record_list *more)
{
    if (!more->head)
        return;
    if (list->tail)
        list->tail->next = more->head;
    else
        list->head = more->head;
    list->tail = more->tail;
    list->count += more->count;
    *more = (sp_record_list){0};
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

size_t sp_record_list_bytes(const sp_record_list *list)
{
    size_t bytes = 0;
    for (const sp_record *r = list->head; r; r = r->next)
        bytes += r->wire_size;
    return bytes;
}
