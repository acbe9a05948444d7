/* An event's payloads as JSON, built as a tracker would build them but handed
 * back instead of queued: for emitters written in a host language (the Python
 * binding's custom emitters get each payload as a dict). */
#include "event/event_internal.h"
#include "event/tracker_internal.h"
#include "snowplow/tracker.h"
#include "util/error.h"
#include "util/strbuf.h"

/* [{...},{...}]: each payload as a JSON object of strings. */
static int payloads_to_json(sp_payload *const *payloads, size_t n, sp_strbuf *out)
{
    int rc = sp_strbuf_append_char(out, '[');
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (i > 0)
            rc = sp_strbuf_append_char(out, ',');
        if (rc == 0)
            rc = sp_payload_to_json(payloads[i], out);
    }
    if (rc == 0)
        rc = sp_strbuf_append_char(out, ']');
    return rc;
}

int snowplow_tracker_options_encode(char **out, const snowplow_tracker_options *options,
                                    const snowplow_event *event)
{
    static const char fn[] = "snowplow_tracker_options_encode";
    if (out == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: out: must not be NULL", fn);
    *out = NULL;
    if (options == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: options: must not be NULL", fn);
    sp_payload_set set;
    int rc = sp_payload_set_begin(&set, event, fn);
    if (rc != SNOWPLOW_OK)
        return rc;
    char eid[SNOWPLOW_EID_SIZE];
    sp_strbuf json = SP_STRBUF_INIT;
    rc = sp_tracker_options_payloads(set.all, set.n, options, event, eid);
    if (rc == 0)
        rc = payloads_to_json(set.all, set.n, &json);
    if (rc == 0 && (*out = sp_strbuf_detach(&json)) == NULL)
        rc = SNOWPLOW_ENOMEM;
    sp_strbuf_free(&json);
    sp_payload_set_release(&set);
    return rc == 0 ? SNOWPLOW_OK : sp_error_set(rc, "%s: out of memory", fn);
}
