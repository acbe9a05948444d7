/* Internal: strict RFC 8259 validation of JSON text (cJSON is lenient). */
#ifndef SP_JSON_CHECK_H
#define SP_JSON_CHECK_H

#include <stdbool.h>
#include <stddef.h>

/* Deepest nesting accepted; deeper documents are refused, not recursed into. */
#define SP_JSON_MAX_DEPTH 512

/*
 * NULL when `text` (len bytes) is exactly one JSON value with optional
 * whitespace around it; otherwise a short description of the first problem, and
 * *at its byte offset. UTF-8 is not checked here (sp_utf8_valid does that).
 */
const char *sp_json_problem(const char *text, size_t len, size_t *at);

/* What the validating pass learned about a text (meaningful when it is valid). */
typedef struct sp_json_facts {
    /* The top-level value is an object. */
    bool top_is_object;
    /* A number reads as +-infinity as a double, the way strtod rounds it
     * (1e400, 1.8e308; 1.7976931348623157e308 is DBL_MAX and fine; numbers
     * that underflow to 0, like 1e-400, are fine too). */
    bool number_overflows;
    /* A \u escape of a UTF-16 surrogate that is not a high one (D800-DBFF)
     * followed at once by a \u escape of a low one (DC00-DFFF): it stands for
     * no character, and cJSON refuses to parse such a text. */
    bool unpaired_surrogate;
    /* Whitespace bytes outside strings; 0 means the text is already compact. */
    size_t outside_space;
} sp_json_facts;

/* sp_json_problem() that also fills *facts (never NULL) in the same pass. */
const char *sp_json_inspect(const char *text, size_t len, size_t *at, sp_json_facts *facts);

#endif
