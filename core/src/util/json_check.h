/* Internal: strict RFC 8259 validation of JSON text (cJSON is lenient). */
#ifndef SP_JSON_CHECK_H
#define SP_JSON_CHECK_H

#include <stddef.h>

/* Deepest nesting accepted; deeper documents are refused, not recursed into. */
#define SP_JSON_MAX_DEPTH 512

/*
 * NULL when `text` (len bytes) is exactly one JSON value with optional
 * whitespace around it; otherwise a short description of the first problem, and
 * *at its byte offset. UTF-8 is not checked here (sp_utf8_valid does that).
 */
const char *sp_json_problem(const char *text, size_t len, size_t *at);

#endif
