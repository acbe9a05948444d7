/*
 * snowplow-track: what became of the events. The emitter's failure callback
 * tallies events given up for good by reason; bad input lines are counted by
 * the reader; the summary and the exit status are computed from both and from
 * the emitter's counters.
 */
#ifndef SNOWPLOW_TRACK_OUTCOME_H
#define SNOWPLOW_TRACK_OUTCOME_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include <snowplow.h>

#define TRACK_MAX_REASONS 16

typedef struct track_reason {
    char text[160]; /* "HTTP 500", "Couldn't connect to server", ... */
    int status;     /* HTTP status, 0 when none */
    uint64_t events;
} track_reason;

typedef struct track_outcome track_outcome;

struct track_outcome {
    pthread_mutex_t lock;
    track_reason reasons[TRACK_MAX_REASONS];
    size_t n_reasons;
    uint64_t other_reasons; /* events whose reason did not fit in the table */
    int first_status;       /* status of the first failure given up, -1 before any */
    uint64_t bad_lines;     /* input that could not become an event */
    uint64_t read_lines;
    int input_errors;       /* unreadable files */
    const char *store;      /* where undelivered events stay, or NULL */
    /* the progress line */
    int progress;
    double started;
    double last_progress;
};

void track_outcome_init(track_outcome *o, int progress, const char *store);
void track_outcome_destroy(track_outcome *o);

/* The emitter's on_failure callback; payload is the track_outcome. */
void track_outcome_on_failure(const snowplow_result *result, void *payload);

/* Print "where: reason" for bad input, clearing the progress line first. */
void track_outcome_bad_line(track_outcome *o, const char *file, uint64_t line,
                            const char *reason);

/* Redraw the progress line when due (or at once with force). */
void track_outcome_progress(track_outcome *o, const snowplow_emitter *e, int force);

/* Wait until every tracked event was delivered or given up, or until
 * deadline (monotonic seconds) passes; redraws the progress line meanwhile. */
void track_outcome_wait(track_outcome *o, snowplow_emitter *e, double deadline);

/* Print the summary (always on failure; on success only when progress is shown)
 * and return the exit status. Counters are read from the closed emitter. */
int track_outcome_finish(track_outcome *o, const snowplow_emitter *e);

/* Seconds on the monotonic clock. */
double track_now(void);

#endif /* SNOWPLOW_TRACK_OUTCOME_H */
