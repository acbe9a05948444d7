/* Base64 as the protocol uses it: URL-safe alphabet with '=' padding when
 * encoding (ue_px, cx); either alphabet, padded or not, when decoding. */
#include <stdlib.h>

#include "util/text.h"

static const char url_alphabet[64] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *sp_base64url_encode(const void *data, size_t len, size_t *out_len)
{
    const unsigned char *in = data;
    size_t groups = len / 3 + (len % 3 != 0);
    if (groups > (SIZE_MAX - 1) / 4)
        return NULL;
    size_t n = groups * 4;
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    char *o = out;
    size_t i = 0;
    for (; len - i >= 3; i += 3) {
        uint32_t w = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        *o++ = url_alphabet[w >> 18];
        *o++ = url_alphabet[(w >> 12) & 63];
        *o++ = url_alphabet[(w >> 6) & 63];
        *o++ = url_alphabet[w & 63];
    }
    if (len - i == 1) {
        uint32_t w = (uint32_t)in[i] << 16;
        *o++ = url_alphabet[w >> 18];
        *o++ = url_alphabet[(w >> 12) & 63];
        *o++ = '=';
        *o++ = '=';
    } else if (len - i == 2) {
        uint32_t w = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        *o++ = url_alphabet[w >> 18];
        *o++ = url_alphabet[(w >> 12) & 63];
        *o++ = url_alphabet[(w >> 6) & 63];
        *o++ = '=';
    }
    *o = '\0';
    if (out_len)
        *out_len = n;
    return out;
}

/* Value of a base64 digit in either alphabet ('+' '/' standard, '-' '_' URL-safe), -1 if none. */
static int digit_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

unsigned char *sp_base64_decode(const char *s, size_t len, size_t *out_len)
{
    if (!s && len)
        return NULL;
    /* Padding: only at the very end, one or two '=', and then the text must be
     * whole groups of four. */
    size_t digits = len;
    while (digits > 0 && s[digits - 1] == '=')
        digits--;
    size_t pad = len - digits;
    if (pad > 2 || (pad && len % 4 != 0))
        return NULL;
    /* A lone digit carries only 6 bits: never a whole byte. */
    if (digits % 4 == 1)
        return NULL;

    size_t n = digits / 4 * 3 + (digits % 4 ? digits % 4 - 1 : 0);
    unsigned char *out = malloc(n + 1);
    if (!out)
        return NULL;
    unsigned char *o = out;
    const unsigned char *in = (const unsigned char *)s;
    size_t i = 0;
    for (; digits - i >= 4; i += 4) {
        int a = digit_value(in[i]), b = digit_value(in[i + 1]);
        int c = digit_value(in[i + 2]), d = digit_value(in[i + 3]);
        if ((a | b | c | d) < 0)
            goto bad;
        uint32_t w = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
        *o++ = (unsigned char)(w >> 16);
        *o++ = (unsigned char)(w >> 8);
        *o++ = (unsigned char)w;
    }
    size_t rest = digits - i;
    if (rest) {
        int a = digit_value(in[i]), b = digit_value(in[i + 1]);
        int c = rest == 3 ? digit_value(in[i + 2]) : 0;
        if ((a | b | c) < 0)
            goto bad;
        uint32_t w = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6;
        /* The bits past the last whole byte must be zero: only one text per data. */
        if (rest == 2 ? (w & 0xFFFF) : (w & 0xFF))
            goto bad;
        *o++ = (unsigned char)(w >> 16);
        if (rest == 3)
            *o++ = (unsigned char)(w >> 8);
    }
    *o = '\0'; /* convenient when the data is text */
    if (out_len)
        *out_len = n;
    return out;
bad:
    free(out);
    return NULL;
}
