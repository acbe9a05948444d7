/*
 * Emitter options for the network: TLS trust and client certificate, public
 * key pinning, the proxy, extra headers and the User-Agent. Each setter checks
 * its value here, so that a mistake is reported where it was made rather than
 * as a failed request later; libcurl gets them in transport/http_options.c.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emitter/emitter_options.h"
#include "util/error.h"

#define CHECK_OPTIONS(fn)                                                     \
    do {                                                                      \
        if (!options)                                                         \
            return sp_error_set(SNOWPLOW_EINVAL, "%s: options: NULL", fn);    \
    } while (0)

#define SP_MAX_HEADERS 64
#define SP_MAX_HEADER_LINE 8192

/* Replace *slot by a copy of `value` (NULL clears it). */
static int replace(char **slot, const char *value, const char *fn)
{
    char *copy = NULL;
    if (value && !(copy = strdup(value)))
        return sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
    free(*slot);
    *slot = copy;
    return 0;
}

/* `path` names a readable regular file (want_dir false) or directory. */
static int check_path(const char *path, bool want_dir, const char *fn, const char *arg)
{
    struct stat st;
    if (path[0] == '\0')
        return sp_error_set(SNOWPLOW_EINVAL, "%s: %s: empty", fn, arg);
    if (stat(path, &st) != 0 || access(path, R_OK) != 0)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: %s: cannot read '%s'", fn, arg, path);
    if (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
        return sp_error_set(SNOWPLOW_EINVAL, "%s: %s: '%s' is not a %s", fn, arg, path,
                            want_dir ? "directory" : "regular file");
    return 0;
}

/* Printable ASCII, space and tab (and bytes >= 0x80): what a header value may hold. */
static bool header_text_ok(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
            return false;
    return true;
}

/* An RFC 9110 token. */
static bool token_ok(const char *s)
{
    static const char extra[] = "!#$%&'*+-.^_`|~";
    if (!*s)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || strchr(extra, *s)))
            return false;
    return true;
}

int snowplow_emitter_options_set_ca_file(snowplow_emitter_options *options, const char *path)
{
    static const char fn[] = "snowplow_emitter_options_set_ca_file";
    CHECK_OPTIONS(fn);
    int rc = path ? check_path(path, false, fn, "path") : 0;
    return rc < 0 ? rc : replace(&options->http.ca_file, path, fn);
}

int snowplow_emitter_options_set_ca_path(snowplow_emitter_options *options, const char *dir)
{
    static const char fn[] = "snowplow_emitter_options_set_ca_path";
    CHECK_OPTIONS(fn);
    int rc = dir ? check_path(dir, true, fn, "dir") : 0;
    return rc < 0 ? rc : replace(&options->http.ca_path, dir, fn);
}

int snowplow_emitter_options_set_client_cert(snowplow_emitter_options *options,
                                             const char *cert_path, const char *key_path)
{
    static const char fn[] = "snowplow_emitter_options_set_client_cert";
    CHECK_OPTIONS(fn);
    if (!cert_path && key_path)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: cert_path: NULL while key_path is given", fn);
    int rc = cert_path ? check_path(cert_path, false, fn, "cert_path") : 0;
    if (rc == 0 && key_path)
        rc = check_path(key_path, false, fn, "key_path");
    if (rc == 0)
        rc = replace(&options->http.client_cert, cert_path, fn);
    if (rc == 0)
        rc = replace(&options->http.client_key, key_path, fn);
    return rc;
}

/* "sha256//" followed by the base64 of a SHA-256 digest (44 characters). */
static bool pin_hash_ok(const char *s, size_t len)
{
    static const char prefix[] = "sha256//";
    if (len != sizeof prefix - 1 + 44 || strncmp(s, prefix, sizeof prefix - 1) != 0)
        return false;
    s += sizeof prefix - 1;
    for (size_t i = 0; i < 44; i++) {
        char c = s[i];
        bool b64 = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '+' || c == '/';
        if (!(b64 || (i == 43 && c == '=')))
            return false;
    }
    return true;
}

int snowplow_emitter_options_set_pinned_public_key(snowplow_emitter_options *options,
                                                   const char *pin)
{
    static const char fn[] = "snowplow_emitter_options_set_pinned_public_key";
    CHECK_OPTIONS(fn);
    if (pin && strncmp(pin, "sha256//", 8) == 0) {
        /* One or more hashes separated by ';'. */
        for (const char *p = pin;;) {
            const char *end = strchr(p, ';');
            size_t len = end ? (size_t)(end - p) : strlen(p);
            if (!pin_hash_ok(p, len))
                return sp_error_set(SNOWPLOW_EINVAL,
                                    "%s: pin: '%.*s' is not sha256// followed by the base64 of "
                                    "a SHA-256 digest (44 characters)",
                                    fn, (int)(len > 80 ? 80 : len), p);
            if (!end)
                break;
            p = end + 1;
        }
    } else if (pin) {
        int rc = check_path(pin, false, fn, "pin (a key file, or sha256//...)");
        if (rc < 0)
            return rc;
    }
    return replace(&options->http.pinned_public_key, pin, fn);
}

int snowplow_emitter_options_set_insecure_skip_tls_verify(snowplow_emitter_options *options,
                                                          int on)
{
    static const char fn[] = "snowplow_emitter_options_set_insecure_skip_tls_verify";
    CHECK_OPTIONS(fn);
    if (on != 0 && on != 1)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: on: %d is not 0 or 1", fn, on);
    options->http.insecure = on == 1;
    return 0;
}

int snowplow_emitter_options_set_proxy(snowplow_emitter_options *options, const char *url)
{
    static const char fn[] = "snowplow_emitter_options_set_proxy";
    static const char *const schemes[] = {"http://",    "https://",  "socks4://",
                                          "socks4a://", "socks5://", "socks5h://"};
    CHECK_OPTIONS(fn);
    if (url && url[0] != '\0') {
        const char *sep = strstr(url, "://");
        bool known = sep == NULL; /* host[:port]: an HTTP proxy */
        for (size_t i = 0; sep && i < sizeof schemes / sizeof schemes[0]; i++)
            if (strncasecmp(url, schemes[i], strlen(schemes[i])) == 0)
                known = true;
        if (!known)
            return sp_error_set(SNOWPLOW_EURL,
                                "%s: url: '%s' has a scheme other than http, https, socks4, "
                                "socks4a, socks5 or socks5h",
                                fn, url);
        const char *host = sep ? sep + 3 : url;
        if (*host == '\0' || *host == ':' || *host == '/')
            return sp_error_set(SNOWPLOW_EURL, "%s: url: '%s' has no host", fn, url);
        for (const char *p = url; *p; p++)
            if ((unsigned char)*p <= 0x20 || *p == 0x7f)
                return sp_error_set(SNOWPLOW_EURL,
                                    "%s: url: '%s' holds a space or control character", fn,
                                    url);
    }
    return replace(&options->http.proxy, url, fn);
}

/* Names the emitter or libcurl manage, which an extra header must not change. */
static const char *managed_header(const char *name)
{
    static const char *const names[] = {"Host",       "Content-Length", "Content-Type",
                                        "Transfer-Encoding", "Expect", "Connection"};
    if (strcasecmp(name, "User-Agent") == 0)
        return "use snowplow_emitter_options_set_user_agent()";
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(name, names[i]) == 0)
            return "the emitter sets it";
    return NULL;
}

int snowplow_emitter_options_add_header(snowplow_emitter_options *options, const char *name,
                                        const char *value)
{
    static const char fn[] = "snowplow_emitter_options_add_header";
    CHECK_OPTIONS(fn);
    if (!name || !value)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: %s: NULL", fn, name ? "value" : "name");
    if (!token_ok(name))
        return sp_error_set(SNOWPLOW_EINVAL,
                            "%s: name: '%.80s' is not an HTTP header name (letters, digits and "
                            "!#$%%&'*+-.^_`|~ only)",
                            fn, name);
    const char *why = managed_header(name);
    if (why)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: name: '%s' cannot be set this way: %s", fn,
                            name, why);
    if (!header_text_ok(value))
        return sp_error_set(SNOWPLOW_EINVAL,
                            "%s: value: holds a control character (CR, LF, NUL, ...)", fn);
    size_t len = strlen(name) + 2 + strlen(value);
    if (len > SP_MAX_HEADER_LINE)
        return sp_error_set(SNOWPLOW_ERANGE, "%s: value: the header line is %zu bytes, over %d",
                            fn, len, SP_MAX_HEADER_LINE);
    /* An empty value needs "Name;" for curl to send "Name:" rather than drop it. */
    char *line = malloc(len + 1);
    if (!line)
        return sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
    size_t name_len = strlen(name), value_len = strlen(value);
    memcpy(line, name, name_len);
    if (value_len) {
        memcpy(line + name_len, ": ", 2);
        memcpy(line + name_len + 2, value, value_len + 1);
    } else {
        memcpy(line + name_len, ";", 2);
    }

    sp_http_options *h = &options->http;
    for (size_t i = 0; i < h->header_count; i++) {
        const char *old = h->headers[i];
        if (strncasecmp(old, name, name_len) == 0 && (old[name_len] == ':' || old[name_len] == ';')) {
            free(h->headers[i]); /* the same name again: the new value replaces it */
            h->headers[i] = line;
            return 0;
        }
    }
    if (h->header_count >= SP_MAX_HEADERS) {
        free(line);
        return sp_error_set(SNOWPLOW_ERANGE, "%s: more than %d headers", fn, SP_MAX_HEADERS);
    }
    char **grown = realloc(h->headers, (h->header_count + 1) * sizeof *grown);
    if (!grown) {
        free(line);
        return sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
    }
    h->headers = grown;
    h->headers[h->header_count++] = line;
    return 0;
}

int snowplow_emitter_options_set_user_agent(snowplow_emitter_options *options,
                                            const char *user_agent)
{
    static const char fn[] = "snowplow_emitter_options_set_user_agent";
    CHECK_OPTIONS(fn);
    if (user_agent && user_agent[0] == '\0')
        return sp_error_set(SNOWPLOW_EINVAL, "%s: user_agent: empty (NULL restores the default)",
                            fn);
    if (user_agent && !header_text_ok(user_agent))
        return sp_error_set(SNOWPLOW_EINVAL,
                            "%s: user_agent: holds a control character (CR, LF, NUL, ...)", fn);
    return replace(&options->http.user_agent, user_agent, fn);
}
