/* A compact object of plain strings, read in one pass (json_flat.h). */
#include "util/json_flat.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "util/strbuf.h"
#include "util/text.h"

/* The length of the run at s before the first '"', '\\' or control byte (or
 * len); *high is set when the run holds a byte >= 0x80. */
static size_t string_run(const char *s, size_t len, bool *high)
{
    size_t i = 0;
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    const __m128i last_control = _mm_set1_epi8(0x1f);
    for (; len - i >= 16; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        __m128i control = _mm_cmpeq_epi8(_mm_max_epu8(v, last_control), last_control);
        __m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote),
                                                 _mm_cmpeq_epi8(v, backslash)),
                                    control);
        int at = _mm_movemask_epi8(stop);
        int hi = _mm_movemask_epi8(v);
        if (at) {
            int n = __builtin_ctz((unsigned)at);
            *high |= (hi & ((1 << n) - 1)) != 0;
            return i + (size_t)n;
        }
        *high |= hi != 0;
    }
#else
    for (; len - i >= 8; i += 8) {
        uint64_t w = sp_load_word(s + i);
        if (sp_json_word_needs_escape(w))
            break;
        *high |= (w & 0x8080808080808080ULL) != 0;
    }
#endif
    for (; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\' || c < 0x20)
            break;
        *high |= c >= 0x80;
    }
    return i;
}

/* A string at s[*pos] (its opening quote): its content, *pos after it. */
static bool read_plain_string(const char *s, size_t len, size_t *pos, const char **start,
                              size_t *n, bool *high)
{
    if (*pos >= len || s[*pos] != '"')
        return false;
    size_t from = *pos + 1;
    size_t run = string_run(s + from, len - from, high);
    if (from + run >= len || s[from + run] != '"')
        return false; /* an escape, a control byte, or no end */
    *start = s + from;
    *n = run;
    *pos = from + run + 1;
    return true;
}

int sp_json_flat_object(const char *s, size_t len, sp_json_flat_member *out, size_t max)
{
    if (len < 2 || s[0] != '{')
        return -1;
    size_t pos = 1, n = 0;
    bool high = false;
    if (s[pos] == '}')
        return pos + 1 == len ? 0 : -1;
    for (;;) {
        if (n == max)
            return -1;
        sp_json_flat_member *m = &out[n++];
        if (!read_plain_string(s, len, &pos, &m->key, &m->key_len, &high))
            return -1;
        if (pos >= len || s[pos++] != ':')
            return -1;
        if (!read_plain_string(s, len, &pos, &m->value, &m->value_len, &high))
            return -1;
        if (pos >= len)
            return -1;
        char c = s[pos++];
        if (c == '}')
            break;
        if (c != ',')
            return -1;
    }
    if (pos != len || (high && !sp_utf8_valid(s, len)))
        return -1;
    return (int)n;
}
