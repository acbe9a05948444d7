/* Events: construction, field setters and validation, driven by event_kinds.c. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "event/event_internal.h"
#include "event/sdjson_internal.h"
#include "event/subject_internal.h"
#include "util/json_check.h"
#include "util/text.h"

static const char *const node_names[] = {"INPUT", "TEXTAREA", "SELECT", NULL};
static const char *const input_types[] = {
    "button", "checkbox", "color", "date", "datetime", "datetime-local", "email", "file",
    "hidden", "image", "month", "number", "password", "radio", "range", "reset", "search",
    "submit", "tel", "text", "time", "url", "week", NULL};

static int in_list(const char *const *list, const char *s)
{
    for (; *list != NULL; list++)
        if (strcmp(*list, s) == 0)
            return 1;
    return 0;
}

static void clear_value(sp_field_value *v)
{
    free(v->text);
    for (size_t i = 0; i < v->list_len; i++)
        free(v->list[i]);
    free(v->list);
    memset(v, 0, sizeof *v);
}

int snowplow_event_new(snowplow_event **out, snowplow_event_type type)
{
    static const char fn[] = "snowplow_event_new";
    if (out == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: out: must not be NULL", fn);
    *out = NULL;
    const sp_event_kind *kind = sp_event_kind_of(type);
    if (kind == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: type: unknown event type %d", fn, (int)type);
    if (type == SNOWPLOW_EVENT_SELF_DESCRIBING)
        return sp_error_set(SNOWPLOW_EINVAL,
                            "%s: type: self-describing events need their data: use "
                            "snowplow_event_self_describing_new",
                            fn);
    snowplow_event *ev = calloc(1, sizeof *ev);
    if (ev == NULL)
        return sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
    ev->kind = kind;
    *out = ev;
    return SNOWPLOW_OK;
}

void snowplow_event_free(snowplow_event *event)
{
    if (event == NULL)
        return;
    for (size_t i = 0; i < SP_EVENT_MAX_FIELDS; i++)
        clear_value(&event->values[i]);
    snowplow_sdjson_free(event->data);
    for (size_t i = 0; i < event->n_contexts; i++)
        snowplow_sdjson_free(event->contexts[i]);
    free(event->contexts);
    for (size_t i = 0; i < event->n_items; i++) {
        free(event->items[i].sku);
        free(event->items[i].name);
        free(event->items[i].category);
        for (size_t k = 0; k < event->items[i].n_contexts; k++)
            snowplow_sdjson_free(event->items[i].contexts[k]);
        free(event->items[i].contexts);
    }
    free(event->items);
    snowplow_subject_free(event->subject);
    for (size_t i = 0; i < 3; i++)
        free(event->page[i]);
    free(event);
}

snowplow_event_type snowplow_event_get_type(const snowplow_event *event)
{
    return event != NULL ? event->kind->type : (snowplow_event_type)0;
}

/* Find the field `name` of the event's kind; set the error when there is none. */
static int lookup(const snowplow_event *ev, const char *fn, const char *name, size_t *index)
{
    if (ev == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: event: must not be NULL", fn);
    if (name == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: field: must not be NULL", fn);
    for (size_t i = 0; i < ev->kind->n_fields; i++) {
        if (strcmp(ev->kind->fields[i].name, name) == 0) {
            *index = i;
            return SNOWPLOW_OK;
        }
    }
    return sp_error_set(SNOWPLOW_EFIELD, "%s: field: %s events have no field '%.40s'", fn,
                        ev->kind->name, name);
}

static const char *kind_word(sp_field_kind kind)
{
    switch (kind) {
    case SP_FIELD_STRING: return "a string";
    case SP_FIELD_NUMBER: return "a number";
    case SP_FIELD_INTEGER: return "an integer";
    case SP_FIELD_LIST: return "a list of strings";
    case SP_FIELD_FILTERS: return "a JSON object";
    case SP_FIELD_ELEMENTS: return "a JSON array";
    }
    return "?";
}

static int wrong_kind(const snowplow_event *ev, const char *fn, const sp_field_def *def)
{
    return sp_error_set(SNOWPLOW_EFIELD, "%s: field: '%s' of %s events is %s", fn, def->name,
                        ev->kind->name, kind_word(def->kind));
}

/* Checks a string value against the field's rules (UTF-8, enums, UUID). */
static int check_string(const char *fn, const sp_field_def *def, const char *value)
{
    if (!sp_utf8_valid(value, strlen(value)))
        return sp_error_set(SNOWPLOW_EUTF8, "%s: %s: not valid UTF-8", fn, def->name);
    if ((def->flags & SP_UUID) && !sp_uuid_valid(value))
        return sp_error_set(SNOWPLOW_EINVAL, "%s: %s: not a UUID: '%.40s'", fn, def->name,
                            value);
    if ((def->flags & SP_NODE_NAME) && !in_list(node_names, value))
        return sp_error_set(SNOWPLOW_EINVAL,
                            "%s: %s: must be INPUT, TEXTAREA or SELECT, not '%.20s'", fn,
                            def->name, value);
    if ((def->flags & SP_INPUT_TYPE) && !in_list(input_types, value))
        return sp_error_set(SNOWPLOW_EINVAL, "%s: %s: not an HTML input type: '%.20s'", fn,
                            def->name, value);
    return SNOWPLOW_OK;
}

/* The checks of a string value for field `i`; *value becomes NULL when the
 * field is to be unset ("" of an envelope key). */
static int check_string_value(const snowplow_event *ev, const char *fn, size_t i,
                              const char **value)
{
    const sp_field_def *def = &ev->kind->fields[i];
    if (def->kind != SP_FIELD_STRING)
        return wrong_kind(ev, fn, def);
    /* Envelope keys leave "" out, as NULL; schema strings keep it unless refused. */
    if (*value != NULL && (*value)[0] == '\0' && (def->flags & SP_NONEMPTY)) {
        if (def->flags & SP_REQUIRED)
            return sp_error_set(SNOWPLOW_EINVAL, "%s: %s: must not be empty", fn, def->name);
        *value = NULL;
    }
    return *value == NULL ? SNOWPLOW_OK : check_string(fn, def, *value);
}

int sp_event_borrow_string(snowplow_event *ev, const char *fn, size_t index, const char *value)
{
    int rc = check_string_value(ev, fn, index, &value);
    if (rc == SNOWPLOW_OK && value != NULL) {
        ev->values[index].set = 1;
        ev->values[index].text = (char *)value; /* never freed: see the header */
    }
    return rc;
}

int sp_event_set_string(snowplow_event *ev, const char *fn, const char *field, const char *value)
{
    size_t i = 0;
    int rc = lookup(ev, fn, field, &i);
    if (rc == SNOWPLOW_OK)
        rc = check_string_value(ev, fn, i, &value);
    if (rc != SNOWPLOW_OK)
        return rc;
    if (value == NULL) {
        clear_value(&ev->values[i]);
        return SNOWPLOW_OK;
    }
    char *copy = strdup(value);
    if (copy == NULL)
        return sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
    clear_value(&ev->values[i]);
    ev->values[i].set = 1;
    ev->values[i].text = copy;
    return SNOWPLOW_OK;
}

int snowplow_event_set_string(snowplow_event *event, const char *field, const char *value)
{
    return sp_event_set_string(event, "snowplow_event_set_string", field, value);
}

int sp_event_set_number(snowplow_event *ev, const char *fn, const char *field, int is_int,
                        int64_t i_value, double d_value)
{
    size_t i = 0;
    int rc = lookup(ev, fn, field, &i);
    if (rc != SNOWPLOW_OK)
        return rc;
    const sp_field_def *def = &ev->kind->fields[i];
    if (def->kind != SP_FIELD_NUMBER && def->kind != SP_FIELD_INTEGER)
        return wrong_kind(ev, fn, def);
    if (!is_int) {
        if (!isfinite(d_value))
            return sp_error_set(SNOWPLOW_ERANGE, "%s: %s: must be a finite number", fn,
                                def->name);
        if (def->kind == SP_FIELD_INTEGER) {
            if (d_value != floor(d_value) || fabs(d_value) > 9.007199254740992e15)
                return sp_error_set(SNOWPLOW_ERANGE, "%s: %s: must be a whole number", fn,
                                    def->name);
            is_int = 1;
            i_value = (int64_t)d_value;
        }
    }
    if ((def->flags & SP_NONNEG32) && (i_value < 0 || i_value > 2147483647))
        return sp_error_set(SNOWPLOW_ERANGE, "%s: %s: must be between 0 and 2147483647", fn,
                            def->name);
    clear_value(&ev->values[i]);
    ev->values[i].set = 1;
    ev->values[i].is_int = is_int;
    ev->values[i].i = i_value;
    ev->values[i].d = d_value;
    return SNOWPLOW_OK;
}

int snowplow_event_set_int(snowplow_event *event, const char *field, int64_t value)
{
    return sp_event_set_number(event, "snowplow_event_set_int", field, 1, value, 0);
}

int snowplow_event_set_double(snowplow_event *event, const char *field, double value)
{
    return sp_event_set_number(event, "snowplow_event_set_double", field, 0, 0, value);
}

static int is_nullable_string(const cJSON *v)
{
    return cJSON_IsString(v) || cJSON_IsNull(v);
}

/* filters: an object whose values are strings or booleans (site_search 1-0-0). */
static const char *filters_problem(const cJSON *root)
{
    if (!cJSON_IsObject(root))
        return "must be a JSON object";
    for (const cJSON *v = root->child; v != NULL; v = v->next)
        if (!cJSON_IsString(v) && !cJSON_IsBool(v))
            return "values must be strings or booleans";
    return NULL;
}

/* elements: objects of name, value, nodeName and optional type (submit_form 1-0-0). */
static const char *elements_problem(const cJSON *root)
{
    if (!cJSON_IsArray(root))
        return "must be a JSON array";
    for (const cJSON *el = root->child; el != NULL; el = el->next) {
        if (!cJSON_IsObject(el))
            return "each element must be an object";
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(el, "name");
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(el, "value");
        const cJSON *node = cJSON_GetObjectItemCaseSensitive(el, "nodeName");
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(el, "type");
        if (!cJSON_IsString(name))
            return "each element needs a string 'name'";
        if (value == NULL || !is_nullable_string(value))
            return "each element needs a 'value' that is a string or null";
        if (!cJSON_IsString(node) || !in_list(node_names, node->valuestring))
            return "each element needs a 'nodeName' of INPUT, TEXTAREA or SELECT";
        if (type != NULL && !cJSON_IsNull(type) &&
            !(cJSON_IsString(type) && in_list(input_types, type->valuestring)))
            return "an element's 'type' must be an HTML input type or null";
        for (const cJSON *k = el->child; k != NULL; k = k->next)
            if (strcmp(k->string, "name") && strcmp(k->string, "value") &&
                strcmp(k->string, "nodeName") && strcmp(k->string, "type"))
                return "elements may only have name, value, nodeName and type";
    }
    return NULL;
}

int snowplow_event_set_json(snowplow_event *event, const char *field, const char *json)
{
    static const char fn[] = "snowplow_event_set_json";
    size_t i = 0;
    int rc = lookup(event, fn, field, &i);
    if (rc != SNOWPLOW_OK)
        return rc;
    const sp_field_def *def = &event->kind->fields[i];
    if (def->kind != SP_FIELD_FILTERS && def->kind != SP_FIELD_ELEMENTS)
        return wrong_kind(event, fn, def);
    if (json == NULL) {
        clear_value(&event->values[i]);
        return SNOWPLOW_OK;
    }
    if (!sp_utf8_valid(json, strlen(json)))
        return sp_error_set(SNOWPLOW_EUTF8, "%s: %s: not valid UTF-8", fn, def->name);
    const char *invalid = sp_json_problem(json, strlen(json), NULL);
    cJSON *root = invalid == NULL ? cJSON_ParseWithOpts(json, NULL, 1) : NULL;
    if (root == NULL)
        return sp_error_set(SNOWPLOW_EJSON, "%s: %s: invalid JSON%s%s", fn, def->name,
                            invalid ? ": " : "", invalid ? invalid : "");
    const char *problem =
        def->kind == SP_FIELD_FILTERS ? filters_problem(root) : elements_problem(root);
    char *compact = problem == NULL ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (problem != NULL)
        return sp_error_set(SNOWPLOW_EJSON, "%s: %s: %s", fn, def->name, problem);
    if (compact == NULL)
        return sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
    char *copy = strdup(compact);
    cJSON_free(compact);
    if (copy == NULL)
        return sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
    clear_value(&event->values[i]);
    event->values[i].set = 1;
    event->values[i].text = copy;
    return SNOWPLOW_OK;
}

int snowplow_event_add_string(snowplow_event *event, const char *field, const char *value)
{
    return sp_event_add_string(event, "snowplow_event_add_string", field, value);
}

int sp_event_add_string(snowplow_event *event, const char *fn, const char *field,
                        const char *value)
{
    size_t i = 0;
    int rc = lookup(event, fn, field, &i);
    if (rc != SNOWPLOW_OK)
        return rc;
    const sp_field_def *def = &event->kind->fields[i];
    if (def->kind != SP_FIELD_LIST)
        return wrong_kind(event, fn, def);
    if (value == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: value: must not be NULL", fn);
    if (!sp_utf8_valid(value, strlen(value)))
        return sp_error_set(SNOWPLOW_EUTF8, "%s: %s: not valid UTF-8", fn, def->name);
    sp_field_value *v = &event->values[i];
    char **grown = realloc(v->list, (v->list_len + 1) * sizeof *grown);
    if (grown == NULL)
        return sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
    v->list = grown;
    if ((v->list[v->list_len] = strdup(value)) == NULL)
        return sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
    v->list_len++;
    v->set = 1;
    return SNOWPLOW_OK;
}

int snowplow_event_unset(snowplow_event *event, const char *field)
{
    size_t i = 0;
    int rc = lookup(event, "snowplow_event_unset", field, &i);
    if (rc == SNOWPLOW_OK)
        clear_value(&event->values[i]);
    return rc;
}

int snowplow_event_add_item(snowplow_event *event, const char *sku, double price,
                            int64_t quantity, const char *name, const char *category)
{
    static const char fn[] = "snowplow_event_add_item";
    if (event == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: event: must not be NULL", fn);
    if (event->kind->type != SNOWPLOW_EVENT_ECOMMERCE_TRANSACTION)
        return sp_error_set(SNOWPLOW_EFIELD, "%s: event: %s events have no items", fn,
                            event->kind->name);
    if (sku == NULL || sku[0] == '\0')
        return sp_error_set(SNOWPLOW_EINVAL, "%s: sku: required", fn);
    if (!isfinite(price))
        return sp_error_set(SNOWPLOW_ERANGE, "%s: price: must be a finite number", fn);
    const char *texts[3] = {sku, name, category};
    static const char *const names[3] = {"sku", "name", "category"};
    for (int k = 0; k < 3; k++)
        if (texts[k] != NULL && !sp_utf8_valid(texts[k], strlen(texts[k])))
            return sp_error_set(SNOWPLOW_EUTF8, "%s: %s: not valid UTF-8", fn, names[k]);
    sp_item *grown = realloc(event->items, (event->n_items + 1) * sizeof *grown);
    if (grown == NULL)
        return sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
    event->items = grown;
    sp_item item = {strdup(sku), name && *name ? strdup(name) : NULL,
                    category && *category ? strdup(category) : NULL, price, quantity,
                    NULL, 0};
    if (item.sku == NULL || (name && *name && !item.name) ||
        (category && *category && !item.category)) {
        free(item.sku);
        free(item.name);
        free(item.category);
        return sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
    }
    event->items[event->n_items++] = item;
    return SNOWPLOW_OK;
}

/* Append a reference to `context` to a list of contexts. */
static int append_context(snowplow_sdjson ***list, size_t *n, const snowplow_sdjson *context,
                          const char *fn)
{
    snowplow_sdjson **grown = realloc(*list, (*n + 1) * sizeof *grown);
    if (grown == NULL)
        return sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
    *list = grown;
    sp_sdjson_ref(context);
    grown[(*n)++] = (snowplow_sdjson *)context;
    return SNOWPLOW_OK;
}

int snowplow_event_add_context(snowplow_event *event, const snowplow_sdjson *context)
{
    static const char fn[] = "snowplow_event_add_context";
    if (event == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: event: must not be NULL", fn);
    if (context == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: context: must not be NULL", fn);
    return append_context(&event->contexts, &event->n_contexts, context, fn);
}

int snowplow_event_add_item_context(snowplow_event *event, size_t item_index,
                                    const snowplow_sdjson *context)
{
    static const char fn[] = "snowplow_event_add_item_context";
    if (event == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: event: must not be NULL", fn);
    if (context == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: context: must not be NULL", fn);
    if (event->kind->type != SNOWPLOW_EVENT_ECOMMERCE_TRANSACTION)
        return sp_error_set(SNOWPLOW_EFIELD, "%s: event: %s events have no items", fn,
                            event->kind->name);
    if (item_index >= event->n_items)
        return sp_error_set(SNOWPLOW_ERANGE,
                            "%s: item_index: %zu, but the transaction has %zu item(s)", fn,
                            item_index, event->n_items);
    sp_item *item = &event->items[item_index];
    return append_context(&item->contexts, &item->n_contexts, context, fn);
}

#define SP_MAX_TIMESTAMP_MS INT64_C(253402300799999)

static int set_timestamp(snowplow_event *ev, const char *fn, int64_t ms, int *has,
                         int64_t *slot)
{
    if (ev == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: event: must not be NULL", fn);
    if (ms < 0)
        return sp_error_set(SNOWPLOW_ERANGE, "%s: ms: must not be negative", fn);
    /* The pipeline's timestamps end with year 9999; a later one makes a bad row. */
    if (ms > SP_MAX_TIMESTAMP_MS)
        return sp_error_set(SNOWPLOW_ERANGE,
                            "%s: ms: %lld is after 9999-12-31T23:59:59.999Z (%lld)", fn,
                            (long long)ms, (long long)SP_MAX_TIMESTAMP_MS);
    *has = 1;
    *slot = ms;
    return SNOWPLOW_OK;
}

int snowplow_event_set_items_share_contexts(snowplow_event *event, int share)
{
    static const char fn[] = "snowplow_event_set_items_share_contexts";
    if (event == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: event: must not be NULL", fn);
    if (share != 0 && share != 1)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: share: must be 0 or 1, not %d", fn, share);
    if (event->kind->type != SNOWPLOW_EVENT_ECOMMERCE_TRANSACTION)
        return sp_error_set(SNOWPLOW_EFIELD, "%s: a %s event has no items", fn, event->kind->name);
    event->items_skip_event_contexts = !share;
    return SNOWPLOW_OK;
}

int snowplow_event_set_true_timestamp(snowplow_event *event, int64_t ms)
{
    return set_timestamp(event, "snowplow_event_set_true_timestamp", ms,
                         event ? &event->has_true_timestamp : NULL,
                         event ? &event->true_timestamp : NULL);
}

int sp_event_set_device_timestamp(snowplow_event *event, const char *fn, int64_t ms)
{
    return set_timestamp(event, fn, ms, event ? &event->has_device_timestamp : NULL,
                         event ? &event->device_timestamp : NULL);
}

int snowplow_event_set_device_timestamp(snowplow_event *event, int64_t ms)
{
    return sp_event_set_device_timestamp(event, "snowplow_event_set_device_timestamp", ms);
}

int snowplow_event_set_subject(snowplow_event *event, snowplow_subject *subject)
{
    if (event == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "snowplow_event_set_subject: event: must not be NULL");
    if (subject != NULL)
        sp_subject_ref(subject);
    snowplow_subject_free(event->subject);
    event->subject = subject;
    return SNOWPLOW_OK;
}

/* The protocol's page fields, and the page view's and ping's names for them. */
static const char *const page_keys[3] = {"url", "page", "refr"};
static const char *const page_fields[3] = {"page_url", "page_title", "referrer"};

int snowplow_event_set_page(snowplow_event *event, const char *url, const char *title,
                            const char *referrer)
{
    static const char fn[] = "snowplow_event_set_page";
    if (event == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: event: must not be NULL", fn);
    const char *values[3] = {url, title, referrer};
    const char *names[3] = {"url", "title", "referrer"};
    for (size_t i = 0; i < 3; i++) {
        if (values[i] != NULL && values[i][0] == '\0')
            values[i] = NULL; /* as if not given: the event keeps its own */
        if (values[i] != NULL && !sp_utf8_valid(values[i], strlen(values[i])))
            return sp_error_set(SNOWPLOW_EUTF8, "%s: %s: not valid UTF-8", fn, names[i]);
    }
    /* Copy first, so that the event stays unchanged when memory runs out. */
    char *copies[3] = {NULL, NULL, NULL};
    for (size_t i = 0; i < 3; i++) {
        if (values[i] != NULL && (copies[i] = strdup(values[i])) == NULL) {
            for (size_t k = 0; k < i; k++)
                free(copies[k]);
            return sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
        }
    }
    /* A page view or ping has the fields itself: the page replaces them. */
    snowplow_event_type type = event->kind->type;
    int own = type == SNOWPLOW_EVENT_PAGE_VIEW || type == SNOWPLOW_EVENT_PAGE_PING;
    for (size_t i = 0; i < 3; i++) {
        if (copies[i] == NULL)
            continue;
        if (own) {
            size_t index = 0;
            (void)lookup(event, fn, page_fields[i], &index); /* both kinds have all three */
            clear_value(&event->values[index]);
            event->values[index].set = 1;
            event->values[index].text = copies[i];
        } else {
            free(event->page[i]);
            event->page[i] = copies[i];
        }
    }
    return SNOWPLOW_OK;
}

int sp_event_encode_page(const snowplow_event *ev, sp_payload *p)
{
    int rc = 0;
    for (size_t i = 0; i < 3 && rc == 0; i++) /* kept, not copied: as encode_envelope */
        rc = sp_payload_add_borrowed(p, page_keys[i], ev->page[i]);
    return rc;
}

int snowplow_event_validate(const snowplow_event *event)
{
    return sp_event_check(event, "snowplow_event_validate");
}

int sp_event_check(const snowplow_event *event, const char *fn)
{
    if (event == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: event: must not be NULL", fn);
    const sp_event_kind *kind = event->kind;
    unsigned set = 0;
    for (size_t i = 0; i < kind->n_fields; i++) {
        if (event->values[i].set)
            set++;
        else if (kind->fields[i].flags & SP_REQUIRED)
            return sp_error_set(SNOWPLOW_EMISSING, "%s: %s events need '%s'", fn, kind->name,
                                kind->fields[i].name);
    }
    if (set < kind->min_set)
        return sp_error_set(SNOWPLOW_EMISSING, "%s: %s events need at least one field set", fn,
                            kind->name);
    if (kind->type == SNOWPLOW_EVENT_SELF_DESCRIBING && event->data == NULL)
        return sp_error_set(SNOWPLOW_EMISSING, "%s: self_describing events need their data",
                            fn);
    return SNOWPLOW_OK;
}
