/* Records: each event encoded once at enqueue, stm added at send time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emitter_record.h"
#include "snowplow/common.h"
#include "util/text.h"

static int encode(const sp_payload *p, snowplow_method method, sp_strbuf *out)
{
    return method == SNOWPLOW_METHOD_GET ? sp_payload_to_query(p, out)
                                         : sp_payload_to_json(p, out);
}

static size_t wire_size_of(snowplow_method method, size_t text_len)
{
    return text_len + (method == SNOWPLOW_METHOD_GET ? SP_GET_STM_BYTES : SP_POST_STM_BYTES);
}

int sp_record_measure(const sp_payload *p, snowplow_method method, sp_strbuf *scratch,
                      size_t *wire_size)
{
    sp_strbuf_reset(scratch);
    int rc = encode(p, method, scratch);
    if (rc < 0)
        return rc;
    *wire_size = wire_size_of(method, scratch->len);
    return 0;
}

size_t sp_record_request_size(snowplow_method method, size_t wire_size)
{
    return method == SNOWPLOW_METHOD_GET ? wire_size : wire_size + SP_POST_ENVELOPE_BYTES;
}

sp_record *sp_record_new(sp_payload *p, snowplow_method method)
{
    sp_record *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    sp_strbuf buf = SP_STRBUF_INIT;
    if (encode(p, method, &buf) < 0) {
        sp_strbuf_free(&buf);
        free(r);
        return NULL;
    }
    r->text_len = buf.len;
    r->text = sp_strbuf_detach(&buf);
    if (!r->text) {
        free(r);
        return NULL;
    }
    r->wire_size = wire_size_of(method, r->text_len);
    if (method == SNOWPLOW_METHOD_GET)
        r->payload = p;
    const char *eid = sp_payload_get(p, "eid");
    if (eid)
        snprintf(r->eid, sizeof r->eid, "%s", eid);
    return r;
}

void sp_record_free_borrowed(sp_record *r)
{
    if (!r)
        return;
    free(r->text);
    free(r);
}

void sp_record_free(sp_record *r)
{
    if (!r)
        return;
    sp_payload_free(r->payload);
    sp_record_free_borrowed(r);
}

/* Append `json` (an object) with ,"stm":"..." before its closing brace. */
static int splice_stm(sp_strbuf *out, const char *json, size_t len, int64_t stm)
{
    if (len < 2 || json[len - 1] != '}')
        return sp_strbuf_append(out, json, len); /* not an object: leave it */
    char digits[24];
    size_t n = sp_format_int64(digits, stm);
    int empty = len == 2; /* "{}": no comma before the field */
    int rc = sp_strbuf_append(out, json, len - 1);
    if (rc == 0)
        rc = sp_strbuf_append_str(out, empty ? "\"stm\":\"" : ",\"stm\":\"");
    if (rc == 0)
        rc = sp_strbuf_append(out, digits, n);
    if (rc == 0)
        rc = sp_strbuf_append_str(out, "\"}");
    return rc;
}

int sp_record_append_post(const sp_record *r, int64_t stm, sp_strbuf *out)
{
    return splice_stm(out, r->text, r->text_len, stm);
}

int sp_record_event_json(const sp_record *r, sp_strbuf *out)
{
    const char *json = r->text;
    size_t len = r->text_len;
    sp_strbuf fields = SP_STRBUF_INIT;
    if (r->payload) { /* GET keeps the query; the JSON is built only for results */
        if (sp_payload_to_json(r->payload, &fields) < 0) {
            sp_strbuf_free(&fields);
            return SNOWPLOW_ENOMEM;
        }
        json = fields.data;
        len = fields.len;
    }
    int rc = r->last_stm ? splice_stm(out, json, len, r->last_stm)
                         : sp_strbuf_append(out, json, len);
    sp_strbuf_free(&fields);
    return rc;
}
