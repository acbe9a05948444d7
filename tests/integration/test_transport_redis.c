/*
 * The Redis transport against a real redis-server started by the test: every
 * event type pushed as one JSON object of string fields (equal to what POST
 * sends the collector, and accepted by it), unix sockets and databases, AUTH
 * and WRONGTYPE failures, an unreachable host, a Redis restart mid-run, the
 * bounded queue and the persistent store.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "every_event_type.h"
#include "sp_test_collector.h"
#include "sp_test_redis_server.h"
#include "sp_test_util.h"
#include "test_emitter_helpers.h"

#define KEY "snowplow"
#define PAYLOAD_DATA "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4"

typedef struct fixture {
    sp_test_collector *collector;
    sp_test_redis *redis;
} fixture;

static int group_setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->collector = sp_test_collector_start();
    f->redis = sp_test_redis_start(NULL);
    *state = f;
    return f->collector && f->redis ? 0 : -1;
}

static int group_teardown(void **state)
{
    fixture *f = *state;
    sp_test_redis_stop(f->redis);
    sp_test_collector_stop(f->collector);
    free(f);
    return 0;
}

/* Run a command on the test's Redis; the reply is checked not to be an error. */
static redisReply *command(sp_test_redis *r, const char *fmt, const char *arg)
{
    redisContext *c = sp_test_redis_connect(r);
    assert_non_null(c);
    redisReply *reply = redisCommand(c, fmt, arg);
    assert_non_null(reply);
    if (reply->type == REDIS_REPLY_ERROR)
        fail_msg("redis: %s", reply->str);
    redisFree(c);
    return reply;
}

static int clean(void **state)
{
    fixture *f = *state;
    th_collector_clean(f->collector);
    freeReplyObject(command(f->redis, "FLUSHALL", NULL));
    return 0;
}

/* The list's items, parsed (a cJSON array; each item must be JSON). */
static cJSON *list_items(sp_test_redis *r, const char *key)
{
    redisReply *reply = command(r, "LRANGE %s 0 -1", key);
    assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
    cJSON *items = cJSON_CreateArray();
    for (size_t i = 0; i < reply->elements; i++) {
        cJSON *item = cJSON_Parse(reply->element[i]->str);
        if (!item)
            fail_msg("item %zu is not JSON: %s", i, reply->element[i]->str);
        cJSON_AddItemToArray(items, item);
    }
    freeReplyObject(reply);
    return items;
}

static snowplow_emitter_options *redis_options(const char *url, th_recorder *ok,
                                               th_recorder *failed)
{
    snowplow_emitter_options *o = NULL;
    assert_int_equal(snowplow_emitter_options_new(&o), 0);
    if (snowplow_emitter_options_set_redis(o, url, KEY) != 0)
        fail_msg("set_redis(%s): %s", url, snowplow_error_last());
    snowplow_emitter_options_set_retry(o, 5, 50, 0);
    snowplow_emitter_options_set_connect_timeout_ms(o, 2000);
    if (ok)
        snowplow_emitter_options_set_on_success(o, th_record, ok);
    if (failed)
        snowplow_emitter_options_set_on_failure(o, th_record, failed);
    return o;
}

static snowplow_emitter *redis_emitter(const char *url, th_recorder *ok, th_recorder *failed)
{
    snowplow_emitter *em = NULL;
    if (snowplow_emitter_new(&em, redis_options(url, ok, failed)) != 0)
        fail_msg("emitter: %s", snowplow_error_last());
    return em;
}

/* Track `n` events labelled "redis <i>"; eids written to `eids` unless NULL. */
static void enqueue_n(snowplow_emitter *em, int n, char (*eids)[37])
{
    for (int i = 0; i < n; i++) {
        char label[32], eid[37];
        snprintf(label, sizeof label, "redis %d", i);
        assert_int_equal(th_enqueue(em, eid, label), 0);
        if (eids)
            memcpy(eids[i], eid, sizeof eid);
    }
}

/* How many items of the list carry `eid`. */
static int count_eid(const cJSON *items, const char *eid)
{
    int seen = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, items)
    {
        seen += strcmp(cJSON_GetObjectItem(item, "eid")->valuestring, eid) == 0;
    }
    return seen;
}

/* The raw fields the collector got for `eid`. */
static const cJSON *raw_of(const cJSON *good, const char *eid)
{
    const cJSON *rec;
    cJSON_ArrayForEach(rec, good)
    {
        const cJSON *raw = cJSON_GetObjectItem(rec, "raw");
        const cJSON *id = cJSON_GetObjectItem(raw, "eid");
        if (cJSON_IsString(id) && strcmp(id->valuestring, eid) == 0)
            return raw;
    }
    return NULL;
}

typedef struct two_emitters {
    snowplow_tracker *tracker;
} two_emitters;

static void track_one(void *ctx, snowplow_event *ev)
{
    two_emitters *t = ctx;
    char eid[SNOWPLOW_EID_SIZE];
    assert_non_null(ev);
    if (snowplow_tracker_track(eid, t->tracker, ev) != 0)
        fail_msg("track: %s", snowplow_error_last());
    snowplow_event_free(ev);
}

/* One tracker, two emitters (POST to the collector, Redis): every item on the
 * list is a JSON object of strings equal to the POSTed event but for stm, and
 * the collector accepts the items as a POST body. */
static void test_every_type_as_post_data(void **state)
{
    fixture *f = *state;
    th_recorder ok;
    th_recorder_init(&ok);
    snowplow_emitter *redis = redis_emitter(sp_test_redis_url(f->redis), &ok, NULL);
    snowplow_emitter_options *po = th_options(sp_test_collector_url(f->collector), NULL, NULL);
    snowplow_emitter *post = NULL;
    assert_int_equal(snowplow_emitter_new(&post, po), 0);
    snowplow_tracker_options *to = NULL;
    assert_int_equal(snowplow_tracker_options_new(&to), 0);
    snowplow_tracker_options_set_namespace(to, "ns");
    snowplow_tracker_options_set_app_id(to, "app");
    snowplow_tracker_options_add_emitter(to, post);
    snowplow_tracker_options_add_emitter(to, redis);
    two_emitters t = {NULL};
    assert_int_equal(snowplow_tracker_new(&t.tracker, to), 0);

    track_every_type(track_one, &t);
    assert_int_equal(snowplow_tracker_flush(t.tracker, 30000), 0);
    assert_int_equal(snowplow_emitter_counter(redis, SNOWPLOW_COUNTER_SENT), EXPECTED_EVENTS);
    assert_int_equal(ok.events, EXPECTED_EVENTS);
    for (size_t i = 0; i < ok.count; i++)
        assert_int_equal(snowplow_result_status(ok.results[i]), 0);

    assert_int_equal(sp_test_collector_wait_total(f->collector, (long)EXPECTED_EVENTS, 0, 20000),
                     0);
    cJSON *good = sp_test_collector_get(f->collector, "/micro/good");
    cJSON *items = list_items(f->redis, KEY);
    assert_int_equal(cJSON_GetArraySize(items), (int)EXPECTED_EVENTS);
    const cJSON *item;
    cJSON_ArrayForEach(item, items)
    {
        assert_true(cJSON_IsObject(item));
        const cJSON *field;
        cJSON_ArrayForEach(field, item)
        {
            if (!cJSON_IsString(field))
                fail_msg("field %s is not a string", field->string);
        }
        const cJSON *eid = cJSON_GetObjectItem(item, "eid");
        assert_non_null(cJSON_GetObjectItem(item, "stm"));
        const cJSON *raw = raw_of(good, eid->valuestring);
        assert_non_null(raw);
        cJSON *a = cJSON_Duplicate(item, 1), *b = cJSON_Duplicate(raw, 1);
        cJSON_DeleteItemFromObject(a, "stm");
        cJSON_DeleteItemFromObject(b, "stm");
        if (!cJSON_Compare(a, b, 1)) {
            char *ta = cJSON_PrintUnformatted(a), *tb = cJSON_PrintUnformatted(b);
            fail_msg("redis item %s\n!= POSTed %s", ta, tb);
        }
        cJSON_Delete(a);
        cJSON_Delete(b);
    }

    /* The items are valid POST data: the collector takes them as they are. */
    sp_test_collector_reset(f->collector);
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "schema", PAYLOAD_DATA);
    cJSON_AddItemToObject(body, "data", items);
    char *text = cJSON_PrintUnformatted(body);
    assert_int_equal(
        sp_test_collector_post(f->collector, "/com.snowplowanalytics.snowplow/tp2", text), 200);
    assert_int_equal(sp_test_collector_wait_total(f->collector, (long)EXPECTED_EVENTS, 0, 20000),
                     0);
    free(text);
    cJSON_Delete(body);
    cJSON_Delete(good);
    snowplow_tracker_free(t.tracker);
    snowplow_emitter_free(post);
    snowplow_emitter_free(redis);
    th_recorder_free(&ok);
}

/* unix:// with a database: the items land in that database only. */
static void test_unix_socket_and_db(void **state)
{
    fixture *f = *state;
    char url[200];
    snprintf(url, sizeof url, "unix://%s?db=3", sp_test_redis_socket(f->redis));
    snowplow_emitter *em = redis_emitter(url, NULL, NULL);
    enqueue_n(em, 25, NULL);
    assert_int_equal(snowplow_emitter_flush(em, 30000), 0);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_SENT), 25);
    snowplow_emitter_free(em);
    redisReply *len = command(f->redis, "LLEN %s", KEY);
    assert_int_equal(len->integer, 0); /* not in db 0 */
    freeReplyObject(len);
    redisContext *c = sp_test_redis_connect(f->redis);
    freeReplyObject(redisCommand(c, "SELECT 3"));
    redisReply *len3 = redisCommand(c, "LLEN %s", KEY);
    assert_int_equal(len3->integer, 25);
    freeReplyObject(len3);
    redisFree(c);
}

/* Every event failed for good once, with `part` in the reason; nothing retried. */
static void assert_failed_for_good(snowplow_emitter *em, th_recorder *failed, int n,
                                   const char *part)
{
    assert_int_equal(th_wait_counter(em, SNOWPLOW_COUNTER_FAILED, (uint64_t)n, 30000), 0);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_SENT), 0);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_RETRIED), 0);
    assert_int_equal(th_recorded_events_retry(failed, 0), (size_t)n);
    for (size_t i = 0; i < failed->count; i++)
        if (!strstr(snowplow_result_reason(failed->results[i]), part))
            fail_msg("reason \"%s\" does not name %s", snowplow_result_reason(failed->results[i]),
                     part);
}

static void test_wrongtype_fails_with_reason(void **state)
{
    fixture *f = *state;
    freeReplyObject(command(f->redis, "SET %s not-a-list", KEY));
    th_recorder failed;
    th_recorder_init(&failed);
    snowplow_emitter *em = redis_emitter(sp_test_redis_url(f->redis), NULL, &failed);
    enqueue_n(em, 12, NULL);
    assert_int_equal(snowplow_emitter_flush(em, 30000), 0);
    assert_failed_for_good(em, &failed, 12, "WRONGTYPE");
    snowplow_emitter_free(em);
    th_recorder_free(&failed);
}

/* A db the server does not have (16 by default): SELECT is refused, for good. */
static void test_select_refused(void **state)
{
    fixture *f = *state;
    char url[96];
    snprintf(url, sizeof url, "redis://127.0.0.1:%d/99", sp_test_redis_port(f->redis));
    th_recorder failed;
    th_recorder_init(&failed);
    snowplow_emitter *em = redis_emitter(url, NULL, &failed);
    enqueue_n(em, 5, NULL);
    assert_int_equal(snowplow_emitter_flush(em, 30000), 0);
    assert_failed_for_good(em, &failed, 5, "SELECT refused");
    snowplow_emitter_free(em);
    th_recorder_free(&failed);
}

/* A server with a password: none given (NOAUTH), a wrong one, the right one. */
static void test_auth(void **state)
{
    (void)state;
    sp_test_redis *locked = sp_test_redis_start("s3cret");
    assert_non_null(locked);
    char url[160];
    const char *cases[][2] = {{"redis://127.0.0.1:%d", "NOAUTH"},
                              {"redis://:wrong@127.0.0.1:%d", "AUTH refused"}};
    for (size_t k = 0; k < 2; k++) {
        snprintf(url, sizeof url, cases[k][0], sp_test_redis_port(locked));
        th_recorder failed;
        th_recorder_init(&failed);
        snowplow_emitter *em = redis_emitter(url, NULL, &failed);
        enqueue_n(em, 7, NULL);
        assert_int_equal(snowplow_emitter_flush(em, 30000), 0);
        assert_failed_for_good(em, &failed, 7, cases[k][1]);
        snowplow_emitter_free(em);
        th_recorder_free(&failed);
    }
    snowplow_emitter *em = redis_emitter(sp_test_redis_url(locked), NULL, NULL);
    enqueue_n(em, 7, NULL);
    assert_int_equal(snowplow_emitter_flush(em, 30000), 0);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_SENT), 7);
    snowplow_emitter_free(em);
    sp_test_redis_stop(locked);
}

/* Options for a Redis URL where nobody listens (written to `url`), with
 * `failed` initialised and recording failures. */
static snowplow_emitter_options *unreachable_options(char url[64], th_recorder *failed)
{
    snprintf(url, 64, "redis://127.0.0.1:%d/0", sp_test_dead_port());
    th_recorder_init(failed);
    return redis_options(url, NULL, failed);
}

/* Nobody listening: each attempt fails with a reason naming the address, is
 * retried up to max_attempts, then fails for good; flush does not hang. */
static void test_unreachable_host(void **state)
{
    (void)state;
    char url[64];
    th_recorder failed;
    snowplow_emitter_options *o = unreachable_options(url, &failed);
    snowplow_emitter_options_set_retry(o, 1, 5, 3);
    snowplow_emitter *em = NULL;
    assert_int_equal(snowplow_emitter_new(&em, o), 0);
    enqueue_n(em, 10, NULL);
    assert_int_equal(snowplow_emitter_flush(em, 30000), 0);
    assert_int_equal(th_wait_counter(em, SNOWPLOW_COUNTER_FAILED, 10, 30000), 0);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_RETRIED), 20);
    assert_int_equal(th_recorded_events_retry(&failed, 1), 20);
    assert_int_equal(th_recorded_events_retry(&failed, 0), 10);
    char expected[80];
    snprintf(expected, sizeof expected, "redis: cannot connect to %s", url);
    for (size_t i = 0; i < failed.count; i++)
        assert_non_null(strstr(snowplow_result_reason(failed.results[i]), expected));
    snowplow_emitter_free(em);
    th_recorder_free(&failed);
}

/* Redis killed while events are tracked, started again: every event is
 * reported sent once, and is on the list (at least once). */
static void test_restart_mid_run(void **state)
{
    fixture *f = *state;
    enum { N = 2000 };
    static char eids[N][37];
    th_recorder ok, failed;
    th_recorder_init(&ok);
    th_recorder_init(&failed);
    snowplow_emitter_options *o = redis_options(sp_test_redis_url(f->redis), &ok, &failed);
    snowplow_emitter_options_set_batch_size(o, 50);
    snowplow_emitter *em = NULL;
    assert_int_equal(snowplow_emitter_new(&em, o), 0);
    enqueue_n(em, N / 2, eids);
    assert_int_equal(th_wait_counter(em, SNOWPLOW_COUNTER_SENT, 100, 30000), 0);
    sp_test_redis_kill(f->redis);
    enqueue_n(em, N / 2, eids + N / 2);
    /* Some attempts fail while it is down. */
    assert_int_equal(th_wait_counter(em, SNOWPLOW_COUNTER_RETRIED, 1, 30000), 0);
    assert_int_equal(sp_test_redis_resume(f->redis), 0);
    assert_int_equal(th_wait_counter(em, SNOWPLOW_COUNTER_SENT, N, 60000), 0);
    assert_int_equal(snowplow_emitter_close(em, 30000), 0);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_SENT), N);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_FAILED), 0);
    assert_int_equal(ok.events, N);
    assert_int_equal(th_recorded_events_retry(&failed, 0), 0);
    assert_true(th_recorded_events_retry(&failed, 1) > 0);
    assert_true(strstr(snowplow_result_reason(failed.results[0]), "redis: "));

    cJSON *items = list_items(f->redis, KEY);
    for (int i = 0; i < N; i++)
        if (count_eid(items, eids[i]) < 1)
            fail_msg("event %d (%s) is not on the list", i, eids[i]);
    cJSON_Delete(items);
    snowplow_emitter_free(em);
    th_recorder_free(&ok);
    th_recorder_free(&failed);
}

/* A bounded queue drops and reports with Redis down, as with HTTP. */
static void test_bounded_queue(void **state)
{
    (void)state;
    char url[64];
    th_recorder failed;
    snowplow_emitter_options *o = unreachable_options(url, &failed);
    snowplow_emitter_options_set_buffer_capacity(o, 40, 0);
    snowplow_emitter_options_set_retry(o, 60000, 60000, 0); /* no second attempt here */
    snowplow_emitter *em = NULL;
    assert_int_equal(snowplow_emitter_new(&em, o), 0);
    int refused = 0;
    for (int i = 0; i < 100; i++)
        refused += th_enqueue(em, NULL, "full") == SNOWPLOW_EFULL;
    assert_int_equal(refused, 60);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_DROPPED), 60);
    snowplow_emitter_close(em, 0); /* the 40 held are given up: "emitter closed" */
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_FAILED), 40);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_SENT), 0);
    /* Every event reported failed for good once: 60 "queue full", 40 closed. */
    assert_int_equal(th_recorded_events_retry(&failed, 0), 100);
    snowplow_emitter_free(em);
    th_recorder_free(&failed);
}

/* Events kept in the store while Redis is down reach it from the next emitter. */
static void test_store_across_outage(void **state)
{
    fixture *f = *state;
    sp_test_tmpdir dir;
    sp_test_tmpdir_make(&dir, "sp_redis_store");
    char url[64];
    snprintf(url, sizeof url, "redis://127.0.0.1:%d", sp_test_dead_port());
    snowplow_emitter_options *o = redis_options(url, NULL, NULL);
    assert_int_equal(snowplow_emitter_options_set_store(o, dir.path, 10, 0, 0), 0);
    snowplow_emitter *em = NULL;
    assert_int_equal(snowplow_emitter_new(&em, o), 0);
    static char eids[30][37];
    enqueue_n(em, 30, eids);
    snowplow_emitter_close(em, 500);
    snowplow_emitter_free(em);

    o = redis_options(sp_test_redis_url(f->redis), NULL, NULL);
    assert_int_equal(snowplow_emitter_options_set_store(o, dir.path, 10, 0, 0), 0);
    assert_int_equal(snowplow_emitter_new(&em, o), 0);
    assert_int_equal(th_wait_counter(em, SNOWPLOW_COUNTER_SENT, 30, 30000), 0);
    assert_int_equal(snowplow_emitter_close(em, 30000), 0);
    snowplow_emitter_free(em);
    cJSON *items = list_items(f->redis, KEY);
    assert_int_equal(cJSON_GetArraySize(items), 30);
    for (int i = 0; i < 30; i++)
        assert_int_equal(count_eid(items, eids[i]), 1);
    cJSON_Delete(items);
    sp_test_tmpdir_remove(&dir);
}

static void test_bad_urls(void **state)
{
    (void)state;
    /* url, key, what the message must name */
    static const char *const bad[][3] = {
        {"http://x", KEY, "url: unknown scheme"},
        {"redis://h:99999", KEY, "port"},
        {"redis://h/x", KEY, "db"},
        {"redis://", KEY, "host: empty"},
        {"unix://rel", KEY, "absolute"},
        {"unix:///s?x=1", KEY, "unknown parameter"},
        {"rediss://h", KEY, "TLS"},
        {"redis://h", "", "key: empty"},
        {"redis://:p%zz@h", KEY, "%-escape"},
    };
    snowplow_emitter_options *o = NULL;
    assert_int_equal(snowplow_emitter_options_new(&o), 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        sp_test_assert_error(snowplow_emitter_options_set_redis(o, bad[i][0], bad[i][1]),
                             SNOWPLOW_EINVAL, bad[i][2], NULL);
    assert_int_equal(snowplow_emitter_options_set_redis(o, "redis://u:p%40ss@[::1]:7000/2", KEY),
                     0);
    assert_int_equal(snowplow_emitter_options_set_redis(o, NULL, NULL), 0); /* back to HTTP */
    snowplow_emitter_options_free(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_urls),
        cmocka_unit_test_setup(test_every_type_as_post_data, clean),
        cmocka_unit_test_setup(test_unix_socket_and_db, clean),
        cmocka_unit_test_setup(test_wrongtype_fails_with_reason, clean),
        cmocka_unit_test_setup(test_auth, clean),
        cmocka_unit_test_setup(test_select_refused, clean),
        cmocka_unit_test_setup(test_unreachable_host, clean),
        cmocka_unit_test_setup(test_restart_mid_run, clean),
        cmocka_unit_test_setup(test_bounded_queue, clean),
        cmocka_unit_test_setup(test_store_across_outage, clean),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
