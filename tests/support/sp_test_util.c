/* Test support shared by the cmocka suites (see sp_test_util.h). */
#include "sp_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "snowplow.h"

void sp_test_assert_error(int rc, int code, const char *part1, const char *part2)
{
    assert_int_equal(rc, code);
    assert_int_equal(snowplow_error_last_code(), code);
    const char *msg = snowplow_error_last();
    if (!strstr(msg, part1) || (part2 && !strstr(msg, part2)))
        fail_msg("message '%s' lacks '%s' / '%s'", msg, part1, part2 ? part2 : "");
}

cJSON *sp_test_event_by_eid(const cJSON *good, const char *eid)
{
    cJSON *found = NULL, *record;
    cJSON_ArrayForEach(record, good)
    {
        cJSON *event = cJSON_GetObjectItem(record, "event");
        cJSON *id = cJSON_GetObjectItem(event, "eid");
        if (cJSON_IsString(id) && strcmp(id->valuestring, eid) == 0) {
            if (found != NULL)
                fail_msg("event %s arrived twice", eid);
            found = event;
        }
    }
    if (found == NULL)
        fail_msg("event %s did not arrive", eid);
    return found;
}

int sp_test_options_setup(void **state)
{
    snowplow_emitter_options *o = NULL;
    assert_int_equal(snowplow_emitter_options_new(&o), 0);
    *state = o;
    return 0;
}

int sp_test_options_teardown(void **state)
{
    snowplow_emitter_options_free(*state);
    return 0;
}

void sp_test_tmpdir_make(sp_test_tmpdir *t, const char *prefix)
{
    snprintf(t->dir, sizeof t->dir, "/tmp/%s_XXXXXX", prefix);
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->path, sizeof t->path, "%s/events.db", t->dir);
}

static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char child[512];
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(child, sizeof child, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
            remove_tree(child);
        else
            unlink(child);
    }
    closedir(d);
    rmdir(dir);
}

void sp_test_tmpdir_remove(const sp_test_tmpdir *t)
{
    remove_tree(t->dir);
}

int sp_test_tmpdir_setup(void **state)
{
    sp_test_tmpdir *t = calloc(1, sizeof *t);
    assert_non_null(t);
    sp_test_tmpdir_make(t, "sp_test");
    *state = t;
    return 0;
}

int sp_test_tmpdir_teardown(void **state)
{
    sp_test_tmpdir *t = *state;
    sp_test_tmpdir_remove(t);
    free(t);
    return 0;
}
