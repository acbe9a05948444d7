/*
 * snowplow_tracker_track_structured(): a structured event tracked from its
 * values, without an event object of its own. The event lives on the stack and
 * borrows the caller's strings, so nothing is allocated, copied or freed for it
 * (servers that track one per request: docs/performance.md, "Lua in nginx").
 */
#include <string.h>

#include "util/error.h"
#include "event/event_internal.h"
#include "event/tracker_internal.h"
#include "snowplow/tracker.h"

/* The structured kind's fields, in event_kinds.c's order. */
enum { SE_CATEGORY, SE_ACTION, SE_LABEL, SE_PROPERTY };

int snowplow_tracker_track_structured(char *eid_out, snowplow_tracker *tracker,
                                      const char *category, const char *action,
                                      const char *label, const char *property,
                                      const double *value, const int64_t *device_timestamp)
{
    static const char fn[] = "snowplow_tracker_track_structured";
    if (tracker == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: tracker: must not be NULL", fn);
    if (category == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: category: required, must not be NULL", fn);
    if (action == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: action: required, must not be NULL", fn);
    snowplow_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = sp_event_kind_of(SNOWPLOW_EVENT_STRUCTURED);
    int rc = sp_event_borrow_string(&ev, fn, SE_CATEGORY, category);
    if (rc == SNOWPLOW_OK)
        rc = sp_event_borrow_string(&ev, fn, SE_ACTION, action);
    if (rc == SNOWPLOW_OK)
        rc = sp_event_borrow_string(&ev, fn, SE_LABEL, label);
    if (rc == SNOWPLOW_OK)
        rc = sp_event_borrow_string(&ev, fn, SE_PROPERTY, property);
    if (rc == SNOWPLOW_OK && value != NULL)
        rc = sp_event_set_number(&ev, fn, "value", 0, 0, *value);
    if (rc == SNOWPLOW_OK && device_timestamp != NULL)
        rc = sp_event_set_device_timestamp(&ev, fn, *device_timestamp);
    if (rc == SNOWPLOW_OK)
        rc = sp_tracker_track(eid_out, tracker, &ev, fn);
    return rc; /* nothing to free: the strings are the caller's */
}
