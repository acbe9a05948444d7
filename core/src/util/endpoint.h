/* Internal: parsing a collector endpoint. */
#ifndef SP_ENDPOINT_H
#define SP_ENDPOINT_H

typedef struct sp_endpoint {
    char *scheme; /* "http" or "https" */
    char *host;   /* without brackets for IPv6 literals */
    int port;     /* always set: explicit, given default, or the scheme's */
    char *prefix; /* path prefix without trailing '/', "" when none */
} sp_endpoint;

/*
 * Parse "host", "host:port", "[v6]:port", "http(s)://host[:port][/prefix]" with a
 * trailing '/' dropped. `default_scheme` ("http"/"https") and `default_port`
 * (0 = scheme default) apply when the text has none. On error returns
 * SNOWPLOW_EURL (or SNOWPLOW_ENOMEM) and sets the thread's error message, prefixed
 * with `fn` (the public function name): empty host, bad or out-of-range port,
 * unknown scheme, spaces/control characters, user:password@.
 */
int sp_endpoint_parse(sp_endpoint *out, const char *fn, const char *text,
                      const char *default_scheme, int default_port);
/* scheme://host:port + prefix + path, malloc'd ([..] around IPv6). NULL on ENOMEM. */
char *sp_endpoint_url(const sp_endpoint *ep, const char *path);
void sp_endpoint_free(sp_endpoint *ep);

#endif
