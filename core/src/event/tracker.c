/* Tracker: stamps events, encodes them once and hands them to its emitters. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "emitter/emitter_internal.h"
#include "util/error.h"
#include "event/event_internal.h"
#include "snowplow/tracker.h"
#include "event/subject_internal.h"
#include "event/tracker_internal.h"
#include "util/text.h"

#define DEFAULT_TRACKER_VERSION "c-" SNOWPLOW_VERSION_STRING
#define MAX_TRACKER_VERSION 100

struct snowplow_tracker_options {
    char *name_space;
    char *app_id;
    char *tracker_version;
    char platform[16];
    int encode_base64;
    snowplow_subject *subject;
    snowplow_emitter **emitters;
    size_t n_emitters;
};

struct snowplow_tracker {
    snowplow_tracker_options config; /* fixed after creation */
    pthread_mutex_t subject_lock;    /* guards config.subject, which may be replaced */
};

int snowplow_tracker_options_new(snowplow_tracker_options **out)
{
    if (out == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "snowplow_tracker_options_new: out: must not be NULL");
    *out = NULL;
    snowplow_tracker_options *o = calloc(1, sizeof *o);
    if (o == NULL)
        return sp_error_set(SNOWPLOW_ENOMEM, "snowplow_tracker_options_new: out of memory");
    strcpy(o->platform, "pc");
    o->encode_base64 = 1;
    *out = o;
    return SNOWPLOW_OK;
}

static void release_config(snowplow_tracker_options *o)
{
    free(o->name_space);
    free(o->app_id);
    free(o->tracker_version);
    snowplow_subject_free(o->subject);
    for (size_t i = 0; i < o->n_emitters; i++)
        snowplow_emitter_free(o->emitters[i]);
    free(o->emitters);
}

void snowplow_tracker_options_free(snowplow_tracker_options *options)
{
    if (options == NULL)
        return;
    release_config(options);
    free(options);
}

/* Replace *slot with a copy of value; NULL or "" stores NULL. */
static int set_text(char **slot, const char *fn, const char *arg, const char *value)
{
    char *copy = NULL;
    if (value != NULL && value[0] != '\0') {
        if (!sp_utf8_valid(value, strlen(value)))
            return sp_error_set(SNOWPLOW_EUTF8, "%s: %s: not valid UTF-8", fn, arg);
        if ((copy = strdup(value)) == NULL)
            return sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
    }
    free(*slot);
    *slot = copy;
    return SNOWPLOW_OK;
}

#define NEED_OPTIONS(fn)                                                              \
    do {                                                                              \
        if (options == NULL)                                                          \
            return sp_error_set(SNOWPLOW_EINVAL, "%s: options: must not be NULL", fn); \
    } while (0)

int snowplow_tracker_options_set_namespace(snowplow_tracker_options *options,
                                           const char *name_space)
{
    static const char fn[] = "snowplow_tracker_options_set_namespace";
    NEED_OPTIONS(fn);
    return set_text(&options->name_space, fn, "name_space", name_space);
}

int snowplow_tracker_options_set_app_id(snowplow_tracker_options *options, const char *app_id)
{
    static const char fn[] = "snowplow_tracker_options_set_app_id";
    NEED_OPTIONS(fn);
    return set_text(&options->app_id, fn, "app_id", app_id);
}

int snowplow_tracker_options_set_tracker_version(snowplow_tracker_options *options,
                                                 const char *version)
{
    static const char fn[] = "snowplow_tracker_options_set_tracker_version";
    NEED_OPTIONS(fn);
    if (version == NULL || version[0] == '\0')
        return sp_error_set(SNOWPLOW_EINVAL, "%s: version: must not be NULL or empty", fn);
    if (strlen(version) > MAX_TRACKER_VERSION)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: version: longer than %d bytes", fn,
                            MAX_TRACKER_VERSION);
    return set_text(&options->tracker_version, fn, "version", version);
}

int snowplow_tracker_options_set_platform(snowplow_tracker_options *options,
                                          const char *platform)
{
    static const char fn[] = "snowplow_tracker_options_set_platform";
    NEED_OPTIONS(fn);
    if (platform == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: platform: must not be NULL", fn);
    if (!sp_platform_valid(platform))
        return sp_error_set(SNOWPLOW_EINVAL,
                            "%s: platform: unknown platform '%.32s' (use web, mob, pc, srv, "
                            "app, tv, cnsl, iot or headset)",
                            fn, platform);
    strcpy(options->platform, platform); /* valid platforms are short */
    return SNOWPLOW_OK;
}

int snowplow_tracker_options_set_encode_base64(snowplow_tracker_options *options,
                                               int encode_base64)
{
    NEED_OPTIONS("snowplow_tracker_options_set_encode_base64");
    options->encode_base64 = encode_base64 != 0;
    return SNOWPLOW_OK;
}

int snowplow_tracker_options_set_subject(snowplow_tracker_options *options,
                                         snowplow_subject *subject)
{
    NEED_OPTIONS("snowplow_tracker_options_set_subject");
    if (subject != NULL)
        sp_subject_ref(subject);
    snowplow_subject_free(options->subject);
    options->subject = subject;
    return SNOWPLOW_OK;
}

int snowplow_tracker_options_add_emitter(snowplow_tracker_options *options,
                                         snowplow_emitter *emitter)
{
    static const char fn[] = "snowplow_tracker_options_add_emitter";
    NEED_OPTIONS(fn);
    if (emitter == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: emitter: must not be NULL", fn);
    snowplow_emitter **grown =
        realloc(options->emitters, (options->n_emitters + 1) * sizeof *grown);
    if (grown == NULL)
        return sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
    options->emitters = grown;
    sp_emitter_ref(emitter);
    options->emitters[options->n_emitters++] = emitter;
    return SNOWPLOW_OK;
}

int snowplow_tracker_new(snowplow_tracker **out, snowplow_tracker_options *options)
{
    static const char fn[] = "snowplow_tracker_new";
    if (out != NULL)
        *out = NULL;
    if (options == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: options: must not be NULL", fn);
    int rc = SNOWPLOW_OK;
    if (out == NULL)
        rc = sp_error_set(SNOWPLOW_EINVAL, "%s: out: must not be NULL", fn);
    else if (options->n_emitters == 0)
        rc = sp_error_set(SNOWPLOW_EINVAL, "%s: options: at least one emitter is required", fn);
    snowplow_tracker *t = NULL;
    if (rc == SNOWPLOW_OK && (t = calloc(1, sizeof *t)) == NULL)
        rc = sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
    if (rc == SNOWPLOW_OK && options->tracker_version == NULL &&
        (options->tracker_version = strdup(DEFAULT_TRACKER_VERSION)) == NULL)
        rc = sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
    if (rc != SNOWPLOW_OK) {
        free(t);
        snowplow_tracker_options_free(options); /* consumed in every case */
        return rc;
    }
    t->config = *options; /* takes over every pointer the options held */
    free(options);
    pthread_mutex_init(&t->subject_lock, NULL);
    *out = t;
    return SNOWPLOW_OK;
}

void snowplow_tracker_free(snowplow_tracker *tracker)
{
    if (tracker == NULL)
        return;
    release_config(&tracker->config);
    pthread_mutex_destroy(&tracker->subject_lock);
    free(tracker);
}

int snowplow_tracker_set_subject(snowplow_tracker *tracker, snowplow_subject *subject)
{
    if (tracker == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "snowplow_tracker_set_subject: tracker: must not be NULL");
    if (subject != NULL)
        sp_subject_ref(subject);
    pthread_mutex_lock(&tracker->subject_lock);
    snowplow_subject *old = tracker->config.subject;
    tracker->config.subject = subject;
    pthread_mutex_unlock(&tracker->subject_lock);
    snowplow_subject_free(old);
    return SNOWPLOW_OK;
}

/* Fields every payload of a tracked event carries: ids, times, tracker, subject,
 * and the page of snowplow_event_set_page() (items too). */
static int add_common(sp_payload *p, const snowplow_tracker_options *config,
                      const snowplow_event *ev, snowplow_subject *tracker_subject, int64_t dtm,
                      char *eid)
{
    static const unsigned number = SP_PAYLOAD_PLAIN | SP_PAYLOAD_KEY_LITERAL;
    char digits[24];
    sp_uuid_v4(eid);
    int rc = sp_payload_add_flags(p, "eid", eid, SNOWPLOW_EID_SIZE - 1, number);
    if (rc == 0)
        rc = sp_payload_add_flags(p, "dtm", digits, sp_format_int64(digits, dtm), number);
    if (rc == 0 && ev->has_true_timestamp)
        rc = sp_payload_add_flags(p, "ttm", digits, sp_format_int64(digits, ev->true_timestamp),
                                  number);
    /* The tracker's strings are kept, not copied: they cannot change during
     * the track or encode call that builds and drops this payload. */
    if (rc == 0)
        rc = sp_payload_add_borrowed(p, "tv", config->tracker_version);
    if (rc == 0)
        rc = sp_payload_add_borrowed(p, "tna", config->name_space);
    if (rc == 0)
        rc = sp_payload_add_borrowed(p, "aid", config->app_id);
    if (rc == 0) {
        snowplow_subject *subjects[2] = {ev->subject, tracker_subject};
        rc = sp_subject_apply(p, subjects, 2, config->platform);
    }
    if (rc == 0)
        rc = sp_event_encode_page(ev, p);
    return rc;
}

int sp_payload_set_begin(sp_payload_set *set, const snowplow_event *ev, const char *fn)
{
    if (ev == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: event: must not be NULL", fn);
    int rc = sp_event_check(ev, fn);
    if (rc != SNOWPLOW_OK)
        return rc;
    size_t n = 1 + ev->n_items;
    memset(set->stack, 0, sizeof set->stack);
    set->n = n;
    set->all = n <= SP_PAYLOAD_SET_STACK ? set->stack : calloc(n, sizeof *set->all);
    if (set->all == NULL)
        return sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
    sp_payload_init(&set->first);
    set->all[0] = &set->first;
    return 0;
}

void sp_payload_set_release(sp_payload_set *set)
{
    sp_payload_release(&set->first);
    for (size_t i = 1; i < set->n; i++)
        sp_payload_free(set->all[i]);
    if (set->all != set->stack)
        free(set->all);
}

/* Build the event's payloads: the event itself, then one per transaction item,
 * with `config`'s fields and `subject` (may be NULL). payloads[0] is the
 * caller's (on its stack); the items' are allocated here. */
static int build_payloads(sp_payload **payloads, size_t n, const snowplow_tracker_options *config,
                          snowplow_subject *subject, const snowplow_event *ev, char *eid)
{
    int64_t dtm = ev->has_device_timestamp ? ev->device_timestamp : sp_now_ms();
    int base64 = config->encode_base64;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char item_eid[SNOWPLOW_EID_SIZE];
        if (i > 0 && (payloads[i] = sp_payload_new()) == NULL) {
            rc = SNOWPLOW_ENOMEM;
            break;
        }
        rc = add_common(payloads[i], config, ev, subject, dtm, i == 0 ? eid : item_eid);
        if (rc == 0)
            rc = i == 0 ? sp_event_encode(ev, payloads[i], base64)
                        : sp_event_encode_item(ev, i - 1, payloads[i]);
        if (rc == 0)
            rc = sp_event_encode_contexts(ev, i == 0 ? SP_EVENT_NO_ITEM : i - 1, payloads[i],
                                          base64);
    }
    return rc;
}

int sp_tracker_options_payloads(sp_payload **payloads, size_t n,
                                const snowplow_tracker_options *options,
                                const snowplow_event *ev, char *eid)
{
    snowplow_tracker_options config = *options; /* tv as snowplow_tracker_new() would set it */
    if (config.tracker_version == NULL)
        config.tracker_version = (char *)DEFAULT_TRACKER_VERSION;
    return build_payloads(payloads, n, &config, config.subject, ev, eid);
}

/* build_payloads with the tracker's subject, taken under its lock. */
static int build_tracker_payloads(sp_payload **payloads, size_t n, snowplow_tracker *t,
                                  const snowplow_event *ev, char *eid)
{
    snowplow_subject *subject;
    pthread_mutex_lock(&t->subject_lock);
    if ((subject = t->config.subject) != NULL)
        sp_subject_ref(subject);
    pthread_mutex_unlock(&t->subject_lock);
    int rc = build_payloads(payloads, n, &t->config, subject, ev, eid);
    snowplow_subject_free(subject);
    return rc;
}

/*
 * Encode the event once per emitter and check it against every emitter first
 * (sp_emitter_prepare), so that it goes to all of them or to none; then queue
 * it in each (sp_emitter_commit). A full queue is that emitter's own loss,
 * reported there: the other emitters still get the event, and the first error
 * is returned. The payloads stay the caller's.
 */
#define STACK_EMITTERS 4
static int deliver(snowplow_tracker *t, const char *fn, sp_payload **payloads, size_t n)
{
    snowplow_emitter **emitters = t->config.emitters;
    size_t n_emitters = t->config.n_emitters;
    sp_prepared stack[STACK_EMITTERS];
    sp_prepared *prepared =
        n_emitters <= STACK_EMITTERS ? stack : calloc(n_emitters, sizeof *prepared);
    if (prepared == NULL)
        return sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
    int rc = SNOWPLOW_OK;
    size_t ready = 0;
    for (; ready < n_emitters && rc == SNOWPLOW_OK; ready++) {
        rc = sp_emitter_prepare(emitters[ready], fn, (const sp_payload *const *)payloads, n,
                                &prepared[ready]);
        if (rc != SNOWPLOW_OK)
            break;
    }
    if (rc != SNOWPLOW_OK) {
        for (size_t e = 0; e < ready; e++)
            sp_emitter_discard(&prepared[e]);
    } else {
        for (size_t e = 0; e < n_emitters; e++) {
            int commit_rc = sp_emitter_commit(&prepared[e], fn);
            if (commit_rc != SNOWPLOW_OK && rc == SNOWPLOW_OK)
                rc = commit_rc;
        }
    }
    if (prepared != stack)
        free(prepared);
    return rc;
}

int snowplow_tracker_track(char *eid_out, snowplow_tracker *tracker,
                           const snowplow_event *event)
{
    return sp_tracker_track(eid_out, tracker, event, "snowplow_tracker_track");
}

int sp_tracker_track(char *eid_out, snowplow_tracker *tracker, const snowplow_event *event,
                     const char *fn)
{
    if (tracker == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: tracker: must not be NULL", fn);
    sp_payload_set set;
    int rc = sp_payload_set_begin(&set, event, fn);
    if (rc != SNOWPLOW_OK)
        return rc;
    char eid[SNOWPLOW_EID_SIZE];
    rc = build_tracker_payloads(set.all, set.n, tracker, event, eid);
    if (rc != SNOWPLOW_OK)
        rc = sp_error_set(rc, "%s: out of memory", fn);
    else
        rc = deliver(tracker, fn, set.all, set.n);
    sp_payload_set_release(&set);
    if (rc == SNOWPLOW_OK && eid_out != NULL)
        memcpy(eid_out, eid, SNOWPLOW_EID_SIZE);
    return rc;
}

int snowplow_tracker_flush(snowplow_tracker *tracker, int timeout_ms)
{
    if (tracker == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "snowplow_tracker_flush: tracker: must not be NULL");
    int64_t deadline = sp_monotonic_ms() + timeout_ms;
    for (size_t e = 0; e < tracker->config.n_emitters; e++) {
        int left = -1;
        if (timeout_ms >= 0) {
            int64_t remaining = deadline - sp_monotonic_ms();
            left = remaining > 0 ? (int)remaining : 0;
        }
        int rc = snowplow_emitter_flush(tracker->config.emitters[e], left);
        if (rc != SNOWPLOW_OK)
            return rc;
    }
    return SNOWPLOW_OK;
}
