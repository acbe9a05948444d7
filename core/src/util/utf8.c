/* Strict UTF-8 validation (RFC 3629): what the protocol accepts as a string. */
#include <string.h>

#include "util/text.h"

#define ASCII_HIGH_BITS 0x8080808080808080ULL

bool sp_utf8_valid(const char *s, size_t len)
{
    if (!s)
        return len == 0;
    const unsigned char *p = (const unsigned char *)s;
    const unsigned char *end = p + len;

    while (p < end) {
        /* Most tracked text is ASCII: skip it eight bytes at a time. */
        while ((size_t)(end - p) >= 8) {
            uint64_t word;
            memcpy(&word, p, sizeof word);
            if (word & ASCII_HIGH_BITS)
                break;
            p += 8;
        }
        if (p == end)
            break;
        unsigned char c = *p;
        if (c < 0x80) {
            p++;
            continue;
        }
        size_t need;
        /* The second byte's range excludes overlongs (E0, F0), surrogates
         * (ED: U+D800..DFFF) and code points above U+10FFFF (F4). */
        unsigned char lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            need = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 3;
            if (c == 0xE0)
                lo = 0xA0;
            else if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 4;
            if (c == 0xF0)
                lo = 0x90;
            else if (c == 0xF4)
                hi = 0x8F;
        } else {
            return false; /* continuation byte, C0/C1 overlong lead, F5..FF */
        }
        if ((size_t)(end - p) < need)
            return false; /* truncated */
        if (p[1] < lo || p[1] > hi)
            return false;
        for (size_t i = 2; i < need; i++)
            if ((p[i] & 0xC0) != 0x80)
                return false;
        p += need;
    }
    return true;
}
