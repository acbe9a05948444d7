/*
 * bindings/ruby/ext/snowplow_native/sp_rb_json.h: Ruby values -> compact JSON
 * text in a C buffer, byte for byte what JSON.generate (json 2.x, default
 * State) writes for them, for the Ruby binding's fast paths (declared to SWIG
 * in bindings/ruby/ruby.i).
 *
 * Encoded here: Hash (exactly Hash) with String or Symbol keys, Array (exactly
 * Array), String (exactly String; 7-bit text in any ASCII-compatible encoding,
 * or valid UTF-8 text), Symbol values (as their name, while Symbol#to_s is
 * Ruby's own and json/add/symbol is not loaded), Integer within a Fixnum,
 * finite Float (formatted as Float#to_s, which JSON uses; while Float#to_s is
 * Ruby's own), true, false and nil.
 *
 * Anything else (subclasses, objects with singleton classes, other key types,
 * Bignums, NaN and infinities, binary or broken text, text in other
 * encodings, nesting deeper than SP_RB_JSON_MAX_DEPTH) is declined: the
 * encoder runs no Ruby code that could behave differently from JSON's and
 * the caller leaves the whole value to JSON.generate, so every result and
 * every error stays JSON's own.
 *
 * The GVL must be held. The encoder never raises, except NoMemoryError.
 */
#ifndef SP_RB_JSON_H
#define SP_RB_JSON_H

#include <ruby.h>
#include <stddef.h>

/* Deeper nesting is left to JSON (which enforces its max_nesting). */
#define SP_RB_JSON_MAX_DEPTH 64
/* Typical event data fits here: nothing is allocated. */
#define SP_RB_JSON_INLINE 2048

typedef struct {
    char *data;   /* inline_bytes, or the bytes of holder */
    size_t len;
    size_t cap;
    VALUE holder; /* Qnil, or a hidden String holding the bytes once they outgrew inline_bytes */
    int float_ok; /* -1: not checked yet; else whether Float#to_s is Ruby's own */
    int symbol_ok;
    char inline_bytes[SP_RB_JSON_INLINE];
} sp_rb_json_buf;

/* Once, when the extension loads. */
void sp_rb_json_init(void);

void sp_rb_json_buf_init(sp_rb_json_buf *b);

/* Keep the buffer's String alive up to here (call after the last use of data). */
void sp_rb_json_buf_done(sp_rb_json_buf *b);

/* Append the JSON text of value; 0, or -1 when declined (b->len is then
 * wherever the encoder stopped: the caller discards the buffer or restores
 * the length it saved). */
int sp_rb_json_put_value(sp_rb_json_buf *b, VALUE value);

/* Append n raw bytes and a NUL (the NUL is counted in b->len); 0 or -1. */
int sp_rb_json_put_cstr(sp_rb_json_buf *b, const char *s, size_t n);

/* Append a NUL (counted in b->len); 0 or -1. */
int sp_rb_json_put_nul(sp_rb_json_buf *b);

/* Float#to_s of a finite double when it has at most 15 significant digits
 * (what most data holds: 19.99, 1.0e+20, 1.0e-05, 100.0, -0.0); the length
 * written to out (at least 32 bytes), or -1 for the others, whose shortest
 * round-trip digits need more care. Exposed for the tests. */
int sp_rb_json_format_float(char *out, double d);

#endif /* SP_RB_JSON_H */
