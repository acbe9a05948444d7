/* The persistent event store (core/src/store/store.h): SQLite file, groups, limits, errors. */
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

#include <pthread.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Each test gets a fresh directory; `path` is the store file inside it. */
typedef sp_test_tmpdir fixture;

static sp_store *open_ok(const fixture *f)
{
    sp_store *s = NULL;
    int rc = sp_store_open(&s, f->path, "test");
    if (rc != 0)
        print_error("open failed: %s\n", snowplow_error_last());
    assert_int_equal(rc, 0);
    assert_non_null(s);
    return s;
}

static sp_store_event make_event(const char *eid, int64_t created_ms, const char *payload)
{
    sp_store_event ev;
    memset(&ev, 0, sizeof ev);
    snprintf(ev.eid, sizeof ev.eid, "%s", eid);
    ev.created_ms = created_ms;
    ev.payload_json = (char *)payload;
    ev.len = strlen(payload);
    return ev;
}

/* Put `n` events named PREFIX-0000.. with created_ms first_ms, first_ms + 1, ... */
static void put_numbered(sp_store *s, const char *prefix, int first, int n, int64_t first_ms)
{
    sp_store_event *evs = calloc((size_t)n, sizeof *evs);
    char (*payloads)[64] = calloc((size_t)n, 64);
    assert_non_null(evs);
    assert_non_null(payloads);
    for (int i = 0; i < n; i++) {
        char eid[37];
        snprintf(eid, sizeof eid, "%s-%04d", prefix, first + i);
        snprintf(payloads[i], 64, "{\"e\":\"pv\",\"eid\":\"%s\"}", eid);
        evs[i] = make_event(eid, first_ms + i, payloads[i]);
    }
    size_t added = 0;
    assert_int_equal(sp_store_put_many(s, evs, (size_t)n, &added), 0);
    assert_int_equal(added, n);
    free(payloads);
    free(evs);
}

static void load_all(sp_store *s, sp_store_event **out, size_t *n)
{
    int rc = sp_store_load(s, out, n, 0, 0, 0);
    if (rc != 0)
        print_error("load failed: %s\n", snowplow_error_last());
    assert_int_equal(rc, 0);
}

static void assert_contains(const char *text, const char *part)
{
    if (!strstr(text, part))
        fail_msg("'%s' does not contain '%s'", text, part);
}

/* ------------------------------------------------------------------ round trip */

static void test_round_trip_unicode(void **state)
{
    fixture *f = *state;
    sp_store *s = open_ok(f);
    assert_int_equal(sp_store_count(s), 0);

    static const char p1[] = "{\"e\":\"se\",\"se_ca\":\"caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\"}";
    static const char p2[] = "{\"e\":\"pv\",\"page\":\"\xf0\x9f\x98\x80 \\\"quoted\\\" \\\\ \"}";
    /* The store keeps bytes, not C strings: an embedded NUL survives. */
    static const char p3[] = "{\"e\":\"ue\",\"x\":\"a\0b\"}";
    sp_store_event evs[3] = {
        make_event("11111111-1111-4111-8111-111111111111", 1700000000001, p1),
        make_event("22222222-2222-4222-8222-222222222222", 1700000000002, p2),
        make_event("33333333-3333-4333-8333-333333333333", 1700000000003, p3),
    };
    evs[2].len = sizeof p3 - 1;
    evs[1].attempts = 4;
    size_t added = 0;
    assert_int_equal(sp_store_put_many(s, evs, 3, &added), 0);
    assert_int_equal(added, 3);
    assert_int_equal(sp_store_count(s), 3);

    sp_store_event *got = NULL;
    size_t n = 0;
    load_all(s, &got, &n);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(got[i].eid, evs[i].eid);
        assert_int_equal(got[i].created_ms, evs[i].created_ms);
        assert_int_equal(got[i].attempts, evs[i].attempts);
        assert_int_equal(got[i].len, evs[i].len);
        assert_memory_equal(got[i].payload_json, evs[i].payload_json, evs[i].len);
        assert_int_equal(got[i].payload_json[got[i].len], '\0');
        if (i > 0)
            assert_true(got[i].id > got[i - 1].id);
    }
    sp_store_events_free(got, n);

    const char *gone[] = {evs[0].eid, evs[2].eid, "not-stored"};
    size_t removed = 0;
    assert_int_equal(sp_store_delete_many(s, gone, 3, &removed), 0);
    assert_int_equal(removed, 2);
    assert_int_equal(sp_store_count(s), 1);
    load_all(s, &got, &n);
    assert_int_equal(n, 1);
    assert_string_equal(got[0].eid, evs[1].eid);
    assert_string_equal(got[0].payload_json, p2);
    sp_store_events_free(got, n);

    /* Deleting what is gone already is harmless. */
    assert_int_equal(sp_store_delete_many(s, gone, 3, &removed), 0);
    assert_int_equal(removed, 0);
    sp_store_close(s);
}

/* Empty and large payloads; groups of nothing are no-ops. */
static void test_payload_sizes_and_empty_groups(void **state)
{
    fixture *f = *state;
    sp_store *s = open_ok(f);
    size_t big_len = 1u << 20;
    char *big = malloc(big_len + 1);
    assert_non_null(big);
    for (size_t i = 0; i < big_len; i++)
        big[i] = (char)('a' + i % 26);
    big[big_len] = '\0';
    sp_store_event evs[2] = {make_event("empty", 1, ""), make_event("big", 2, big)};
    assert_int_equal(sp_store_put_many(s, evs, 2, NULL), 0);
    assert_int_equal(sp_store_put_many(s, NULL, 0, NULL), 0);
    assert_int_equal(sp_store_delete_many(s, NULL, 0, NULL), 0);

    sp_store_event *got = NULL;
    size_t n = 0;
    load_all(s, &got, &n);
    assert_int_equal(n, 2);
    assert_int_equal(got[0].len, 0);
    assert_string_equal(got[0].payload_json, "");
    assert_int_equal(got[1].len, big_len);
    assert_memory_equal(got[1].payload_json, big, big_len);
    sp_store_events_free(got, n);
    free(big);
    sp_store_close(s);
}

/* Putting an eid again keeps the first copy and counts nothing new. */
static void test_duplicate_eid_ignored(void **state)
{
    fixture *f = *state;
    sp_store *s = open_ok(f);
    sp_store_event a = make_event("aaaa", 10, "{\"v\":\"first\"}");
    assert_int_equal(sp_store_put_many(s, &a, 1, NULL), 0);
    sp_store_event again[3] = {make_event("aaaa", 20, "{\"v\":\"second\"}"),
                               make_event("bbbb", 30, "{\"v\":\"b\"}"),
                               make_event("bbbb", 40, "{\"v\":\"b twice in one group\"}")};
    size_t added = 99;
    assert_int_equal(sp_store_put_many(s, again, 3, &added), 0);
    assert_int_equal(added, 1);
    assert_int_equal(sp_store_count(s), 2);

    sp_store_event *got = NULL;
    size_t n = 0;
    load_all(s, &got, &n);
    assert_int_equal(n, 2);
    assert_string_equal(got[0].eid, "aaaa");
    assert_string_equal(got[0].payload_json, "{\"v\":\"first\"}");
    assert_int_equal(got[0].created_ms, 10);
    assert_string_equal(got[1].eid, "bbbb");
    assert_string_equal(got[1].payload_json, "{\"v\":\"b\"}");
    sp_store_events_free(got, n);
    sp_store_close(s);
}

/* ------------------------------------------------------------------ ordering */

/* Oldest first means first stored, whatever created_ms says; pages follow on. */
static void test_oldest_first_in_pages(void **state)
{
    fixture *f = *state;
    sp_store *s = open_ok(f);
    /* Three groups; created_ms decreasing, so an order by time would differ. */
    put_numbered(s, "g", 0, 4, 9000);
    put_numbered(s, "g", 4, 4, 5000);
    put_numbered(s, "g", 8, 3, 1000);

    int64_t after = 0;
    int seen = 0;
    for (;;) {
        sp_store_event *page = NULL;
        size_t n = 0;
        assert_int_equal(sp_store_load(s, &page, &n, 3, after, 0), 0);
        if (n == 0) {
            assert_null(page);
            break;
        }
        assert_true(n <= 3);
        for (size_t i = 0; i < n; i++) {
            char want[37];
            snprintf(want, sizeof want, "g-%04d", seen++);
            assert_string_equal(page[i].eid, want);
        }
        after = page[n - 1].id;
        sp_store_events_free(page, n);
    }
    assert_int_equal(seen, 11);
    sp_store_close(s);
}

/* Ids are never reused, so the backlog found at open stays apart from new events. */
static void test_backlog_end_after_reopen(void **state)
{
    fixture *f = *state;
    sp_store *s = open_ok(f);
    assert_int_equal(sp_store_backlog_end(s), 1);
    put_numbered(s, "old", 0, 3, 100);
    sp_store_close(s);

    s = open_ok(f);
    int64_t end = sp_store_backlog_end(s);
    sp_store_event *old = NULL;
    size_t n = 0;
    assert_int_equal(sp_store_load(s, &old, &n, 0, 0, end), 0);
    assert_int_equal(n, 3);
    assert_true(old[2].id < end);

    /* Send the backlog (delete it), then track new events: they must not look old. */
    const char *eids[3] = {old[0].eid, old[1].eid, old[2].eid};
    assert_int_equal(sp_store_delete_many(s, eids, 3, NULL), 0);
    sp_store_events_free(old, n);
    put_numbered(s, "new", 0, 2, 200);

    sp_store_event *got = NULL;
    assert_int_equal(sp_store_load(s, &got, &n, 0, 0, end), 0);
    assert_int_equal(n, 0);
    assert_null(got);
    assert_int_equal(sp_store_load(s, &got, &n, 0, end - 1, 0), 0);
    assert_int_equal(n, 2);
    assert_string_equal(got[0].eid, "new-0000");
    assert_true(got[0].id >= end);
    sp_store_events_free(got, n);
    sp_store_close(s);
}

/* ------------------------------------------------------------------ limits */

typedef struct drops {
    char eids[2048][37];
    size_t n;
    int calls;
    char reason[64];
} drops;

static void record_drops(void *user, const sp_store_event *events, size_t n, const char *reason)
{
    drops *d = user;
    d->calls++;
    snprintf(d->reason, sizeof d->reason, "%s", reason);
    for (size_t i = 0; i < n && d->n < 2048; i++) {
        assert_non_null(events[i].payload_json);
        assert_non_null(strstr(events[i].payload_json, events[i].eid));
        memcpy(d->eids[d->n++], events[i].eid, 37);
    }
}

static void test_limit_max_events_drops_oldest(void **state)
{
    fixture *f = *state;
    sp_store *s = open_ok(f);
    put_numbered(s, "e", 0, 10, 1000);
    drops *d = calloc(1, sizeof *d);
    size_t dropped = 0;
    assert_int_equal(sp_store_enforce_limits(s, 4, 0, 5000, record_drops, d, &dropped), 0);
    assert_int_equal(dropped, 6);
    assert_int_equal(d->n, 6);
    assert_string_equal(d->reason, SP_STORE_REASON_MAX_EVENTS);
    for (int i = 0; i < 6; i++) {
        char want[37];
        snprintf(want, sizeof want, "e-%04d", i);
        assert_string_equal(d->eids[i], want);
    }
    assert_int_equal(sp_store_count(s), 4);
    sp_store_event *got = NULL;
    size_t n = 0;
    load_all(s, &got, &n);
    assert_int_equal(n, 4);
    assert_string_equal(got[0].eid, "e-0006");
    assert_string_equal(got[3].eid, "e-0009");
    sp_store_events_free(got, n);

    /* Within the limits nothing happens. */
    memset(d, 0, sizeof *d);
    assert_int_equal(sp_store_enforce_limits(s, 4, 0, 5000, record_drops, d, &dropped), 0);
    assert_int_equal(dropped, 0);
    assert_int_equal(d->calls, 0);
    free(d);
    sp_store_close(s);
}

static void test_limit_max_age_drops_old(void **state)
{
    fixture *f = *state;
    sp_store *s = open_ok(f);
    sp_store_event evs[5] = {
        make_event("t100", 100, "{\"eid\":\"t100\"}"), make_event("t5000", 5000, "{\"eid\":\"t5000\"}"),
        make_event("t200", 200, "{\"eid\":\"t200\"}"), make_event("t6000", 6000, "{\"eid\":\"t6000\"}"),
        make_event("t300", 300, "{\"eid\":\"t300\"}")};
    assert_int_equal(sp_store_put_many(s, evs, 5, NULL), 0);
    drops *d = calloc(1, sizeof *d);
    size_t dropped = 0;
    /* now 7000, max age 2000: created before 5000 goes; 5000 itself stays. */
    assert_int_equal(sp_store_enforce_limits(s, 0, 2000, 7000, record_drops, d, &dropped), 0);
    assert_int_equal(dropped, 3);
    assert_int_equal(d->n, 3);
    assert_string_equal(d->eids[0], "t100");
    assert_string_equal(d->eids[1], "t200");
    assert_string_equal(d->eids[2], "t300");
    assert_string_equal(d->reason, SP_STORE_REASON_MAX_AGE);
    assert_int_equal(sp_store_count(s), 2);
    /* Without a callback the drop still happens and is counted. */
    assert_int_equal(sp_store_enforce_limits(s, 0, 1, 7000, NULL, NULL, &dropped), 0);
    assert_int_equal(dropped, 2);
    assert_int_equal(sp_store_count(s), 0);
    free(d);
    sp_store_close(s);
}

/* Many drops come in several groups, oldest first, age before count. */
static void test_limits_in_groups(void **state)
{
    fixture *f = *state;
    sp_store *s = open_ok(f);
    put_numbered(s, "m", 0, 1200, 10000); /* created 10000 .. 11199 */
    drops *d = calloc(1, sizeof *d);
    size_t dropped = 0;
    /* Age drops 0..99 (created < 10100), then count leaves the newest 300. */
    assert_int_equal(sp_store_enforce_limits(s, 300, 1000, 11100, record_drops, d, &dropped), 0);
    assert_int_equal(dropped, 900);
    assert_int_equal(d->n, 900);
    assert_true(d->calls >= 900 / SP_STORE_DROP_GROUP + 1);
    for (int i = 0; i < 900; i++) {
        char want[37];
        snprintf(want, sizeof want, "m-%04d", i);
        assert_string_equal(d->eids[i], want);
    }
    assert_int_equal(sp_store_count(s), 300);
    free(d);
    sp_store_close(s);
}

/* The callback runs after the commit and without the store's lock: it may use the store. */
static void reentrant_drop(void *user, const sp_store_event *events, size_t n, const char *reason)
{
    (void)reason;
    sp_store *s = user;
    assert_int_equal(n, 3);
    assert_int_equal(sp_store_count(s), 0); /* already deleted and committed */
    sp_store_event again = make_event(events[0].eid, 5000, "{\"back\":\"1\"}");
    size_t added = 0;
    assert_int_equal(sp_store_put_many(s, &again, 1, &added), 0);
    assert_int_equal(added, 1);
}

static void test_limits_callback_may_use_store(void **state)
{
    fixture *f = *state;
    sp_store *s = open_ok(f);
    put_numbered(s, "r", 0, 3, 100);
    size_t dropped = 0;
    assert_int_equal(sp_store_enforce_limits(s, 0, 10, 1000, reentrant_drop, s, &dropped), 0);
    assert_int_equal(dropped, 3);
    assert_int_equal(sp_store_count(s), 1);
    sp_store_event *got = NULL;
    size_t n = 0;
    load_all(s, &got, &n);
    assert_int_equal(n, 1);
    assert_string_equal(got[0].eid, "r-0000");
    assert_string_equal(got[0].payload_json, "{\"back\":\"1\"}");
    sp_store_events_free(got, n);
    sp_store_close(s);
}

/* ------------------------------------------------------------------ attempts, reopen */

static void test_attempts_persist(void **state)
{
    fixture *f = *state;
    sp_store *s = open_ok(f);
    put_numbered(s, "a", 0, 2, 1);
    const char *one[] = {"a-0001"};
    assert_int_equal(sp_store_add_attempt(s, one, 1), 0);
    assert_int_equal(sp_store_add_attempt(s, one, 1), 0);
    const char *unknown[] = {"zzz"};
    assert_int_equal(sp_store_add_attempt(s, unknown, 1), 0);
    sp_store_close(s);

    s = open_ok(f);
    assert_int_equal(sp_store_count(s), 2);
    sp_store_event *got = NULL;
    size_t n = 0;
    load_all(s, &got, &n);
    assert_int_equal(n, 2);
    assert_int_equal(got[0].attempts, 0);
    assert_int_equal(got[1].attempts, 2);
    sp_store_events_free(got, n);
    sp_store_close(s);
}

static void test_reopen_keeps_events(void **state)
{
    fixture *f = *state;
    sp_store *s = open_ok(f);
    put_numbered(s, "k", 0, 50, 1000);
    const char *gone[] = {"k-0007", "k-0042"};
    assert_int_equal(sp_store_delete_many(s, gone, 2, NULL), 0);
    sp_store_close(s);
    /* WAL mode: the -wal file is checkpointed and removed at close. */
    char wal[128];
    snprintf(wal, sizeof wal, "%s-wal", f->path);
    assert_int_not_equal(access(wal, F_OK), 0);

    s = open_ok(f);
    assert_int_equal(sp_store_count(s), 48);
    sp_store_event *got = NULL;
    size_t n = 0;
    load_all(s, &got, &n);
    assert_int_equal(n, 48);
    assert_string_equal(got[0].eid, "k-0000");
    assert_string_equal(got[7].eid, "k-0008");
    assert_string_equal(got[47].eid, "k-0049");
    assert_string_equal(got[47].payload_json, "{\"e\":\"pv\",\"eid\":\"k-0049\"}");
    sp_store_events_free(got, n);
    sp_store_close(s);
}

/* ------------------------------------------------------------------ bad files */

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

static void expect_open_fails(const char *path, const char *reason_part)
{
    sp_store *s = (sp_store *)&s; /* must come back NULL */
    snowplow_error_clear();
    assert_int_equal(sp_store_open(&s, path, "snowplow_emitter_new"), SNOWPLOW_ESTORE);
    assert_null(s);
    assert_int_equal(snowplow_error_last_code(), SNOWPLOW_ESTORE);
    const char *msg = snowplow_error_last();
    assert_contains(msg, "snowplow_emitter_new: store '");
    assert_contains(msg, path);
    if (reason_part)
        assert_contains(msg, reason_part);
}

static void test_corrupt_file(void **state)
{
    fixture *f = *state;
    unsigned char junk[8192];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof junk; i++) {
        x = x * 1103515245u + 12345u;
        junk[i] = (unsigned char)(x >> 16);
    }
    write_file(f->path, junk, sizeof junk);
    expect_open_fails(f->path, "not a database");

    /* The file is left as it was, and no WAL appeared beside it. */
    unsigned char back[sizeof junk + 1];
    FILE *fp = fopen(f->path, "rb");
    assert_non_null(fp);
    assert_int_equal(fread(back, 1, sizeof back, fp), sizeof junk);
    fclose(fp);
    assert_memory_equal(back, junk, sizeof junk);
    char wal[128];
    snprintf(wal, sizeof wal, "%s-wal", f->path);
    assert_int_not_equal(access(wal, F_OK), 0);

    /* A short text file is no database either. */
    write_file(f->path, "hello, not sqlite\n", 18);
    expect_open_fails(f->path, "not a database");
}

/* A real store whose pages were overwritten: an error, wherever it is met, never a crash. */
static void test_damaged_store(void **state)
{
    fixture *f = *state;
    sp_store *s = open_ok(f);
    for (int g = 0; g < 10; g++)
        put_numbered(s, "d", g * 200, 200, 0);
    sp_store_close(s);

    FILE *fp = fopen(f->path, "r+b");
    assert_non_null(fp);
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    long size = ftell(fp);
    assert_true(size > 8 * 4096);
    char garbage[4096];
    memset(garbage, 0xA5, sizeof garbage);
    for (long off = 4096; off + 4096 <= size; off += 4096) {
        assert_int_equal(fseek(fp, off, SEEK_SET), 0);
        assert_int_equal(fwrite(garbage, 1, sizeof garbage, fp), sizeof garbage);
    }
    assert_int_equal(fclose(fp), 0);

    int rc = sp_store_open(&s, f->path, "test");
    if (rc == 0) {
        sp_store_event *got = NULL;
        size_t n = 0;
        rc = sp_store_load(s, &got, &n, 0, 0, 0);
        assert_null(got);
        sp_store_close(s);
    }
    assert_int_equal(rc, SNOWPLOW_ESTORE);
    assert_contains(snowplow_error_last(), f->path);
}

static void test_directory_path(void **state)
{
    fixture *f = *state;
    expect_open_fails(f->dir, "it is a directory");
    char sub[128];
    snprintf(sub, sizeof sub, "%s/sub.db", f->dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    expect_open_fails(sub, "it is a directory");
}

static void test_unwritable_paths(void **state)
{
    fixture *f = *state;
    expect_open_fails("/proc/x/y", "unable to open database file: its directory cannot be reached");
    char missing[128];
    snprintf(missing, sizeof missing, "%s/no/such/dir/events.db", f->dir);
    expect_open_fails(missing, "No such file or directory");
    /* A "directory" that is a file. */
    char plain[128], under_plain[160];
    snprintf(plain, sizeof plain, "%s/plain-file", f->dir);
    write_file(plain, "x", 1);
    snprintf(under_plain, sizeof under_plain, "%s/events.db", plain);
    expect_open_fails(under_plain, "Not a directory");
}

/* Files and directories this process may not write (checked as "nobody" when
 * the tests run as root, who may write anything). */
static void test_permission_denied(void **state)
{
    fixture *f = *state;
    char ro_file[128], ro_dir[128], in_ro_dir[160];
    snprintf(ro_file, sizeof ro_file, "%s/readonly.db", f->dir);
    snprintf(ro_dir, sizeof ro_dir, "%s/readonly-dir", f->dir);
    snprintf(in_ro_dir, sizeof in_ro_dir, "%s/events.db", ro_dir);
    sp_store *s = NULL;
    assert_int_equal(sp_store_open(&s, ro_file, "test"), 0);
    sp_store_close(s);
    assert_int_equal(chmod(ro_file, 0444), 0);
    assert_int_equal(mkdir(ro_dir, 0555), 0);
    assert_int_equal(chmod(f->dir, 0755), 0);

    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (getuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
            _exit(10);
        int code = 0;
        s = NULL;
        if (sp_store_open(&s, ro_file, "fn") != SNOWPLOW_ESTORE || s)
            code |= 1;
        if (!strstr(snowplow_error_last(), "read-only"))
            code |= 2;
        if (sp_store_open(&s, in_ro_dir, "fn") != SNOWPLOW_ESTORE)
            code |= 4;
        if (!strstr(snowplow_error_last(), "cannot create it in its directory: Permission denied"))
            code |= 8;
        if (code)
            fprintf(stderr, "child: %s\n", snowplow_error_last());
        _exit(code);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    /* Nothing was created in the read-only directory; the file is still a good store. */
    assert_int_not_equal(access(in_ro_dir, F_OK), 0);
    assert_int_equal(chmod(ro_file, 0644), 0);
    assert_int_equal(sp_store_open(&s, ro_file, "test"), 0);
    sp_store_close(s);
}

static void exec_sql(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
        fail_msg("%s: %s", sql, err);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/* Someone else's SQLite database is refused and left alone. */
static void test_foreign_database(void **state)
{
    fixture *f = *state;
    exec_sql(f->path, "CREATE TABLE users(name TEXT); INSERT INTO users VALUES('ann');");
    expect_open_fails(f->path, "not a libsnowplow store");
    exec_sql(f->path, "SELECT name FROM users;");

    /* Another application's id as well. */
    char other[128];
    snprintf(other, sizeof other, "%s/other.db", f->dir);
    exec_sql(other, "PRAGMA application_id = 7;");
    expect_open_fails(other, "application_id 0x00000007");
}

static void test_newer_schema(void **state)
{
    fixture *f = *state;
    sp_store_close(open_ok(f));
    exec_sql(f->path, "UPDATE snowplow_schema SET version = 99;");
    expect_open_fails(f->path, "newer libsnowplow");
}

/* A second opener of a file in use is refused (exclusive lock), not let in to resend. */
static void test_second_opener_refused(void **state)
{
    fixture *f = *state;
    sp_store *s = open_ok(f);
    put_numbered(s, "x", 0, 2, 1);
    expect_open_fails(f->path, "locked");
    /* The first one goes on working, and the file opens again once it is closed. */
    put_numbered(s, "x", 2, 2, 1);
    sp_store_close(s);
    s = open_ok(f);
    assert_int_equal(sp_store_count(s), 4);
    sp_store_close(s);
}

/* ------------------------------------------------------------------ atomic groups */

/* A failure in the middle of a group leaves nothing of it. */
static void test_group_is_all_or_nothing(void **state)
{
    fixture *f = *state;
    sp_store_close(open_ok(f));
    exec_sql(f->path, "CREATE TRIGGER poison BEFORE INSERT ON events WHEN NEW.eid = 'poison'"
                      " BEGIN SELECT RAISE(ABORT, 'poisoned row'); END;");
    sp_store *s = open_ok(f);
    sp_store_event evs[4] = {make_event("ok-1", 1, "{}"), make_event("ok-2", 2, "{}"),
                             make_event("poison", 3, "{}"), make_event("ok-3", 4, "{}")};
    size_t added = 7;
    assert_int_equal(sp_store_put_many(s, evs, 4, &added), SNOWPLOW_ESTORE);
    assert_int_equal(added, 0);
    assert_contains(snowplow_error_last(), "poisoned row");
    assert_int_equal(sp_store_count(s), 0);
    sp_store_event *got = NULL;
    size_t n = 9;
    load_all(s, &got, &n);
    assert_int_equal(n, 0);
    /* The store is still usable afterwards. */
    assert_int_equal(sp_store_put_many(s, evs, 2, &added), 0);
    assert_int_equal(added, 2);
    sp_store_close(s);
}

static void test_bad_arguments(void **state)
{
    fixture *f = *state;
    sp_store *s = NULL;
    assert_int_equal(sp_store_open(NULL, f->path, "fn"), SNOWPLOW_EINVAL);
    assert_int_equal(sp_store_open(&s, NULL, "fn"), SNOWPLOW_EINVAL);
    assert_contains(snowplow_error_last(), "fn: store path: NULL");
    assert_int_equal(sp_store_open(&s, "", NULL), SNOWPLOW_EINVAL);
    assert_null(s);

    sp_store_event ev = make_event("e", 1, "{}");
    const char *eids[] = {"e", NULL};
    sp_store_event *got = NULL;
    size_t n = 0;
    assert_int_equal(sp_store_put_many(NULL, &ev, 1, NULL), SNOWPLOW_EINVAL);
    assert_int_equal(sp_store_delete_many(NULL, eids, 1, NULL), SNOWPLOW_EINVAL);
    assert_int_equal(sp_store_add_attempt(NULL, eids, 1), SNOWPLOW_EINVAL);
    assert_int_equal(sp_store_load(NULL, &got, &n, 0, 0, 0), SNOWPLOW_EINVAL);
    assert_int_equal(sp_store_enforce_limits(NULL, 1, 0, 0, NULL, NULL, NULL), SNOWPLOW_EINVAL);
    assert_int_equal(sp_store_count(NULL), 0);
    sp_store_close(NULL);

    s = open_ok(f);
    /* An invalid event anywhere in a group: nothing of the group is written. */
    sp_store_event group[3] = {make_event("v1", 1, "{}"), make_event("v2", 2, "{}"),
                               make_event("", 3, "{}")};
    assert_int_equal(sp_store_put_many(s, group, 3, NULL), SNOWPLOW_EINVAL);
    assert_contains(snowplow_error_last(), "events[2].eid: empty");
    group[2] = make_event("v3", 3, "{}");
    memset(group[2].eid, 'x', sizeof group[2].eid);
    assert_int_equal(sp_store_put_many(s, group, 3, NULL), SNOWPLOW_EINVAL);
    assert_contains(snowplow_error_last(), "not NUL-terminated");
    group[2] = make_event("v3", 3, "{}");
    group[2].payload_json = NULL;
    assert_int_equal(sp_store_put_many(s, group, 3, NULL), SNOWPLOW_EINVAL);
    group[2] = make_event("v3", 3, "{}");
    group[2].attempts = -1;
    assert_int_equal(sp_store_put_many(s, group, 3, NULL), SNOWPLOW_EINVAL);
    assert_int_equal(sp_store_put_many(s, NULL, 2, NULL), SNOWPLOW_EINVAL);
    assert_int_equal(sp_store_count(s), 0);

    assert_int_equal(sp_store_delete_many(s, eids, 2, NULL), SNOWPLOW_EINVAL);
    assert_contains(snowplow_error_last(), "eids[1]: NULL");
    assert_int_equal(sp_store_delete_many(s, NULL, 1, NULL), SNOWPLOW_EINVAL);
    assert_int_equal(sp_store_add_attempt(s, eids, 2), SNOWPLOW_EINVAL);
    assert_int_equal(sp_store_load(s, NULL, &n, 0, 0, 0), SNOWPLOW_EINVAL);
    assert_int_equal(sp_store_load(s, &got, NULL, 0, 0, 0), SNOWPLOW_EINVAL);
    assert_int_equal(sp_store_enforce_limits(s, 0, -5, 0, NULL, NULL, NULL), SNOWPLOW_EINVAL);
    assert_contains(snowplow_error_last(), "max_age_ms");
    assert_string_equal(sp_store_path(s), f->path);
    sp_store_close(s);
}

/* ------------------------------------------------------------------ threads, fork */

#define THREADS 4
#define GROUPS 40
#define PER_GROUP 25

typedef struct worker_arg {
    sp_store *s;
    int index;
    int failures;
} worker_arg;

/* Each thread puts groups of its own events and deletes every other one of
 * them right away, reading the store between writes: calls from any thread, as
 * store.h documents. */
static void *worker(void *p)
{
    worker_arg *a = p;
    sp_store_event evs[PER_GROUP];
    char payloads[PER_GROUP][48];
    for (int g = 0; g < GROUPS; g++) {
        const char *odd[PER_GROUP / 2 + 1];
        size_t nodd = 0;
        for (int i = 0; i < PER_GROUP; i++) {
            char eid[37];
            snprintf(eid, sizeof eid, "t%d-%03d-%02d", a->index, g, i);
            snprintf(payloads[i], sizeof payloads[i], "{\"eid\":\"%s\"}", eid);
            evs[i] = make_event(eid, g, payloads[i]);
        }
        size_t added = 0;
        if (sp_store_put_many(a->s, evs, PER_GROUP, &added) != 0 || added != PER_GROUP)
            a->failures++;
        for (int i = 1; i < PER_GROUP; i += 2)
            odd[nodd++] = evs[i].eid;
        size_t removed = 0;
        if (sp_store_delete_many(a->s, odd, nodd, &removed) != 0 || removed != nodd)
            a->failures++;
        sp_store_event *page = NULL;
        size_t n = 0;
        if (sp_store_load(a->s, &page, &n, 10, 0, 0) != 0 || n == 0)
            a->failures++;
        sp_store_events_free(page, n);
        (void)sp_store_count(a->s);
    }
    return NULL;
}

static void test_concurrent_threads(void **state)
{
    fixture *f = *state;
    sp_store *s = open_ok(f);
    pthread_t threads[THREADS];
    worker_arg args[THREADS];
    for (int t = 0; t < THREADS; t++) {
        args[t] = (worker_arg){s, t, 0};
        assert_int_equal(pthread_create(&threads[t], NULL, worker, &args[t]), 0);
    }
    for (int t = 0; t < THREADS; t++) {
        assert_int_equal(pthread_join(threads[t], NULL), 0);
        assert_int_equal(args[t].failures, 0);
    }
    int kept_per_group = (PER_GROUP + 1) / 2;
    size_t expected = (size_t)THREADS * GROUPS * (size_t)kept_per_group;
    assert_int_equal(sp_store_count(s), expected);
    sp_store_event *got = NULL;
    size_t n = 0;
    load_all(s, &got, &n);
    assert_int_equal(n, expected);
    /* Exactly the even-numbered events of every group of every thread; each
     * thread's groups in its own order. */
    int next_group[THREADS] = {0}, next_item[THREADS] = {0};
    for (size_t i = 0; i < n; i++) {
        int t, g, k;
        assert_int_equal(sscanf(got[i].eid, "t%d-%d-%d", &t, &g, &k), 3);
        assert_true(t >= 0 && t < THREADS);
        assert_int_equal(g, next_group[t]);
        assert_int_equal(k, next_item[t]);
        next_item[t] += 2;
        if (next_item[t] >= PER_GROUP) {
            next_item[t] = 0;
            next_group[t]++;
        }
    }
    sp_store_events_free(got, n);
    sp_store_close(s);
}

/* A child process must not touch the parent's connection; the parent is unharmed. */
static void test_fork_child_refused(void **state)
{
    fixture *f = *state;
    sp_store *s = open_ok(f);
    put_numbered(s, "p", 0, 3, 1);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        sp_store_event ev = make_event("child", 1, "{}");
        int code = 0;
        if (sp_store_put_many(s, &ev, 1, NULL) != SNOWPLOW_ESTORE)
            code |= 1;
        if (!strstr(snowplow_error_last(), "fork"))
            code |= 2;
        sp_store_event *got = NULL;
        size_t n = 0;
        if (sp_store_load(s, &got, &n, 0, 0, 0) != SNOWPLOW_ESTORE)
            code |= 4;
        sp_store_close(s); /* frees memory only */
        _exit(code);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    put_numbered(s, "p", 3, 1, 1);
    assert_int_equal(sp_store_count(s), 4);
    sp_store_close(s);
    s = open_ok(f);
    assert_int_equal(sp_store_count(s), 4);
    sp_store_close(s);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, sp_test_tmpdir_setup, sp_test_tmpdir_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_round_trip_unicode),
        T(test_payload_sizes_and_empty_groups),
        T(test_duplicate_eid_ignored),
        T(test_oldest_first_in_pages),
        T(test_backlog_end_after_reopen),
        T(test_limit_max_events_drops_oldest),
        T(test_limit_max_age_drops_old),
        T(test_limits_in_groups),
        T(test_limits_callback_may_use_store),
        T(test_attempts_persist),
        T(test_reopen_keeps_events),
        T(test_corrupt_file),
        T(test_damaged_store),
        T(test_directory_path),
        T(test_unwritable_paths),
        T(test_permission_denied),
        T(test_foreign_database),
        T(test_newer_schema),
        T(test_second_opener_refused),
        T(test_group_is_all_or_nothing),
        T(test_bad_arguments),
        T(test_concurrent_threads),
        T(test_fork_child_refused),
    };
    assert_true(sp_store_available());
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#else /* built without SQLite */

/* Every entry point answers SNOWPLOW_EUNSUPPORTED and nothing crashes. */
static void test_unsupported(void **state)
{
    (void)state;
    assert_false(sp_store_available());
    sp_store *s = (sp_store *)&s;
    assert_int_equal(sp_store_open(&s, "/tmp/never-created.db", "fn"), SNOWPLOW_EUNSUPPORTED);
    assert_null(s);
    assert_non_null(strstr(snowplow_error_last(), "without SQLite"));
    sp_store_event ev;
    memset(&ev, 0, sizeof ev);
    const char *eids[] = {"x"};
    sp_store_event *got = NULL;
    size_t n = 1;
    assert_int_equal(sp_store_put_many(NULL, &ev, 1, NULL), SNOWPLOW_EUNSUPPORTED);
    assert_int_equal(sp_store_delete_many(NULL, eids, 1, NULL), SNOWPLOW_EUNSUPPORTED);
    assert_int_equal(sp_store_add_attempt(NULL, eids, 1), SNOWPLOW_EUNSUPPORTED);
    assert_int_equal(sp_store_load(NULL, &got, &n, 0, 0, 0), SNOWPLOW_EUNSUPPORTED);
    assert_int_equal(n, 0);
    assert_int_equal(sp_store_enforce_limits(NULL, 1, 1, 1, NULL, NULL, NULL),
                     SNOWPLOW_EUNSUPPORTED);
    assert_int_equal(sp_store_count(NULL), 0);
    sp_store_close(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_unsupported)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#endif
