/*
 * bindings/ruby/ruby.i: the Ruby-only part of the SWIG interface, included by
 * bindings/snowplow.i under SWIGRUBY (after the generic typemaps, before the
 * public headers).
 *
 * The low-level module is built as `swig -ruby -module snowplow::native
 * -initname snowplow_native`: Snowplow::Native, in snowplow_native.so. The
 * classes users see (Snowplow::Tracker, Emitter, ...) are Ruby code in
 * bindings/ruby/lib on top of it.
 *
 * What is here:
 *   - strings: nil is NULL, a String is sent as UTF-8 (converted from its own
 *     encoding when it has another one), an embedded NUL raises ArgumentError
 *     instead of silently cutting the string;
 *   - the calls that block, run with the GVL released so that other Ruby
 *     threads go on: next_result (the callback dispatcher's wait, woken by
 *     snowplow_emitter_wake_results() when Ruby interrupts the thread), flush
 *     (in slices, so that Thread#raise/kill and Ctrl-C are not held up for the
 *     whole wait), close, free, and track (which can wait on a full queue
 *     under SNOWPLOW_FULL_BLOCK);
 *   - the fast paths of self-describing JSON (sp_rb_json.c encodes Hashes
 *     straight into a C buffer, as JSON.generate would): json_encode_c,
 *     track_self_describing_fast, event_add_contexts_fast. They keep the GVL
 *     (cheap, and they read Ruby objects), except track under FULL_BLOCK as
 *     above. Each either does the whole job or declines (returns nil/false)
 *     having done nothing, and the Ruby code then takes its ordinary path,
 *     so that results and errors stay exactly what they were.
 */

%{
#include <errno.h>
#include <time.h>
#include <ruby/encoding.h>
#include <ruby/thread.h>

/* A String in UTF-8 (or US-ASCII/binary, passed as they are: the library
 * checks that the bytes are UTF-8). Raises when the text cannot be converted. */
static VALUE sp_rb_utf8(VALUE str)
{
    int idx = ENCODING_GET(str);
    if (idx == rb_utf8_encindex() || idx == rb_usascii_encindex() ||
        idx == rb_ascii8bit_encindex())
        return str;
    return rb_str_encode(str, rb_enc_from_encoding(rb_utf8_encoding()), 0, Qnil);
}

/* Raise the Ruby exception of a snowplow_error, as the SWIG wrappers do. */
static void sp_rb_raise(int code)
{
    rb_raise(SWIG_Ruby_ErrorType(sp_swig_error_kind(code)), "%s", sp_swig_error_message(code));
}

static long long sp_rb_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- next_result: the dispatcher's wait ---------------------------------- */

typedef struct {
    snowplow_emitter *emitter;
    snowplow_result *result;
    int timeout_ms;
    int rc;
} sp_rb_next_args;

static void *sp_rb_next_nogvl(void *p)
{
    sp_rb_next_args *a = (sp_rb_next_args *)p;
    a->rc = snowplow_emitter_next_result(&a->result, a->emitter, a->timeout_ms);
    return NULL;
}

/* Ruby wants the waiting thread back (Thread#kill, #raise, exit). */
static void sp_rb_next_ubf(void *p)
{
    snowplow_emitter_wake_results((snowplow_emitter *)p);
}

/* [kind, status, reason, will_retry, success_count, [event JSON, ...]] */
static VALUE sp_rb_result_array(VALUE p)
{
    const snowplow_result *r = (const snowplow_result *)p;
    size_t n = snowplow_result_event_count(r);
    VALUE events = rb_ary_new_capa((long)n);
    for (size_t i = 0; i < n; i++) {
        const char *json = snowplow_result_event_json(r, i);
        rb_ary_push(events, json ? rb_utf8_str_new_cstr(json) : Qnil);
    }
    VALUE out = rb_ary_new_capa(6);
    rb_ary_push(out, INT2NUM((int)snowplow_result_get_kind(r)));
    rb_ary_push(out, INT2NUM(snowplow_result_status(r)));
    rb_ary_push(out, rb_utf8_str_new_cstr(snowplow_result_reason(r)));
    rb_ary_push(out, snowplow_result_will_retry(r) ? Qtrue : Qfalse);
    rb_ary_push(out, SIZET2NUM(snowplow_result_success_count(r)));
    rb_ary_push(out, events);
    return out;
}

static VALUE sp_rb_result_free(VALUE p)
{
    snowplow_result_free((snowplow_result *)p);
    return Qnil;
}

/*
 * Wait up to timeout_ms (negative: until a result, a wake-up or the close) for
 * the next result, without the GVL. Returns the result as an Array (above), or
 * the status as an Integer: ETIMEOUT, EWOKEN or ECLOSED.
 */
static VALUE sp_rb_next_result(snowplow_emitter *emitter, int timeout_ms)
{
    sp_rb_next_args a;
    a.emitter = emitter;
    a.result = NULL;
    a.timeout_ms = timeout_ms;
    a.rc = SNOWPLOW_EWOKEN; /* stays so when Ruby interrupts before the call */
    rb_thread_call_without_gvl(sp_rb_next_nogvl, &a, sp_rb_next_ubf, emitter);
    if (a.rc == SNOWPLOW_OK && a.result != NULL)
        return rb_ensure(sp_rb_result_array, (VALUE)a.result, sp_rb_result_free, (VALUE)a.result);
    if (a.rc == SNOWPLOW_OK)
        a.rc = SNOWPLOW_EWOKEN;
    if (a.rc != SNOWPLOW_ETIMEOUT && a.rc != SNOWPLOW_EWOKEN && a.rc != SNOWPLOW_ECLOSED)
        sp_rb_raise(a.rc);
    return INT2NUM(a.rc);
}

/* ---- flush: in slices, so that Ruby can interrupt it --------------------- */

#define SP_RB_FLUSH_SLICE_MS 200

typedef struct {
    snowplow_emitter *emitter;
    snowplow_tracker *tracker;
    int timeout_ms;
    int rc;
    int interrupted;
} sp_rb_flush_args;

static void *sp_rb_flush_nogvl(void *p)
{
    sp_rb_flush_args *a = (sp_rb_flush_args *)p;
    long long deadline = a->timeout_ms < 0 ? -1 : sp_rb_now_ms() + a->timeout_ms;
    for (;;) {
        int slice = SP_RB_FLUSH_SLICE_MS;
        if (deadline >= 0) {
            long long left = deadline - sp_rb_now_ms();
            if (left < 0)
                left = 0;
            if (left < slice)
                slice = (int)left;
        }
        a->rc = a->emitter ? snowplow_emitter_flush(a->emitter, slice)
                           : snowplow_tracker_flush(a->tracker, slice);
        if (a->rc != SNOWPLOW_ETIMEOUT || __atomic_load_n(&a->interrupted, __ATOMIC_ACQUIRE))
            break;
        if (deadline >= 0 && sp_rb_now_ms() >= deadline)
            break;
    }
    return NULL;
}

static void sp_rb_flush_ubf(void *p)
{
    __atomic_store_n(&((sp_rb_flush_args *)p)->interrupted, 1, __ATOMIC_RELEASE);
}

static VALUE sp_rb_flush_common(snowplow_emitter *emitter, snowplow_tracker *tracker,
                                int timeout_ms)
{
    sp_rb_flush_args a;
    a.emitter = emitter;
    a.tracker = tracker;
    a.timeout_ms = timeout_ms;
    a.rc = SNOWPLOW_ETIMEOUT;
    a.interrupted = 0;
    rb_thread_call_without_gvl(sp_rb_flush_nogvl, &a, sp_rb_flush_ubf, &a);
    if (!sp_swig_is_wait_status(a.rc))
        sp_rb_raise(a.rc);
    return INT2NUM(a.rc);
}

/* Blocking flush of one emitter; returns 0, ETIMEOUT, EDEADLK or ECLOSED. */
static VALUE sp_rb_emitter_flush(snowplow_emitter *emitter, int timeout_ms)
{
    if (emitter == NULL)
        sp_rb_raise(SNOWPLOW_EINVAL);
    return sp_rb_flush_common(emitter, NULL, timeout_ms);
}

/* Blocking flush of every emitter of a tracker. */
static VALUE sp_rb_tracker_flush(snowplow_tracker *tracker, int timeout_ms)
{
    if (tracker == NULL)
        sp_rb_raise(SNOWPLOW_EINVAL);
    return sp_rb_flush_common(NULL, tracker, timeout_ms);
}

/* ---- close and free: bounded, without the GVL ---------------------------- */

typedef struct {
    snowplow_emitter *emitter;
    int timeout_ms;
    int rc;
} sp_rb_close_args;

static void *sp_rb_close_nogvl(void *p)
{
    sp_rb_close_args *a = (sp_rb_close_args *)p;
    a->rc = snowplow_emitter_close(a->emitter, a->timeout_ms);
    return NULL;
}

/* Close (flush for at most timeout_ms, then stop); 0, ETIMEOUT or EDEADLK. */
static VALUE sp_rb_emitter_close(snowplow_emitter *emitter, int timeout_ms)
{
    sp_rb_close_args a;
    a.emitter = emitter;
    a.timeout_ms = timeout_ms;
    a.rc = SNOWPLOW_OK;
    rb_thread_call_without_gvl(sp_rb_close_nogvl, &a, NULL, NULL);
    if (!sp_swig_is_wait_status(a.rc))
        sp_rb_raise(a.rc);
    return INT2NUM(a.rc);
}

static void *sp_rb_free_nogvl(void *p)
{
    snowplow_emitter_free((snowplow_emitter *)p);
    return NULL;
}

/* Release an emitter reference (the last one closes it, bounded). */
static void sp_rb_emitter_free(snowplow_emitter *emitter)
{
    if (emitter != NULL)
        rb_thread_call_without_gvl(sp_rb_free_nogvl, emitter, NULL, NULL);
}

/* ---- track ----------------------------------------------------------------- */

typedef struct {
    snowplow_tracker *tracker;
    const snowplow_event *event;
    char eid[SNOWPLOW_EID_SIZE];
    int rc;
} sp_rb_track_args;

static void *sp_rb_track_nogvl(void *p)
{
    sp_rb_track_args *a = (sp_rb_track_args *)p;
    a->rc = snowplow_tracker_track(a->eid, a->tracker, a->event);
    return NULL;
}

/*
 * Track an event; returns its id. With release_gvl, the GVL is released while
 * the core works (worth it only when track can wait: FULL_BLOCK policy).
 * EFULL is not raised: the event was reported through on_failure and the
 * DROPPED counter; nil is returned instead of an id.
 */
static VALUE sp_rb_track(snowplow_tracker *tracker, const snowplow_event *event, int release_gvl)
{
    sp_rb_track_args a;
    a.tracker = tracker;
    a.event = event;
    a.eid[0] = '\0';
    if (release_gvl)
        rb_thread_call_without_gvl(sp_rb_track_nogvl, &a, NULL, NULL);
    else
        sp_rb_track_nogvl(&a);
    if (a.rc == SNOWPLOW_EFULL)
        return Qnil;
    if (a.rc < 0)
        sp_rb_raise(a.rc);
    return rb_usascii_str_new_cstr(a.eid);
}
%}

/* ---- self-describing JSON from Ruby values (fast paths) ------------------------ */

%{
#include <ruby/encoding.h>
#include "sp_rb_json.h"

static ID sp_rb_id_schema;
static ID sp_rb_id_data;

static void sp_rb_fast_init(void)
{
    sp_rb_json_init();
    sp_rb_id_schema = rb_intern("@schema");
    sp_rb_id_data = rb_intern("@data");
}

/* The JSON text of value (a UTF-8 String), or nil when the encoder declines
 * (the caller then asks JSON.generate). */
static VALUE sp_rb_json_encode_c(VALUE value)
{
    sp_rb_json_buf b;
    sp_rb_json_buf_init(&b);
    VALUE text = Qnil;
    if (sp_rb_json_put_value(&b, value) == 0)
        text = rb_utf8_str_new(b.data, (long)b.len);
    sp_rb_json_buf_done(&b);
    return text;
}

/* For the tests: Float#to_s of d as the encoder writes it without asking
 * Ruby (at most 15 significant digits), or nil. */
static VALUE sp_rb_json_format_float_c(double d)
{
    char text[32];
    int n = sp_rb_json_format_float(text, d);
    return n < 0 ? Qnil : rb_usascii_str_new(text, n);
}

/*
 * Append "SCHEMA\0DATA-JSON\0" of a Snowplow::SelfDescribingJson (its class
 * exactly sdj_class: a subclass may override to_native). 0, or -1 when
 * declined: a schema the const char * typemap would convert or refuse (other
 * encodings, NUL), data that is not a plain Hash or that the encoder declines.
 */
static int sp_rb_put_sdjson(sp_rb_json_buf *b, VALUE sdj_class, VALUE sdj)
{
    if (RB_SPECIAL_CONST_P(sdj) || RBASIC_CLASS(sdj) != sdj_class)
        return -1;
    VALUE schema = rb_ivar_get(sdj, sp_rb_id_schema);
    VALUE data = rb_ivar_get(sdj, sp_rb_id_data);
    if (!RB_TYPE_P(schema, T_STRING))
        return -1;
    int idx = ENCODING_GET(schema);
    if (idx != rb_utf8_encindex() && idx != rb_usascii_encindex() && idx != rb_ascii8bit_encindex() &&
        rb_enc_str_coderange(schema) != ENC_CODERANGE_7BIT)
        return -1;
    const char *s = RSTRING_PTR(schema);
    size_t n = (size_t)RSTRING_LEN(schema);
    if (memchr(s, '\0', n) != NULL)
        return -1;
    if (sp_rb_json_put_cstr(b, s, n) < 0)
        return -1;
    if (RB_SPECIAL_CONST_P(data) || RBASIC_CLASS(data) != rb_cHash)
        return -1;
    if (sp_rb_json_put_value(b, data) < 0 || sp_rb_json_put_nul(b) < 0)
        return -1;
    return 0;
}

/* The text after a NUL-terminated one in the buffer. */
static const char *sp_rb_next_text(const char *text)
{
    return text + strlen(text) + 1;
}

/* Add n contexts whose "SCHEMA\0JSON\0" pairs start at texts, in order, as
 * the Ruby loop does (the first error stops it). */
static int sp_rb_add_context_texts(snowplow_event *event, const char *texts, long n)
{
    for (long i = 0; i < n; i++) {
        const char *schema = texts;
        const char *json = sp_rb_next_text(schema);
        texts = sp_rb_next_text(json);
        snowplow_sdjson *sdj = NULL;
        int rc = snowplow_sdjson_new(&sdj, schema, json);
        if (rc < 0)
            return rc;
        rc = snowplow_event_add_context(event, sdj);
        snowplow_sdjson_free(sdj); /* the event holds its own reference */
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Encode every self-describing JSON first (declining costs nothing then):
 * event_json (Qundef: none) and the entries of context (nil or an Array);
 * n_contexts: how many entries were encoded. */
static int sp_rb_put_all(sp_rb_json_buf *b, VALUE sdj_class, VALUE event_json, VALUE context,
                         long *n_contexts)
{
    *n_contexts = 0;
    if (event_json != Qundef && sp_rb_put_sdjson(b, sdj_class, event_json) < 0)
        return -1;
    if (NIL_P(context))
        return 0;
    if (!RB_TYPE_P(context, T_ARRAY))
        return -1;
    long n = RARRAY_LEN(context);
    for (long i = 0; i < n; i++) {
        if (sp_rb_put_sdjson(b, sdj_class, RARRAY_AREF(context, i)) < 0)
            return -1;
    }
    *n_contexts = n;
    return 0;
}

/*
 * context: nil or an Array of SelfDescribingJson. Adds them all to event and
 * returns true (raising the library's error at the first that fails, as the
 * Ruby loop does), or returns false having done nothing (the caller takes
 * the Ruby loop).
 */
static VALUE sp_rb_event_add_contexts(snowplow_event *event, VALUE sdj_class, VALUE context)
{
    if (event == NULL || !RB_TYPE_P(context, T_ARRAY))
        return Qfalse;
    sp_rb_json_buf b;
    sp_rb_json_buf_init(&b);
    long n = 0;
    if (sp_rb_put_all(&b, sdj_class, Qundef, context, &n) < 0) {
        sp_rb_json_buf_done(&b);
        return Qfalse;
    }
    int rc = sp_rb_add_context_texts(event, b.data, n);
    sp_rb_json_buf_done(&b);
    if (rc < 0)
        sp_rb_raise(rc);
    return Qtrue;
}

typedef struct {
    sp_rb_track_args *track;
    snowplow_event *event;
} sp_rb_track_owned;

static VALUE sp_rb_track_owned_body(VALUE p)
{
    rb_thread_call_without_gvl(sp_rb_track_nogvl, ((sp_rb_track_owned *)p)->track, NULL, NULL);
    return Qnil;
}

static VALUE sp_rb_track_owned_free(VALUE p)
{
    snowplow_event_free(((sp_rb_track_owned *)p)->event);
    return Qnil;
}

/*
 * Tracker#track_self_describing_event(event_json, context) in one call:
 * encodes the event's data and the contexts, builds the event, tracks it and
 * frees it. Returns true when tracked (or dropped by a full queue: reported
 * through on_failure, as track_nogvl does), raising the library's errors in
 * the order the Ruby path meets them; or false, having done nothing, when
 * anything is unusual (other classes, values the encoder declines, ...): the
 * caller then takes the Ruby path. release_gvl as for track_nogvl.
 */
static VALUE sp_rb_track_self_describing(snowplow_tracker *tracker, VALUE sdj_class,
                                         VALUE event_json, VALUE context, VALUE release_gvl)
{
    if (tracker == NULL)
        return Qfalse;
    sp_rb_json_buf b;
    sp_rb_json_buf_init(&b);
    long n = 0;
    if (sp_rb_put_all(&b, sdj_class, event_json, context, &n) < 0) {
        sp_rb_json_buf_done(&b);
        return Qfalse;
    }
    /* From here on no Ruby code runs until the event is tracked. */
    const char *schema = b.data;
    const char *json = sp_rb_next_text(schema);
    snowplow_sdjson *sdj = NULL;
    snowplow_event *event = NULL;
    int rc = snowplow_sdjson_new(&sdj, schema, json);
    if (rc == 0) {
        rc = snowplow_event_self_describing_new(&event, sdj);
        snowplow_sdjson_free(sdj); /* the event holds its own reference */
    }
    if (rc == 0)
        rc = sp_rb_add_context_texts(event, sp_rb_next_text(json), n);
    sp_rb_json_buf_done(&b);
    if (rc < 0) {
        snowplow_event_free(event);
        sp_rb_raise(rc);
    }
    sp_rb_track_args a;
    a.tracker = tracker;
    a.event = event;
    a.eid[0] = '\0';
    if (RTEST(release_gvl)) {
        /* An interrupt can raise as the GVL comes back: the event is freed anyway. */
        sp_rb_track_owned owned = {&a, event};
        rb_ensure(sp_rb_track_owned_body, (VALUE)&owned, sp_rb_track_owned_free, (VALUE)&owned);
    } else {
        sp_rb_track_nogvl(&a);
        snowplow_event_free(event);
    }
    if (a.rc < 0 && a.rc != SNOWPLOW_EFULL)
        sp_rb_raise(a.rc);
    return Qtrue;
}
%}

%init %{
  sp_rb_fast_init();
%}

/* ---- strings ---------------------------------------------------------------- */

%typemap(in, noblock=1) const char * (VALUE str_utf8 = Qnil) {
  if (NIL_P($input)) {
    $1 = NULL;
  } else if (RB_TYPE_P($input, T_STRING)) {
    str_utf8 = sp_rb_utf8($input);
    $1 = ($1_ltype)StringValueCStr(str_utf8); /* ArgumentError on an embedded NUL */
  } else {
    rb_raise(rb_eTypeError, "%s: argument %d must be a String or nil, not %s",
             "$symname", $argnum, rb_obj_classname($input));
  }
}
%typemap(freearg, noblock=1) const char * {
  RB_GC_GUARD(str_utf8$argnum);
}

/* ---- the GVL-releasing calls (Snowplow::Native.next_result_nogvl, ...) ------- */

%rename(next_result_nogvl) sp_rb_next_result;
%rename(emitter_flush_nogvl) sp_rb_emitter_flush;
%rename(tracker_flush_nogvl) sp_rb_tracker_flush;
%rename(emitter_close_nogvl) sp_rb_emitter_close;
%rename(emitter_free_nogvl) sp_rb_emitter_free;
%rename(track_nogvl) sp_rb_track;
%rename(json_encode_c) sp_rb_json_encode_c;
%rename(json_format_float_c) sp_rb_json_format_float_c;
%rename(event_add_contexts_fast) sp_rb_event_add_contexts;
%rename(track_self_describing_fast) sp_rb_track_self_describing;

static VALUE sp_rb_next_result(snowplow_emitter *emitter, int timeout_ms);
static VALUE sp_rb_emitter_flush(snowplow_emitter *emitter, int timeout_ms);
static VALUE sp_rb_tracker_flush(snowplow_tracker *tracker, int timeout_ms);
static VALUE sp_rb_emitter_close(snowplow_emitter *emitter, int timeout_ms);
static void sp_rb_emitter_free(snowplow_emitter *emitter);
static VALUE sp_rb_track(snowplow_tracker *tracker, const snowplow_event *event, int release_gvl);
static VALUE sp_rb_json_encode_c(VALUE value);
static VALUE sp_rb_json_format_float_c(double d);
static VALUE sp_rb_event_add_contexts(snowplow_event *event, VALUE sdj_class, VALUE context);
static VALUE sp_rb_track_self_describing(snowplow_tracker *tracker, VALUE sdj_class,
                                         VALUE event_json, VALUE context, VALUE release_gvl);
