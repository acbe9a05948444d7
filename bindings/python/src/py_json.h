/*
 * bindings/python/src/py_json.h: self-describing JSON built straight from
 * Python values, for the `_snowplow_c` extension (declared to SWIG in
 * bindings/snowplow.i, Python part).
 *
 * The JSON text is written by a C encoder into a C buffer and handed to
 * snowplow_sdjson_new(): no Python str is made and converted back. The C
 * encoder produces exactly what the binding's json encoder produces
 * (json.dumps with ensure_ascii=False, allow_nan=False, separators (",", ":"))
 * for the values it knows: dicts with str keys, lists, tuples, str, int,
 * float, bool and None (subclasses of str, int and float too, whose values
 * json reads directly). For anything else (other key types, subclasses of
 * dict, list and tuple, objects for `default`, NaN and infinities, lone
 * surrogates, deep nesting) it runs no Python code at all and leaves the
 * whole value to `fallback`, the binding's json encoder (a callable returning
 * str), so every result and every error is json's own.
 *
 * Functions return 0, a negative snowplow_error code (the library's error is
 * recorded, as by any snowplow_* call), or SP_PY_EPYTHON when a Python
 * exception is set. The GIL must be held.
 */
#ifndef SP_PY_JSON_H
#define SP_PY_JSON_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "snowplow/event.h"
#include "snowplow/sdjson.h"

/* Status: a Python exception is set (not a snowplow_error code). */
#define SP_PY_EPYTHON (-1000)

/* snowplow_sdjson_new(out, schema, JSON of data). */
int sp_py_sdjson_new_from_object(snowplow_sdjson **out, const char *schema, PyObject *data,
                                 PyObject *fallback);

/* A self-describing event (snowplow_event_self_describing_new) whose data is
 * the JSON of `data` under `schema`. */
int sp_py_event_self_describing_new_from_object(snowplow_event **out, const char *schema,
                                                PyObject *data, PyObject *fallback);

/* snowplow_event_add_context(event, the self-describing JSON of schema and data). */
int sp_py_event_add_context_object(snowplow_event *event, const char *schema, PyObject *data,
                                   PyObject *fallback);

/* The C encoder alone (for tests): the JSON text as a new str, or None when
 * the value is one it leaves to the fallback. Never runs Python code. */
PyObject *sp_py_json_encode_c(PyObject *value);

#endif /* SP_PY_JSON_H */
