/* Untrusted bytes made safe to print: used by every error message that quotes input. */
#include "util/quote.h"

#include <stdbool.h>

#include "util/text.h"

/* Bytes of the UTF-8 sequence announced by a lead byte; 0 for bytes that never lead. */
static size_t utf8_lead_length(unsigned char c)
{
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return 2;
    if (c >= 0xE0 && c <= 0xEF)
        return 3;
    if (c >= 0xF0 && c <= 0xF4)
        return 4;
    return 0;
}

/* The piece of text at s[i]: a printable character (its bytes copied) or one
 * byte to show as \xNN. Returns the input bytes it covers. */
static size_t next_piece(const char *s, size_t i, size_t len, bool *escape)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t seq = utf8_lead_length(u[i]);
    if (seq > len - i || (seq > 1 && !sp_utf8_valid(s + i, seq)))
        seq = 0;
    *escape = seq == 0 || (seq == 1 && (u[i] < 0x20 || u[i] == 0x7F));
    return *escape ? 1 : seq;
}

/* Render the pieces of s[0..len) that end within `take` bytes and fit in `room`
 * bytes; returns bytes written and sets *all when every piece was written. */
static size_t render(char *out, size_t room, const char *s, size_t len, size_t take, bool *all)
{
    static const char hex[] = "0123456789abcdef";
    size_t used = 0, i = 0;
    while (i < take) {
        bool escape;
        size_t in = next_piece(s, i, len, &escape);
        size_t width = escape ? 4 : in;
        if (i + in > take || used + width > room)
            break;
        if (out) {
            if (escape) {
                unsigned char c = (unsigned char)s[i];
                out[used] = '\\';
                out[used + 1] = 'x';
                out[used + 2] = hex[c >> 4];
                out[used + 3] = hex[c & 0x0F];
            } else {
                memcpy(out + used, s + i, in);
            }
        }
        used += width;
        i += in;
    }
    *all = i >= take;
    return used;
}

char *sp_quote_bytes(char *out, size_t out_size, const char *s, size_t len, size_t max_in)
{
    static const char ellipsis[] = "...";
    if (out_size == 0)
        return out;
    if (!s) {
        s = "(null)";
        len = 6;
    }
    bool cut = len > max_in;
    size_t take = cut ? max_in : len; /* a character crossing max_in is left out */
    bool all;
    if (!cut) {
        /* The whole text, when it fits as is. */
        size_t used = render(out, out_size - 1, s, len, take, &all);
        if (all) {
            out[used] = '\0';
            return out;
        }
    }
    if (out_size < sizeof ellipsis) {
        out[0] = '\0';
        return out;
    }
    size_t used = render(out, out_size - sizeof ellipsis, s, len, take, &all);
    memcpy(out + used, ellipsis, sizeof ellipsis);
    return out;
}
