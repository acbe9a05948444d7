/* snowplow-track: tally of failures, the progress line, the summary, the exit status. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "track.h"
#include "track_outcome.h"

#define PROGRESS_INTERVAL_S 0.25

double track_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void track_outcome_init(track_outcome *o, int progress, const char *store)
{
    memset(o, 0, sizeof(*o));
    pthread_mutex_init(&o->lock, NULL);
    o->first_status = -1;
    o->progress = progress;
    o->store = store;
    o->started = track_now();
}

void track_outcome_destroy(track_outcome *o)
{
    pthread_mutex_destroy(&o->lock);
}

/* Runs on a sending thread (or on the thread that closes the emitter). Only
 * events given up for good count: a failure that will be retried is not one. */
void track_outcome_on_failure(const snowplow_result *result, void *payload)
{
    track_outcome *o = payload;
    if (snowplow_result_will_retry(result))
        return;
    const char *reason = snowplow_result_reason(result);
    int status = snowplow_result_status(result);
    uint64_t n = snowplow_result_event_count(result);
    pthread_mutex_lock(&o->lock);
    if (o->first_status < 0)
        o->first_status = status;
    size_t i = 0;
    while (i < o->n_reasons && strcmp(o->reasons[i].text, reason) != 0)
        i++;
    if (i == o->n_reasons && i < TRACK_MAX_REASONS) {
        snprintf(o->reasons[i].text, sizeof(o->reasons[i].text), "%s", reason);
        o->reasons[i].status = status;
        o->n_reasons++;
    }
    if (i < o->n_reasons)
        o->reasons[i].events += n;
    else
        o->other_reasons += n;
    pthread_mutex_unlock(&o->lock);
}

static void clear_progress(track_outcome *o)
{
    if (o->progress && o->last_progress > 0)
        fputs("\r\033[K", stderr);
}

void track_outcome_bad_line(track_outcome *o, const char *file, uint64_t line,
                            const char *reason)
{
    clear_progress(o);
    o->bad_lines++;
    fprintf(stderr, "snowplow-track: %s:%" PRIu64 ": %s\n", file, line, reason);
}

void track_outcome_progress(track_outcome *o, const snowplow_emitter *e, int force)
{
    if (!o->progress)
        return;
    double now = track_now();
    if (!force && now - o->last_progress < PROGRESS_INTERVAL_S)
        return;
    o->last_progress = now;
    uint64_t sent = snowplow_emitter_counter(e, SNOWPLOW_COUNTER_SENT);
    uint64_t failed = snowplow_emitter_counter(e, SNOWPLOW_COUNTER_FAILED) +
                      snowplow_emitter_counter(e, SNOWPLOW_COUNTER_DROPPED);
    double elapsed = now - o->started;
    double rate = elapsed > 0 ? (double)sent / elapsed : 0;
    fprintf(stderr, "\r\033[K%" PRIu64 " read, %" PRIu64 " sent, %" PRIu64
                    " failed, %" PRIu64 " bad lines, %.0f events/s",
            o->read_lines, sent, failed, o->bad_lines, rate);
    fflush(stderr);
}

static uint64_t settled(const snowplow_emitter *e)
{
    return snowplow_emitter_counter(e, SNOWPLOW_COUNTER_SENT) +
           snowplow_emitter_counter(e, SNOWPLOW_COUNTER_FAILED) +
           snowplow_emitter_counter(e, SNOWPLOW_COUNTER_DROPPED);
}

void track_outcome_wait(track_outcome *o, snowplow_emitter *e, double deadline)
{
    /* Send what is queued now, without lingering; then watch the counters:
     * retried events keep them apart until delivered or given up. */
    snowplow_emitter_flush_async(e);
    while (settled(e) < snowplow_emitter_counter(e, SNOWPLOW_COUNTER_TRACKED)) {
        if (track_now() >= deadline)
            break;
        track_outcome_progress(o, e, 0);
        usleep(2000);
    }
}

int track_outcome_finish(track_outcome *o, const snowplow_emitter *e)
{
    uint64_t tracked = snowplow_emitter_counter(e, SNOWPLOW_COUNTER_TRACKED);
    uint64_t sent = snowplow_emitter_counter(e, SNOWPLOW_COUNTER_SENT);
    uint64_t failed = snowplow_emitter_counter(e, SNOWPLOW_COUNTER_FAILED);
    uint64_t dropped = snowplow_emitter_counter(e, SNOWPLOW_COUNTER_DROPPED);
    uint64_t kept = tracked > sent + failed + dropped ? tracked - sent - failed - dropped : 0;
    double elapsed = track_now() - o->started;
    int ok = sent == tracked && o->bad_lines == 0 && o->input_errors == 0;

    if (o->progress) {
        track_outcome_progress(o, e, 1);
        fputc('\n', stderr);
    }
    if (ok && !o->progress)
        return TRACK_EXIT_OK;
    fprintf(stderr, "snowplow-track: %" PRIu64 " of %" PRIu64 " events delivered in %.2f s",
            sent, tracked, elapsed);
    if (o->read_lines > 0)
        fprintf(stderr, "; %" PRIu64 " lines read, %" PRIu64 " bad", o->read_lines,
                o->bad_lines);
    fputc('\n', stderr);
    if (ok)
        return TRACK_EXIT_OK;
    for (size_t i = 0; i < o->n_reasons; i++)
        fprintf(stderr, "snowplow-track:   %" PRIu64 " failed: %s\n", o->reasons[i].events,
                o->reasons[i].text);
    if (o->other_reasons > 0)
        fprintf(stderr, "snowplow-track:   %" PRIu64 " failed for other reasons\n",
                o->other_reasons);
    if (dropped > 0)
        fprintf(stderr, "snowplow-track:   %" PRIu64 " dropped: the queue was full\n", dropped);
    if (kept > 0 && o->store != NULL)
        fprintf(stderr, "snowplow-track:   %" PRIu64 " not delivered yet, kept in the store %s "
                        "for the next run\n", kept, o->store);
    else if (kept > 0)
        fprintf(stderr, "snowplow-track:   %" PRIu64 " not delivered in time\n", kept);
    if (o->bad_lines > 0)
        fprintf(stderr, "snowplow-track:   %" PRIu64 " bad input lines (reported above)\n",
                o->bad_lines);
    if (o->input_errors > 0)
        fprintf(stderr, "snowplow-track:   %d input(s) not read to the end\n",
                o->input_errors);

    /* As the official CLI: the class of the collector's answer decides, 1 otherwise. */
    if (o->bad_lines > 0 || o->input_errors > 0)
        return TRACK_EXIT_FAILED;
    if (o->first_status >= 400 && o->first_status < 500)
        return TRACK_EXIT_HTTP_4XX;
    if (o->first_status >= 500 && o->first_status < 600)
        return TRACK_EXIT_HTTP_5XX;
    return TRACK_EXIT_FAILED;
}
