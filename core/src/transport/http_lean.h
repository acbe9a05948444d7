/*
 * Internal: the lean HTTP/1.1 engine for GET requests to a plain http://
 * collector (http_lean.c). The libcurl transport (http.c) hands it each GET
 * group when it applies and keeps everything else (POST, https, proxies,
 * host names, and whatever the engine declines).
 *
 * It applies only when it sends exactly what libcurl would: an http:// URL
 * whose host is a numeric IPv4 or (canonical) IPv6 address, without user
 * info; no proxy from the options or the environment (http_proxy,
 * HTTP_PROXY, all_proxy, ALL_PROXY); extra headers of the form
 * "Name: value". SNOWPLOW_HTTP_ENGINE=curl in the environment turns it off.
 *
 * One engine per sending thread (not shared, no locks).
 */
#ifndef SP_HTTP_LEAN_H
#define SP_HTTP_LEAN_H

#include <stdbool.h>
#include <stddef.h>

#include "transport/transport.h"

typedef struct sp_http_lean sp_http_lean;

/* An engine for one sending thread, or NULL when it must not be used (the
 * options or environment need libcurl, or memory ran out). */
sp_http_lean *sp_http_lean_new(const sp_transport_config *cfg);

/* Close its connections and free it (NULL is fine). */
void sp_http_lean_free(sp_http_lean *l);

/*
 * Send `n` GET units pipelined over a few keep-alive connections and fill
 * every unit's resp (status and Retry-After, or status 0 with a reason, or
 * aborted). False, with no unit touched, when the engine declines this group
 * (a POST, another URL base, a URL it would not send as libcurl does): the
 * caller then sends it with libcurl.
 */
bool sp_http_lean_send_many(sp_http_lean *l, sp_send_unit *units, size_t n);

#endif
