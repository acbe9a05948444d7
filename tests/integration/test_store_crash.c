/*
 * The persistent store survives its process being killed: a child puts events,
 * says (through a pipe) which ones are committed, and is SIGKILLed; the parent
 * opens the same file and finds exactly those, and never half a group.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "snowplow.h"
#include "store/store.h"
#include "sp_test_util.h"

#if SNOWPLOW_HAVE_SQLITE

#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "event/payload.h"
#include "util/strbuf.h"
#include "util/text.h"

#define REPORTED_EVENTS 1000
#define REPORTED_GROUP 100
#define LATER_GROUP 2000

/* Each test gets a fresh directory; `path` is the store file inside it. */
typedef sp_test_tmpdir fixture;

/* ------------------------------------------------------------------ the child */

/* The event as the emitter stores it: its fields as a JSON object of strings. */
static char *event_json(const char *eid, int n, size_t *len)
{
    sp_payload *p = sp_payload_new();
    sp_strbuf b = SP_STRBUF_INIT;
    char num[24];
    snprintf(num, sizeof num, "%d", n);
    if (!p || sp_payload_add(p, "e", "se") || sp_payload_add(p, "eid", eid) ||
        sp_payload_add(p, "se_ca", "crash test \xe2\x9c\x93") || sp_payload_add(p, "se_ac", num) ||
        sp_payload_add_int(p, "dtm", 1700000000000 + n) || sp_payload_to_json(p, &b)) {
        sp_payload_free(p);
        sp_strbuf_free(&b);
        return NULL;
    }
    sp_payload_free(p);
    *len = b.len;
    return sp_strbuf_detach(&b);
}

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Put `n` new events in one group; their eids go to eids_out (n * 37 bytes). */
static int put_group(sp_store *s, int first, int n, char *eids_out)
{
    sp_store_event *evs = calloc((size_t)n, sizeof *evs);
    if (!evs)
        return -1;
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        sp_uuid_v4(evs[i].eid);
        evs[i].created_ms = sp_now_ms();
        evs[i].payload_json = event_json(evs[i].eid, first + i, &evs[i].len);
        if (!evs[i].payload_json)
            rc = -1;
        else if (eids_out)
            memcpy(eids_out + (size_t)i * 37, evs[i].eid, 37);
    }
    size_t added = 0;
    if (rc == 0 && (sp_store_put_many(s, evs, (size_t)n, &added) != 0 || added != (size_t)n))
        rc = -1;
    for (int i = 0; i < n; i++)
        free(evs[i].payload_json);
    free(evs);
    return rc;
}

/*
 * Put REPORTED_EVENTS events in groups, sending each group's eids once it is
 * committed, then "done"; then keep working until killed: reading, or (when
 * `keep_writing`) putting further groups of LATER_GROUP, which the parent was
 * never told about.
 */
static void child_main(const char *path, int fd, int keep_writing)
{
    sp_store *s = NULL;
    if (sp_store_open(&s, path, "child") != 0) {
        fprintf(stderr, "child: %s\n", snowplow_error_last());
        _exit(10);
    }
    char eids[REPORTED_GROUP * 37];
    for (int g = 0; g < REPORTED_EVENTS / REPORTED_GROUP; g++) {
        if (put_group(s, g * REPORTED_GROUP, REPORTED_GROUP, eids) != 0) {
            fprintf(stderr, "child: put: %s\n", snowplow_error_last());
            _exit(11);
        }
        if (write_all(fd, eids, sizeof eids) != 0)
            _exit(12);
    }
    if (write_all(fd, "done", 4) != 0)
        _exit(13);
    for (int n = REPORTED_EVENTS;; n += LATER_GROUP) {
        if (keep_writing) {
            if (put_group(s, n, LATER_GROUP, NULL) != 0)
                _exit(14);
        } else {
            sp_store_event *page = NULL;
            size_t got = 0;
            if (sp_store_load(s, &page, &got, 100, 0, 0) != 0)
                _exit(15);
            sp_store_events_free(page, got);
        }
    }
}

/* ------------------------------------------------------------------ the parent */

static int read_all(int fd, void *data, size_t len)
{
    char *p = data;
    while (len > 0) {
        ssize_t r = read(fd, p, len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        len -= (size_t)r;
    }
    return 0;
}

/* Start the child, collect the committed eids (REPORTED_EVENTS * 37 bytes), kill it. */
static void run_and_kill_child(const fixture *f, int keep_writing, char *reported)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        child_main(f->path, fds[1], keep_writing);
        _exit(1);
    }
    close(fds[1]);
    int ok = read_all(fds[0], reported, (size_t)REPORTED_EVENTS * 37);
    char done[4] = {0};
    if (ok == 0)
        ok = read_all(fds[0], done, sizeof done);
    if (keep_writing && ok == 0)
        usleep(50 * 1000); /* let it get into a later group; any moment will do */
    kill(pid, SIGKILL);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    close(fds[0]);
    if (ok != 0)
        fail_msg("the child stopped before reporting its events (status 0x%x)", status);
    assert_memory_equal(done, "done", 4);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGKILL);
}

static void assert_reported_events(const sp_store_event *got, const char *reported)
{
    for (size_t i = 0; i < REPORTED_EVENTS; i++) {
        const char *want = reported + i * 37;
        assert_string_equal(got[i].eid, want);
        assert_non_null(strstr(got[i].payload_json, want));
        assert_non_null(strstr(got[i].payload_json, "\"se_ca\":\"crash test \xe2\x9c\x93\""));
        assert_int_equal(got[i].attempts, 0);
    }
}

/* Killed while idle after its commits: exactly the reported events are there. */
static void test_killed_child_keeps_committed_events(void **state)
{
    fixture *f = *state;
    char *reported = malloc((size_t)REPORTED_EVENTS * 37);
    assert_non_null(reported);
    run_and_kill_child(f, 0, reported);

    /* Nothing was checkpointed: the events live in the WAL the next open replays. */
    char wal[128];
    struct stat st;
    snprintf(wal, sizeof wal, "%s-wal", f->path);
    assert_int_equal(stat(wal, &st), 0);
    assert_true(st.st_size > 0);

    sp_store *s = NULL;
    int rc = sp_store_open(&s, f->path, "parent");
    if (rc != 0)
        fail_msg("open after the crash: %s", snowplow_error_last());
    assert_int_equal(sp_store_count(s), REPORTED_EVENTS);
    sp_store_event *got = NULL;
    size_t n = 0;
    assert_int_equal(sp_store_load(s, &got, &n, 0, 0, 0), 0);
    assert_int_equal(n, REPORTED_EVENTS);
    assert_reported_events(got, reported);
    sp_store_events_free(got, n);
    sp_store_close(s);
    free(reported);
}

/* Killed in the middle of writing more groups: the reported events are all
 * there, and of the later groups each is there whole or not at all. */
static void test_killed_during_writes_keeps_whole_groups(void **state)
{
    fixture *f = *state;
    char *reported = malloc((size_t)REPORTED_EVENTS * 37);
    assert_non_null(reported);
    run_and_kill_child(f, 1, reported);

    sp_store *s = NULL;
    int rc = sp_store_open(&s, f->path, "parent");
    if (rc != 0)
        fail_msg("open after the crash: %s", snowplow_error_last());
    sp_store_event *got = NULL;
    size_t n = 0;
    assert_int_equal(sp_store_load(s, &got, &n, 0, 0, 0), 0);
    assert_true(n >= REPORTED_EVENTS);
    assert_int_equal(sp_store_count(s), n);
    assert_reported_events(got, reported);
    assert_int_equal((n - REPORTED_EVENTS) % LATER_GROUP, 0);
    print_message("later groups committed before the kill: %zu\n",
                  (n - REPORTED_EVENTS) / LATER_GROUP);
    /* The later events are numbered consecutively from REPORTED_EVENTS (se_ac). */
    for (size_t i = REPORTED_EVENTS; i < n; i++) {
        char want[48];
        snprintf(want, sizeof want, "\"se_ac\":\"%zu\"", i);
        assert_non_null(strstr(got[i].payload_json, want));
    }
    sp_store_events_free(got, n);
    sp_store_close(s);
    free(reported);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_killed_child_keeps_committed_events, sp_test_tmpdir_setup,
                                        sp_test_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_killed_during_writes_keeps_whole_groups, sp_test_tmpdir_setup,
                                        sp_test_tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#else /* built without SQLite: nothing to crash, and nothing is written */

static void test_store_unsupported(void **state)
{
    (void)state;
    sp_store *s = NULL;
    assert_int_equal(sp_store_open(&s, "/tmp/never.db", "test"), SNOWPLOW_EUNSUPPORTED);
    assert_null(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_store_unsupported)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#endif
