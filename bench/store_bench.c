/*
 * Throughput of the persistent store (core/src/store/store.h) as the emitter uses it:
 * events written in groups (sp_store_put_many), then deleted in groups once
 * "sent" (sp_store_delete_many), plus the steady state where each sync writes
 * one group and deletes the previous one, and reading a backlog back.
 *
 *   store_bench [EVENTS [GROUP [DIRECTORY]]]     defaults: 200000 1000 /tmp
 *
 * The events are made before the clock starts: realistic page views of about
 * 600 bytes (the JSON object of their fields, without stm), random eids.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "event/payload.h"
#include "snowplow.h"
#include "store/store.h"
#include "util/strbuf.h"
#include "util/text.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "store_bench: %s: %s\n", what, snowplow_error_last());
    exit(1);
}

static char *page_view_json(const char *eid, long n, size_t *len)
{
    sp_payload *p = sp_payload_new();
    sp_strbuf b = SP_STRBUF_INIT;
    char url[128];
    snprintf(url, sizeof url, "https://shop.example.com/products/%ld?utm_source=bench", n);
    if (!p || sp_payload_add(p, "e", "pv") || sp_payload_add(p, "eid", eid) ||
        sp_payload_add(p, "tv", "c-0.1.0") || sp_payload_add(p, "p", "srv") ||
        sp_payload_add(p, "aid", "store-bench") || sp_payload_add(p, "tna", "bench") ||
        sp_payload_add_int(p, "dtm", 1700000000000 + n) || sp_payload_add(p, "url", url) ||
        sp_payload_add(p, "page", "Produkt \xc3\xbc\x62\x65rsicht \xe2\x80\x93 Example Shop") ||
        sp_payload_add(p, "refr", "https://www.example.org/search?q=shoes") ||
        sp_payload_add(p, "uid", "user-1234567") ||
        sp_payload_add(p, "ua", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 "
                                "(KHTML, like Gecko) Chrome/120.0 Safari/537.36") ||
        sp_payload_add(p, "res", "1920x1080") || sp_payload_add(p, "lang", "de-DE") ||
        sp_payload_add(p, "cx", "eyJzY2hlbWEiOiJpZ2x1OmNvbS5zbm93cGxvd2FuYWx5dGljcy5zbm93cGxvdy9"
                                "jb250ZXh0cy9qc29uc2NoZW1hLzEtMC0wIiwiZGF0YSI6W3sic2NoZW1hIjoiaW"
                                "dsdTpjb20uZXhhbXBsZS9wYWdlLzEtMC0wIiwiZGF0YSI6eyJpZCI6NDJ9fV19") ||
        sp_payload_to_json(p, &b)) {
        fprintf(stderr, "store_bench: out of memory\n");
        exit(1);
    }
    sp_payload_free(p);
    *len = b.len;
    return sp_strbuf_detach(&b);
}

/* CPU time of the whole process: on a busy machine a steadier measure than
 * the wall clock (which also counts fsync waits at checkpoints). */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct phase {
    double wall, cpu;
} phase;

static phase phase_start(void)
{
    return (phase){now_s(), cpu_s()};
}

static void report(const char *name, size_t events, phase start)
{
    double wall = now_s() - start.wall, cpu = cpu_s() - start.cpu;
    printf("%-32s %7zu events %7.3f s %9.0f events/s   cpu %6.3f s %9.0f events/cpu-s\n", name,
           events, wall, wall > 0 ? (double)events / wall : 0.0, cpu,
           cpu > 0 ? (double)events / cpu : 0.0);
}

static void put_all(sp_store *s, const sp_store_event *evs, size_t n, size_t group)
{
    for (size_t i = 0; i < n; i += group) {
        size_t k = n - i < group ? n - i : group;
        size_t added = 0;
        if (sp_store_put_many(s, evs + i, k, &added) != 0 || added != k)
            die("put");
    }
}

static void delete_all(sp_store *s, const char *const *eids, size_t n, size_t group)
{
    for (size_t i = 0; i < n; i += group) {
        size_t k = n - i < group ? n - i : group;
        size_t removed = 0;
        if (sp_store_delete_many(s, eids + i, k, &removed) != 0 || removed != k)
            die("delete");
    }
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 200000;
    size_t group = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000;
    const char *dir = argc > 3 ? argv[3] : "/tmp";
    if (n == 0 || group == 0) {
        fprintf(stderr, "usage: store_bench [EVENTS [GROUP [DIRECTORY]]]\n");
        return 2;
    }
    if (!sp_store_available()) {
        fprintf(stderr, "store_bench: built without SQLite\n");
        return 1;
    }
    char path[512];
    snprintf(path, sizeof path, "%s/store_bench_%ld.db", dir, (long)getpid());

    sp_store_event *evs = calloc(n, sizeof *evs);
    const char **eids = calloc(n, sizeof *eids);
    if (!evs || !eids)
        die("calloc");
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++) {
        sp_uuid_v4(evs[i].eid);
        evs[i].created_ms = sp_now_ms();
        evs[i].payload_json = page_view_json(evs[i].eid, (long)i, &evs[i].len);
        eids[i] = evs[i].eid;
        bytes += evs[i].len;
    }
    printf("store_bench: %zu events of %zu bytes on average, groups of %zu, SQLite %s, %s\n", n,
           bytes / n, group, sqlite3_libversion(), path);

    sp_store *s = NULL;
    if (sp_store_open(&s, path, "store_bench") != 0)
        die("open");

    phase t = phase_start();
    put_all(s, evs, n, group);
    report("put_many (store grows)", n, t);

    struct stat st;
    char wal[600];
    snprintf(wal, sizeof wal, "%s-wal", path);
    long long db_size = stat(path, &st) == 0 ? (long long)st.st_size : -1;
    long long wal_size = stat(wal, &st) == 0 ? (long long)st.st_size : -1;

    size_t loaded = 0;
    int64_t after = 0;
    t = phase_start();
    for (;;) {
        sp_store_event *page = NULL;
        size_t k = 0;
        if (sp_store_load(s, &page, &k, group, after, 0) != 0)
            die("load");
        if (k == 0)
            break;
        loaded += k;
        after = page[k - 1].id;
        sp_store_events_free(page, k);
    }
    if (loaded != n)
        die("load count");
    report("load (pages of one group)", n, t);

    t = phase_start();
    delete_all(s, eids, n, group);
    report("delete_many (store shrinks)", n, t);

    /* The emitter's rhythm: each sync writes the new group and deletes the one
     * the collector has accepted since. */
    t = phase_start();
    for (size_t i = 0; i < n; i += group) {
        size_t k = n - i < group ? n - i : group;
        if (sp_store_put_many(s, evs + i, k, NULL) != 0)
            die("put");
        if (i >= group && sp_store_delete_many(s, eids + i - group, group, NULL) != 0)
            die("delete");
    }
    size_t last = n % group ? n % group : group;
    if (sp_store_delete_many(s, eids + n - last, last, NULL) != 0)
        die("delete");
    report("steady: put + delete each group", n, t);
    if (sp_store_count(s) != 0)
        die("count after steady state");

    sp_store_close(s);
    printf("file after the first put: %lld bytes, WAL %lld bytes\n", db_size, wal_size);
    unlink(path);
    unlink(wal);
    for (size_t i = 0; i < n; i++)
        free(evs[i].payload_json);
    free(evs);
    free(eids);
    return 0;
}
