/* Test support: the local collector as a child process, driven over HTTP with libcurl. */
#include "sp_test_collector.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SNOWPLOW_TEST_PYTHON
#define SNOWPLOW_TEST_PYTHON "/usr/bin/python3"
#endif
#ifndef SNOWPLOW_TEST_COLLECTOR
#error "SNOWPLOW_TEST_COLLECTOR must name tools/collector/snowplow_collector.py"
#endif

#define START_TIMEOUT_MS 15000
#define STOP_TIMEOUT_MS 10000
#define POLL_MS 20

struct sp_test_collector {
    pid_t pid;
    int port;
    char url[64];
    char dir[64];        /* mkdtemp folder holding the port file */
    char port_file[96];
    pthread_mutex_t mu;  /* guards `curl`: one keep-alive handle for every request */
    CURL *curl;
};

typedef struct {
    char *data;
    size_t len;
    size_t cap; /* grows by doubling: /micro/good can be tens of megabytes */
} body_buf;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
    }
}

/* The port the collector wrote, or 0 while the file is not there yet. */
static int read_port_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    int port = 0;
    if (fscanf(f, "%d", &port) != 1 || port <= 0 || port > 65535)
        port = 0;
    fclose(f);
    return port;
}

/* In the child, between fork and exec: async-signal-safe calls only. */
void sp_test_exec_child(pid_t parent, char *const argv[])
{
    /* The server must not outlive a test that crashes or is killed. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent)
        _exit(126);
    /* Whatever the test blocked or ignored, the server gets default signal handling. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
        dup2(devnull, STDIN_FILENO);
        dup2(devnull, STDOUT_FILENO); /* e.g. "listening on": the port file says it */
        if (devnull > STDERR_FILENO)
            close(devnull);
    }
    execv(argv[0], argv);
    static const char msg[] = "sp_test: exec failed\n";
    ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)ignored;
    _exit(127);
}

/* waitpid with a bound; 1 when the child is gone (reaped), 0 when it still runs. */
static int wait_child(pid_t pid, int timeout_ms, int *status)
{
    long long deadline = now_ms() + timeout_ms;
    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid || (r == -1 && errno == ECHILD))
            return 1;
        if (r == -1 && errno != EINTR)
            return 1;
        if (now_ms() >= deadline)
            return 0;
        sleep_ms(10);
    }
}

static void remove_temp_files(sp_test_collector *c)
{
    if (c->port_file[0])
        unlink(c->port_file);
    if (c->dir[0])
        rmdir(c->dir);
}

pid_t sp_test_python_start(const char *script, char *const args[], const char *ready_file)
{
    char *argv[32];
    int n = 0;
    argv[n++] = (char *)SNOWPLOW_TEST_PYTHON;
    argv[n++] = (char *)script;
    for (int i = 0; args[i] && n < 31; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    pid_t parent = getpid();
    fflush(NULL); /* or buffered test output would be written twice */
    pid_t pid = fork();
    if (pid == -1) {
        fprintf(stderr, "sp_test_collector: fork: %s\n", strerror(errno));
        return -1;
    }
    if (pid == 0)
        sp_test_exec_child(parent, argv);

    long long deadline = now_ms() + START_TIMEOUT_MS;
    struct stat st;
    while (stat(ready_file, &st) != 0 || st.st_size == 0) {
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            fprintf(stderr, "sp_test_collector: %s %s exited (status %d) before it was ready\n",
                    SNOWPLOW_TEST_PYTHON, script,
                    WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status));
            return -1;
        }
        if (now_ms() >= deadline) {
            fprintf(stderr, "sp_test_collector: no file %s after %d ms\n", ready_file,
                    START_TIMEOUT_MS);
            sp_test_python_stop(pid);
            return -1;
        }
        sleep_ms(10);
    }
    return pid;
}

void sp_test_python_stop(pid_t pid)
{
    if (pid <= 0)
        return;
    int status = 0;
    kill(pid, SIGTERM);
    if (!wait_child(pid, STOP_TIMEOUT_MS, &status)) {
        fprintf(stderr, "sp_test_collector: pid %d ignored SIGTERM for %d ms, killing it\n",
                (int)pid, STOP_TIMEOUT_MS);
        kill(pid, SIGKILL);
        wait_child(pid, STOP_TIMEOUT_MS, &status);
    }
}

sp_test_collector *sp_test_collector_start(void)
{
    sp_test_collector *c = calloc(1, sizeof *c);
    if (!c) {
        fprintf(stderr, "sp_test_collector: out of memory\n");
        return NULL;
    }
    c->pid = -1;
    pthread_mutex_init(&c->mu, NULL);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "sp_test_collector: curl_global_init failed\n");
        pthread_mutex_destroy(&c->mu);
        free(c);
        return NULL;
    }
    strcpy(c->dir, "/tmp/sp-collector-XXXXXX");
    if (!mkdtemp(c->dir)) {
        fprintf(stderr, "sp_test_collector: mkdtemp: %s\n", strerror(errno));
        c->dir[0] = '\0';
        goto fail;
    }
    snprintf(c->port_file, sizeof c->port_file, "%s/port", c->dir);

    char *argv[] = {(char *)"--port", (char *)"0", (char *)"--port-file", c->port_file,
                    (char *)"--quiet", NULL};
    c->pid = sp_test_python_start(SNOWPLOW_TEST_COLLECTOR, argv, c->port_file);
    if (c->pid < 0 || (c->port = read_port_file(c->port_file)) == 0)
        goto fail;
    snprintf(c->url, sizeof c->url, "http://127.0.0.1:%d", c->port);

    c->curl = curl_easy_init();
    if (!c->curl) {
        fprintf(stderr, "sp_test_collector: curl_easy_init failed\n");
        goto fail;
    }
    return c;

fail:
    sp_test_collector_stop(c);
    return NULL;
}

void sp_test_collector_stop(sp_test_collector *c)
{
    if (!c)
        return;
    sp_test_python_stop(c->pid);
    c->pid = -1;
    remove_temp_files(c);
    if (c->curl)
        curl_easy_cleanup(c->curl);
    curl_global_cleanup();
    pthread_mutex_destroy(&c->mu);
    free(c);
}

int sp_test_collector_port(const sp_test_collector *c)
{
    return c ? c->port : -1;
}

const char *sp_test_collector_url(const sp_test_collector *c)
{
    return c ? c->url : NULL;
}

static size_t collect_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    body_buf *b = userdata;
    size_t n = size * nmemb;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *grown = realloc(b->data, cap);
        if (!grown)
            return 0; /* makes curl fail the transfer */
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

/* One request on the shared handle; the HTTP status or -1. `body` gets the answer.
 * Failures are printed when `report` is set (polling loops print only their verdict). */
static int request(sp_test_collector *c, const char *method, const char *path,
                   const char *json, body_buf *body, int report)
{
    if (!c || !c->curl || !path) {
        fprintf(stderr, "sp_test_collector: %s %s: no collector\n", method, path ? path : "(null)");
        return -1;
    }
    char url[1024];
    if (snprintf(url, sizeof url, "%s%s", c->url, path) >= (int)sizeof url) {
        fprintf(stderr, "sp_test_collector: path too long: %s\n", path);
        return -1;
    }
    pthread_mutex_lock(&c->mu);
    CURL *h = c->curl;
    curl_easy_reset(h);
    struct curl_slist *headers = NULL;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 60000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
    if (json) {
        headers = curl_slist_append(headers, "Content-Type: application/json");
        headers = curl_slist_append(headers, "Expect:"); /* no 100-continue round trip */
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, json);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(json));
    }
    CURLcode rc = curl_easy_perform(h);
    long status = -1;
    if (rc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    else if (report)
        fprintf(stderr, "sp_test_collector: %s %s: %s\n", method, url, curl_easy_strerror(rc));
    /* The handle keeps pointers to these: drop them before the lock goes. */
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, NULL);
    pthread_mutex_unlock(&c->mu);
    curl_slist_free_all(headers);
    return (int)status;
}

static cJSON *get_json(sp_test_collector *c, const char *path, int report)
{
    body_buf body = {NULL, 0, 0};
    int status = request(c, "GET", path, NULL, &body, report);
    cJSON *doc = NULL;
    if (status == 200) {
        doc = cJSON_Parse(body.data ? body.data : "");
        if (!doc && report)
            fprintf(stderr, "sp_test_collector: GET %s: answer is not JSON: %.200s\n", path,
                    body.data ? body.data : "");
    } else if (status != -1 && report) {
        fprintf(stderr, "sp_test_collector: GET %s: status %d: %.200s\n", path, status,
                body.data ? body.data : "");
    }
    free(body.data);
    return doc;
}

cJSON *sp_test_collector_get(sp_test_collector *c, const char *path)
{
    return get_json(c, path, 1);
}

int sp_test_collector_post(sp_test_collector *c, const char *path, const char *json)
{
    body_buf body = {NULL, 0, 0};
    int status = request(c, "POST", path, json ? json : "", &body, 1);
    free(body.data);
    return status;
}

int sp_test_collector_wait_total(sp_test_collector *c, long good, long bad, int timeout_ms)
{
    long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    long got_good = -1, got_bad = -1;
    for (;;) {
        cJSON *all = get_json(c, "/micro/all", 0);
        if (all) {
            cJSON *g = cJSON_GetObjectItemCaseSensitive(all, "good");
            cJSON *b = cJSON_GetObjectItemCaseSensitive(all, "bad");
            got_good = cJSON_IsNumber(g) ? (long)g->valuedouble : -1;
            got_bad = cJSON_IsNumber(b) ? (long)b->valuedouble : -1;
            cJSON_Delete(all);
            if (got_good >= good && got_bad >= bad)
                return 0;
        }
        if (now_ms() >= deadline) {
            fprintf(stderr, "sp_test_collector: waited %d ms for good>=%ld bad>=%ld; "
                            "collector has good=%ld bad=%ld\n",
                    timeout_ms, good, bad, got_good, got_bad);
            return -1;
        }
        sleep_ms(POLL_MS);
    }
}

void sp_test_collector_reset(sp_test_collector *c)
{
    int status = sp_test_collector_post(c, "/micro/reset", "{}");
    if (status != 200)
        fprintf(stderr, "sp_test_collector: reset answered %d\n", status);
}

int sp_test_collector_fault(sp_test_collector *c, const char *json)
{
    body_buf body = {NULL, 0, 0};
    int status = request(c, "POST", "/micro/fault", json ? json : "{}", &body, 1);
    if (status != 200 && status != -1)
        fprintf(stderr, "sp_test_collector: fault %s refused (%d): %.300s\n", json, status,
                body.data ? body.data : "");
    free(body.data);
    return status == 200 ? 0 : -1;
}

int sp_test_dead_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd == -1) {
        fprintf(stderr, "sp_test_dead_port: socket: %s\n", strerror(errno));
        return -1;
    }
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    int port = -1;
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) == 0 &&
        getsockname(fd, (struct sockaddr *)&addr, &len) == 0)
        port = ntohs(addr.sin_port);
    else
        fprintf(stderr, "sp_test_dead_port: bind: %s\n", strerror(errno));
    close(fd); /* never listened: connecting to it is refused */
    return port;
}
