/* Shape checks for protocol strings: Iglu schema URIs, platforms, UUIDs. */
#include <string.h>

#include "util/text.h"

static bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Advance over one or more characters of the class; false when there are none.
 * The vendor's class also allows '.'. */
static bool skip_name(const char **p, bool allow_dot)
{
    const char *s = *p;
    while (is_alnum(*s) || *s == '-' || *s == '_' || (allow_dot && *s == '.'))
        s++;
    if (s == *p)
        return false;
    *p = s;
    return true;
}

static bool skip_digits(const char **p)
{
    const char *s = *p;
    while (*s >= '0' && *s <= '9')
        s++;
    if (s == *p)
        return false;
    *p = s;
    return true;
}

/* ^iglu:[a-zA-Z0-9-_.]+/[a-zA-Z0-9-_]+/[a-zA-Z0-9-_]+/[0-9]+-[0-9]+-[0-9]+$ */
bool sp_schema_uri_valid(const char *s)
{
    if (!s || strncmp(s, "iglu:", 5) != 0)
        return false;
    const char *p = s + 5;
    if (!skip_name(&p, true) || *p++ != '/')
        return false;
    if (!skip_name(&p, false) || *p++ != '/')
        return false;
    if (!skip_name(&p, false) || *p++ != '/')
        return false;
    if (!skip_digits(&p) || *p++ != '-')
        return false;
    if (!skip_digits(&p) || *p++ != '-')
        return false;
    if (!skip_digits(&p))
        return false;
    return *p == '\0';
}

bool sp_platform_valid(const char *s)
{
    static const char *const platforms[] = {"web", "mob", "pc",   "srv",    "app",
                                            "tv",  "cnsl", "iot", "headset"};
    if (!s)
        return false;
    for (size_t i = 0; i < sizeof platforms / sizeof platforms[0]; i++)
        if (strcmp(s, platforms[i]) == 0)
            return true;
    return false;
}

/* Whether each byte is a hex digit: a table, since the digits of a random
 * UUID mix numbers and letters and a branch per byte mispredicts often. */
static const unsigned char hex_digit[256] = {
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
};

bool sp_uuid_valid(const char *s)
{
    if (!s || strnlen(s, 37) != 36)
        return false;
    const unsigned char *u = (const unsigned char *)s;
    unsigned ok = (u[8] == '-') & (u[13] == '-') & (u[18] == '-') & (u[23] == '-');
    for (int i = 0; i < 36; i++)
        ok &= hex_digit[u[i]] | (i == 8) | (i == 13) | (i == 18) | (i == 23);
    return ok != 0;
}
