/*
 * snowplow-track: the emitter, tracker and subject the command line asks for,
 * and the event of a one-event run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "track.h"
#include "track_outcome.h"

/* Bulk mode sends large batches from a large queue. */
#define BULK_BATCH 100
#define BULK_BYTE_LIMIT 1000000
#define BULK_QUEUE 100000

static int report(const char *what)
{
    fprintf(stderr, "snowplow-track: %s: %s\n", what, snowplow_error_last());
    return -1;
}

/* The setters of the emitter's network options (SEAMS.md). */
static int network_options(snowplow_emitter_options *o, const track_config *cfg)
{
#ifdef SNOWPLOW_TRACK_HAVE_NETWORK_OPTIONS
    if (cfg->ca_file && snowplow_emitter_options_set_ca_file(o, cfg->ca_file) != 0)
        return report("--ca-file");
    if (cfg->ca_path && snowplow_emitter_options_set_ca_path(o, cfg->ca_path) != 0)
        return report("--ca-path");
    if ((cfg->client_cert || cfg->client_key) &&
        snowplow_emitter_options_set_client_cert(o, cfg->client_cert, cfg->client_key) != 0)
        return report("--client-cert");
    if (cfg->pinned_public_key &&
        snowplow_emitter_options_set_pinned_public_key(o, cfg->pinned_public_key) != 0)
        return report("--pinned-public-key");
    if (cfg->insecure && snowplow_emitter_options_set_insecure_skip_tls_verify(o, 1) != 0)
        return report("--insecure");
    if (cfg->proxy && snowplow_emitter_options_set_proxy(o, cfg->proxy) != 0)
        return report("--proxy");
    for (size_t i = 0; i < cfg->n_headers; i++)
        if (snowplow_emitter_options_add_header(o, cfg->headers[i].name,
                                                cfg->headers[i].value) != 0)
            return report("--header");
    if (cfg->user_agent && snowplow_emitter_options_set_user_agent(o, cfg->user_agent) != 0)
        return report("--user-agent");
#else
    (void)o;
    if (cfg->ca_file || cfg->ca_path || cfg->client_cert || cfg->client_key ||
        cfg->pinned_public_key || cfg->insecure || cfg->proxy || cfg->n_headers ||
        cfg->user_agent) {
        fprintf(stderr, "snowplow-track: network options need a libsnowplow that has them\n");
        return -1;
    }
#endif
#ifdef SNOWPLOW_TRACK_HAVE_MAX_INFLIGHT
    if (cfg->max_inflight && snowplow_emitter_options_set_max_inflight(o, cfg->max_inflight) != 0)
        return report("--max-inflight");
#else
    if (cfg->max_inflight) {
        fprintf(stderr, "snowplow-track: --max-inflight needs a libsnowplow that has it\n");
        return -1;
    }
#endif
    return 0;
}

static int emitter_options(snowplow_emitter_options *o, const track_config *cfg,
                           track_outcome *outcome)
{
    int post = cfg->method ? strcasecmp(cfg->method, "POST") == 0 : cfg->bulk;
    int batch = cfg->batch ? cfg->batch : cfg->bulk ? BULK_BATCH : 0;
    long byte_limit = cfg->byte_limit ? cfg->byte_limit : cfg->bulk ? BULK_BYTE_LIMIT : 0;
    long queue = cfg->queue ? cfg->queue : cfg->bulk ? BULK_QUEUE : 0;
    if (cfg->collector && snowplow_emitter_options_set_endpoint(o, cfg->collector) != 0)
        return report("--collector");
#ifdef SNOWPLOW_TRACK_HAVE_REDIS
    if (cfg->redis_url && snowplow_emitter_options_set_redis(o, cfg->redis_url,
                                                             cfg->redis_key) != 0)
        return report("--redis-url/--redis-key");
#else
    if (cfg->redis_url) {
        fprintf(stderr, "snowplow-track: --redis-url needs a libsnowplow that has it\n");
        return -1;
    }
#endif
    if (snowplow_emitter_options_set_protocol(o, cfg->protocol) != 0)
        return report("--protocol");
    if (snowplow_emitter_options_set_method(o, post ? SNOWPLOW_METHOD_POST
                                                    : SNOWPLOW_METHOD_GET) != 0)
        return report("--method");
    if (cfg->threads && snowplow_emitter_options_set_thread_count(o, cfg->threads) != 0)
        return report("--threads");
    if (batch && snowplow_emitter_options_set_batch_size(o, batch) != 0)
        return report("--batch");
    if (byte_limit && snowplow_emitter_options_set_byte_limit(o, (size_t)byte_limit) != 0)
        return report("--byte-limit");
    if (queue && snowplow_emitter_options_set_buffer_capacity(o, (size_t)queue, 0) != 0)
        return report("--queue");
    /* Input is read no faster than it is sent: a full queue makes track() wait. */
    if (snowplow_emitter_options_set_full_policy(o, SNOWPLOW_FULL_BLOCK, -1) != 0 ||
        snowplow_emitter_options_set_retry(o, 100, 2000, cfg->attempts) != 0 ||
        snowplow_emitter_options_set_on_failure(o, track_outcome_on_failure, outcome) != 0)
        return report("emitter options");
    if (cfg->store && snowplow_emitter_options_set_store(o, cfg->store, 0, 0, 0) != 0)
        return report("--store");
    return network_options(o, cfg);
}

static int subject_options(snowplow_subject *s, const track_config *cfg)
{
    const struct { const char *value; int (*set)(snowplow_subject *, const char *);
                   const char *flag; } strings[] = {
        {cfg->ip_address, snowplow_subject_set_ip_address, "--ipaddress"},
        {cfg->user_id, snowplow_subject_set_user_id, "--user-id"},
        {cfg->timezone, snowplow_subject_set_timezone, "--timezone"},
        {cfg->lang, snowplow_subject_set_lang, "--lang"},
        {cfg->domain_user_id, snowplow_subject_set_domain_user_id, "--domain-user-id"},
        {cfg->network_user_id, snowplow_subject_set_network_user_id, "--network-user-id"},
        {cfg->session_id, snowplow_subject_set_domain_session_id, "--session-id"},
        {cfg->useragent, snowplow_subject_set_useragent, "--useragent"},
    };
    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
        if (strings[i].value && strings[i].set(s, strings[i].value) != 0)
            return report(strings[i].flag);
    if (cfg->session_index && snowplow_subject_set_domain_session_index(s, cfg->session_index))
        return report("--session-index");
    if (cfg->color_depth && snowplow_subject_set_color_depth(s, cfg->color_depth) != 0)
        return report("--color-depth");
    if (cfg->res_w && snowplow_subject_set_screen_resolution(s, cfg->res_w, cfg->res_h) != 0)
        return report("--resolution");
    if (cfg->vp_w && snowplow_subject_set_viewport(s, cfg->vp_w, cfg->vp_h) != 0)
        return report("--viewport");
    return 0;
}

static int tracker_options(snowplow_tracker_options *o, const track_config *cfg,
                           snowplow_emitter *emitter, snowplow_subject *subject)
{
    if (snowplow_tracker_options_set_app_id(o, cfg->app_id) != 0)
        return report("--appid");
    if (snowplow_tracker_options_set_namespace(o, cfg->name_space) != 0)
        return report("--namespace");
    if (snowplow_tracker_options_set_platform(o, cfg->platform) != 0)
        return report("--platform");
    if (snowplow_tracker_options_set_encode_base64(o, cfg->base64) != 0 ||
        snowplow_tracker_options_set_subject(o, subject) != 0 ||
        snowplow_tracker_options_add_emitter(o, emitter) != 0)
        return report("tracker options");
    return 0;
}

int track_setup(snowplow_emitter **emitter, snowplow_tracker **tracker,
                const track_config *cfg, track_outcome *outcome)
{
    snowplow_emitter_options *eo = NULL;
    snowplow_tracker_options *to = NULL;
    snowplow_subject *subject = NULL;
    *emitter = NULL;
    *tracker = NULL;
    /* Everything about the command line is checked before the emitter starts. */
    if (snowplow_emitter_options_new(&eo) != 0 || emitter_options(eo, cfg, outcome) != 0 ||
        snowplow_subject_new(&subject) != 0 || subject_options(subject, cfg) != 0 ||
        snowplow_tracker_options_new(&to) != 0)
        goto usage;
    int rc = snowplow_emitter_new(emitter, eo);
    eo = NULL;
    if (rc != 0) {
        report("cannot start the emitter");
        goto failed;
    }
    if (tracker_options(to, cfg, *emitter, subject) != 0)
        goto usage;
    rc = snowplow_tracker_new(tracker, to);
    to = NULL;
    if (rc != 0) {
        report("cannot create the tracker");
        goto failed;
    }
    snowplow_subject_free(subject);
    return -1;
usage:
    snowplow_emitter_options_free(eo);
    snowplow_tracker_options_free(to);
    snowplow_subject_free(subject);
    snowplow_emitter_free(*emitter);
    *emitter = NULL;
    return TRACK_EXIT_USAGE;
failed:
    snowplow_tracker_options_free(to);
    snowplow_subject_free(subject);
    snowplow_emitter_free(*emitter);
    *emitter = NULL;
    return TRACK_EXIT_FAILED;
}

/* As the official CLI: --sdjson, or --schema with --json; then our other kinds. */
int track_event_from_flags(snowplow_event **out, const track_config *cfg)
{
    char err[512];
    *out = NULL;
    if (cfg->page_url) {
        if (snowplow_event_page_view_new(out, cfg->page_url, cfg->page_title,
                                         cfg->referrer) != 0)
            return report("page view");
        return 0;
    }
    if (cfg->se_category || cfg->se_action) {
        if (snowplow_event_structured_new(out, cfg->se_category, cfg->se_action, cfg->se_label,
                                          cfg->se_property) != 0)
            return report("structured event (--se-category and --se-action)");
        if (cfg->se_value &&
            snowplow_event_set_double(*out, "value", strtod(cfg->se_value, NULL)) != 0) {
            snowplow_event_free(*out);
            *out = NULL;
            return report("--se-value");
        }
        return 0;
    }
    snowplow_sdjson *sdj = NULL;
    if (cfg->sdjson) {
        if (track_sdjson_from_text(&sdj, cfg->sdjson, err, sizeof(err)) != 0) {
            fprintf(stderr, "snowplow-track: %s\n", err);
            return -1;
        }
    } else if (!cfg->schema && !cfg->json) {
        fprintf(stderr, "snowplow-track: --sdjson or --schema URI plus a --json needs to be "
                        "specified (or --page-url, --se-category/--se-action, --bulk)\n");
        return -1;
    } else if (!cfg->json) {
        fprintf(stderr, "snowplow-track: --json needs to be specified\n");
        return -1;
    } else if (!cfg->schema) {
        fprintf(stderr, "snowplow-track: --schema URI needs to be specified\n");
        return -1;
    } else if (snowplow_sdjson_new(&sdj, cfg->schema, cfg->json) != 0) {
        return report("--schema/--json");
    }
    int rc = snowplow_event_self_describing_new(out, sdj);
    snowplow_sdjson_free(sdj);
    return rc != 0 ? report("self-describing event") : 0;
}
