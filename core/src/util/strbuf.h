/* Internal: a growable byte buffer, always NUL-terminated when non-empty. */
#ifndef SP_STRBUF_H
#define SP_STRBUF_H

#include <stddef.h>
#include <stdint.h>

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

#endif
