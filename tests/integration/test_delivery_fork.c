/*
 * fork(): in the child, an emitter inherited from the parent refuses events
 * (SNOWPLOW_ECLOSED, saying why), flush refuses too, close and free only
 * release memory; a new emitter created in the child works. The parent's
 * emitter keeps working and delivers everything, also when the fork happens
 * while its threads are sending and other threads are tracking.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sys/wait.h>
#include <unistd.h>

#include "sp_test_collector.h"
#include "test_emitter_helpers.h"

/* ThreadSanitizer cannot start threads in the child of a multi-threaded
 * process: there the child's own emitter is not tried. */
#if defined(__SANITIZE_THREAD__)
#define CHILD_STARTS_THREADS 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CHILD_STARTS_THREADS 0
#endif
#endif
#ifndef CHILD_STARTS_THREADS
#define CHILD_STARTS_THREADS 1
#endif

/* AddressSanitizer's allocator in this toolchain (GCC 12) takes no lock
 * across fork(): a child forked while another thread allocates can deadlock in
 * malloc. Under it the fork happens while the parent is quiet, and the fork
 * storm is skipped. (glibc's malloc and ThreadSanitizer's handle fork.) */
#if defined(__SANITIZE_ADDRESS__)
#define FORK_WHILE_BUSY 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FORK_WHILE_BUSY 0
#endif
#endif
#ifndef FORK_WHILE_BUSY
#define FORK_WHILE_BUSY 1
#endif

/* Wait for a child; its exit code, or -1 (killed, or still running after a
 * minute: a hang). */
static int wait_child(pid_t pid)
{
    for (int waited = 0; waited < 60000; waited += 10) {
        int status = 0;
        pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        th_sleep_ms(10);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

/* The child's checks, without cmocka (it must not longjmp in a child): the
 * number of the first failed check, 0 when all passed. */
static int child_checks(snowplow_tracker *tracker, snowplow_emitter *em, const char *url,
                        int eid_pipe)
{
    snowplow_event *ev = NULL;
    if (snowplow_event_structured_new(&ev, "fork", "child", NULL, NULL) != 0)
        return 1;
    int rc = snowplow_tracker_track(NULL, tracker, ev);
    if (rc != SNOWPLOW_ECLOSED || !strstr(snowplow_error_last(), "fork"))
        return 2;
    if (th_enqueue(em, NULL, "child") != SNOWPLOW_ECLOSED)
        return 3;
    if (snowplow_emitter_flush(em, 1000) != SNOWPLOW_ECLOSED ||
        !strstr(snowplow_error_last(), "inherited across fork"))
        return 4;
    if (snowplow_emitter_flush_async(em) != SNOWPLOW_ECLOSED)
        return 5;
    snowplow_result *r = NULL;
    if (snowplow_emitter_next_result(&r, em, 1000) != SNOWPLOW_ECLOSED)
        return 6;
    if (snowplow_emitter_result_fd(em) != -1)
        return 7;
    if (snowplow_emitter_counter(em, SNOWPLOW_COUNTER_TRACKED) < 20)
        return 8;
    if (snowplow_emitter_close(em, 1000) != 0)
        return 9;

    /* A new emitter of the child's own works. */
    if (!CHILD_STARTS_THREADS) {
        snowplow_event_free(ev);
        snowplow_tracker_free(tracker);
        snowplow_emitter_free(em);
        return 0;
    }
    snowplow_emitter_options *o = th_options(url, NULL, NULL);
    snowplow_emitter *mine = NULL;
    if (snowplow_emitter_new(&mine, o) != 0)
        return 10;
    char eid[37];
    if (th_enqueue(mine, eid, "child-own") != 0 || snowplow_emitter_flush(mine, 60000) != 0 ||
        snowplow_emitter_counter(mine, SNOWPLOW_COUNTER_SENT) != 1)
        return 11;
    if (write(eid_pipe, eid, 37) != 37)
        return 12;
    snowplow_emitter_free(mine);

    snowplow_event_free(ev);
    snowplow_tracker_free(tracker);
    snowplow_emitter_free(em); /* the last reference: memory only */
    return 0;
}

static void test_fork_child_refuses_parent_continues(void **state)
{
    (void)state;
    sp_test_collector *c = sp_test_collector_start();
    assert_non_null(c);
    /* Slow answers: a request is under way when the process forks. */
    assert_int_equal(sp_test_collector_fault(c, "{\"delay_ms\":300}"), 0);
    snowplow_emitter_options *eo = th_options(sp_test_collector_url(c), NULL, NULL);
    snowplow_emitter_options_set_batch_size(eo, 5);
    snowplow_emitter_options_set_thread_count(eo, 2);
    assert_int_equal(snowplow_emitter_options_set_result_queue(eo, 1000), 0);
    snowplow_emitter *em = NULL;
    assert_int_equal(snowplow_emitter_new(&em, eo), 0);
    snowplow_tracker_options *to = NULL;
    snowplow_tracker *tracker = NULL;
    assert_int_equal(snowplow_tracker_options_new(&to), 0);
    assert_int_equal(snowplow_tracker_options_add_emitter(to, em), 0);
    assert_int_equal(snowplow_tracker_new(&tracker, to), 0);

    char eids[40][37];
    snowplow_event *ev = NULL;
    assert_int_equal(snowplow_event_structured_new(&ev, "fork", "parent", NULL, NULL), 0);
    for (int i = 0; i < 20; i++)
        assert_int_equal(snowplow_tracker_track(eids[i], tracker, ev), 0);
    if (FORK_WHILE_BUSY)
        assert_int_equal(th_wait_counter(em, SNOWPLOW_COUNTER_IN_FLIGHT, 1, 20000), 0);
    else
        assert_int_equal(snowplow_tracker_flush(tracker, 60000), 0);

    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        _exit(child_checks(tracker, em, sp_test_collector_url(c), fds[1]));
    }
    close(fds[1]);
    int code = wait_child(pid);
    if (code != 0)
        fail_msg("the child failed check %d", code);
    char child_eid[37] = "";
    if (CHILD_STARTS_THREADS)
        assert_int_equal(read(fds[0], child_eid, 37), 37);
    close(fds[0]);
    const int expected = 40 + CHILD_STARTS_THREADS;

    /* The parent goes on as if nothing happened. */
    for (int i = 20; i < 40; i++)
        assert_int_equal(snowplow_tracker_track(eids[i], tracker, ev), 0);
    assert_int_equal(snowplow_tracker_flush(tracker, 120000), 0);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_SENT), 40);
    /* The result queue survived the fork too: every success is in it. */
    size_t results_events = 0;
    snowplow_result *r = NULL;
    while (snowplow_emitter_next_result(&r, em, 0) == 0) {
        results_events += snowplow_result_event_count(r);
        snowplow_result_free(r);
    }
    assert_int_equal(results_events, 40);
    assert_int_equal(sp_test_collector_wait_total(c, expected, 0, 60000), 0);
    cJSON *good = sp_test_collector_get(c, "/micro/good?fields=eid,e");
    assert_int_equal(cJSON_GetArraySize(good), expected);
    for (int i = 0; i < 40; i++) {
        int times = 0;
        const cJSON *rec;
        cJSON_ArrayForEach(rec, good)
        {
            const cJSON *eid = cJSON_GetObjectItem(cJSON_GetObjectItem(rec, "event"), "eid");
            times += cJSON_IsString(eid) && strcmp(eid->valuestring, eids[i]) == 0;
        }
        assert_int_equal(times, 1);
    }
    int child_seen = 0;
    const cJSON *rec;
    cJSON_ArrayForEach(rec, good)
    {
        const cJSON *eid = cJSON_GetObjectItem(cJSON_GetObjectItem(rec, "event"), "eid");
        child_seen += cJSON_IsString(eid) && strcmp(eid->valuestring, child_eid) == 0;
    }
    assert_int_equal(child_seen, CHILD_STARTS_THREADS);
    cJSON_Delete(good);

    snowplow_event_free(ev);
    snowplow_tracker_free(tracker);
    snowplow_emitter_free(em);
    sp_test_collector_stop(c);
}

/* ---- forks while other threads track and the sending threads send ---- */

typedef struct busy {
    snowplow_emitter *em;
    atomic_int stop;
    long tracked;
} busy;

static void *track_until_stopped(void *arg)
{
    busy *b = arg;
    while (!atomic_load(&b->stop)) {
        if (th_enqueue(b->em, NULL, "busy") == 0)
            b->tracked++;
    }
    return NULL;
}

static void test_fork_while_busy(void **state)
{
    (void)state;
    if (!FORK_WHILE_BUSY)
        skip();
    stub s;
    stub_init(&s, 200);
    snowplow_emitter_options *o = th_options("127.0.0.1:9", NULL, NULL);
    snowplow_emitter_options_set_thread_count(o, 2);
    snowplow_emitter_options_set_linger_ms(o, 1);
    assert_int_equal(snowplow_emitter_options_set_result_queue(o, 100), 0);
    snowplow_emitter *em = stub_emitter(&s, o);
    busy b[2] = {{em, 0, 0}, {em, 0, 0}};
    pthread_t threads[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, track_until_stopped, &b[i]), 0);

    for (int round = 0; round < 20; round++) {
        th_sleep_ms(5);
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            int code = th_enqueue(em, NULL, "child") == SNOWPLOW_ECLOSED ? 0 : 1;
            snowplow_emitter_free(em); /* walks the copied queue: must be consistent */
            _exit(code);
        }
        assert_int_equal(wait_child(pid), 0);
    }
    for (int i = 0; i < 2; i++) {
        atomic_store(&b[i].stop, 1);
        pthread_join(threads[i], NULL);
    }
    assert_int_equal(sp_emitter_drain(em, 120000), 0);
    uint64_t tracked = snowplow_emitter_counter(em, SNOWPLOW_COUNTER_TRACKED);
    assert_int_equal(tracked, (uint64_t)(b[0].tracked + b[1].tracked) +
                                  snowplow_emitter_counter(em, SNOWPLOW_COUNTER_DROPPED));
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_SENT) +
                         snowplow_emitter_counter(em, SNOWPLOW_COUNTER_DROPPED),
                     tracked);
    snowplow_emitter_free(em);
    stub_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fork_child_refuses_parent_continues),
        cmocka_unit_test(test_fork_while_busy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
