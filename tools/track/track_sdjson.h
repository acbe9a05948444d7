/* snowplow-track: self-describing JSON out of scanned text (track_sdjson.c). */
#ifndef SNOWPLOW_TRACK_SDJSON_H
#define SNOWPLOW_TRACK_SDJSON_H

#include <snowplow.h>

#include "track_json.h"

/* Members {"schema": URI, "data": {...}} (nothing else) into a new value;
 * `what` starts the message in err. */
int track_sdjson_from_members(snowplow_sdjson **out, const track_json_value *v, int n,
                              char *err, size_t errlen, const char *what);

/* ue_pr text, an unstruct_event/1-0-x envelope, into the event's data. */
int track_unstruct_from_text(snowplow_sdjson **out, char *text, size_t len, const char *what,
                             char *err, size_t errlen);

/* co text, a contexts/1-0-x envelope: each entity attached to ev. */
int track_contexts_from_text(snowplow_event *ev, char *text, size_t len, const char *what,
                             char *err, size_t errlen);

#endif /* SNOWPLOW_TRACK_SDJSON_H */
