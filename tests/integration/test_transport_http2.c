/*
 * HTTP/2: an https front (nginx with a certificate made here, proxying to the
 * local collector) that offers h2 by ALPN. With 16 requests in flight, one
 * sending thread multiplexes them on one connection: nginx logs HTTP/2.0 and a
 * single connection, and every event reaches the collector once. Skipped when
 * nginx or openssl is missing or nginx lacks http_v2.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sp_test_collector.h"
#include "sp_test_util.h"
#include "test_emitter_helpers.h"

#define NGINX "/usr/sbin/nginx"
#define EVENTS 200

typedef struct front {
    sp_test_collector *collector;
    sp_test_tmpdir dir;
    pid_t nginx;
    int port;
    char url[64];
    char cert[128];
    char log[128];
} front;

static int run_quiet(const char *cmd)
{
    char full[1024];
    snprintf(full, sizeof full, "env -u LD_PRELOAD %s >/dev/null 2>&1", cmd);
    return system(full);
}

static int write_config(front *f)
{
    char path[128];
    snprintf(path, sizeof path, "%s/nginx.conf", f->dir.dir);
    FILE *c = fopen(path, "w");
    if (!c)
        return -1;
    const char *d = f->dir.dir;
    fprintf(c,
            "user root;\nworker_processes 1;\ndaemon off;\npid %s/nginx.pid;\n"
            "error_log %s/error.log warn;\nevents { worker_connections 256; }\n"
            "http {\n"
            "  log_format h2 '$server_protocol $connection';\n"
            "  access_log %s h2;\n"
            "  client_body_temp_path %s; proxy_temp_path %s; fastcgi_temp_path %s;\n"
            "  uwsgi_temp_path %s; scgi_temp_path %s;\n"
            "  server {\n"
            "    listen 127.0.0.1:%d ssl http2;\n"
            "    ssl_certificate %s; ssl_certificate_key %s/key.pem;\n"
            "    location / { proxy_pass http://127.0.0.1:%d; proxy_http_version 1.1;\n"
            "                 proxy_set_header Connection \"\"; }\n"
            "  }\n}\n",
            d, d, f->log, d, d, d, d, d, f->port, f->cert, d,
            sp_test_collector_port(f->collector));
    return fclose(c);
}

static int front_up(const front *f)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "/usr/bin/openssl s_client -connect 127.0.0.1:%d </dev/null",
             f->port);
    return run_quiet(cmd) == 0;
}

static int setup(void **state)
{
    static front f;
    *state = &f;
    if (access(NGINX, X_OK) != 0 || access("/usr/bin/openssl", X_OK) != 0 ||
        run_quiet(NGINX " -V 2>&1 | grep -q http_v2_module") != 0) {
        f.port = -1;
        return 0;
    }
    f.collector = sp_test_collector_start();
    if (!f.collector)
        return -1;
    sp_test_tmpdir_make(&f.dir, "sp_h2");
    snprintf(f.cert, sizeof f.cert, "%s/cert.pem", f.dir.dir);
    snprintf(f.log, sizeof f.log, "%s/access.log", f.dir.dir);
    char cmd[768];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
             "-addext subjectAltName=IP:127.0.0.1 -keyout %s/key.pem -out %s",
             f.dir.dir, f.cert);
    if (run_quiet(cmd) != 0)
        return -1;
    for (const char *sub = "client_body\0proxy\0fastcgi\0uwsgi\0scgi\0"; *sub;
         sub += strlen(sub) + 1) {
        char path[128];
        snprintf(path, sizeof path, "%s/%s", f.dir.dir, sub);
        mkdir(path, 0700);
    }
    f.port = sp_test_dead_port();
    if (f.port < 0 || write_config(&f) != 0)
        return -1;
    char conf[128];
    snprintf(conf, sizeof conf, "%s/nginx.conf", f.dir.dir);
    char *argv[] = {(char *)NGINX, (char *)"-p", f.dir.dir, (char *)"-c", conf, NULL};
    pid_t parent = getpid();
    fflush(NULL);
    f.nginx = fork();
    if (f.nginx == 0)
        sp_test_exec_child(parent, argv);
    for (int i = 0; i < 300 && !front_up(&f); i++)
        th_sleep_ms(50);
    snprintf(f.url, sizeof f.url, "https://127.0.0.1:%d", f.port);
    return front_up(&f) ? 0 : -1;
}

static int teardown(void **state)
{
    front *f = *state;
    if (f->port < 0)
        return 0;
    if (f->nginx > 0) {
        kill(f->nginx, SIGTERM);
        waitpid(f->nginx, NULL, 0);
    }
    sp_test_tmpdir_remove(&f->dir);
    sp_test_collector_stop(f->collector);
    return 0;
}

/* Lines of the access log: every one HTTP/2.0; the number of connections. */
static int h2_connections(const front *f, int *lines)
{
    FILE *log = fopen(f->log, "r");
    assert_non_null(log);
    char proto[32];
    long conn, seen[64];
    int n = 0;
    *lines = 0;
    while (fscanf(log, "%31s %ld", proto, &conn) == 2) {
        assert_string_equal(proto, "HTTP/2.0");
        (*lines)++;
        int known = 0;
        for (int i = 0; i < n; i++)
            known |= seen[i] == conn;
        if (!known && n < 64)
            seen[n++] = conn;
    }
    fclose(log);
    return n;
}

static void multiplexed(front *f, snowplow_method method)
{
    th_collector_clean(f->collector);
    truncate(f->log, 0);
    snowplow_emitter_options *o = th_options(f->url, NULL, NULL);
    snowplow_emitter_options_set_method(o, method);
    snowplow_emitter_options_set_batch_size(o, 2);
    assert_int_equal(snowplow_emitter_options_set_ca_file(o, f->cert), 0);
    assert_int_equal(snowplow_emitter_options_set_max_inflight(o, 16), 0);
    snowplow_emitter *em = NULL;
    assert_int_equal(snowplow_emitter_new(&em, o), 0);
    static char eids[EVENTS][37];
    for (int i = 0; i < EVENTS; i++)
        assert_int_equal(th_enqueue(em, eids[i], "h2"), 0);
    assert_int_equal(snowplow_emitter_flush(em, 60000), 0);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_SENT), EVENTS);
    snowplow_emitter_free(em);

    cJSON *good = th_fetch_json(f->collector, "/micro/good");
    assert_int_equal(cJSON_GetArraySize(good), EVENTS);
    for (int i = 0; i < EVENTS; i++)
        assert_int_equal(th_good_count_of(good, eids[i]), 1);
    cJSON_Delete(good);
    int lines = 0;
    /* nginx writes the log line when a stream ends: all are in once flushed. */
    assert_int_equal(h2_connections(f, &lines), 1);
    assert_int_equal(lines, method == SNOWPLOW_METHOD_GET ? EVENTS : EVENTS / 2);
}

static void test_get_multiplexed(void **state)
{
    front *f = *state;
    if (f->port < 0)
        skip();
    multiplexed(f, SNOWPLOW_METHOD_GET);
}

static void test_post_multiplexed(void **state)
{
    front *f = *state;
    if (f->port < 0)
        skip();
    multiplexed(f, SNOWPLOW_METHOD_POST);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_multiplexed),
        cmocka_unit_test(test_post_multiplexed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
