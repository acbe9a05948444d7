/*
 * snowplow-bench: how fast libsnowplow tracks and delivers events.
 *
 *   snowplow-bench --collector URL [--events N] [--batch B] [--threads T]
 *                  [--method post|get] [--event sd|struct] [--store PATH]
 *                  [--queue-events N] [--queue-bytes BYTES] [--window W]
 *                  [--byte-limit BYTES] [--flush-timeout MS]
 *                  [--full-policy drop-newest|drop-oldest|block] [--warmup N]
 *                  [--inflight N] [--redis URL --redis-key KEY]
 *
 * The main thread tracks N copies of one event as fast as it can, timing every
 * snowplow_tracker_track() call with CLOCK_MONOTONIC; the emitter's callbacks
 * count what was delivered. When everything is delivered (or has failed) it
 * prints one JSON line:
 *   {"events":N,"method":"post","batch":B,"threads":T,"event":"sd",
 *    "events_per_s":...,"track_ns_p50":...,"track_ns_p99":...,
 *    "peak_rss_kb":...,"requests":...,"bytes":...,"failed":...,...}
 * events_per_s runs from the first track() to the last callback. Besides the
 * fields above: track_ns_p999/max/mean, rss_base_kb (before the first track),
 * rss_tracked_kb (after the last), peak_rss_close_kb (peak once the emitter is
 * closed and freed; peak_rss_kb is taken before), sent, retried (failed attempts
 * that are tried again; "failed" counts events given up for good, also those the
 * close abandons), dropped, track_s, close_s,
 * elapsed_s, flushed (the flush finished within --flush-timeout, default 300 s).
 * The exit status is 0 when every event was delivered, 1 otherwise, 2 for bad
 * arguments or an unsupported option.
 *
 * Queue: the emitter's buffer is made big enough for the whole run
 * (snowplow_emitter_options_set_buffer_capacity: N events and 2 KiB per event by
 * default), so a burst of N events is queued, not dropped, and peak_rss_kb shows
 * what it costs. --window W instead keeps at most W events outstanding (tracked
 * but not yet reported by a callback): before a track that would exceed it, the
 * main thread waits, outside the timed call. A drop for a full queue would show
 * in "dropped" and "failed". --queue-events N with --full-policy block bounds
 * the queue instead: track() waits inside the timed call for room (the
 * library's own back-pressure), and RSS stays bounded by the capacity.
 * --warmup N tracks N events and flushes them before the measured run (not
 * counted): the heap has grown and the record pool is full, as in a process
 * that has been tracking for a while.
 *
 * --inflight N sets the requests in flight per sending thread (default: the
 * library's, 8). --redis URL --redis-key KEY pushes to a Redis list instead of
 * a collector (push-only speed; --collector is then not needed).
 *
 * --store PATH adds the persistent SQLite store (sync interval 100 ms); a build
 * without SQLite says "not supported in this build" and exits with status 2.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <snowplow.h>

#define SD_SCHEMA "iglu:com.example.libsnowplow/test_event/jsonschema/1-0-0"
#define SD_DATA "{\"name\":\"bench\",\"count\":1}"
#define CONTEXT_SCHEMA "iglu:com.example.libsnowplow/test_entity/jsonschema/1-0-0"
#define CONTEXT_DATA "{\"id\":\"x\"}"
/* The body of a POST request around its events (PROTOCOL.md). */
#define POST_PREFIX                                                                          \
    "{\"schema\":\"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4\","    \
    "\"data\":["
#define POST_SUFFIX "]}"

typedef struct options {
    const char *collector;
    long events;
    int batch;
    int threads;
    snowplow_method method;
    const char *event_kind; /* "sd" or "struct" */
    long window;      /* 0 = no limit on outstanding events */
    long byte_limit;  /* 0 = chosen from the batch size */
    long queue_events; /* 0 = the number of events */
    long long queue_bytes; /* 0 = 2 KiB per queued event */
    snowplow_full_policy full_policy; /* BLOCK waits without a time limit */
    long warmup; /* events tracked and flushed before the measured run */
    const char *store;
    long flush_timeout_ms;
    long inflight;          /* 0 = the library's default */
    const char *redis_url;  /* push to Redis instead of the collector */
    const char *redis_key;
} options;

/* Written by the sending threads' callbacks, read by the main thread. */
typedef struct counters {
    atomic_uint_fast64_t sent_events;
    atomic_uint_fast64_t failed_events;  /* given up for good */
    atomic_uint_fast64_t retried_events; /* failed attempts that will be retried */
    atomic_uint_fast64_t requests;
    atomic_uint_fast64_t bytes;
    atomic_int_fast64_t last_callback_ns;
    atomic_uint_fast64_t event_bytes; /* length of one event as sent; 0 until known */
    int post; /* bodies are counted only for POST */
} counters;

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void note_callback_time(counters *c)
{
    int64_t t = now_ns();
    int_fast64_t seen = atomic_load(&c->last_callback_ns);
    while (seen < t && !atomic_compare_exchange_weak(&c->last_callback_ns, &seen, t))
        ;
}

/* The POST body that carried these events: envelope, events (as sent, with
 * stm) and the commas between them. Every event of a run is the same event
 * with an eid of fixed length, and dtm and stm have 13 digits, so every event
 * has the same length: it is read from the first result only, like a
 * callback that counts events without reading them (the library then writes
 * no event texts for the callback at all). */
static uint64_t post_body_bytes(counters *c, const snowplow_result *result)
{
    size_t n = snowplow_result_event_count(result);
    uint64_t event_bytes = atomic_load(&c->event_bytes);
    if (event_bytes == 0 && n > 0) {
        const char *json = snowplow_result_event_json(result, 0);
        event_bytes = json != NULL ? strlen(json) : 0;
        atomic_store(&c->event_bytes, event_bytes);
    }
    return sizeof POST_PREFIX - 1 + sizeof POST_SUFFIX - 1 + (n > 0 ? n - 1 : 0) +
           n * event_bytes;
}

static void on_success(const snowplow_result *result, void *payload)
{
    counters *c = payload;
    if (c->post)
        atomic_fetch_add(&c->bytes, post_body_bytes(c, result));
    atomic_fetch_add(&c->requests, 1);
    atomic_fetch_add(&c->sent_events, snowplow_result_event_count(result));
    note_callback_time(c);
}

static void on_failure(const snowplow_result *result, void *payload)
{
    counters *c = payload;
    size_t n = snowplow_result_event_count(result);
    atomic_fetch_add(&c->requests, 1);
    if (snowplow_result_will_retry(result))
        atomic_fetch_add(&c->retried_events, n);
    else
        atomic_fetch_add(&c->failed_events, n);
    note_callback_time(c);
}

static void usage(FILE *out)
{
    fputs("usage: snowplow-bench --collector URL [--events N] [--batch B] [--threads T]\n"
          "                      [--method post|get] [--event sd|struct] [--store PATH]\n"
          "                      [--queue-events N] [--queue-bytes BYTES] [--window W]\n"
          "                      [--byte-limit BYTES] [--flush-timeout MS]\n"
          "                      [--full-policy drop-newest|drop-oldest|block] [--warmup N]\n"
          "                      [--inflight N] [--redis URL --redis-key KEY]\n",
          out);
}

static long long parse_long(const char *name, const char *text, long long min, long long max)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v < min || v > max) {
        fprintf(stderr, "snowplow-bench: %s: expected a number from %lld to %lld, got '%s'\n",
                name, min, max, text);
        exit(2);
    }
    return v;
}

static options parse_args(int argc, char **argv)
{
    options o = {NULL, 100000, 10, 1, SNOWPLOW_METHOD_POST, "sd", 0, 0, 0, 0,
                 SNOWPLOW_FULL_DROP_NEWEST, 0, NULL, 300000, 0, NULL, NULL};
    static const struct option longopts[] = {
        {"collector", required_argument, NULL, 'c'}, {"events", required_argument, NULL, 'n'},
        {"batch", required_argument, NULL, 'b'},     {"threads", required_argument, NULL, 't'},
        {"method", required_argument, NULL, 'm'},    {"event", required_argument, NULL, 'e'},
        {"window", required_argument, NULL, 'w'},    {"byte-limit", required_argument, NULL, 'l'},
        {"store", required_argument, NULL, 's'},     {"help", no_argument, NULL, 'h'},
        {"queue-events", required_argument, NULL, 'q'},
        {"queue-bytes", required_argument, NULL, 'Q'},
        {"flush-timeout", required_argument, NULL, 'f'},
        {"full-policy", required_argument, NULL, 'p'},
        {"warmup", required_argument, NULL, 'W'},
        {"inflight", required_argument, NULL, 'i'},
        {"redis", required_argument, NULL, 'r'},
        {"redis-key", required_argument, NULL, 'k'},
        {NULL, 0, NULL, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            o.collector = optarg;
            break;
        case 'n':
            o.events = parse_long("--events", optarg, 1, 100000000);
            break;
        case 'b':
            o.batch = (int)parse_long("--batch", optarg, 1, 10000);
            break;
        case 't':
            o.threads = (int)parse_long("--threads", optarg, 1, 64);
            break;
        case 'm':
            if (strcmp(optarg, "post") == 0) {
                o.method = SNOWPLOW_METHOD_POST;
            } else if (strcmp(optarg, "get") == 0) {
                o.method = SNOWPLOW_METHOD_GET;
            } else {
                fprintf(stderr, "snowplow-bench: --method: expected post or get\n");
                exit(2);
            }
            break;
        case 'e':
            if (strcmp(optarg, "sd") != 0 && strcmp(optarg, "struct") != 0) {
                fprintf(stderr, "snowplow-bench: --event: expected sd or struct\n");
                exit(2);
            }
            o.event_kind = strcmp(optarg, "sd") == 0 ? "sd" : "struct";
            break;
        case 'w':
            o.window = parse_long("--window", optarg, 0, 100000000);
            break;
        case 'l':
            o.byte_limit = parse_long("--byte-limit", optarg, 1024, 1000000000);
            break;
        case 's':
            o.store = optarg;
            break;
        case 'f':
            o.flush_timeout_ms = parse_long("--flush-timeout", optarg, 0, 3600000);
            break;
        case 'q':
            o.queue_events = parse_long("--queue-events", optarg, 1, 100000000);
            break;
        case 'Q':
            o.queue_bytes = parse_long("--queue-bytes", optarg, 1, (long long)1 << 50);
            break;
        case 'p':
            if (strcmp(optarg, "drop-newest") == 0) {
                o.full_policy = SNOWPLOW_FULL_DROP_NEWEST;
            } else if (strcmp(optarg, "drop-oldest") == 0) {
                o.full_policy = SNOWPLOW_FULL_DROP_OLDEST;
            } else if (strcmp(optarg, "block") == 0) {
                o.full_policy = SNOWPLOW_FULL_BLOCK;
            } else {
                fprintf(stderr, "snowplow-bench: --full-policy: expected drop-newest, "
                                "drop-oldest or block\n");
                exit(2);
            }
            break;
        case 'W':
            o.warmup = parse_long("--warmup", optarg, 0, 100000000);
            break;
        case 'i':
            o.inflight = parse_long("--inflight", optarg, 1, 256);
            break;
        case 'r':
            o.redis_url = optarg;
            break;
        case 'k':
            o.redis_key = optarg;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            exit(2);
        }
    }
    if (o.redis_url != NULL && o.redis_key == NULL) {
        fprintf(stderr, "snowplow-bench: --redis needs --redis-key\n");
        exit(2);
    }
    if (optind < argc || (o.collector == NULL && o.redis_url == NULL)) {
        if (o.collector == NULL && o.redis_url == NULL)
            fprintf(stderr, "snowplow-bench: --collector (or --redis) is required\n");
        usage(stderr);
        exit(2);
    }
    return o;
}

static void die(const char *what)
{
    fprintf(stderr, "snowplow-bench: %s: %s\n", what, snowplow_error_last());
    exit(1);
}

/* Byte limit: the library default (40000) unless a full batch of these events
 * needs more, so that --batch really is the number of events per request. */
static size_t byte_limit_for(const options *o)
{
    if (o->byte_limit > 0)
        return (size_t)o->byte_limit;
    size_t per_event = 1200; /* an sd event with one context is about 800 bytes */
    size_t needed = (size_t)o->batch * per_event + 256;
    return needed > 40000 ? needed : 40000;
}

static size_t queue_events_for(const options *o)
{
    return o->queue_events > 0 ? (size_t)o->queue_events : (size_t)o->events;
}

static size_t queue_bytes_for(const options *o)
{
    return o->queue_bytes > 0 ? (size_t)o->queue_bytes : queue_events_for(o) * 2048;
}

/* Weak, so that the bench also links against a library built before the store
 * existed; the call then answers "not supported". */
#pragma weak snowplow_emitter_options_set_store

static void set_store(snowplow_emitter_options *eo, const char *path)
{
    int rc = SNOWPLOW_EUNSUPPORTED;
    if (snowplow_emitter_options_set_store != NULL)
        rc = snowplow_emitter_options_set_store(eo, path, 100, 0, 0);
    if (rc == SNOWPLOW_EUNSUPPORTED) {
        const char *why = "";
        if (snowplow_emitter_options_set_store != NULL)
            why = snowplow_error_last();
        fprintf(stderr, "snowplow-bench: --store: not supported in this build%s%s%s\n",
                *why ? " (" : "", why, *why ? ")" : "");
        exit(2);
    }
    if (rc != 0)
        die("--store");
}

static snowplow_tracker *make_tracker(const options *o, counters *c, snowplow_emitter **em_out)
{
    snowplow_emitter_options *eo = NULL;
    if (snowplow_emitter_options_new(&eo) != 0)
        die("snowplow_emitter_options_new");
    if ((o->collector != NULL && snowplow_emitter_options_set_endpoint(eo, o->collector) != 0) ||
        (o->redis_url != NULL &&
         snowplow_emitter_options_set_redis(eo, o->redis_url, o->redis_key) != 0) ||
        (o->inflight > 0 && snowplow_emitter_options_set_max_inflight(eo, (unsigned)o->inflight) != 0) ||
        snowplow_emitter_options_set_method(eo, o->method) != 0 ||
        snowplow_emitter_options_set_batch_size(eo, o->batch) != 0 ||
        snowplow_emitter_options_set_thread_count(eo, o->threads) != 0 ||
        snowplow_emitter_options_set_byte_limit(eo, byte_limit_for(o)) != 0 ||
        snowplow_emitter_options_set_buffer_capacity(eo, queue_events_for(o),
                                                     queue_bytes_for(o)) != 0 ||
        snowplow_emitter_options_set_full_policy(eo, o->full_policy, -1) != 0 ||
        snowplow_emitter_options_set_on_success(eo, on_success, c) != 0 ||
        snowplow_emitter_options_set_on_failure(eo, on_failure, c) != 0)
        die("emitter options");
    if (o->store != NULL)
        set_store(eo, o->store);
    snowplow_emitter *em = NULL;
    if (snowplow_emitter_new(&em, eo) != 0)
        die("snowplow_emitter_new");

    snowplow_tracker_options *to = NULL;
    if (snowplow_tracker_options_new(&to) != 0)
        die("snowplow_tracker_options_new");
    if (snowplow_tracker_options_set_namespace(to, "bench") != 0 ||
        snowplow_tracker_options_set_app_id(to, "snowplow-bench") != 0 ||
        snowplow_tracker_options_set_platform(to, "srv") != 0 ||
        snowplow_tracker_options_add_emitter(to, em) != 0)
        die("tracker options");
    snowplow_tracker *tracker = NULL;
    if (snowplow_tracker_new(&tracker, to) != 0)
        die("snowplow_tracker_new");
    *em_out = em;
    return tracker;
}

static snowplow_event *make_event(const options *o)
{
    snowplow_event *ev = NULL;
    if (strcmp(o->event_kind, "struct") == 0) {
        if (snowplow_event_structured_new(&ev, "bench", "track", "label", NULL) != 0 ||
            snowplow_event_set_double(ev, "value", 13.99) != 0)
            die("structured event");
        return ev;
    }
    snowplow_sdjson *data = NULL, *context = NULL;
    if (snowplow_sdjson_new(&data, SD_SCHEMA, SD_DATA) != 0 ||
        snowplow_sdjson_new(&context, CONTEXT_SCHEMA, CONTEXT_DATA) != 0)
        die("snowplow_sdjson_new");
    if (snowplow_event_self_describing_new(&ev, data) != 0 ||
        snowplow_event_add_context(ev, context) != 0)
        die("self-describing event");
    snowplow_sdjson_free(data);
    snowplow_sdjson_free(context);
    return ev;
}

/* Resident set size now, in kB (0 when /proc is not there). */
static long current_rss_kb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages_total = 0, pages_resident = 0;
    if (f == NULL)
        return 0;
    if (fscanf(f, "%ld %ld", &pages_total, &pages_resident) != 2)
        pages_resident = 0;
    fclose(f);
    return pages_resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Wait (outside the timed calls) until fewer than `window` events are
 * outstanding; window 0 never waits. */
static void wait_for_room(counters *c, long tracked, long window)
{
    if (window <= 0)
        return;
    for (int spins = 0;; spins++) {
        uint64_t done = atomic_load(&c->sent_events) + atomic_load(&c->failed_events);
        if ((uint64_t)tracked < done + (uint64_t)window)
            return;
        if (spins < 100) {
            sched_yield();
        } else {
            struct timespec pause = {0, 50000};
            nanosleep(&pause, NULL);
        }
    }
}

/* The result line, one "key":value at a time. */
static int fields_written;

static void out_key(const char *key)
{
    printf("%s\"%s\":", fields_written++ ? "," : "{", key);
}

static void out_int(const char *key, long long value)
{
    out_key(key);
    printf("%lld", value);
}

static void out_num(const char *key, double value, int decimals)
{
    out_key(key);
    printf("%.*f", decimals, value);
}

static void out_str(const char *key, const char *value)
{
    out_key(key); /* values are fixed words: nothing to escape */
    printf("\"%s\"", value);
}

static void out_bool(const char *key, int value)
{
    out_key(key);
    fputs(value ? "true" : "false", stdout);
}

static int by_value(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The q-quantile (0 < q <= 1) of sorted values, nearest-rank. */
static uint64_t quantile(const uint64_t *sorted, size_t n, double q)
{
    size_t rank = (size_t)ceil(q * (double)n);
    if (rank < 1)
        rank = 1;
    return sorted[rank - 1];
}

/* Median cost of the two clock reads around a call, included in every timing. */
static uint64_t clock_overhead_ns(void)
{
    enum { SAMPLES = 10001 };
    static uint64_t samples[SAMPLES];
    for (int i = 0; i < SAMPLES; i++) {
        int64_t t0 = now_ns();
        int64_t t1 = now_ns();
        samples[i] = (uint64_t)(t1 - t0);
    }
    qsort(samples, SAMPLES, sizeof samples[0], by_value);
    return samples[SAMPLES / 2];
}

int main(int argc, char **argv)
{
    options o = parse_args(argc, argv);
    counters c;
    atomic_init(&c.sent_events, 0);
    atomic_init(&c.failed_events, 0);
    atomic_init(&c.retried_events, 0);
    atomic_init(&c.requests, 0);
    atomic_init(&c.bytes, 0);
    atomic_init(&c.event_bytes, 0);
    atomic_init(&c.last_callback_ns, 0);
    c.post = o.method == SNOWPLOW_METHOD_POST;

    size_t n = (size_t)o.events;
    uint64_t *durations = malloc(n * sizeof *durations);
    if (durations == NULL) {
        fprintf(stderr, "snowplow-bench: out of memory for %zu timings\n", n);
        return 1;
    }
    memset(durations, 0, n * sizeof *durations); /* resident before the base RSS */

    snowplow_emitter *em = NULL;
    snowplow_tracker *tracker = make_tracker(&o, &c, &em);
    snowplow_event *ev = make_event(&o);
    uint64_t clock_ns = clock_overhead_ns();
    if (o.warmup > 0) {
        /* Grow the heap and fill the record pool, deliver, then start counting. */
        for (long i = 0; i < o.warmup; i++)
            if (snowplow_tracker_track(NULL, tracker, ev) != 0)
                die("warm-up track");
        if (snowplow_tracker_flush(tracker, (int)o.flush_timeout_ms) != 0)
            die("warm-up flush");
        atomic_store(&c.sent_events, 0);
        atomic_store(&c.failed_events, 0);
        atomic_store(&c.retried_events, 0);
        atomic_store(&c.requests, 0);
        atomic_store(&c.bytes, 0);
    }
    long rss_base_kb = current_rss_kb();

    long track_errors = 0;
    struct rusage ru_before, ru_after; /* this thread's faults and switches while tracking */
    getrusage(RUSAGE_THREAD, &ru_before);
    int64_t first_track_ns = now_ns();
    for (size_t i = 0; i < n; i++) {
        wait_for_room(&c, (long)i - track_errors, o.window);
        int64_t t0 = now_ns();
        int rc = snowplow_tracker_track(NULL, tracker, ev);
        int64_t t1 = now_ns();
        durations[i] = (uint64_t)(t1 - t0);
        if (rc != 0 && track_errors++ == 0)
            fprintf(stderr, "snowplow-bench: track: %s\n", snowplow_error_last());
    }
    int64_t tracked_ns = now_ns();
    getrusage(RUSAGE_THREAD, &ru_after);
    long rss_tracked_kb = current_rss_kb();
    int flush_rc = snowplow_tracker_flush(tracker, (int)o.flush_timeout_ms);
    int64_t flushed_ns = now_ns();
    if (flush_rc != 0)
        fprintf(stderr, "snowplow-bench: flush: %s\n", snowplow_error_last());

    int64_t last_ns = atomic_load(&c.last_callback_ns);
    int64_t end_ns = last_ns > first_track_ns ? last_ns : flushed_ns;
    double seconds = (double)(end_ns - first_track_ns) / 1e9;
    uint64_t dropped = snowplow_emitter_counter(em, SNOWPLOW_COUNTER_DROPPED);

    double mean_ns = 0;
    for (size_t i = 0; i < n; i++)
        mean_ns += (double)durations[i] / (double)n;
    qsort(durations, n, sizeof *durations, by_value);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);

    /* Close before printing, so that events abandoned by the close (reported
     * through on_failure) count as failed and the close's memory shows. */
    int64_t close_start_ns = now_ns();
    snowplow_event_free(ev);
    snowplow_tracker_free(tracker);
    snowplow_emitter_free(em);
    double close_s = (double)(now_ns() - close_start_ns) / 1e9;
    struct rusage ru_closed;
    getrusage(RUSAGE_SELF, &ru_closed);

    out_int("events", o.events);
    out_str("method", c.post ? "post" : "get");
    out_int("batch", o.batch);
    out_int("threads", o.threads);
    out_int("inflight", o.inflight);
    out_str("transport", o.redis_url != NULL ? "redis" : "http");
    out_str("event", o.event_kind);
    out_num("events_per_s", seconds > 0 ? (double)n / seconds : 0.0, 0);
    out_int("track_ns_p50", (long long)quantile(durations, n, 0.50));
    out_int("track_ns_p95", (long long)quantile(durations, n, 0.95));
    out_int("track_ns_p98", (long long)quantile(durations, n, 0.98));
    out_int("track_ns_p99", (long long)quantile(durations, n, 0.99));
    out_int("track_ns_p999", (long long)quantile(durations, n, 0.999));
    out_int("track_ns_max", (long long)durations[n - 1]);
    out_num("track_ns_mean", mean_ns, 0);
    out_int("track_minor_faults", ru_after.ru_minflt - ru_before.ru_minflt);
    out_int("track_preemptions", ru_after.ru_nivcsw - ru_before.ru_nivcsw);
    out_int("track_waits", ru_after.ru_nvcsw - ru_before.ru_nvcsw);
    out_int("peak_rss_kb", ru.ru_maxrss);
    out_int("rss_base_kb", rss_base_kb);
    out_int("rss_tracked_kb", rss_tracked_kb);
    out_int("peak_rss_close_kb", ru_closed.ru_maxrss);
    out_int("clock_overhead_ns", (long long)clock_ns);
    out_int("requests", (long long)atomic_load(&c.requests));
    if (c.post)
        out_int("bytes", (long long)atomic_load(&c.bytes));
    out_int("failed", (long long)atomic_load(&c.failed_events));
    out_int("sent", (long long)atomic_load(&c.sent_events));
    out_int("retried", (long long)atomic_load(&c.retried_events));
    out_int("dropped", (long long)dropped);
    out_int("track_errors", track_errors);
    out_num("track_s", (double)(tracked_ns - first_track_ns) / 1e9, 3);
    out_num("elapsed_s", seconds, 3);
    out_num("close_s", close_s, 3);
    out_int("window", o.window);
    out_int("byte_limit", (long long)byte_limit_for(&o));
    out_int("queue_events", (long long)queue_events_for(&o));
    out_str("full_policy", o.full_policy == SNOWPLOW_FULL_BLOCK         ? "block"
                           : o.full_policy == SNOWPLOW_FULL_DROP_OLDEST ? "drop-oldest"
                                                                        : "drop-newest");
    out_bool("store", o.store != NULL);
    out_bool("flushed", flush_rc == 0);
    puts("}");
    fflush(stdout);
    free(durations);
    uint64_t failed = atomic_load(&c.failed_events);
    return failed == 0 && track_errors == 0 && flush_rc == 0 ? 0 : 1;
}
