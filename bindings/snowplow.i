/*
 * bindings/snowplow.i: the one SWIG interface of libsnowplow, shared by every
 * language binding (Python, Ruby, Lua). It wraps the public headers as they are;
 * each binding puts its idiomatic layer (classes, keyword arguments, callbacks)
 * on top of this low-level module, in its own language.
 *
 * Module name
 *   Python: %module(package="snowplow") snowplow_c, so the C extension is
 *           `snowplow._snowplow_c` (SWIG's shadow file snowplow_c.py is not
 *           needed: the package imports the extension directly).
 *   Others: %module snowplow. A binding may choose another name with
 *           `swig -module NAME` on its command line without touching this file.
 *
 * Names
 *   The `snowplow_` / `SNOWPLOW_` prefix is stripped, the module carries it:
 *   snowplow_tracker_new -> tracker_new, SNOWPLOW_EINVAL -> EINVAL,
 *   SNOWPLOW_METHOD_GET -> METHOD_GET, SNOWPLOW_COUNTER_RESULTS -> COUNTER_RESULTS.
 *   Handles are opaque pointers; free them with the matching *_free function.
 *   Ignored: the C callback setters (function pointers: use the result queue),
 *   snowplow_sdjson_new_cjson (cJSON trees), snowplow_string_free (strings
 *   come back as the language's own strings, freed here).
 *
 * Calling conventions (every language)
 *   - `snowplow_X **out` is not an argument: the new handle is returned.
 *     e.g. Python `ev = event_page_view_new("http://a", None, None)`.
 *   - `char *eid_out` is not an argument: tracker_track returns the event id
 *     (36 characters). `char **out` (subject_get) returns a string or nil/None.
 *   - `const char *const *terms, size_t n_terms` is one argument: a list
 *     (Python list/tuple, Ruby Array, Lua table) of strings.
 *   - int64_t / uint64_t / size_t are integers.
 *   - A function returning an int status raises the language's exception when
 *     it is negative, with snowplow_error_last() as the message (see
 *     sp_swig_error_kind() for the class: ValueError-like for bad input,
 *     MemoryError for ENOMEM, RuntimeError-like otherwise), and returns
 *     nothing (or its out-values) on success. In Python the exception also has
 *     a `code` attribute holding the snowplow_error value.
 *   - Exceptions to that rule:
 *       value functions (version_num, error_last_code, result_status,
 *       result_will_retry, emitter_result_fd) return their int as is;
 *       waits (emitter_flush, tracker_flush, emitter_close, store_sync,
 *       emitter_next_result) return their status: 0, ETIMEOUT, EWOKEN, ECLOSED
 *       or EDEADLK, and raise only for the other codes. next_result returns
 *       [status, result-or-nil].
 *
 * Python specifics: build with `swig -python -threads`. Every call that can
 * block (flush, close, free, track, next_result, ...) releases the GIL; the
 * cheap getters and setters listed below keep it (releasing costs more than
 * they do). Strings are taken without a copy and refused (TypeError) unless str
 * or None; an embedded NUL is refused (ValueError) instead of silently cutting
 * the string. Python only, at the end of this file: sdjson_new_from_object,
 * event_self_describing_new_from_object, event_add_context_object and
 * json_encode_c take Python values and encode them in C (bindings/python/src).
 *
 * Per-language files: bindings/ruby/ruby.i and bindings/lua/lua.i are included
 * below, after the generic typemaps and before the headers, so that they can
 * add or override typemaps for their language.
 */

#if defined(SWIGPYTHON)
%module(package="snowplow") snowplow_c
#else
%module snowplow
#endif

%{
#include <stdlib.h>
#include <string.h>
#include "snowplow/common.h"
#include "snowplow/result.h"
#include "snowplow/sdjson.h"
#include "snowplow/subject.h"
#include "snowplow/event.h"
#include "snowplow/emitter.h"
#include "snowplow/tracker.h"
%}

%include <stdint.i>

/* ---- names -------------------------------------------------------------- */

%rename("%(regex:/^(snowplow_|SNOWPLOW_)(.*)/\\2/)s") "";

%ignore snowplow_emitter_options_set_on_success;
%ignore snowplow_emitter_options_set_on_failure;
%ignore snowplow_sdjson_new_cjson;
%ignore snowplow_string_free;
/* Pointer arguments for optional numbers; the Lua binding calls it from C
 * (lua_track_buffer.c), the languages track structured events with event objects. */
%ignore snowplow_tracker_track_structured;
%ignore cJSON;
/* The enum type itself needs no wrapper name (Lua has an `error` function). */
%rename("%s") snowplow_error;

/* ---- errors: the one mapping every language uses -------------------------- */

%{
/* The SWIG error class of a snowplow_error code: bad input is a value error,
 * ENOMEM a memory error, everything else (closed, timeout, full, system) a
 * runtime error. Languages map these to their own classes. */
static SWIGUNUSED int sp_swig_error_kind(int code)
{
    switch (code) {
    case SNOWPLOW_EINVAL:
    case SNOWPLOW_EUTF8:
    case SNOWPLOW_EJSON:
    case SNOWPLOW_ESCHEMA:
    case SNOWPLOW_EMISSING:
    case SNOWPLOW_ERANGE:
    case SNOWPLOW_EURL:
    case SNOWPLOW_ETOOBIG:
    case SNOWPLOW_EFIELD:
        return SWIG_ValueError;
    case SNOWPLOW_ENOMEM:
        return SWIG_MemoryError;
    default:
        return SWIG_RuntimeError;
    }
}

/* The calling thread's last message, or the code's description when the
 * library recorded none. */
static const char *sp_swig_error_message(int code)
{
    const char *msg = snowplow_error_last();
    if (msg == NULL || msg[0] == '\0' || snowplow_error_last_code() != code)
        msg = snowplow_strerror(code);
    return msg;
}

/* Statuses of a wait that are answers, not errors. */
static int sp_swig_is_wait_status(int code)
{
    return code == SNOWPLOW_OK || code == SNOWPLOW_ETIMEOUT || code == SNOWPLOW_EWOKEN ||
           code == SNOWPLOW_ECLOSED || code == SNOWPLOW_EDEADLK;
}
%}

/* ---- per-language primitives used by the typemaps below -------------------- */

#if defined(SWIGPYTHON)

%{
/* Raise ValueError/MemoryError/RuntimeError with the library's message and
 * a `code` attribute. */
static void sp_py_raise(int code)
{
    PyObject *cls;
    switch (sp_swig_error_kind(code)) {
    case SWIG_ValueError: cls = PyExc_ValueError; break;
    case SWIG_MemoryError: cls = PyExc_MemoryError; break;
    default: cls = PyExc_RuntimeError; break;
    }
    const char *msg = sp_swig_error_message(code);
    PyObject *text = PyUnicode_DecodeUTF8(msg, (Py_ssize_t)strlen(msg), "replace");
    PyObject *exc = text ? PyObject_CallFunctionObjArgs(cls, text, NULL) : NULL;
    Py_XDECREF(text);
    if (exc == NULL)
        return; /* the error raised while building it stands */
    PyObject *num = PyLong_FromLong(code);
    if (num != NULL) {
        PyObject_SetAttrString(exc, "code", num);
        Py_DECREF(num);
    }
    PyErr_SetObject(cls, exc);
    Py_DECREF(exc);
}
%}

%define SP_RAISE(code) sp_py_raise(code); SWIG_fail; %enddef
%define SP_RETURN_NOTHING $result = VOID_Object; %enddef
%define SP_RETURN_INT(value) $result = SWIG_From_int(value); %enddef
%define SP_APPEND_POINTER(ptr, desc) %append_output(SWIG_NewPointerObj(SWIG_as_voidptr(ptr), desc, 0)); %enddef
%define SP_APPEND_STRING(str) %append_output(SWIG_FromCharPtr(str)); %enddef

#elif defined(SWIGLUA)

%define SP_RAISE(code) lua_pushstring(L, sp_swig_error_message(code)); SWIG_fail; %enddef
%define SP_RETURN_NOTHING %enddef
%define SP_RETURN_INT(value) lua_pushinteger(L, (lua_Integer)(value)); SWIG_arg++; %enddef
%define SP_APPEND_POINTER(ptr, desc) SWIG_NewPointerObj(L, ptr, desc, 0); SWIG_arg++; %enddef
%define SP_APPEND_STRING(str)
  if (str) lua_pushstring(L, str); else lua_pushnil(L);
  SWIG_arg++;
%enddef

#else /* Ruby and the other UTL languages */

%define SP_RAISE(code) SWIG_exception_fail(sp_swig_error_kind(code), sp_swig_error_message(code)); %enddef
%define SP_RETURN_NOTHING $result = VOID_Object; %enddef
%define SP_RETURN_INT(value) $result = SWIG_From_int(value); %enddef
%define SP_APPEND_POINTER(ptr, desc) %append_output(SWIG_NewPointerObj(SWIG_as_voidptr(ptr), desc, 0)); %enddef
%define SP_APPEND_STRING(str) %append_output(SWIG_FromCharPtr(str)); %enddef

#endif

/* ---- int returns: status (raise), value, wait ------------------------------ */

%typemap(out, noblock=1) int {
  if ($1 < 0) {
    SP_RAISE($1)
  }
  SP_RETURN_NOTHING
}

%typemap(out, noblock=1) int SP_VALUE {
  SP_RETURN_INT($1)
}

%typemap(out, noblock=1) int SP_WAIT {
  if (!sp_swig_is_wait_status($1)) {
    SP_RAISE($1)
  }
  SP_RETURN_INT($1)
}

%apply int SP_VALUE {
  int snowplow_version_num,
  int snowplow_error_last_code,
  int snowplow_result_status,
  int snowplow_result_will_retry,
  int snowplow_emitter_result_fd
};

%apply int SP_WAIT {
  int snowplow_emitter_flush,
  int snowplow_tracker_flush,
  int snowplow_emitter_close,
  int snowplow_emitter_store_sync,
  int snowplow_emitter_next_result
};

/* ---- out-parameters -------------------------------------------------------- */

%define SP_OUT_HANDLE(TYPE)
%typemap(in, numinputs=0, noblock=1) TYPE **out (TYPE *temp = NULL) {
  $1 = &temp;
}
%typemap(argout, noblock=1) TYPE **out {
  SP_APPEND_POINTER(*$1, $*1_descriptor)
}
%enddef

SP_OUT_HANDLE(snowplow_emitter_options)
SP_OUT_HANDLE(snowplow_emitter)
SP_OUT_HANDLE(snowplow_tracker_options)
SP_OUT_HANDLE(snowplow_tracker)
SP_OUT_HANDLE(snowplow_subject)
SP_OUT_HANDLE(snowplow_sdjson)
SP_OUT_HANDLE(snowplow_event)
SP_OUT_HANDLE(snowplow_result)

/* tracker_track: the event id comes back instead of filling a buffer. */
%typemap(in, numinputs=0, noblock=1) char *eid_out (char temp[SNOWPLOW_EID_SIZE]) {
  temp[0] = '\0';
  $1 = temp;
}
%typemap(argout, noblock=1) char *eid_out {
  SP_APPEND_STRING($1)
}

/* subject_get: an owned string (or nothing), freed here. */
%typemap(in, numinputs=0, noblock=1) char **out (char *temp = NULL) {
  $1 = &temp;
}
%typemap(argout, noblock=1) char **out {
  SP_APPEND_STRING(*$1)
}
%typemap(freearg, noblock=1) char **out {
  snowplow_string_free(*$1);
}

/* ---- lists of strings (site search terms) ---------------------------------- */

#if defined(SWIGPYTHON)

%typemap(in) (const char *const *terms, size_t n_terms) (PyObject *seq = NULL, const char **items = NULL) {
  if (PyUnicode_Check($input) || PyBytes_Check($input) || !PySequence_Check($input)) {
    PyErr_Format(PyExc_TypeError, "%s: terms must be a list of str, not %.100s",
                 "$symname", Py_TYPE($input)->tp_name);
    SWIG_fail;
  }
  seq = PySequence_Fast($input, "terms must be a list of str");
  if (seq == NULL)
    SWIG_fail;
  Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  items = (const char **)calloc((size_t)n + 1, sizeof *items);
  if (items == NULL) {
    PyErr_NoMemory();
    SWIG_fail;
  }
  for (Py_ssize_t i = 0; i < n; i++) {
    PyObject *item = PySequence_Fast_GET_ITEM(seq, i);
    Py_ssize_t len = 0;
    if (!PyUnicode_Check(item)) {
      PyErr_Format(PyExc_TypeError, "%s: terms[%zd] must be str, not %.100s",
                   "$symname", i, Py_TYPE(item)->tp_name);
      SWIG_fail;
    }
    items[i] = PyUnicode_AsUTF8AndSize(item, &len);
    if (items[i] == NULL)
      SWIG_fail;
    if ((Py_ssize_t)strlen(items[i]) != len) {
      PyErr_Format(PyExc_ValueError, "%s: terms[%zd] contains a NUL character", "$symname", i);
      SWIG_fail;
    }
  }
  $1 = ($1_ltype)items;
  $2 = (size_t)n;
}
%typemap(freearg) (const char *const *terms, size_t n_terms) {
  free((void *)items$argnum);
  Py_XDECREF(seq$argnum);
}

#elif defined(SWIGRUBY)

%typemap(in) (const char *const *terms, size_t n_terms) (const char **items = NULL) {
  Check_Type($input, T_ARRAY);
  long n = RARRAY_LEN($input);
  items = (const char **)calloc((size_t)n + 1, sizeof *items);
  if (items == NULL)
    rb_raise(rb_eNoMemError, "terms");
  for (long i = 0; i < n; i++) {
    VALUE item = rb_ary_entry($input, i);
    if (!RB_TYPE_P(item, T_STRING)) {
      free((void *)items);
      rb_raise(rb_eTypeError, "terms[%ld] must be a String", i);
    }
    items[i] = StringValueCStr(item); /* raises on an embedded NUL */
  }
  $1 = ($1_ltype)items;
  $2 = (size_t)n;
}
%typemap(freearg) (const char *const *terms, size_t n_terms) {
  free((void *)items$argnum);
}

#elif defined(SWIGLUA)

%typemap(in) (const char *const *terms, size_t n_terms) (const char **items = NULL) {
  if (!lua_istable(L, $input))
    SWIG_fail_arg("$symname", $argnum, "table of strings");
  size_t n = (size_t)lua_rawlen(L, $input);
  items = (const char **)calloc(n + 1, sizeof *items);
  if (items == NULL)
    SWIG_fail_arg("$symname", $argnum, "table of strings (out of memory)");
  for (size_t i = 0; i < n; i++) {
    lua_rawgeti(L, $input, (lua_Integer)(i + 1));
    if (lua_type(L, -1) != LUA_TSTRING) {
      lua_pop(L, 1);
      SWIG_fail_arg("$symname", $argnum, "table of strings");
    }
    items[i] = lua_tostring(L, -1); /* the table keeps the string alive */
    lua_pop(L, 1);
  }
  $1 = ($1_ltype)items;
  $2 = n;
}
%typemap(freearg) (const char *const *terms, size_t n_terms) {
  free((void *)items$argnum);
}

#endif

/* ---- Python: strings, the GIL, and a helper for the dispatcher ------------- */

#if defined(SWIGPYTHON)

/* str or None, without a copy (the UTF-8 is cached in the str object, which the
 * call's arguments keep alive while the GIL is released). */
%typemap(in, noblock=1) const char * {
  if ($input == Py_None) {
    $1 = NULL;
  } else if (PyUnicode_Check($input)) {
    Py_ssize_t len_$argnum = 0;
    $1 = ($1_ltype)PyUnicode_AsUTF8AndSize($input, &len_$argnum);
    if ($1 == NULL)
      SWIG_fail;
    if ((Py_ssize_t)strlen($1) != len_$argnum) {
      PyErr_Format(PyExc_ValueError, "%s: argument %d contains a NUL character",
                   "$symname", $argnum);
      SWIG_fail;
    }
  } else {
    PyErr_Format(PyExc_TypeError, "%s: argument %d must be str or None, not %.100s",
                 "$symname", $argnum, Py_TYPE($input)->tp_name);
    SWIG_fail;
  }
}
%typemap(freearg) const char * "";
%typemap(typecheck, precedence=SWIG_TYPECHECK_STRING) const char *
  "$1 = ($input == Py_None || PyUnicode_Check($input)) ? 1 : 0;";

/* Cheap calls that never wait keep the GIL: releasing and taking it back
 * would cost more than the call. Everything else releases it. */
%define SP_KEEP_GIL(name) %feature("nothread") name; %enddef
SP_KEEP_GIL(snowplow_version)
SP_KEEP_GIL(snowplow_version_num)
SP_KEEP_GIL(snowplow_strerror)
SP_KEEP_GIL(snowplow_error_last)
SP_KEEP_GIL(snowplow_error_last_code)
SP_KEEP_GIL(snowplow_error_clear)
SP_KEEP_GIL(snowplow_sdjson_new)
SP_KEEP_GIL(snowplow_sdjson_schema)
SP_KEEP_GIL(snowplow_sdjson_data)
SP_KEEP_GIL(snowplow_sdjson_json)
SP_KEEP_GIL(snowplow_sdjson_free)
SP_KEEP_GIL(snowplow_subject_new)
SP_KEEP_GIL(snowplow_subject_free)
SP_KEEP_GIL(snowplow_subject_get)
SP_KEEP_GIL(snowplow_subject_set_user_id)
SP_KEEP_GIL(snowplow_subject_set_timezone)
SP_KEEP_GIL(snowplow_subject_set_lang)
SP_KEEP_GIL(snowplow_subject_set_domain_user_id)
SP_KEEP_GIL(snowplow_subject_set_network_user_id)
SP_KEEP_GIL(snowplow_subject_set_domain_session_id)
SP_KEEP_GIL(snowplow_subject_set_ip_address)
SP_KEEP_GIL(snowplow_subject_set_useragent)
SP_KEEP_GIL(snowplow_subject_set_platform)
SP_KEEP_GIL(snowplow_subject_set_screen_resolution)
SP_KEEP_GIL(snowplow_subject_set_viewport)
SP_KEEP_GIL(snowplow_subject_set_color_depth)
SP_KEEP_GIL(snowplow_subject_set_domain_session_index)
SP_KEEP_GIL(snowplow_event_new)
SP_KEEP_GIL(snowplow_event_page_view_new)
SP_KEEP_GIL(snowplow_event_page_ping_new)
SP_KEEP_GIL(snowplow_event_structured_new)
SP_KEEP_GIL(snowplow_event_self_describing_new)
SP_KEEP_GIL(snowplow_event_screen_view_new)
SP_KEEP_GIL(snowplow_event_mobile_screen_view_new)
SP_KEEP_GIL(snowplow_event_link_click_new)
SP_KEEP_GIL(snowplow_event_add_to_cart_new)
SP_KEEP_GIL(snowplow_event_remove_from_cart_new)
SP_KEEP_GIL(snowplow_event_form_change_new)
SP_KEEP_GIL(snowplow_event_form_submit_new)
SP_KEEP_GIL(snowplow_event_site_search_new)
SP_KEEP_GIL(snowplow_event_timing_new)
SP_KEEP_GIL(snowplow_event_ecommerce_transaction_new)
SP_KEEP_GIL(snowplow_event_free)
SP_KEEP_GIL(snowplow_event_get_type)
SP_KEEP_GIL(snowplow_event_set_string)
SP_KEEP_GIL(snowplow_event_set_int)
SP_KEEP_GIL(snowplow_event_set_double)
SP_KEEP_GIL(snowplow_event_set_json)
SP_KEEP_GIL(snowplow_event_add_string)
SP_KEEP_GIL(snowplow_event_unset)
SP_KEEP_GIL(snowplow_event_add_item)
SP_KEEP_GIL(snowplow_event_add_context)
SP_KEEP_GIL(snowplow_event_set_true_timestamp)
SP_KEEP_GIL(snowplow_event_set_device_timestamp)
SP_KEEP_GIL(snowplow_event_set_subject)
SP_KEEP_GIL(snowplow_event_set_page)
SP_KEEP_GIL(snowplow_event_set_items_share_contexts)
SP_KEEP_GIL(snowplow_event_validate)
SP_KEEP_GIL(snowplow_result_get_kind)
SP_KEEP_GIL(snowplow_result_event_count)
SP_KEEP_GIL(snowplow_result_event_json)
SP_KEEP_GIL(snowplow_result_event_id)
SP_KEEP_GIL(snowplow_result_status)
SP_KEEP_GIL(snowplow_result_reason)
SP_KEEP_GIL(snowplow_result_will_retry)
SP_KEEP_GIL(snowplow_result_success_count)
SP_KEEP_GIL(snowplow_result_free)
SP_KEEP_GIL(snowplow_emitter_options_new)
SP_KEEP_GIL(snowplow_emitter_options_free)
SP_KEEP_GIL(snowplow_emitter_options_set_endpoint)
SP_KEEP_GIL(snowplow_emitter_options_set_protocol)
SP_KEEP_GIL(snowplow_emitter_options_set_port)
SP_KEEP_GIL(snowplow_emitter_options_set_method)
SP_KEEP_GIL(snowplow_emitter_options_set_post_path)
SP_KEEP_GIL(snowplow_emitter_options_set_thread_count)
SP_KEEP_GIL(snowplow_emitter_options_set_batch_size)
SP_KEEP_GIL(snowplow_emitter_options_set_byte_limit)
SP_KEEP_GIL(snowplow_emitter_options_set_linger_ms)
SP_KEEP_GIL(snowplow_emitter_options_set_connect_timeout_ms)
SP_KEEP_GIL(snowplow_emitter_options_set_request_timeout_ms)
SP_KEEP_GIL(snowplow_emitter_options_set_buffer_capacity)
SP_KEEP_GIL(snowplow_emitter_options_set_full_policy)
SP_KEEP_GIL(snowplow_emitter_options_set_retry)
SP_KEEP_GIL(snowplow_emitter_options_set_custom_retry_code)
SP_KEEP_GIL(snowplow_emitter_options_set_result_queue)
SP_KEEP_GIL(snowplow_emitter_options_set_store)
SP_KEEP_GIL(snowplow_emitter_options_set_max_inflight)
SP_KEEP_GIL(snowplow_emitter_options_set_redis)
SP_KEEP_GIL(snowplow_emitter_options_set_ca_file)
SP_KEEP_GIL(snowplow_emitter_options_set_ca_path)
SP_KEEP_GIL(snowplow_emitter_options_set_client_cert)
SP_KEEP_GIL(snowplow_emitter_options_set_pinned_public_key)
SP_KEEP_GIL(snowplow_emitter_options_set_insecure_skip_tls_verify)
SP_KEEP_GIL(snowplow_emitter_options_set_proxy)
SP_KEEP_GIL(snowplow_emitter_options_add_header)
SP_KEEP_GIL(snowplow_emitter_options_set_user_agent)
SP_KEEP_GIL(snowplow_emitter_counter)
SP_KEEP_GIL(snowplow_emitter_result_fd)
SP_KEEP_GIL(snowplow_tracker_options_new)
SP_KEEP_GIL(snowplow_tracker_options_free)
SP_KEEP_GIL(snowplow_tracker_options_set_namespace)
SP_KEEP_GIL(snowplow_tracker_options_set_app_id)
SP_KEEP_GIL(snowplow_tracker_options_set_platform)
SP_KEEP_GIL(snowplow_tracker_options_set_encode_base64)
SP_KEEP_GIL(snowplow_tracker_options_set_tracker_version)
SP_KEEP_GIL(snowplow_tracker_options_set_subject)
SP_KEEP_GIL(snowplow_tracker_options_add_emitter)
SP_KEEP_GIL(snowplow_tracker_set_subject)
/* track() takes microseconds and never waits for the network (the Python
 * emitters use the DROP_NEWEST policy: a full queue refuses at once). Keeping
 * the GIL means a callback dispatcher cannot take it at every track(): it gets
 * it at the interpreter's switch interval and then handles every result
 * waiting (emitter_try_next_result), so the tracking thread is paused rarely
 * instead of once per delivered batch (the tail of track() with callbacks). */
SP_KEEP_GIL(snowplow_tracker_track)

/* Report an exception raised by a Python callback the way Python reports
 * exceptions nobody can catch: through sys.unraisablehook. */
%feature("nothread") sp_py_write_unraisable;
%rename(write_unraisable) sp_py_write_unraisable;
%inline %{
static void sp_py_write_unraisable(PyObject *exc, PyObject *where)
{
    if (exc == NULL || !PyExceptionInstance_Check(exc))
        return;
    PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
    PyErr_WriteUnraisable(where);
}
%}

/* The dispatcher's drain: the next result if one is already queued, without
 * waiting and without releasing the GIL. */
%feature("nothread") sp_py_emitter_try_next_result;
%rename(emitter_try_next_result) sp_py_emitter_try_next_result;
%apply int SP_WAIT { int sp_py_emitter_try_next_result };
%inline %{
static int sp_py_emitter_try_next_result(snowplow_result **out, snowplow_emitter *emitter)
{
    return snowplow_emitter_next_result(out, emitter, 0);
}
%}

#endif /* SWIGPYTHON */

/* ---- per-language additions (may override the typemaps above) -------------- */

#if defined(SWIGRUBY)
%include "ruby/ruby.i"
#endif
#if defined(SWIGLUA)
%include "lua/lua.i"
#endif

/* ---- the public API ----------------------------------------------------- */

%include "snowplow/common.h"
%include "snowplow/result.h"
%include "snowplow/sdjson.h"
%include "snowplow/subject.h"
%include "snowplow/event.h"
%include "snowplow/emitter.h"
%include "snowplow/tracker.h"

/* ---- Python: self-describing JSON straight from Python values --------------- */

#if defined(SWIGPYTHON)

/* bindings/python/src/py_json.c encodes dicts, lists, str, numbers, ... into a C
 * buffer and passes it to the library: no str is built and converted back.
 * Values it does not encode exactly as json does go to `fallback` (the
 * binding's json encoder, returning str), so results and errors are json's.
 * SP_PY_EPYTHON: a Python exception is already set. */
%{
#include "py_json.h"
%}

%typemap(out, noblock=1) int SP_PY_STATUS {
  if ($1 == SP_PY_EPYTHON)
    SWIG_fail;
  if ($1 < 0) {
    SP_RAISE($1)
  }
  SP_RETURN_NOTHING
}

%apply int SP_PY_STATUS {
  int sp_py_sdjson_new_from_object,
  int sp_py_event_self_describing_new_from_object,
  int sp_py_event_add_context_object
};

/* They run Python code (the fallback) and are cheap: the GIL stays held. */
%feature("nothread") sp_py_sdjson_new_from_object;
%feature("nothread") sp_py_event_self_describing_new_from_object;
%feature("nothread") sp_py_event_add_context_object;
%feature("nothread") sp_py_json_encode_c;
%rename(sdjson_new_from_object) sp_py_sdjson_new_from_object;
%rename(event_self_describing_new_from_object) sp_py_event_self_describing_new_from_object;
%rename(event_add_context_object) sp_py_event_add_context_object;
%rename(json_encode_c) sp_py_json_encode_c;

int sp_py_sdjson_new_from_object(snowplow_sdjson **out, const char *schema, PyObject *data,
                                 PyObject *fallback);
int sp_py_event_self_describing_new_from_object(snowplow_event **out, const char *schema,
                                                PyObject *data, PyObject *fallback);
int sp_py_event_add_context_object(snowplow_event *event, const char *schema, PyObject *data,
                                   PyObject *fallback);
PyObject *sp_py_json_encode_c(PyObject *value);

#endif /* SWIGPYTHON */
