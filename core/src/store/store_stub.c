/*
 * The persistent store in a build without SQLite (SNOWPLOW_WITH_SQLITE OFF or
 * libsqlite3 not found): every call reports SNOWPLOW_EUNSUPPORTED.
 */
#include "store/store.h"

#if !SNOWPLOW_HAVE_SQLITE

#include "util/error.h"
#include "snowplow/common.h"

static int unsupported(const char *fn)
{
    return sp_error_set(SNOWPLOW_EUNSUPPORTED,
                        "%s: persistent store: libsnowplow was built without SQLite", fn);
}

bool sp_store_available(void)
{
    return false;
}

int sp_store_open(sp_store **out, const char *path, const char *fn)
{
    (void)path;
    if (out)
        *out = NULL;
    return unsupported(fn ? fn : "sp_store_open");
}

void sp_store_close(sp_store *s)
{
    (void)s;
}

const char *sp_store_path(const sp_store *s)
{
    (void)s;
    return NULL;
}

int64_t sp_store_backlog_end(const sp_store *s)
{
    (void)s;
    return 0;
}

int sp_store_put_many(sp_store *s, const sp_store_event *events, size_t n, size_t *added)
{
    (void)s, (void)events, (void)n;
    if (added)
        *added = 0;
    return unsupported("sp_store_put_many");
}

int sp_store_delete_many(sp_store *s, const char *const *eids, size_t n, size_t *removed)
{
    (void)s, (void)eids, (void)n;
    if (removed)
        *removed = 0;
    return unsupported("sp_store_delete_many");
}

int sp_store_add_attempt(sp_store *s, const char *const *eids, size_t n)
{
    (void)s, (void)eids, (void)n;
    return unsupported("sp_store_add_attempt");
}

int sp_store_load(sp_store *s, sp_store_event **out, size_t *n, size_t limit,
                  int64_t after_id, int64_t before_id)
{
    (void)s, (void)limit, (void)after_id, (void)before_id;
    if (out)
        *out = NULL;
    if (n)
        *n = 0;
    return unsupported("sp_store_load");
}

size_t sp_store_count(sp_store *s)
{
    (void)s;
    return 0;
}

int sp_store_enforce_limits(sp_store *s, size_t max_events, int64_t max_age_ms,
                            int64_t now_ms, sp_store_drop_cb cb, void *user, size_t *dropped)
{
    (void)s, (void)max_events, (void)max_age_ms, (void)now_ms, (void)cb, (void)user;
    if (dropped)
        *dropped = 0;
    return unsupported("sp_store_enforce_limits");
}

#endif /* !SNOWPLOW_HAVE_SQLITE */
