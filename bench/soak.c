/*
 * snowplow-soak: track N events at a steady rate into a collector that
 * misbehaves (bench/soak_collector.py, driven by bench/soak.sh) and check the
 * accounting exactly:
 *   - counters: TRACKED = SENT + FAILED + DROPPED once closed;
 *   - reports: every event (its se_la is its index) gets exactly one final
 *     report (sent, or failed with will_retry 0), of the kind its counter says;
 *   - the stand-in: every event reported sent arrived there, and nothing else
 *     did (arrivals read from its control port; duplicates counted apart);
 *   - resources: RSS sampled every second (the slope after warm-up, by least
 *     squares), and threads and file descriptors before the emitter and after
 *     it is freed.
 *
 *   snowplow-soak --endpoint URL --control URL --events N [--rate EV_PER_S]
 *                 [--threads N] [--batch N] [--max-attempts N] [--json FILE]
 *
 * Exit 0 when every check holds, 1 otherwise (what failed is printed).
 */
#include <curl/curl.h>
#include <dirent.h>
#include <getopt.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "snowplow.h"

typedef struct soak_options {
    const char *endpoint;
    const char *control;
    long events;
    double rate;
    int threads;
    int batch;
    int max_attempts;
    const char *json;
} soak_options;

/* What the callbacks saw, per event index and in total. */
typedef struct reports {
    _Atomic unsigned char *final_sent;   /* per index: final "sent" reports */
    _Atomic unsigned char *final_failed; /* per index: final failure reports */
    atomic_ullong retry_reports;         /* events in will_retry reports */
    atomic_ullong unparsable;            /* events whose index could not be read */
    long events;
} reports;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
    if (s <= 0)
        return;
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

/* Zero `n` bytes and make every page of them resident now. Through a volatile
 * pointer: the compiler turns malloc + memset(0) into calloc, whose pages would
 * only be touched later, one by one, as the soak writes them. */
static void resident(void *p, size_t n)
{
    volatile unsigned char *c = p;
    for (size_t i = 0; i < n; i++)
        c[i] = 0;
}

static void *nothing(void *arg)
{
    return arg;
}

static void die(const char *what)
{
    fprintf(stderr, "snowplow-soak: %s: %s\n", what, snowplow_error_last());
    exit(2);
}

/* The se_la field of an event's JSON: its index, or -1. */
static long event_index(const char *json)
{
    const char *p = json ? strstr(json, "\"se_la\":\"") : NULL;
    if (!p)
        return -1;
    char *end;
    long i = strtol(p + 9, &end, 10);
    return *end == '"' ? i : -1;
}

static void on_result(const snowplow_result *r, void *payload)
{
    reports *rep = payload;
    size_t n = snowplow_result_event_count(r);
    if (snowplow_result_will_retry(r)) {
        atomic_fetch_add(&rep->retry_reports, n);
        return;
    }
    bool sent = snowplow_result_get_kind(r) == SNOWPLOW_RESULT_SENT;
    for (size_t k = 0; k < n; k++) {
        long i = event_index(snowplow_result_event_json(r, k));
        if (i < 0 || i >= rep->events) {
            atomic_fetch_add(&rep->unparsable, 1);
            continue;
        }
        atomic_fetch_add(sent ? &rep->final_sent[i] : &rep->final_failed[i], 1);
    }
}

/* Resident set size (kB), threads and open descriptors of this process. */
static long rss_kb(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Bytes the allocator has handed out and not got back (glibc), in kB: tells a
 * leak (it grows) from fragmentation or caches (RSS grows, this does not). */
static long heap_in_use_kb(void)
{
    struct mallinfo2 mi = mallinfo2();
    return (long)((mi.uordblks + mi.hblkhd) / 1024);
}

static int thread_count(void)
{
    char line[256];
    int n = -1;
    FILE *f = fopen("/proc/self/status", "r");
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "Threads: %d", &n) == 1)
            break;
    if (f)
        fclose(f);
    return n;
}

static int fd_count(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    if (d)
        closedir(d);
    return n - 1; /* the directory stream's own descriptor */
}

/* RSS slope in kB per minute by least squares over samples [from, n). */
static double slope_kb_per_min(const double *t, const long *rss, size_t from, size_t n)
{
    if (n < from + 2)
        return 0;
    double st = 0, sr = 0, stt = 0, str = 0, m = (double)(n - from);
    for (size_t i = from; i < n; i++) {
        st += t[i];
        sr += (double)rss[i];
        stt += t[i] * t[i];
        str += t[i] * (double)rss[i];
    }
    double den = m * stt - st * st;
    return den == 0 ? 0 : (m * str - st * sr) / den * 60.0;
}

typedef struct buf {
    char *data;
    size_t len;
} buf;

static size_t collect(char *p, size_t size, size_t n, void *userdata)
{
    buf *b = userdata;
    char *grown = realloc(b->data, b->len + size * n + 1);
    if (!grown)
        return 0;
    memcpy(grown + b->len, p, size * n);
    b->data = grown;
    b->len += size * n;
    b->data[b->len] = '\0';
    return size * n;
}

/* GET control URL + path into `out` (caller frees out->data); 0 or -1. */
static int control_get(const char *control, const char *path, buf *out)
{
    char url[512];
    snprintf(url, sizeof url, "%s%s", control, path);
    *out = (buf){0};
    CURL *h = curl_easy_init();
    if (!h)
        return -1;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(h, CURLOPT_PROXY, "");
    CURLcode rc = curl_easy_perform(h);
    curl_easy_cleanup(h);
    return rc == CURLE_OK ? 0 : -1;
}

static soak_options parse_args(int argc, char **argv)
{
    soak_options o = {NULL, NULL, 100000, 5000, 2, 50, 6, NULL};
    static const struct option longopts[] = {
        {"endpoint", required_argument, NULL, 'e'}, {"control", required_argument, NULL, 'c'},
        {"events", required_argument, NULL, 'n'},   {"rate", required_argument, NULL, 'r'},
        {"threads", required_argument, NULL, 't'},  {"batch", required_argument, NULL, 'b'},
        {"max-attempts", required_argument, NULL, 'm'}, {"json", required_argument, NULL, 'j'},
        {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'e': o.endpoint = optarg; break;
        case 'c': o.control = optarg; break;
        case 'n': o.events = atol(optarg); break;
        case 'r': o.rate = atof(optarg); break;
        case 't': o.threads = atoi(optarg); break;
        case 'b': o.batch = atoi(optarg); break;
        case 'm': o.max_attempts = atoi(optarg); break;
        case 'j': o.json = optarg; break;
        default: exit(2);
        }
    }
    if (!o.endpoint || !o.control || o.events < 1 || o.rate <= 0) {
        fprintf(stderr, "usage: snowplow-soak --endpoint URL --control URL --events N "
                        "[--rate EV_PER_S] [--threads N] [--batch N] [--max-attempts N] "
                        "[--json FILE]\n");
        exit(2);
    }
    return o;
}

static snowplow_tracker *make_tracker(const soak_options *o, reports *rep,
                                      snowplow_emitter **em_out)
{
    snowplow_emitter_options *eo = NULL;
    if (snowplow_emitter_options_new(&eo) || snowplow_emitter_options_set_endpoint(eo, o->endpoint) ||
        snowplow_emitter_options_set_thread_count(eo, o->threads) ||
        snowplow_emitter_options_set_batch_size(eo, o->batch) ||
        snowplow_emitter_options_set_retry(eo, 100, 2000, o->max_attempts) ||
        snowplow_emitter_options_set_request_timeout_ms(eo, 5000) ||
        snowplow_emitter_options_set_on_success(eo, on_result, rep) ||
        snowplow_emitter_options_set_on_failure(eo, on_result, rep))
        die("emitter options");
    snowplow_emitter *em = NULL;
    if (snowplow_emitter_new(&em, eo))
        die("snowplow_emitter_new");
    snowplow_tracker_options *to = NULL;
    snowplow_tracker *tracker = NULL;
    if (snowplow_tracker_options_new(&to) || snowplow_tracker_options_set_namespace(to, "soak") ||
        snowplow_tracker_options_set_app_id(to, "soak") ||
        snowplow_tracker_options_add_emitter(to, em) || snowplow_tracker_new(&tracker, to))
        die("tracker");
    *em_out = em;
    return tracker;
}

int main(int argc, char **argv)
{
    soak_options o = parse_args(argc, argv);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    reports rep = {malloc((size_t)o.events), malloc((size_t)o.events), 0, 0, o.events};
    size_t max_samples = (size_t)(o.events / o.rate) * 4 + 3600;
    double *ts = malloc(max_samples * sizeof *ts);
    long *rss = malloc(max_samples * sizeof *rss);
    long *heap = malloc(max_samples * sizeof *heap);
    if (!rep.final_sent || !rep.final_failed || !ts || !rss || !heap)
        die("out of memory");
    /* Written now, so that the soak's own bookkeeping is resident from the start
     * and the RSS slope measures the library, not these pages being touched. */
    resident((void *)rep.final_sent, (size_t)o.events);
    resident((void *)rep.final_failed, (size_t)o.events);
    resident(ts, max_samples * sizeof *ts);
    resident(rss, max_samples * sizeof *rss);
    resident(heap, max_samples * sizeof *heap);
    /* A first thread created and joined, so that a sanitizer runtime's own helper
     * thread (TSan starts one then) exists before the count. */
    pthread_t first;
    if (pthread_create(&first, NULL, nothing, NULL) == 0)
        pthread_join(first, NULL);
    sleep_s(0.1);
    int threads_before = thread_count(), fds_before = fd_count();

    snowplow_emitter *em = NULL;
    snowplow_tracker *tracker = make_tracker(&o, &rep, &em);
    snowplow_event *ev = NULL;
    if (snowplow_event_structured_new(&ev, "soak", "n", "0", NULL))
        die("event");

    double start = now_s(), next_sample = start, next_print = start + 10;
    size_t samples = 0;
    long refused = 0, errors = 0;
    for (long i = 0; i < o.events; i++) {
        char label[24];
        snprintf(label, sizeof label, "%ld", i);
        if (snowplow_event_set_string(ev, "label", label))
            die("label");
        int rc = snowplow_tracker_track(NULL, tracker, ev);
        if (rc == SNOWPLOW_EFULL)
            refused++;
        else if (rc != 0)
            errors++;
        /* Pace: event i is due at start + i / rate. */
        double due = start + (double)(i + 1) / o.rate, t = now_s();
        if (due > t)
            sleep_s(due - t);
        if (t >= next_sample && samples < max_samples) {
            ts[samples] = t - start;
            heap[samples] = heap_in_use_kb();
            rss[samples++] = rss_kb();
            next_sample += 1.0;
        }
        if (t >= next_print) {
            next_print += 10;
            fprintf(stderr, "%6.0f s  tracked %ld  sent %llu  failed %llu  dropped %llu  "
                            "retried %llu  queued %llu  rss %ld kB  heap %ld kB\n",
                    t - start, i + 1,
                    (unsigned long long)snowplow_emitter_counter(em, SNOWPLOW_COUNTER_SENT),
                    (unsigned long long)snowplow_emitter_counter(em, SNOWPLOW_COUNTER_FAILED),
                    (unsigned long long)snowplow_emitter_counter(em, SNOWPLOW_COUNTER_DROPPED),
                    (unsigned long long)snowplow_emitter_counter(em, SNOWPLOW_COUNTER_RETRIED),
                    (unsigned long long)snowplow_emitter_counter(em, SNOWPLOW_COUNTER_QUEUED),
                    rss_kb(), heap_in_use_kb());
        }
    }
    double tracking_s = now_s() - start;
    snowplow_event_free(ev);

    /* One attempt for everything, then up to a minute for the retries; what is
     * left is reported "emitter closed". */
    double t0 = now_s();
    int flush_rc = snowplow_tracker_flush(tracker, 120000);
    double flush_s = now_s() - t0;
    t0 = now_s();
    int close_rc = snowplow_emitter_close(em, 60000);
    double close_s = now_s() - t0;
    unsigned long long c[6];
    static const snowplow_counter which[6] = {SNOWPLOW_COUNTER_TRACKED, SNOWPLOW_COUNTER_SENT,
                                              SNOWPLOW_COUNTER_FAILED, SNOWPLOW_COUNTER_DROPPED,
                                              SNOWPLOW_COUNTER_RETRIED, SNOWPLOW_COUNTER_QUEUED};
    for (int k = 0; k < 6; k++)
        c[k] = snowplow_emitter_counter(em, which[k]);
    snowplow_tracker_free(tracker);
    snowplow_emitter_free(em);
    sleep_s(0.2); /* a detached helper thread, if any, ends */
    int threads_after = thread_count(), fds_after = fd_count();

    /* Per-event reports against the counters and the stand-in's arrivals. */
    buf arrivals, stats;
    if (control_get(o.control, "/arrivals", &arrivals) || arrivals.len != (size_t)o.events ||
        control_get(o.control, "/stats", &stats)) {
        fprintf(stderr, "snowplow-soak: cannot read the stand-in's arrivals\n");
        return 2;
    }
    long no_report = 0, two_reports = 0, sent_rep = 0, failed_rep = 0, sent_missing = 0,
         failed_arrived = 0, duplicates = 0;
    for (long i = 0; i < o.events; i++) {
        int s = rep.final_sent[i], f = rep.final_failed[i];
        unsigned char a = (unsigned char)arrivals.data[i];
        if (s + f == 0)
            no_report++;
        if (s + f > 1)
            two_reports++;
        sent_rep += s;
        failed_rep += f;
        if (s && a == 0)
            sent_missing++;
        if (!s && a > 0)
            failed_arrived++; /* possible only where an answer was lost */
        if (a > 1)
            duplicates++;
    }
    size_t warm = samples / 5; /* the first fifth is warm-up */
    double slope = slope_kb_per_min(ts, rss, warm, samples);
    double heap_slope = slope_kb_per_min(ts, heap, warm, samples);
    long rss_warm = samples > warm ? rss[warm] : 0, rss_last = samples ? rss[samples - 1] : 0,
         rss_peak = 0;
    for (size_t k = 0; k < samples; k++)
        if (rss[k] > rss_peak)
            rss_peak = rss[k];

    bool ok = true;
#define CHECK(cond, ...)                                                                      \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            ok = false;                                                                       \
            fprintf(stderr, "snowplow-soak: FAILED: " __VA_ARGS__);                           \
            fputc('\n', stderr);                                                              \
        }                                                                                     \
    } while (0)
    CHECK(errors == 0, "%ld tracks failed with an error other than EFULL", errors);
    CHECK(c[0] == (unsigned long long)o.events, "tracked %llu, expected %ld", c[0], o.events);
    CHECK(c[0] == c[1] + c[2] + c[3], "tracked %llu != sent %llu + failed %llu + dropped %llu",
          c[0], c[1], c[2], c[3]);
    CHECK(c[5] == 0, "%llu still queued after close", c[5]);
    CHECK(no_report == 0, "%ld events without a final report", no_report);
    CHECK(two_reports == 0, "%ld events with two final reports", two_reports);
    CHECK(rep.unparsable == 0, "%llu reported events without an index",
          (unsigned long long)rep.unparsable);
    CHECK((unsigned long long)sent_rep == c[1], "sent reports %ld != SENT %llu", sent_rep, c[1]);
    CHECK((unsigned long long)failed_rep == c[2] + c[3],
          "failure reports %ld != FAILED + DROPPED %llu", failed_rep, c[2] + c[3]);
    CHECK((unsigned long long)refused == c[3], "track refused %ld, DROPPED %llu", refused, c[3]);
    CHECK(sent_missing == 0, "%ld events reported sent never reached the stand-in", sent_missing);
    CHECK(threads_after == threads_before, "threads %d before, %d after", threads_before,
          threads_after);
    CHECK(fds_after == fds_before, "descriptors %d before, %d after", fds_before, fds_after);

    char summary[2048];
    snprintf(summary, sizeof summary,
             "{\"events\": %ld, \"rate\": %.0f, \"tracking_s\": %.1f, \"flush_rc\": %d, "
             "\"flush_s\": %.2f, \"close_rc\": %d, \"close_s\": %.2f, \"tracked\": %llu, "
             "\"sent\": %llu, \"failed\": %llu, \"dropped\": %llu, \"retried\": %llu, "
             "\"retry_reports\": %llu, \"no_report\": %ld, \"sent_missing\": %ld, "
             "\"failed_but_arrived\": %ld, \"duplicates\": %ld, \"rss_kb_after_warmup\": %ld, "
             "\"rss_kb_last\": %ld, \"rss_kb_peak\": %ld, \"rss_slope_kb_per_min\": %.1f, "
             "\"heap_kb_after_warmup\": %ld, \"heap_kb_last\": %ld, "
             "\"heap_slope_kb_per_min\": %.1f, "
             "\"threads_before\": %d, \"threads_after\": %d, \"fds_before\": %d, "
             "\"fds_after\": %d, \"stand_in\": %s, \"ok\": %s}\n",
             o.events, o.rate, tracking_s, flush_rc, flush_s, close_rc, close_s, c[0], c[1],
             c[2], c[3], c[4], (unsigned long long)rep.retry_reports, no_report, sent_missing,
             failed_arrived, duplicates, rss_warm, rss_last, rss_peak, slope,
             samples > warm ? heap[warm] : 0, samples ? heap[samples - 1] : 0, heap_slope,
             threads_before,
             threads_after, fds_before, fds_after, stats.data, ok ? "true" : "false");
    fputs(summary, stdout);
    if (o.json) {
        FILE *f = fopen(o.json, "w");
        if (f) {
            fputs(summary, f);
            fclose(f);
        }
    }
    free(arrivals.data);
    free(stats.data);
    free((void *)rep.final_sent);
    free((void *)rep.final_failed);
    free(ts);
    free(rss);
    free(heap);
    curl_global_cleanup();
    return ok ? 0 : 1;
}
