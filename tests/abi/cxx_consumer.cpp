// The public API used from C++: the headers give C linkage (extern "C"), so this
// links against libsnowplow.so and calls it without name-mangling trouble.
#include <snowplow.h>

#include <cstdio>
#include <cstring>

int main()
{
    const char *version = snowplow_version();
    if (version == nullptr || std::strcmp(version, SNOWPLOW_VERSION_STRING) != 0) {
        std::printf("FAIL: snowplow_version() is '%s', headers say '%s'\n",
                    version ? version : "(null)", SNOWPLOW_VERSION_STRING);
        return 1;
    }
    if (snowplow_version_num() != SNOWPLOW_VERSION_NUM) {
        std::printf("FAIL: snowplow_version_num() is %d, headers say %d\n",
                    snowplow_version_num(), SNOWPLOW_VERSION_NUM);
        return 1;
    }
    snowplow_sdjson *sdj = nullptr;
    int rc = snowplow_sdjson_new(&sdj, "not a schema", "{}");
    if (rc != SNOWPLOW_ESCHEMA || sdj != nullptr) {
        std::printf("FAIL: a bad schema gave %d, expected SNOWPLOW_ESCHEMA\n", rc);
        return 1;
    }
    std::printf("ok: C++ caller linked libsnowplow %s; bad schema -> %s (%s)\n", version,
                snowplow_strerror(rc), snowplow_error_last());
    return 0;
}
