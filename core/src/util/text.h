/* Internal: text checks and conversions the protocol needs. */
#ifndef SP_TEXT_H
#define SP_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Strict UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF). */
bool sp_utf8_valid(const char *s, size_t len);

/* iglu:vendor/name/format/M-R-A, the pattern of PROTOCOL.md. */
bool sp_schema_uri_valid(const char *s);

/* web mob pc srv app tv cnsl iot headset */
bool sp_platform_valid(const char *s);

/* 8-4-4-4-12 hex digits (either case). */
bool sp_uuid_valid(const char *s);

/* A random version-4 UUID, lowercase, NUL-terminated; fast and thread-safe, and a
 * forked child never repeats its parent's sequence. */
void sp_uuid_v4(char out[37]);

/* Shortest decimal text that reads back to exactly `v`, locale-independent, no
 * exponent for magnitudes in [1e-7, 1e21) (like JavaScript/Python repr), whole
 * numbers without ".0" ("35"), "-0" as "0". v must be finite. Returns length. */
size_t sp_format_double(char buf[32], double v);
size_t sp_format_int64(char buf[24], int64_t v);

/* URL-safe base64 (alphabet - and _), with '=' padding as the Python tracker sends.
 * Returns a malloc'd NUL-terminated string, *out_len its length; NULL on ENOMEM. */
char *sp_base64url_encode(const void *data, size_t len, size_t *out_len);
/* Text made of several pieces, encoded as if they were one: no copy to join them. */
typedef struct sp_text_piece {
    const char *data;
    size_t len;
} sp_text_piece;
/* Length of the encoding of `len` bytes (without the NUL); SIZE_MAX if too large. */
size_t sp_base64url_encoded_len(size_t len);
/* Writes the encoding of the pieces' concatenation and a NUL: `out` has room for
 * sp_base64url_encoded_len(total) + 1 bytes. Thread-safe. */
void sp_base64url_encode_pieces(char *out, const sp_text_piece *pieces, size_t n);
/* Decodes both alphabets, padding optional. NULL on bad input or ENOMEM. */
unsigned char *sp_base64_decode(const char *s, size_t len, size_t *out_len);

/* Value of a hexadecimal digit (either case), -1 for any other byte. */
static inline int sp_hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Wall-clock milliseconds since the epoch; monotonic milliseconds. */
int64_t sp_now_ms(void);
int64_t sp_monotonic_ms(void);

#endif
