/*
 * Test support shared by the cmocka suites: error assertions, an emitter-options
 * fixture, and a temporary directory holding a store file.
 */
#ifndef SP_TEST_UTIL_H
#define SP_TEST_UTIL_H

/*
 * rc is `code`, the thread's last error code is too, and the last message
 * contains `part1` and (unless NULL) `part2`: the message names what was wrong.
 */
void sp_test_assert_error(int rc, int code, const char *part1, const char *part2);

/* cmocka group/test fixture: *state = a new snowplow_emitter_options, freed after. */
/* The decoded event ("event") of the collector's /micro/good record whose eid is
 * `eid`; fails the test unless exactly one arrived. Owned by `good`. */
struct cJSON;
struct cJSON *sp_test_event_by_eid(const struct cJSON *good, const char *eid);

int sp_test_options_setup(void **state);
int sp_test_options_teardown(void **state);

/* A fresh directory under /tmp and the path of a store file inside it. */
typedef struct sp_test_tmpdir {
    char dir[64];
    char path[96]; /* dir/events.db, not created */
} sp_test_tmpdir;

/* mkdtemp("/tmp/PREFIX_XXXXXX"); fails the test when it cannot. */
void sp_test_tmpdir_make(sp_test_tmpdir *t, const char *prefix);
/* Remove the directory and everything in it (store, -wal, -shm, subfolders). */
void sp_test_tmpdir_remove(const sp_test_tmpdir *t);

/* cmocka fixture: *state = a new sp_test_tmpdir made with `prefix` "sp_test"; removed after. */
int sp_test_tmpdir_setup(void **state);
int sp_test_tmpdir_teardown(void **state);

#endif
