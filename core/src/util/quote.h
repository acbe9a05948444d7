/* Internal: rendering untrusted bytes safely inside error messages. */
#ifndef SP_QUOTE_H
#define SP_QUOTE_H

#include <stddef.h>
#include <string.h>

/* How many bytes of a user string an error message quotes. */
#define SP_QUOTE_MAX 64
/* Room for SP_QUOTE_MAX bytes all escaped (\xNN), "..." and the NUL. */
#define SP_QUOTE_SIZE (SP_QUOTE_MAX * 4 + 4)

/*
 * Write a printable, valid UTF-8 rendering of s[0..len) into `out` (out_size
 * bytes including the NUL): control bytes and bytes that are not valid UTF-8
 * become \xNN; at most `max_in` input bytes are used, and the text is cut at a
 * character boundary (ending in "...") when that limit or out_size is reached.
 * NULL `s` gives "(null)". Returns `out`, for use as a printf argument.
 */
char *sp_quote_bytes(char *out, size_t out_size, const char *s, size_t len, size_t max_in);

/* The common case: a NUL-terminated user string, quoted into char[SP_QUOTE_SIZE]. */
static inline char *sp_quote(char out[SP_QUOTE_SIZE], const char *s)
{
    return sp_quote_bytes(out, SP_QUOTE_SIZE, s, s ? strlen(s) : 0, SP_QUOTE_MAX);
}

#endif
