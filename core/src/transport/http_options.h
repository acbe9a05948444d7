/*
 * Internal: the network settings of an emitter (TLS, proxy, headers, User-Agent)
 * and the one function that puts them on a libcurl easy handle.
 *
 * The setters (core/src/emitter/emitter_options_net.c) store and check the
 * values; snowplow_emitter_new() calls sp_http_options_prepare() once, which
 * builds the header list; afterwards the struct is read-only and shared by every
 * sending thread (libcurl only reads the strings and the list).
 */
#ifndef SP_HTTP_OPTIONS_H
#define SP_HTTP_OPTIONS_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct sp_http_options {
    char *ca_file;           /* CURLOPT_CAINFO (and PROXY_CAINFO); NULL = system store */
    char *ca_path;           /* CURLOPT_CAPATH (and PROXY_CAPATH); NULL = system store */
    char *client_cert;       /* CURLOPT_SSLCERT, PEM */
    char *client_key;        /* CURLOPT_SSLKEY, PEM */
    char *pinned_public_key; /* CURLOPT_PINNEDPUBLICKEY: "sha256//..." or a key file */
    bool insecure;           /* verification off (peer and host name) */
    char *proxy;             /* CURLOPT_PROXY; NULL = the environment's, as libcurl reads it */
    char *user_agent;        /* NULL = "libsnowplow/VERSION" */
    char **headers;          /* "Name: value" lines, in the order added */
    size_t header_count;
    /* Built by sp_http_options_prepare(): Content-Type (POST), "Expect:", the extra
     * headers. */
    struct curl_slist *header_list;
} sp_http_options;

/* The default User-Agent. */
const char *sp_http_default_user_agent(void);

/* Free every string and the header list; the struct is zeroed. */
void sp_http_options_clear(sp_http_options *o);

/* Build the header list for POST (`post` true) or GET. 0 or SNOWPLOW_ENOMEM. */
int sp_http_options_prepare(sp_http_options *o, bool post);

/*
 * Put the settings on `easy`: CURLOPT_HTTPHEADER (so the transport must not
 * set it itself), CURLOPT_USERAGENT, the TLS options (verification stays on
 * unless `insecure`) and the proxy. Call once per easy handle when it is
 * configured; the handle may then be reused for any number of requests.
 * `o` must have been prepared and outlive the handle. 0, or SNOWPLOW_EINVAL
 * when libcurl refuses an option (the message says which and why).
 */
int sp_http_options_apply(CURL *easy, const sp_http_options *o);

#endif
