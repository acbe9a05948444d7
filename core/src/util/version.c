/* The run-time version, for callers that load the library with dlopen(). */
#include "snowplow/common.h"

SNOWPLOW_API const char *snowplow_version(void)
{
    return SNOWPLOW_VERSION_STRING;
}

SNOWPLOW_API int snowplow_version_num(void)
{
    return SNOWPLOW_VERSION_NUM;
}
