/*
 * A process that returns from main() with emitters still open (events queued,
 * a request hanging, retries pending, another thread still tracking) exits
 * with status 0, neither hanging nor crashing: the library's atexit handler
 * stops the sending threads before libcurl's and OpenSSL's exit-time cleanup.
 *
 * The scenarios run in a fresh process: this test program re-executes itself
 * with "--child SCENARIO ENDPOINT".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sp_test_collector.h"
#include "test_emitter_helpers.h"

/* ---- the child side: set up, then return from main without closing ---- */

static void *keep_tracking(void *arg)
{
    snowplow_tracker *tracker = arg;
    snowplow_event *ev = NULL;
    if (snowplow_event_structured_new(&ev, "exit", "busy", NULL, NULL) != 0)
        return NULL;
    for (;;)
        snowplow_tracker_track(NULL, tracker, ev); /* ECLOSED once exit began */
}

static int run_child(const char *scenario, const char *endpoint)
{
    snowplow_emitter_options *o = NULL;
    if (snowplow_emitter_options_new(&o) != 0 ||
        snowplow_emitter_options_set_endpoint(o, endpoint) != 0)
        return 10;
    snowplow_emitter_options_set_thread_count(o, 2);
    snowplow_emitter_options_set_batch_size(o, 5);
    snowplow_emitter_options_set_request_timeout_ms(o, 240000);
    snowplow_emitter_options_set_result_queue(o, 100);
    if (strcmp(scenario, "retrying") == 0)
        snowplow_emitter_options_set_retry(o, 60000, 60000, 0);
    if (strncmp(scenario, "tls", 3) == 0) {
        /* Every attempt is a TLS handshake that fails verification (a
         * self-signed server), retried at once: the threads are busy inside
         * OpenSSL most of the time. */
        snowplow_emitter_options_set_thread_count(o, 4);
        snowplow_emitter_options_set_batch_size(o, 1);
        snowplow_emitter_options_set_retry(o, 1, 2, 0);
    }
    snowplow_emitter *em = NULL;
    if (snowplow_emitter_new(&em, o) != 0)
        return 11;
    snowplow_tracker_options *to = NULL;
    snowplow_tracker *tracker = NULL;
    if (snowplow_tracker_options_new(&to) != 0 || snowplow_tracker_options_add_emitter(to, em) ||
        snowplow_tracker_new(&tracker, to) != 0)
        return 12;
    snowplow_event *ev = NULL;
    if (snowplow_event_structured_new(&ev, "exit", "queued", NULL, NULL) != 0)
        return 13;
    for (int i = 0; i < 50; i++)
        if (snowplow_tracker_track(NULL, tracker, ev) != 0)
            return 14;

    if (strcmp(scenario, "hanging") == 0) {
        /* A request is under way, the collector silent. */
        if (th_wait_counter(em, SNOWPLOW_COUNTER_IN_FLIGHT, 1, 20000) != 0)
            return 15;
    } else if (strcmp(scenario, "retrying") == 0) {
        /* Nothing listens: every event waits a minute for its retry. */
        if (th_wait_counter(em, SNOWPLOW_COUNTER_RETRIED, 5, 20000) != 0)
            return 16;
    } else if (strncmp(scenario, "tls", 3) == 0) {
#ifdef SP_SANITIZED
        /* Under a sanitizer a thread's first TLS setup (loading the CA store,
         * which cannot be interrupted) can outlast the exit handler's bound
         * on a loaded machine: start from threads that are past it. */
        if (th_wait_counter(em, SNOWPLOW_COUNTER_RETRIED, 8, 60000) != 0)
            return 19;
#endif
        th_sleep_ms(atoi(scenario + 3)); /* "tls17": return after 17 ms */
    } else if (strcmp(scenario, "busy") == 0) {
        /* Another thread still tracks while main returns. */
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&t, &attr, keep_tracking, tracker) != 0)
            return 17;
        th_sleep_ms(50);
    } else {
        return 18;
    }
    return 0; /* no close, no free: the atexit handler's job */
}

/* ---- the test side ---- */

static int run_scenario(const char *scenario, const char *endpoint)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        /* The child never frees its emitter on purpose: no leak report. */
        setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
        execl("/proc/self/exe", "test_delivery_exit", "--child", scenario, endpoint,
              (char *)NULL);
        _exit(127);
    }
    assert_true(pid > 0);
    /* A minute is a hang detector, not a timing requirement. */
    for (int waited = 0; waited < 60000; waited += 10) {
        int status = 0;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            if (WIFSIGNALED(status))
                fail_msg("%s: the process died of signal %d", scenario, WTERMSIG(status));
            return WEXITSTATUS(status);
        }
        th_sleep_ms(10);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    fail_msg("%s: the process did not exit within a minute", scenario);
    return -1;
}

static void test_exit_with_request_hanging(void **state)
{
    sp_test_collector *c = *state;
    assert_int_equal(sp_test_collector_fault(c, "{\"hang\":true}"), 0);
    assert_int_equal(run_scenario("hanging", sp_test_collector_url(c)), 0);
    th_collector_clean(c);
}

static void test_exit_with_retries_pending(void **state)
{
    (void)state;
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "127.0.0.1:%d", sp_test_dead_port());
    assert_int_equal(run_scenario("retrying", endpoint), 0);
}

static void test_exit_while_another_thread_tracks(void **state)
{
    sp_test_collector *c = *state;
    assert_int_equal(sp_test_collector_fault(c, "{\"delay_ms\":100}"), 0);
    assert_int_equal(run_scenario("busy", sp_test_collector_url(c)), 0);
    th_collector_clean(c);
}

/* ---- HTTPS: the case where a thread still inside OpenSSL at exit crashes ---- */

static int run_command(const char *const argv[])
{
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static bool port_open(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

static void test_exit_during_tls_handshakes(void **state)
{
    (void)state;
    static const char openssl[] = "/usr/bin/openssl";
    if (access(openssl, X_OK) != 0)
        skip(); /* no openssl command to play the TLS server */
    char dir[] = "/tmp/sp_exit_tls_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char key[64], cert[64], accept[64], endpoint[64];
    snprintf(key, sizeof key, "%s/key.pem", dir);
    snprintf(cert, sizeof cert, "%s/cert.pem", dir);
    const char *const req[] = {openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                               "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key,
                               "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1", NULL};
    assert_int_equal(run_command(req), 0);
    int port = sp_test_dead_port();
    assert_true(port > 0);
    snprintf(accept, sizeof accept, "127.0.0.1:%d", port);
    snprintf(endpoint, sizeof endpoint, "https://127.0.0.1:%d", port);
    pid_t server = fork();
    if (server == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        execl(openssl, openssl, "s_server", "-accept", accept, "-cert", cert, "-key", key,
              "-quiet", "-www", (char *)NULL);
        _exit(127);
    }
    assert_true(server > 0);
    int waited = 0;
    while (!port_open(port) && waited < 20000) {
        th_sleep_ms(20);
        waited += 20;
    }
    assert_true(port_open(port));

    /* Return from main at various points of the threads' work. */
#ifdef SP_SANITIZED
    const int rounds = 4; /* each child is slow there */
#else
    const int rounds = 12;
#endif
    for (int i = 0; i < rounds; i++) {
        char scenario[16];
        snprintf(scenario, sizeof scenario, "tls%d", (i * 37) % 100);
        assert_int_equal(run_scenario(scenario, endpoint), 0);
    }
    kill(server, SIGTERM);
    waitpid(server, NULL, 0);
    unlink(key);
    unlink(cert);
    rmdir(dir);
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--child") == 0)
        return run_child(argv[2], argv[3]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exit_with_request_hanging),
        cmocka_unit_test(test_exit_with_retries_pending),
        cmocka_unit_test(test_exit_while_another_thread_tracks),
        cmocka_unit_test(test_exit_during_tls_handshakes),
    };
    return cmocka_run_group_tests(tests, th_group_setup, th_group_teardown);
}
