/* The emitter's network settings on a libcurl easy handle (see http_options.h). */
#include "transport/http_options.h"

#include <stdlib.h>

#include "snowplow/common.h"
#include "util/error.h"

#define SP_USER_AGENT "libsnowplow/" SNOWPLOW_VERSION_STRING

const char *sp_http_default_user_agent(void)
{
    return SP_USER_AGENT;
}

void sp_http_options_clear(sp_http_options *o)
{
    free(o->ca_file);
    free(o->ca_path);
    free(o->client_cert);
    free(o->client_key);
    free(o->pinned_public_key);
    free(o->proxy);
    free(o->user_agent);
    for (size_t i = 0; i < o->header_count; i++)
        free(o->headers[i]);
    free(o->headers);
    curl_slist_free_all(o->header_list);
    *o = (sp_http_options){0};
}

int sp_http_options_prepare(sp_http_options *o, bool post)
{
    /* "Expect:" with no value stops curl from sending Expect: 100-continue. */
    const char *fixed[] = {post ? "Content-Type: application/json; charset=utf-8" : NULL,
                           "Expect:"};
    struct curl_slist *list = NULL;
    for (size_t i = 0; i < 2 + o->header_count; i++) {
        const char *line = i < 2 ? fixed[i] : o->headers[i - 2];
        if (!line)
            continue;
        struct curl_slist *next = curl_slist_append(list, line);
        if (!next) {
            curl_slist_free_all(list);
            return SNOWPLOW_ENOMEM;
        }
        list = next;
    }
    curl_slist_free_all(o->header_list);
    o->header_list = list;
    return 0;
}

/* One setopt; on refusal, say which option and libcurl's reason. */
static int set(CURL *easy, CURLoption opt, const char *name, const void *value, long number,
               bool is_string)
{
    CURLcode rc = is_string ? curl_easy_setopt(easy, opt, value)
                            : curl_easy_setopt(easy, opt, number);
    if (rc == CURLE_OK)
        return 0;
    return sp_error_set(SNOWPLOW_EINVAL, "sp_http_options_apply: %s: %s", name,
                        curl_easy_strerror(rc));
}

#define SET_STR(opt, value) set(easy, opt, #opt, value, 0, true)
#define SET_LONG(opt, value) set(easy, opt, #opt, NULL, value, false)

int sp_http_options_apply(CURL *easy, const sp_http_options *o)
{
    if (!easy || !o)
        return sp_error_set(SNOWPLOW_EINVAL, "sp_http_options_apply: NULL argument");
    int rc = SET_STR(CURLOPT_HTTPHEADER, o->header_list);
    if (rc == 0)
        rc = SET_STR(CURLOPT_USERAGENT, o->user_agent ? o->user_agent : SP_USER_AGENT);
    /* Verification is libcurl's default; set it anyway so that nothing else can
     * have turned it off. */
    if (rc == 0)
        rc = SET_LONG(CURLOPT_SSL_VERIFYPEER, o->insecure ? 0L : 1L);
    if (rc == 0)
        rc = SET_LONG(CURLOPT_SSL_VERIFYHOST, o->insecure ? 0L : 2L);
    if (rc == 0)
        rc = SET_LONG(CURLOPT_PROXY_SSL_VERIFYPEER, o->insecure ? 0L : 1L);
    if (rc == 0)
        rc = SET_LONG(CURLOPT_PROXY_SSL_VERIFYHOST, o->insecure ? 0L : 2L);
    if (rc == 0 && o->ca_file)
        rc = SET_STR(CURLOPT_CAINFO, o->ca_file);
    if (rc == 0 && o->ca_file)
        rc = SET_STR(CURLOPT_PROXY_CAINFO, o->ca_file);
    if (rc == 0 && o->ca_path)
        rc = SET_STR(CURLOPT_CAPATH, o->ca_path);
    if (rc == 0 && o->ca_path)
        rc = SET_STR(CURLOPT_PROXY_CAPATH, o->ca_path);
    if (rc == 0 && o->client_cert)
        rc = SET_STR(CURLOPT_SSLCERT, o->client_cert);
    if (rc == 0 && o->client_key)
        rc = SET_STR(CURLOPT_SSLKEY, o->client_key);
    if (rc == 0 && o->pinned_public_key)
        rc = SET_STR(CURLOPT_PINNEDPUBLICKEY, o->pinned_public_key);
    if (rc == 0 && o->proxy)
        rc = SET_STR(CURLOPT_PROXY, o->proxy);
    return rc;
}
