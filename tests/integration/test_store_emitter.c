/*
 * The persistent store wired into the emitter, against the local collector:
 * events survive a SIGKILL and an outage spanning restarts, unusable files
 * fail snowplow_emitter_new() with SNOWPLOW_ESTORE, and the limits report
 * what they drop.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sp_test_collector.h"
#include "sp_test_util.h"
#include "store/store.h"
#include "test_emitter_helpers.h"

/* The forking tests fork while this process has no thread of its own (every
 * emitter of an earlier test is freed, its threads joined): the child may then
 * start threads under ThreadSanitizer too, and no lock is copied held under
 * AddressSanitizer (compare test_delivery_fork.c). */

#define FLUSH_MS 60000

static sp_test_collector *collector;

static char *dead_url(void)
{
    int port = sp_test_dead_port();
    assert_true(port > 0);
    char *url = malloc(48);
    snprintf(url, 48, "http://127.0.0.1:%d", port);
    return url;
}

static snowplow_emitter_options *store_options(const char *url, const char *path,
                                               size_t max_events, th_recorder *ok,
                                               th_recorder *failed)
{
    snowplow_emitter_options *o = th_options(url, ok, failed);
    assert_int_equal(snowplow_emitter_options_set_store(o, path, 50, max_events, 0), 0);
    return o;
}

/* How many times each eid arrived at the collector; fails on any bad event. */
static void check_arrived_once(char (*eids)[37], int n, long total)
{
    assert_int_equal(sp_test_collector_wait_total(collector, total, 0, FLUSH_MS), 0);
    cJSON *good = sp_test_collector_get(collector, "/micro/good?fields=eid");
    assert_non_null(good);
    assert_int_equal(cJSON_GetArraySize(good), total);
    for (int i = 0; i < n; i++) {
        int times = th_good_count_of(good, eids[i]);
        if (times != 1)
            fail_msg("event %s arrived %d times, expected once", eids[i], times);
    }
    cJSON_Delete(good);
    cJSON *all = sp_test_collector_get(collector, "/micro/all");
    assert_non_null(all);
    assert_int_equal(cJSON_GetObjectItem(all, "bad")->valueint, 0);
    cJSON_Delete(all);
}

/* A second emitter on the same file, collector healthy: the backlog arrives. */
static void deliver_backlog_with(const char *path, char (*eids)[37], int n,
                                 snowplow_method method)
{
    th_recorder ok, failed;
    th_recorder_init(&ok);
    th_recorder_init(&failed);
    snowplow_emitter *em = NULL;
    snowplow_emitter_options *o =
        store_options(sp_test_collector_url(collector), path, 0, &ok, &failed);
    assert_int_equal(snowplow_emitter_options_set_method(o, method), 0);
    assert_int_equal(snowplow_emitter_new(&em, o), 0);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_TRACKED), (uint64_t)n);
    assert_int_equal(snowplow_emitter_flush(em, FLUSH_MS), 0);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_SENT), (uint64_t)n);
    assert_int_equal(th_recorded_events(&failed), 0);
    check_arrived_once(eids, n, n);
    /* Delivered events leave the store. */
    assert_int_equal(snowplow_emitter_store_sync(em, FLUSH_MS), 0);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_STORED), 0);
    assert_int_equal(snowplow_emitter_close(em, FLUSH_MS), 0);
    snowplow_emitter_free(em);
    th_recorder_free(&ok);
    th_recorder_free(&failed);
}

static void deliver_backlog(const char *path, char (*eids)[37], int n)
{
    deliver_backlog_with(path, eids, n, SNOWPLOW_METHOD_POST);
}

static int reset(void **state)
{
    (void)state;
    sp_test_collector_reset(collector);
    return 0;
}

static void write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            _exit(3);
        p += w;
        len -= (size_t)w;
    }
}

#define KILL_EVENTS 500

/* The child: an emitter with a store and no collector, 500 events, a sync,
 * the eids and "ok" down the pipe; then it waits to be killed. */
static void kill9_child(int fd, const char *path)
{
    char *url = dead_url();
    snowplow_emitter_options *o = th_options(url, NULL, NULL);
    free(url);
    if (snowplow_emitter_options_set_store(o, path, 50, 0, 0) < 0)
        _exit(4);
    snowplow_emitter *em = NULL;
    if (snowplow_emitter_new(&em, o) < 0)
        _exit(5);
    static char eids[KILL_EVENTS][37];
    for (int i = 0; i < KILL_EVENTS; i++)
        if (th_enqueue(em, eids[i], "kill9") < 0)
            _exit(6);
    if (snowplow_emitter_store_sync(em, 5000) < 0) {
        fprintf(stderr, "store_sync: %s\n", snowplow_error_last());
        _exit(7);
    }
    for (int i = 0; i < KILL_EVENTS; i++)
        write_all(fd, eids[i], 37);
    write_all(fd, "ok", 2);
    for (;;)
        pause();
}

static void read_all(int fd, void *buf, size_t len)
{
    char *p = buf;
    while (len > 0) {
        ssize_t r = read(fd, p, len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            fail_msg("the child closed the pipe early (read %zd)", r);
        p += r;
        len -= (size_t)r;
    }
}

static void test_kill9_then_restart(void **state)
{
    (void)state;
    sp_test_tmpdir t;
    sp_test_tmpdir_make(&t, "sp_store_emitter");
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        kill9_child(fds[1], t.path);
    }
    close(fds[1]);
    static char eids[KILL_EVENTS][37];
    char ok[2];
    read_all(fds[0], eids, sizeof eids);
    read_all(fds[0], ok, sizeof ok);
    close(fds[0]);
    assert_memory_equal(ok, "ok", 2);
    assert_int_equal(kill(pid, SIGKILL), 0);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

    deliver_backlog(t.path, eids, KILL_EVENTS);
    sp_test_tmpdir_remove(&t);
}

#define EXIT_EVENTS 300

/* A child that exits without closing its emitter: the exit handler writes
 * what is pending (no store_sync), and the next run sends it. */
static void test_exit_without_close_keeps_events(void **state)
{
    (void)state;
    sp_test_tmpdir t;
    sp_test_tmpdir_make(&t, "sp_store_emitter");
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        char *url = dead_url();
        snowplow_emitter_options *o = th_options(url, NULL, NULL);
        free(url);
        /* A long interval: only the exit handler writes. */
        if (snowplow_emitter_options_set_store(o, t.path, 60000, 0, 0) < 0)
            _exit(4);
        snowplow_emitter *em = NULL;
        if (snowplow_emitter_new(&em, o) < 0)
            _exit(5);
        static char child_eids[EXIT_EVENTS][37];
        for (int i = 0; i < EXIT_EVENTS; i++)
            if (th_enqueue(em, child_eids[i], "exit") < 0)
                _exit(6);
        for (int i = 0; i < EXIT_EVENTS; i++)
            write_all(fds[1], child_eids[i], 37);
        exit(0); /* no close, no free */
    }
    close(fds[1]);
    static char eids[EXIT_EVENTS][37];
    read_all(fds[0], eids, sizeof eids);
    close(fds[0]);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);

    deliver_backlog(t.path, eids, EXIT_EVENTS);
    sp_test_tmpdir_remove(&t);
}

#define OUTAGE_EVENTS 200

static void test_outage_spanning_restarts(void **state)
{
    (void)state;
    sp_test_tmpdir t;
    sp_test_tmpdir_make(&t, "sp_store_emitter");
    assert_int_equal(sp_test_collector_fault(collector, "{\"status\":503}"), 0);
    th_recorder failed;
    th_recorder_init(&failed);
    snowplow_emitter *em = NULL;
    assert_int_equal(snowplow_emitter_new(&em, store_options(sp_test_collector_url(collector),
                                                             t.path, 0, NULL, &failed)),
                     0);
    static char eids[OUTAGE_EVENTS][37];
    for (int i = 0; i < OUTAGE_EVENTS; i++)
        assert_int_equal(th_enqueue(em, eids[i], "outage"), 0);
    /* Events were unsent at the deadline (abandoned), but kept, not failed. */
    assert_int_equal(snowplow_emitter_close(em, 1000), SNOWPLOW_ETIMEOUT);
    assert_int_equal(th_recorded_events_retry(&failed, 0), 0);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_FAILED), 0);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_SENT), 0);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_STORED), OUTAGE_EVENTS);
    snowplow_emitter_free(em);
    th_recorder_free(&failed);

    sp_test_collector_reset(collector); /* healthy again, nothing received */
    deliver_backlog(t.path, eids, OUTAGE_EVENTS);
    sp_test_tmpdir_remove(&t);
}

/* GET emitters store the same JSON and send the backlog as GET requests. */
static void test_get_backlog(void **state)
{
    (void)state;
    sp_test_tmpdir t;
    sp_test_tmpdir_make(&t, "sp_store_emitter");
    char *url = dead_url();
    snowplow_emitter_options *o = store_options(url, t.path, 0, NULL, NULL);
    assert_int_equal(snowplow_emitter_options_set_method(o, SNOWPLOW_METHOD_GET), 0);
    snowplow_emitter *em = NULL;
    assert_int_equal(snowplow_emitter_new(&em, o), 0);
    static char eids[20][37];
    for (int i = 0; i < 20; i++)
        assert_int_equal(th_enqueue(em, eids[i], "get & store"), 0);
    assert_int_equal(snowplow_emitter_store_sync(em, FLUSH_MS), 0);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_STORED), 20);
    assert_int_equal(snowplow_emitter_close(em, 100), SNOWPLOW_ETIMEOUT);
    snowplow_emitter_free(em);
    free(url);
    deliver_backlog_with(t.path, eids, 20, SNOWPLOW_METHOD_GET);
    sp_test_tmpdir_remove(&t);
}

static void test_unusable_files(void **state)
{
    (void)state;
    sp_test_tmpdir t;
    sp_test_tmpdir_make(&t, "sp_store_emitter");
    char *url = dead_url();

    /* Not a database: refused, named, left untouched. */
    char junk[4096];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (char)('a' + i % 26);
    FILE *f = fopen(t.path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(junk, 1, sizeof junk, f), sizeof junk);
    fclose(f);
    snowplow_emitter *em = NULL;
    assert_int_equal(snowplow_emitter_new(&em, store_options(url, t.path, 0, NULL, NULL)),
                     SNOWPLOW_ESTORE);
    assert_null(em);
    assert_non_null(strstr(snowplow_error_last(), "snowplow_emitter_new"));
    assert_non_null(strstr(snowplow_error_last(), t.path));
    char back[sizeof junk + 1];
    f = fopen(t.path, "rb");
    assert_non_null(f);
    assert_int_equal(fread(back, 1, sizeof back, f), sizeof junk);
    fclose(f);
    assert_memory_equal(back, junk, sizeof junk);
    unlink(t.path);

    /* A directory. */
    assert_int_equal(snowplow_emitter_new(&em, store_options(url, t.dir, 0, NULL, NULL)),
                     SNOWPLOW_ESTORE);
    assert_null(em);
    assert_non_null(strstr(snowplow_error_last(), t.dir));
    assert_non_null(strstr(snowplow_error_last(), "directory"));

    /* Arguments. */
    snowplow_emitter_options *o = th_options(url, NULL, NULL);
    assert_int_equal(snowplow_emitter_options_set_store(o, "", 10, 0, 0), SNOWPLOW_EINVAL);
    assert_int_equal(snowplow_emitter_options_set_store(o, t.path, -1, 0, 0), SNOWPLOW_ERANGE);
    assert_int_equal(snowplow_emitter_options_set_store(o, t.path, 10, 0, -5), SNOWPLOW_ERANGE);
    assert_int_equal(snowplow_emitter_options_set_store(NULL, t.path, 10, 0, 0),
                     SNOWPLOW_EINVAL);
    /* No store: store_sync says so. */
    assert_int_equal(snowplow_emitter_new(&em, o), 0);
    assert_int_equal(snowplow_emitter_store_sync(em, 1000), SNOWPLOW_EUNSUPPORTED);
    assert_int_equal(snowplow_emitter_store_sync(NULL, 1000), SNOWPLOW_EINVAL);
    snowplow_emitter_free(em);
    free(url);
    sp_test_tmpdir_remove(&t);
}

#define LIMIT_EVENTS 200
#define LIMIT_KEPT 50

/* Events reported failed for good with `reason`. */
static size_t recorded_with_reason(th_recorder *r, const char *reason)
{
    size_t n = 0;
    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; i < r->count; i++)
        if (strcmp(snowplow_result_reason(r->results[i]), reason) == 0 &&
            snowplow_result_will_retry(r->results[i]) == 0)
            n += snowplow_result_event_count(r->results[i]);
    pthread_mutex_unlock(&r->mu);
    return n;
}

/* Whether `eid` failed for good (retry reports, will_retry 1, do not count). */
static bool recorded_final(th_recorder *r, const char *eid)
{
    bool found = false;
    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; i < r->count && !found; i++)
        if (snowplow_result_will_retry(r->results[i]) == 0)
            for (size_t j = 0; j < snowplow_result_event_count(r->results[i]); j++)
                if (strcmp(snowplow_result_event_id(r->results[i], j), eid) == 0)
                    found = true;
    pthread_mutex_unlock(&r->mu);
    return found;
}

static void test_max_events_at_close(void **state)
{
    (void)state;
    sp_test_tmpdir t;
    sp_test_tmpdir_make(&t, "sp_store_emitter");
    char *url = dead_url();
    th_recorder failed;
    th_recorder_init(&failed);
    snowplow_emitter *em = NULL;
    assert_int_equal(snowplow_emitter_new(&em, store_options(url, t.path, LIMIT_KEPT, NULL,
                                                             &failed)),
                     0);
    static char eids[LIMIT_EVENTS][37];
    for (int i = 0; i < LIMIT_EVENTS; i++)
        assert_int_equal(th_enqueue(em, eids[i], "limits"), 0);
    assert_int_equal(snowplow_emitter_close(em, 200), SNOWPLOW_ETIMEOUT);
    assert_int_equal(recorded_with_reason(&failed, SP_STORE_REASON_MAX_EVENTS),
                     LIMIT_EVENTS - LIMIT_KEPT);
    assert_int_equal(th_recorded_events_retry(&failed, 0), LIMIT_EVENTS - LIMIT_KEPT);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_DROPPED),
                     LIMIT_EVENTS - LIMIT_KEPT);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_STORED), LIMIT_KEPT);
    /* The oldest went: the newest 50 are kept. */
    for (int i = 0; i < LIMIT_EVENTS - LIMIT_KEPT; i++)
        assert_true(recorded_final(&failed, eids[i]));
    for (int i = LIMIT_EVENTS - LIMIT_KEPT; i < LIMIT_EVENTS; i++)
        assert_false(recorded_final(&failed, eids[i]));
    snowplow_emitter_free(em);
    th_recorder_free(&failed);
    free(url);

    deliver_backlog(t.path, eids + (LIMIT_EVENTS - LIMIT_KEPT), LIMIT_KEPT);
    sp_test_tmpdir_remove(&t);
}

int main(void)
{
    if (!sp_store_available()) {
        /* Built without SQLite: the option says so, nothing else to test. */
        snowplow_emitter_options *o = NULL;
        if (snowplow_emitter_options_new(&o) < 0)
            return 1;
        int rc = snowplow_emitter_options_set_store(o, "/tmp/x.db", 100, 0, 0);
        snowplow_emitter_options_free(o);
        printf("built without SQLite: set_store returned %d\n", rc);
        return rc == SNOWPLOW_EUNSUPPORTED ? 0 : 1;
    }
    collector = sp_test_collector_start();
    if (!collector)
        return 1;
    const struct CMUnitTest tests[] = {
        /* First, while this process has no thread of its own. */
        cmocka_unit_test_setup(test_kill9_then_restart, reset),
        cmocka_unit_test_setup(test_exit_without_close_keeps_events, reset),
        cmocka_unit_test_setup(test_outage_spanning_restarts, reset),
        cmocka_unit_test_setup(test_get_backlog, reset),
        cmocka_unit_test_setup(test_unusable_files, reset),
        cmocka_unit_test_setup(test_max_events_at_close, reset),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    sp_test_collector_stop(collector);
    return failed;
}
