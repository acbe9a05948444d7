/*
 * snowplow-track: what its modules share. The command line becomes a
 * track_config (track_options.c); events come from flags or NDJSON lines
 * (track_line.c); outcomes are tallied and summed up (track_outcome.c).
 */
#ifndef SNOWPLOW_TRACK_H
#define SNOWPLOW_TRACK_H

#include <stddef.h>
#include <stdint.h>

#include <snowplow.h>

/* Exit statuses. 0, 1, 4 and 5 are those of Snowplow's tracking CLI. */
#define TRACK_EXIT_OK 0
#define TRACK_EXIT_FAILED 1    /* events not delivered (no HTTP status), bad input */
#define TRACK_EXIT_USAGE 2     /* the command line could not be parsed */
#define TRACK_EXIT_HTTP_4XX 4  /* the collector answered 4xx */
#define TRACK_EXIT_HTTP_5XX 5  /* the collector answered 5xx */

/* A NAME: value header for --header; kept as given on the command line. */
typedef struct track_header {
    const char *name;
    const char *value;
} track_header;

typedef struct track_config {
    /* Snowplow's tracking CLI */
    const char *collector;
    const char *app_id;      /* default "snowplowtrk", as the official CLI */
    const char *method;      /* NULL: GET for one event, POST in bulk mode */
    const char *protocol;    /* default "https" */
    const char *sdjson;
    const char *schema;
    const char *json;
    const char *ip_address;
    const char *contexts;    /* JSON array of self-describing JSON */

    /* one event of another kind */
    const char *page_url, *page_title, *referrer;
    const char *se_category, *se_action, *se_label, *se_property, *se_value;

    /* tracker and subject */
    const char *name_space;
    const char *platform;    /* default "srv", as the official CLI */
    int base64;              /* 1 (default) or 0 */
    const char *user_id, *timezone, *lang, *domain_user_id, *network_user_id;
    const char *session_id, *useragent;
    int session_index, color_depth;
    int res_w, res_h, vp_w, vp_h;

    /* delivery */
    const char *store;
    int threads, batch, attempts;
    long queue, byte_limit;
    long timeout_ms;         /* the whole wait for delivery */
    int progress;            /* -1 auto (stderr is a terminal), 0 off, 1 on */

    /* network (the emitter's network options) */
    const char *ca_file, *ca_path, *client_cert, *client_key, *pinned_public_key;
    const char *proxy, *user_agent;
    int insecure;
    unsigned max_inflight;   /* 0 = the library's default */
    const char *redis_url;   /* a Redis list instead of the collector */
    const char *redis_key;   /* default "snowplow", the official RedisEmitter's */
    track_header *headers;
    size_t n_headers;

    /* bulk mode */
    int bulk;
    char **files;            /* none: standard input; "-" is standard input too */
    size_t n_files;
} track_config;

/* Parse argv into cfg. Returns -1 to go on, or an exit status (after --help:
 * 0; a bad command line: TRACK_EXIT_USAGE, with the reason on stderr). */
int track_options_parse(track_config *cfg, int argc, char **argv);
void track_options_free(track_config *cfg);

/* Build the emitter and tracker the configuration asks for. On failure, prints
 * the reason and returns TRACK_EXIT_USAGE or TRACK_EXIT_FAILED. */
typedef struct track_outcome track_outcome;
int track_setup(snowplow_emitter **emitter, snowplow_tracker **tracker,
                const track_config *cfg, track_outcome *outcome);

/* The global contexts (--contexts), parsed once; every event gets them. */
typedef struct track_contexts {
    snowplow_sdjson **items;
    size_t count;
} track_contexts;
int track_contexts_parse(track_contexts *out, const char *json_array, char *err, size_t errlen);
int track_contexts_attach(snowplow_event *ev, const track_contexts *ctx);
void track_contexts_free(track_contexts *ctx);

/* A self-describing JSON from {"schema":..., "data":{...}} text (cJSON). */
int track_sdjson_from_text(snowplow_sdjson **out, const char *text, char *err, size_t errlen);

/* The event of a one-event run, from the flags. Prints the reason on error. */
int track_event_from_flags(snowplow_event **out, const track_config *cfg);

/* One NDJSON line (modified in place) into an event. Returns 0, or -1 with the
 * reason in err. */
int track_event_from_line(snowplow_event **out, char *line, size_t len, char *err,
                          size_t errlen);

/* Decode base64 (standard or URL-safe, padding optional) into a new NUL-ended
 * buffer; NULL when the text is not base64. */
char *track_base64_decode(const char *text, size_t len, size_t *out_len);

#endif /* SNOWPLOW_TRACK_H */
