/* Subject: the user and device fields of events, safe to change while tracking. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "event/subject_internal.h"
#include "util/refcount.h"
#include "util/text.h"

/* The protocol fields a subject holds, in the order they are sent. */
enum {
    F_UID, F_RES, F_VP, F_CD, F_TZ, F_LANG, F_DUID, F_TNUID, F_SID, F_VID, F_IP, F_UA, F_P,
    F_COUNT
};
static const char *const field_keys[F_COUNT] = {
    "uid", "res", "vp", "cd", "tz", "lang", "duid", "tnuid", "sid", "vid", "ip", "ua", "p",
};

struct snowplow_subject {
    sp_refcount ref;
    pthread_mutex_t lock;
    char *fields[F_COUNT];
};

int snowplow_subject_new(snowplow_subject **out)
{
    if (out == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "snowplow_subject_new: out: must not be NULL");
    *out = NULL;
    snowplow_subject *s = calloc(1, sizeof *s);
    if (s == NULL)
        return sp_error_set(SNOWPLOW_ENOMEM, "snowplow_subject_new: out of memory");
    sp_ref_init(&s->ref);
    pthread_mutex_init(&s->lock, NULL);
    *out = s;
    return SNOWPLOW_OK;
}

void sp_subject_ref(snowplow_subject *subject)
{
    sp_ref_inc(&subject->ref);
}

void snowplow_subject_free(snowplow_subject *subject)
{
    if (subject == NULL || !sp_ref_dec(&subject->ref))
        return;
    for (int i = 0; i < F_COUNT; i++)
        free(subject->fields[i]);
    pthread_mutex_destroy(&subject->lock);
    free(subject);
}

/* Replace one field with a copy of value (NULL or "" clears). */
static int store(snowplow_subject *s, const char *fn, int field, const char *value)
{
    if (s == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: subject: must not be NULL", fn);
    char *copy = NULL;
    if (value != NULL && value[0] != '\0') {
        if (!sp_utf8_valid(value, strlen(value)))
            return sp_error_set(SNOWPLOW_EUTF8, "%s: value: not valid UTF-8", fn);
        copy = strdup(value);
        if (copy == NULL)
            return sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
    }
    pthread_mutex_lock(&s->lock);
    char *old = s->fields[field];
    s->fields[field] = copy;
    pthread_mutex_unlock(&s->lock);
    free(old);
    return SNOWPLOW_OK;
}

#define STRING_SETTER(name, field)                                              \
    int snowplow_subject_set_##name(snowplow_subject *subject, const char *value) \
    {                                                                           \
        return store(subject, "snowplow_subject_set_" #name, field, value);     \
    }

STRING_SETTER(user_id, F_UID)
STRING_SETTER(timezone, F_TZ)
STRING_SETTER(lang, F_LANG)
STRING_SETTER(domain_user_id, F_DUID)
STRING_SETTER(network_user_id, F_TNUID)
STRING_SETTER(domain_session_id, F_SID)
STRING_SETTER(ip_address, F_IP)
STRING_SETTER(useragent, F_UA)

int snowplow_subject_set_platform(snowplow_subject *subject, const char *value)
{
    static const char fn[] = "snowplow_subject_set_platform";
    if (value != NULL && value[0] != '\0' && !sp_platform_valid(value))
        return sp_error_set(SNOWPLOW_EINVAL,
                            "%s: platform: unknown platform '%.32s' (use web, mob, pc, srv, "
                            "app, tv, cnsl, iot or headset)",
                            fn, value);
    return store(subject, fn, F_P, value);
}

static int set_dimensions(snowplow_subject *s, const char *fn, int field, int width,
                          int height)
{
    if (s == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: subject: must not be NULL", fn);
    if (width == 0 && height == 0)
        return store(s, fn, field, NULL);
    if (width <= 0 || height <= 0)
        return sp_error_set(SNOWPLOW_ERANGE,
                            "%s: width and height must both be positive (got %dx%d)", fn, width,
                            height);
    char text[32];
    snprintf(text, sizeof text, "%dx%d", width, height);
    return store(s, fn, field, text);
}

int snowplow_subject_set_screen_resolution(snowplow_subject *subject, int width, int height)
{
    return set_dimensions(subject, "snowplow_subject_set_screen_resolution", F_RES, width,
                          height);
}

int snowplow_subject_set_viewport(snowplow_subject *subject, int width, int height)
{
    return set_dimensions(subject, "snowplow_subject_set_viewport", F_VP, width, height);
}

static int set_count(snowplow_subject *s, const char *fn, const char *arg, int field,
                     int value)
{
    if (s == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: subject: must not be NULL", fn);
    if (value < 0)
        return sp_error_set(SNOWPLOW_ERANGE, "%s: %s: must not be negative (got %d)", fn, arg,
                            value);
    if (value == 0)
        return store(s, fn, field, NULL);
    char text[16];
    snprintf(text, sizeof text, "%d", value);
    return store(s, fn, field, text);
}

int snowplow_subject_set_color_depth(snowplow_subject *subject, int depth)
{
    return set_count(subject, "snowplow_subject_set_color_depth", "depth", F_CD, depth);
}

int snowplow_subject_set_domain_session_index(snowplow_subject *subject, int index)
{
    return set_count(subject, "snowplow_subject_set_domain_session_index", "index", F_VID,
                     index);
}

int snowplow_subject_get(char **out, const snowplow_subject *subject, const char *field)
{
    static const char fn[] = "snowplow_subject_get";
    if (out == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: out: must not be NULL", fn);
    *out = NULL;
    if (subject == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: subject: must not be NULL", fn);
    if (field == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: field: must not be NULL", fn);
    for (int i = 0; i < F_COUNT; i++) {
        if (strcmp(field_keys[i], field) != 0)
            continue;
        snowplow_subject *s = (snowplow_subject *)subject; /* the lock is not the value */
        int rc = SNOWPLOW_OK;
        pthread_mutex_lock(&s->lock);
        if (s->fields[i] != NULL && (*out = strdup(s->fields[i])) == NULL)
            rc = SNOWPLOW_ENOMEM;
        pthread_mutex_unlock(&s->lock);
        if (rc != SNOWPLOW_OK)
            return sp_error_set(rc, "%s: out of memory", fn);
        return SNOWPLOW_OK;
    }
    return sp_error_set(SNOWPLOW_EFIELD, "%s: field: a subject has no field '%.32s'", fn,
                        field);
}

int sp_subject_apply(sp_payload *p, snowplow_subject *const *subjects, size_t n,
                     const char *default_platform)
{
    unsigned done = 0; /* bit per field already taken from a more specific subject */
    for (size_t k = 0; k < n; k++) {
        snowplow_subject *s = subjects[k];
        if (s == NULL)
            continue;
        int rc = SNOWPLOW_OK;
        pthread_mutex_lock(&s->lock);
        for (int i = 0; i < F_COUNT && rc == SNOWPLOW_OK; i++) {
            if (s->fields[i] == NULL || (done & (1u << i)))
                continue;
            /* copied: the subject may change once its lock is let go */
            rc = sp_payload_add_flags(p, field_keys[i], s->fields[i], strlen(s->fields[i]),
                                      SP_PAYLOAD_KEY_LITERAL);
            done |= 1u << i;
        }
        pthread_mutex_unlock(&s->lock);
        if (rc != SNOWPLOW_OK)
            return rc;
    }
    if (!(done & (1u << F_P)))
        return sp_payload_add_flags(p, "p", default_platform, strlen(default_platform),
                                    SP_PAYLOAD_KEY_LITERAL);
    return SNOWPLOW_OK;
}
