/* Internal: merging subjects into an event's payload. */
#ifndef SP_SUBJECT_INTERNAL_H
#define SP_SUBJECT_INTERNAL_H

#include "event/payload.h"
#include "snowplow/subject.h"

/* Take another reference (released with snowplow_subject_free()). */
void sp_subject_ref(snowplow_subject *subject);

/*
 * Add the subject fields to `p`: for each field, the first of `subjects` (most
 * specific first; NULL entries are skipped) that sets it wins. When no subject
 * sets the platform, `default_platform` is used. Locks one subject at a time, so
 * no lock order between subjects exists. Returns 0 or SNOWPLOW_ENOMEM.
 */
int sp_subject_apply(sp_payload *p, snowplow_subject *const *subjects, size_t n,
                     const char *default_platform);

#endif
