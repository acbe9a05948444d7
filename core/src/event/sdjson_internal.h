/* Internal: what events and the tracker need from a self-describing JSON. */
#ifndef SP_SDJSON_INTERNAL_H
#define SP_SDJSON_INTERNAL_H

#include "snowplow/sdjson.h"

/* Take another reference (released with snowplow_sdjson_free()). */
void sp_sdjson_ref(const snowplow_sdjson *sdj);
/* Length of snowplow_sdjson_json(). */
size_t sp_sdjson_json_len(const snowplow_sdjson *sdj);

#endif
