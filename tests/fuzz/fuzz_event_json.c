/*
 * Fuzz target: the JSON field setters of events (snowplow_event_set_json) on a
 * FORM_SUBMIT's "elements" (array of element objects) and a SITE_SEARCH's
 * "filters" (object of string or boolean values). The whole input,
 * NUL-terminated, is given to both. Each event first holds a known good value.
 * On success:
 * - the stored value is strict JSON of the right type, equal to the input;
 * - the encoded event (ue_pr) is strict JSON whose data holds that value, and
 *   its base64 form (ue_px) decodes to exactly the same text.
 * On failure the error is EJSON/EUTF8/ENOMEM and the event encodes exactly as
 * before the call (setters leave the event unchanged on error).
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "event/event_internal.h"
#include "fuzz_support.h"
#include "event/payload.h"
#include "snowplow/event.h"
#include "util/text.h"

typedef struct target {
    const char *field; /* API name, also the JSON property in the event's data */
    const char *known_good;
    int want_array;
} target;

static const target FORM_SUBMIT = {
    "elements", "[{\"name\":\"q\",\"value\":\"x\",\"nodeName\":\"INPUT\",\"type\":\"text\"}]", 1};
static const target SITE_SEARCH = {"filters", "{\"lang\":\"en\",\"safe\":true}", 0};

/* The event's plain ue_pr (malloc'd), checking that ue_px decodes to it. */
static char *encode(const snowplow_event *ev)
{
    char *texts[2] = {NULL, NULL};
    for (int base64 = 0; base64 <= 1; base64++) {
        sp_payload *p = sp_payload_new();
        FUZZ_CHECK(p != NULL, "sp_payload_new");
        FUZZ_CHECK(sp_event_encode(ev, p, base64) == 0, "sp_event_encode");
        const char *value = sp_payload_get(p, base64 ? "ue_px" : "ue_pr");
        FUZZ_CHECK(value != NULL, "no ue_pr/ue_px in the payload");
        if (base64) {
            size_t n = 0;
            unsigned char *decoded = sp_base64_decode(value, strlen(value), &n);
            FUZZ_CHECK(decoded != NULL, value);
            texts[1] = fuzz_strndup(decoded, n);
            free(decoded);
        } else {
            texts[0] = fuzz_strndup((const uint8_t *)value, strlen(value));
        }
        sp_payload_free(p);
    }
    FUZZ_CHECK(strcmp(texts[0], texts[1]) == 0, texts[1]);
    free(texts[1]);
    return texts[0];
}

static const sp_field_value *stored(const snowplow_event *ev, const char *field)
{
    for (size_t i = 0; i < ev->kind->n_fields; i++)
        if (strcmp(ev->kind->fields[i].name, field) == 0)
            return &ev->values[i];
    fuzz_fail(__FILE__, __LINE__, "the event type has the field", field);
}

/* The shape the schemas allow (submit_form 1-0-0, site_search 1-0-0). */
static void check_shape(const cJSON *value, int want_array, const char *text)
{
    if (!want_array) {
        FUZZ_CHECK(cJSON_IsObject(value), text);
        for (const cJSON *v = value->child; v; v = v->next)
            FUZZ_CHECK(cJSON_IsString(v) || cJSON_IsBool(v), text);
        return;
    }
    FUZZ_CHECK(cJSON_IsArray(value), text);
    for (const cJSON *el = value->child; el; el = el->next) {
        FUZZ_CHECK(cJSON_IsObject(el), text);
        FUZZ_CHECK(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(el, "name")), text);
        FUZZ_CHECK(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(el, "nodeName")), text);
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(el, "value");
        FUZZ_CHECK(cJSON_IsString(v) || cJSON_IsNull(v), text);
    }
}

static void check_accepted(const snowplow_event *ev, const target *t, const char *input)
{
    const sp_field_value *v = stored(ev, t->field);
    FUZZ_CHECK(v->set && v->text != NULL, "accepted but not stored");
    fuzz_check_strict_json("the stored value", v->text, strlen(v->text));
    cJSON *value = cJSON_ParseWithOpts(v->text, NULL, 1);
    FUZZ_CHECK(value != NULL, v->text);
    check_shape(value, t->want_array, v->text);
    cJSON *given = cJSON_ParseWithOpts(input, NULL, 1);
    FUZZ_CHECK(given != NULL, "accepted input that cJSON refuses");
    FUZZ_CHECK(fuzz_json_same(value, given), v->text);
    cJSON_Delete(given);

    char *ue = encode(ev);
    fuzz_check_strict_json("ue_pr", ue, strlen(ue));
    cJSON *tree = cJSON_ParseWithOpts(ue, NULL, 1);
    FUZZ_CHECK(tree != NULL, ue);
    const cJSON *inner = cJSON_GetObjectItemCaseSensitive(tree, "data");
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(inner, "data");
    FUZZ_CHECK(fuzz_json_same(cJSON_GetObjectItemCaseSensitive(data, t->field), value), ue);
    cJSON_Delete(tree);
    cJSON_Delete(value);
    free(ue);
}

static void run(snowplow_event *ev, const target *t, const char *input)
{
    FUZZ_CHECK(snowplow_event_set_json(ev, t->field, t->known_good) == 0,
               snowplow_error_last());
    FUZZ_CHECK(snowplow_event_validate(ev) == 0, snowplow_error_last());
    char *before = encode(ev);

    snowplow_error_clear();
    int rc = snowplow_event_set_json(ev, t->field, input);
    if (rc == 0) {
        check_accepted(ev, t, input);
    } else {
        FUZZ_CHECK(rc == SNOWPLOW_EJSON || rc == SNOWPLOW_EUTF8 || rc == SNOWPLOW_ENOMEM,
                   snowplow_error_last());
        FUZZ_CHECK(snowplow_error_last_code() == rc, snowplow_error_last());
        FUZZ_CHECK(strncmp(snowplow_error_last(), "snowplow_event_set_json: ", 25) == 0,
                   snowplow_error_last());
        char *after = encode(ev);
        FUZZ_CHECK(strcmp(before, after) == 0, after);
        free(after);
    }
    free(before);
    FUZZ_CHECK(snowplow_event_validate(ev) == 0, snowplow_error_last());
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_strndup(data, size);

    snowplow_event *form = NULL;
    FUZZ_CHECK(snowplow_event_form_submit_new(&form, "form-1") == 0, snowplow_error_last());
    run(form, &FORM_SUBMIT, text);
    snowplow_event_free(form);

    const char *terms[] = {"fuzz"};
    snowplow_event *search = NULL;
    FUZZ_CHECK(snowplow_event_site_search_new(&search, terms, 1) == 0, snowplow_error_last());
    run(search, &SITE_SEARCH, text);
    snowplow_event_free(search);

    free(text);
    return 0;
}
