/*
 * snowplow-track: send events to a Snowplow collector from the command line.
 * One event from flags (the official tracking CLI's, and more), or NDJSON
 * events from files or standard input (--bulk) at the emitter's full speed.
 * The exit status says whether every event was delivered; see
 * snowplow-track(1) and docs/snowplow-track.md.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "track.h"
#include "track_outcome.h"

/* How often (in lines) bulk mode looks at the clock for the progress line. */
#define PROGRESS_EVERY_LINES 4096

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* Track ev with the global contexts; a refusal is reported as the line's. */
static int track_one(snowplow_tracker *tracker, snowplow_event *ev, const track_contexts *ctx,
                     track_outcome *o, const char *file, uint64_t line)
{
    if (track_contexts_attach(ev, ctx) != 0 || snowplow_tracker_track(NULL, tracker, ev) != 0) {
        int code = snowplow_error_last_code();
        if (file != NULL)
            track_outcome_bad_line(o, file, line, snowplow_error_last());
        else
            fprintf(stderr, "snowplow-track: %s\n", snowplow_error_last());
        return code;
    }
    return 0;
}

/* Every line of one input. Returns -1 when tracking cannot go on at all. */
static int read_input(FILE *in, const char *name, snowplow_tracker *tracker,
                      const snowplow_emitter *emitter, const track_contexts *ctx,
                      track_outcome *o)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    uint64_t number = 0;
    char err[512];
    int rc = 0;
    while (!interrupted && (len = getline(&line, &cap, in)) >= 0) {
        number++;
        o->read_lines++;
        if (len > 0 && line[len - 1] == '\n')
            line[--len] = '\0';
        if (len > 0 && line[len - 1] == '\r')
            line[--len] = '\0';
        char *text = line;
        if (number == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
            text += 3; /* a byte order mark some editors write */
            len -= 3;
        }
        snowplow_event *ev;
        if (len == 0) {
            track_outcome_bad_line(o, name, number, "empty line");
        } else if (track_event_from_line(&ev, text, (size_t)len, err, sizeof(err)) != 0) {
            track_outcome_bad_line(o, name, number, err);
        } else {
            int code = track_one(tracker, ev, ctx, o, name, number);
            snowplow_event_free(ev);
            if (code == SNOWPLOW_ECLOSED || code == SNOWPLOW_ESYS) {
                rc = -1;
                break;
            }
        }
        if (o->progress && number % PROGRESS_EVERY_LINES == 0)
            track_outcome_progress(o, emitter, 0);
    }
    if (ferror(in) && !interrupted) {
        fprintf(stderr, "snowplow-track: %s: read error: %s\n", name, strerror(errno));
        o->input_errors++;
    }
    free(line);
    return rc;
}

static void read_inputs(const track_config *cfg, snowplow_tracker *tracker,
                        const snowplow_emitter *emitter, const track_contexts *ctx,
                        track_outcome *o)
{
    static char *standard_input[] = {"-"};
    char **files = cfg->n_files ? cfg->files : standard_input;
    size_t n = cfg->n_files ? cfg->n_files : 1;
    for (size_t i = 0; i < n && !interrupted; i++) {
        int is_stdin = strcmp(files[i], "-") == 0;
        FILE *in = is_stdin ? stdin : fopen(files[i], "r");
        if (in == NULL) {
            fprintf(stderr, "snowplow-track: %s: %s\n", files[i], strerror(errno));
            o->input_errors++;
            continue;
        }
        int rc = read_input(in, is_stdin ? "<stdin>" : files[i], tracker, emitter, ctx, o);
        if (!is_stdin)
            fclose(in);
        if (rc != 0)
            break;
    }
    if (interrupted) {
        fprintf(stderr, "\nsnowplow-track: interrupted: input not read to the end\n");
        o->input_errors++;
    }
}

int main(int argc, char **argv)
{
    track_config cfg;
    int status = track_options_parse(&cfg, argc, argv);
    if (status >= 0) {
        track_options_free(&cfg);
        return status;
    }

    if ((cfg.collector == NULL || cfg.collector[0] == '\0') && cfg.redis_url == NULL) {
        fprintf(stderr, "snowplow-track: --collector needs to be specified\n");
        track_options_free(&cfg);
        return TRACK_EXIT_FAILED;
    }
    track_contexts ctx;
    char err[512];
    if (track_contexts_parse(&ctx, cfg.contexts, err, sizeof(err)) != 0) {
        fprintf(stderr, "snowplow-track: %s\n", err);
        track_options_free(&cfg);
        return TRACK_EXIT_FAILED;
    }
    snowplow_event *single = NULL;
    if (!cfg.bulk && track_event_from_flags(&single, &cfg) != 0) {
        track_contexts_free(&ctx);
        track_options_free(&cfg);
        return TRACK_EXIT_FAILED;
    }

    track_outcome outcome;
    track_outcome_init(&outcome, cfg.progress, cfg.store);
    snowplow_emitter *emitter;
    snowplow_tracker *tracker;
    status = track_setup(&emitter, &tracker, &cfg, &outcome);
    if (status < 0) {
        /* No SA_RESTART: a read waiting for input returns, and reading stops. */
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        if (!cfg.bulk && track_one(tracker, single, &ctx, &outcome, NULL, 0) != 0) {
            /* Refused by the library (reason printed): nothing was queued. */
            snowplow_emitter_close(emitter, 0);
            status = TRACK_EXIT_FAILED;
        } else {
            if (cfg.bulk)
                read_inputs(&cfg, tracker, emitter, &ctx, &outcome);
            double deadline = track_now() + (double)cfg.timeout_ms / 1000.0;
            track_outcome_wait(&outcome, emitter, deadline);
            double left_ms = (deadline - track_now()) * 1000.0;
            snowplow_emitter_close(emitter, left_ms > 0 ? (int)left_ms : 0);
            status = track_outcome_finish(&outcome, emitter);
        }
        snowplow_tracker_free(tracker);
        snowplow_emitter_free(emitter);
    }
    snowplow_event_free(single);
    track_outcome_destroy(&outcome);
    track_contexts_free(&ctx);
    track_options_free(&cfg);
    return status;
}
