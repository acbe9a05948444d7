/*
 * Shared by the fuzz harnesses: a strict JSON checker and the invariant macro.
 *
 * cJSON is lenient (it skips any byte <= 0x20 as whitespace, accepts raw control
 * characters in strings, leading zeros and "1."), so "cJSON parses it" is not
 * enough to say that a collector will: the strict checker follows RFC 8259.
 */
#ifndef SNOWPLOW_FUZZ_SUPPORT_H
#define SNOWPLOW_FUZZ_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The libFuzzer entry point each harness defines (and the replay driver calls). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * True when text[0..len) is exactly one JSON value per RFC 8259 (only space, tab,
 * LF and CR as whitespace; no control characters in strings; valid escapes;
 * numbers of the JSON grammar). Nesting deeper than 4096 counts as invalid.
 */
bool fuzz_json_strict_valid(const char *text, size_t len);

/*
 * Whether the strict checks run: RFC 8259 validity of what goes on the wire and
 * agreement with other parsers (libcurl's URL parser, the cJSON constructor).
 * On by default; SNOWPLOW_FUZZ_LENIENT=1 in the environment turns them off, so
 * that a fuzzing session can look for crashes, memory errors and the core
 * invariants while a bug that a strict check found is still open.
 */
bool fuzz_strict_enabled(void);

/*
 * Abort with "<what> is not strict RFC 8259 JSON" unless the text is, or strict
 * checking is turned off (fuzz_strict_enabled()).
 */
void fuzz_check_strict_json(const char *what, const char *text, size_t len);

/* Print "fuzz invariant violated: <what> (<file>:<line>)" and abort(). */
_Noreturn void fuzz_fail(const char *file, int line, const char *what, const char *detail);

/* Abort, naming the invariant, when `cond` is false. */
#define FUZZ_CHECK(cond, detail)                                     \
    do {                                                             \
        if (!(cond))                                                 \
            fuzz_fail(__FILE__, __LINE__, #cond, (detail));          \
    } while (0)

/*
 * Whether two cJSON trees print the same (compact). Unlike cJSON_Compare this
 * also holds for objects with duplicate keys, which cJSON keeps in order.
 */
struct cJSON;
bool fuzz_json_same(const struct cJSON *a, const struct cJSON *b);

/* A NUL-terminated copy of data[0..size) (malloc'd; aborts on ENOMEM). */
char *fuzz_strndup(const uint8_t *data, size_t size);

#endif
