/* Encoding an event's own fields into its payload, as PROTOCOL.md lays them out. */
#include <stdlib.h>
#include <string.h>

#include "event/event_internal.h"
#include "event/sdjson_internal.h"
#include "snowplow/common.h"
#include "util/text.h"

#define UNSTRUCT_SCHEMA "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0"
#define CONTEXTS_SCHEMA "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1"

static int append_number(sp_strbuf *b, const sp_field_value *v)
{
    char text[32];
    size_t n = v->is_int ? sp_format_int64(text, v->i) : sp_format_double(text, v->d);
    return sp_strbuf_append(b, text, n);
}

/* One field as a JSON value; unset nullable fields are null. */
static int append_json_value(sp_strbuf *b, const sp_field_def *def, const sp_field_value *v)
{
    if (!v->set)
        return sp_strbuf_append_str(b, "null");
    switch (def->kind) {
    case SP_FIELD_STRING:
        return sp_strbuf_append_json_string(b, v->text, strlen(v->text));
    case SP_FIELD_NUMBER:
    case SP_FIELD_INTEGER:
        return append_number(b, v);
    case SP_FIELD_LIST: {
        int rc = sp_strbuf_append_char(b, '[');
        for (size_t i = 0; i < v->list_len && rc == 0; i++) {
            if (i > 0)
                rc = sp_strbuf_append_char(b, ',');
            if (rc == 0)
                rc = sp_strbuf_append_json_string(b, v->list[i], strlen(v->list[i]));
        }
        return rc != 0 ? rc : sp_strbuf_append_char(b, ']');
    }
    case SP_FIELD_FILTERS:
    case SP_FIELD_ELEMENTS:
        return sp_strbuf_append_str(b, v->text); /* validated, compact JSON */
    }
    return SNOWPLOW_EINVAL;
}

/* {"schema":<kind schema>,"data":{...fields...}} for built-in self-describing kinds. */
static int append_builtin_sdjson(sp_strbuf *b, const snowplow_event *ev)
{
    const sp_event_kind *kind = ev->kind;
    int rc = sp_strbuf_append_str(b, "{\"schema\":\"");
    if (rc == 0)
        rc = sp_strbuf_append_str(b, kind->schema);
    if (rc == 0)
        rc = sp_strbuf_append_str(b, "\",\"data\":{");
    int first = 1;
    for (size_t i = 0; i < kind->n_fields && rc == 0; i++) {
        const sp_field_def *def = &kind->fields[i];
        const sp_field_value *v = &ev->values[i];
        if (!v->set && !(def->flags & SP_NULLABLE))
            continue;
        if (!first)
            rc = sp_strbuf_append_char(b, ',');
        first = 0;
        if (rc == 0)
            rc = sp_strbuf_append_json_string(b, def->key, strlen(def->key));
        if (rc == 0)
            rc = sp_strbuf_append_char(b, ':');
        if (rc == 0)
            rc = append_json_value(b, def, v);
    }
    return rc != 0 ? rc : sp_strbuf_append_str(b, "}}");
}

static int encode_self_describing(const snowplow_event *ev, sp_payload *p, int base64)
{
    static const char prefix[] = "{\"schema\":\"" UNSTRUCT_SCHEMA "\",\"data\":";
    if (ev->data != NULL) {
        /* The data's text goes straight into the payload (or its base64). */
        sp_text_piece pieces[3] = {{prefix, sizeof prefix - 1},
                                   {snowplow_sdjson_json(ev->data), sp_sdjson_json_len(ev->data)},
                                   {"}", 1}};
        return sp_payload_add_json_pieces(p, base64, "ue_px", "ue_pr", pieces, 3);
    }
    sp_strbuf b = SP_STRBUF_INIT;
    int rc = sp_strbuf_append(&b, prefix, sizeof prefix - 1);
    if (rc == 0)
        rc = append_builtin_sdjson(&b, ev);
    if (rc == 0)
        rc = sp_strbuf_append_char(&b, '}');
    if (rc == 0)
        rc = sp_payload_add_json(p, base64, "ue_px", "ue_pr", b.data, b.len);
    sp_strbuf_free(&b);
    return rc;
}

/* Envelope kinds: each field under its own protocol key (the kind's table). The
 * event's strings are kept, not copied: the payload lives within the call
 * that encodes the event. */
static int encode_envelope(const snowplow_event *ev, sp_payload *p)
{
    const sp_event_kind *kind = ev->kind;
    int rc = 0;
    for (size_t i = 0; i < kind->n_fields && rc == 0; i++) {
        const sp_field_def *def = &kind->fields[i];
        const sp_field_value *v = &ev->values[i];
        if (!v->set)
            continue;
        if (def->kind == SP_FIELD_STRING) {
            rc = sp_payload_add_borrowed(p, def->key, v->text);
        } else {
            char text[32];
            size_t n = v->is_int ? sp_format_int64(text, v->i) : sp_format_double(text, v->d);
            rc = sp_payload_add_flags(p, def->key, text, n,
                                      SP_PAYLOAD_KEY_LITERAL | SP_PAYLOAD_PLAIN);
        }
    }
    return rc;
}

int sp_event_encode(const snowplow_event *ev, sp_payload *p, int base64)
{
    const char *e = ev->kind->e; /* a protocol name: static, nothing to escape */
    int rc = sp_payload_add_flags(p, "e", e, strlen(e),
                                  SP_PAYLOAD_KEY_LITERAL | SP_PAYLOAD_BORROWED | SP_PAYLOAD_PLAIN);
    if (rc != 0)
        return rc;
    if (ev->kind->schema != NULL || ev->data != NULL)
        return encode_self_describing(ev, p, base64);
    return encode_envelope(ev, p);
}

/* The transaction's value of an envelope field, NULL when unset. */
static const char *transaction_text(const snowplow_event *ev, const char *name)
{
    for (size_t i = 0; i < ev->kind->n_fields; i++)
        if (strcmp(ev->kind->fields[i].name, name) == 0 && ev->values[i].set)
            return ev->values[i].text;
    return NULL;
}

int sp_event_encode_item(const snowplow_event *ev, size_t index, sp_payload *p)
{
    const sp_item *item = &ev->items[index];
    int rc = sp_payload_add(p, "e", "ti");
    if (rc == 0)
        rc = sp_payload_add(p, "ti_id", transaction_text(ev, "order_id"));
    if (rc == 0)
        rc = sp_payload_add(p, "ti_sk", item->sku);
    if (rc == 0)
        rc = sp_payload_add(p, "ti_nm", item->name);
    if (rc == 0)
        rc = sp_payload_add(p, "ti_ca", item->category);
    if (rc == 0)
        rc = sp_payload_add_double(p, "ti_pr", item->price);
    if (rc == 0)
        rc = sp_payload_add_int(p, "ti_qu", item->quantity);
    if (rc == 0)
        rc = sp_payload_add(p, "ti_cu", transaction_text(ev, "currency"));
    return rc;
}

/* Pieces of the contexts envelope kept on the stack up to this many entities. */
#define STACK_CONTEXT_PIECES 18

int sp_event_encode_contexts(const snowplow_event *ev, size_t item, sp_payload *p, int base64)
{
    static const char prefix[] = "{\"schema\":\"" CONTEXTS_SCHEMA "\",\"data\":[";
    const sp_item *it = item == SP_EVENT_NO_ITEM ? NULL : &ev->items[item];
    size_t n_own = it ? it->n_contexts : 0;
    size_t n_shared = it && ev->items_skip_event_contexts ? 0 : ev->n_contexts;
    size_t n = n_shared + n_own;
    if (n == 0)
        return 0;
    /* prefix, entity, ",", entity, ..., "]}": joined (or encoded) in the payload. */
    size_t n_pieces = 2 * n + 1;
    sp_text_piece stack[STACK_CONTEXT_PIECES];
    sp_text_piece *pieces = n_pieces <= STACK_CONTEXT_PIECES
                                ? stack
                                : (n > SIZE_MAX / 2 / sizeof *pieces - 1
                                       ? NULL
                                       : malloc(n_pieces * sizeof *pieces));
    if (pieces == NULL)
        return SNOWPLOW_ENOMEM;
    size_t k = 0;
    pieces[k++] = (sp_text_piece){prefix, sizeof prefix - 1};
    for (size_t i = 0; i < n; i++) {
        const snowplow_sdjson *entity =
            i < n_shared ? ev->contexts[i] : it->contexts[i - n_shared];
        if (i > 0)
            pieces[k++] = (sp_text_piece){",", 1};
        pieces[k++] = (sp_text_piece){snowplow_sdjson_json(entity), sp_sdjson_json_len(entity)};
    }
    pieces[k++] = (sp_text_piece){"]}", 2};
    int rc = sp_payload_add_json_pieces(p, base64, "cx", "co", pieces, k);
    if (pieces != stack)
        free(pieces);
    return rc;
}
