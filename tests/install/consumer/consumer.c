/*
 * A program that uses an installed libsnowplow the way a user would: through
 * <snowplow.h>, linked with pkg-config or with CMake's snowplow::snowplow.
 * Prints "consumer ok" when the library answered as its headers promise.
 */
#include <snowplow.h>

#include <stdio.h>
#include <string.h>

int main(void)
{
    const char *version = snowplow_version();
    printf("libsnowplow %s (headers %s)\n", version, SNOWPLOW_VERSION_STRING);
    if (strcmp(version, SNOWPLOW_VERSION_STRING) != 0) {
        printf("FAIL: library and headers disagree on the version\n");
        return 1;
    }

    snowplow_sdjson *good = NULL;
    int rc = snowplow_sdjson_new(&good, "iglu:com.example/button_press/jsonschema/1-0-0",
                                 "{\"button\":\"buy\"}");
    if (rc != SNOWPLOW_OK || good == NULL) {
        printf("FAIL: a valid self-describing JSON gave %d: %s\n", rc, snowplow_error_last());
        return 1;
    }
    printf("valid schema: %s\n", snowplow_sdjson_json(good));
    snowplow_sdjson_free(good);

    snowplow_sdjson *bad = NULL;
    rc = snowplow_sdjson_new(&bad, "iglu:com.example/button_press", "{}");
    if (rc != SNOWPLOW_ESCHEMA || bad != NULL) {
        printf("FAIL: an invalid schema gave %d, expected %d\n", rc, SNOWPLOW_ESCHEMA);
        snowplow_sdjson_free(bad);
        return 1;
    }
    printf("invalid schema: %s: %s\n", snowplow_strerror(rc), snowplow_error_last());
    printf("consumer ok\n");
    return 0;
}
