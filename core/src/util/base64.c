/* Base64 as the protocol uses it: URL-safe alphabet with '=' padding when
 * encoding (ue_px, cx); either alphabet, padded or not, when decoding. */
#include <stdlib.h>

#include "util/text.h"

#include <pthread.h>
#include <string.h>

static const char url_alphabet[64] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* The two digits of every 12-bit value: a group of 3 bytes is two lookups and
 * two 2-byte copies instead of four lookups and four stores. */
static char digit_pairs[4096][2];
static pthread_once_t digit_pairs_once = PTHREAD_ONCE_INIT;

static void make_digit_pairs(void)
{
    for (unsigned i = 0; i < 4096; i++) {
        digit_pairs[i][0] = url_alphabet[i >> 6];
        digit_pairs[i][1] = url_alphabet[i & 63];
    }
}

static char *encode_group(char *o, const unsigned char *in)
{
    uint32_t w = (uint32_t)in[0] << 16 | (uint32_t)in[1] << 8 | in[2];
    memcpy(o, digit_pairs[w >> 12], 2);
    memcpy(o + 2, digit_pairs[w & 0xFFF], 2);
    return o + 4;
}

static char *encode_two_groups(char *o, const unsigned char *in)
{
    /* The first 6 of 8 readable bytes, big-endian, in the top 48 bits. */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t w;
    memcpy(&w, in, 8);
    w = __builtin_bswap64(w);
#else
    uint64_t w = (uint64_t)in[0] << 56 | (uint64_t)in[1] << 48 | (uint64_t)in[2] << 40 |
                 (uint64_t)in[3] << 32 | (uint64_t)in[4] << 24 | (uint64_t)in[5] << 16;
#endif
    memcpy(o, digit_pairs[w >> 52], 2);
    memcpy(o + 2, digit_pairs[(w >> 40) & 0xFFF], 2);
    memcpy(o + 4, digit_pairs[(w >> 28) & 0xFFF], 2);
    memcpy(o + 6, digit_pairs[(w >> 16) & 0xFFF], 2);
    return o + 8;
}

/* The last 1 or 2 bytes, padded with '='. */
static char *encode_tail(char *o, const unsigned char *in, size_t n)
{
    uint32_t w = (uint32_t)in[0] << 16 | (n == 2 ? (uint32_t)in[1] << 8 : 0);
    *o++ = url_alphabet[w >> 18];
    *o++ = url_alphabet[(w >> 12) & 63];
    *o++ = n == 2 ? url_alphabet[(w >> 6) & 63] : '=';
    *o++ = '=';
    return o;
}

size_t sp_base64url_encoded_len(size_t len)
{
    size_t groups = len / 3 + (len % 3 != 0);
    return groups > SIZE_MAX / 4 ? SIZE_MAX : groups * 4;
}

void sp_base64url_encode_pieces(char *out, const sp_text_piece *pieces, size_t n)
{
    pthread_once(&digit_pairs_once, make_digit_pairs);
    unsigned char carry[3]; /* bytes of a group split between pieces */
    size_t carried = 0;
    for (size_t k = 0; k < n; k++) {
        const unsigned char *in = (const unsigned char *)pieces[k].data;
        size_t len = pieces[k].len;
        while (carried && carried < 3 && len) {
            carry[carried++] = *in++;
            len--;
        }
        if (carried == 3) {
            out = encode_group(out, carry);
            carried = 0;
        }
        if (carried)
            continue; /* this piece was too short to finish the group */
        size_t whole = len - len % 3, at = 0;
        /* Two groups per step from one 8-byte load (the last 2 bytes unused). */
        for (; at + 8 <= whole; at += 6)
            out = encode_two_groups(out, in + at);
        for (; at < whole; at += 3)
            out = encode_group(out, in + at);
        for (; at < len; at++)
            carry[carried++] = in[at];
    }
    if (carried)
        out = encode_tail(out, carry, carried);
    *out = '\0';
}

char *sp_base64url_encode(const void *data, size_t len, size_t *out_len)
{
    size_t n = sp_base64url_encoded_len(len);
    if (n == SIZE_MAX)
        return NULL;
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    sp_text_piece piece = {data, len};
    sp_base64url_encode_pieces(out, &piece, 1);
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
