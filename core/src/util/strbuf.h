/* Internal: a growable byte buffer, always NUL-terminated when non-empty. */
#ifndef SP_STRBUF_H
#define SP_STRBUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct sp_strbuf {
    char *data; /* NULL until the first append */
    size_t len;
    size_t cap;
} sp_strbuf;

#define SP_STRBUF_INIT {NULL, 0, 0}

/* Each returns 0 or SNOWPLOW_ENOMEM (without setting the thread's error message). */
int sp_strbuf_reserve(sp_strbuf *b, size_t extra);
int sp_strbuf_append(sp_strbuf *b, const char *data, size_t len);
int sp_strbuf_append_str(sp_strbuf *b, const char *s);
int sp_strbuf_append_char(sp_strbuf *b, char c);
/* JSON string literal with quotes; `s` is valid UTF-8; escapes ", \ and controls. */
int sp_strbuf_append_json_string(sp_strbuf *b, const char *s, size_t len);
/* application/x-www-form-urlencoded (RFC 3986 unreserved kept, everything else %XX,
 * space as %20). */
int sp_strbuf_append_urlencoded(sp_strbuf *b, const char *s, size_t len);
/* Take the buffer (caller frees with free()); never NULL on success: an empty
 * buffer gives "". Returns NULL on ENOMEM. Resets `b`. */
char *sp_strbuf_detach(sp_strbuf *b);
void sp_strbuf_reset(sp_strbuf *b); /* len = 0, keeps memory */
void sp_strbuf_free(sp_strbuf *b);

/* Whether any of the 8 bytes of `w` needs escaping in a JSON string: below 0x20,
 * '"' or '\\'. Exact bit tricks (no false negatives, no false positives), so
 * long runs of plain text are checked 8 bytes per step. */
static inline int sp_json_word_needs_escape(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    uint64_t below_space = (w - ones * 0x20) & ~w & highs;
    uint64_t q = w ^ (ones * '"'), bs = w ^ (ones * '\\');
    uint64_t quote = (q - ones) & ~q & highs;
    uint64_t backslash = (bs - ones) & ~bs & highs;
    return (below_space | quote | backslash) != 0;
}

/* Eight bytes from any address. */
static inline uint64_t sp_load_word(const char *s)
{
    uint64_t w;
    memcpy(&w, s, 8);
    return w;
}

/* Whether any byte of s[0..len) needs escaping in a JSON string. Inline: it
 * runs for every key and value of every event, most of them a few bytes long,
 * so no byte loop: whole words, the last one overlapping the one before; below
 * 8 bytes, two overlapping 4-byte loads, or (below 4) the first, middle and
 * last byte, which are all of them, padded with 'a'. Never reads outside s. */
static inline int sp_json_needs_escape(const char *s, size_t len)
{
    if (len >= 8) {
        size_t i = 0;
        for (; i + 8 <= len; i += 8)
            if (sp_json_word_needs_escape(sp_load_word(s + i)))
                return 1;
        return i < len && sp_json_word_needs_escape(sp_load_word(s + len - 8));
    }
    if (len >= 4) {
        uint32_t head, tail;
        memcpy(&head, s, 4);
        memcpy(&tail, s + len - 4, 4);
        return sp_json_word_needs_escape((uint64_t)head | (uint64_t)tail << 32);
    }
    if (len == 0)
        return 0;
    const unsigned char *u = (const unsigned char *)s;
    uint64_t w = UINT64_C(0x6161616161000000) | (uint64_t)u[0] | (uint64_t)u[len / 2] << 8 |
                 (uint64_t)u[len - 1] << 16;
    return sp_json_word_needs_escape(w);
}

#endif
