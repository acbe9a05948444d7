/*
 * snowplow-demo: track one event of every type through libsnowplow, flush, and
 * print what the emitter reported. Usage:
 *   snowplow-demo --collector URL [--method post|get] [--no-base64]
 *                 [--redis URL --redis-key KEY]
 * With --redis the same events also go to that Redis list through a second
 * emitter (the Redis transport), for snowplow-relay to deliver.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <snowplow.h>

static void on_success(const snowplow_result *result, void *payload)
{
    (void)payload;
    printf("  sent %zu event(s), HTTP %d\n", snowplow_result_event_count(result),
           snowplow_result_status(result));
}

static void on_failure(const snowplow_result *result, void *payload)
{
    int *failures = payload;
    *failures += (int)snowplow_result_event_count(result);
    printf("  FAILED %zu event(s): %s\n", snowplow_result_event_count(result),
           snowplow_result_reason(result));
}

/* Track `ev`, free it, and print its id; exit on error. */
static void track(snowplow_tracker *tracker, snowplow_event *ev, const char *what)
{
    char eid[SNOWPLOW_EID_SIZE];
    if (ev == NULL || snowplow_tracker_track(eid, tracker, ev) != 0) {
        fprintf(stderr, "snowplow-demo: %s: %s\n", what, snowplow_error_last());
        exit(1);
    }
    printf("tracked %-22s %s\n", what, eid);
    snowplow_event_free(ev);
}

static void track_every_type(snowplow_tracker *tracker)
{
    snowplow_event *ev = NULL;
    snowplow_sdjson *ctx = NULL, *data = NULL;
    snowplow_sdjson_new(&ctx, "iglu:com.example.libsnowplow/test_entity/jsonschema/1-0-0",
                        "{\"id\":\"demo\",\"tags\":[\"c\"]}");
    snowplow_event_page_view_new(&ev, "https://example.com/caf\xc3\xa9", "Caf\xc3\xa9", NULL);
    snowplow_event_add_context(ev, ctx);
    track(tracker, ev, "page view");
    snowplow_event_page_ping_new(&ev, "https://example.com/", NULL, NULL);
    snowplow_event_set_int(ev, "max_y", 800);
    track(tracker, ev, "page ping");
    snowplow_event_structured_new(&ev, "Ecomm", "add-to-basket", "dog-skateboarding-video", "hd");
    snowplow_event_set_double(ev, "value", 13.99);
    track(tracker, ev, "structured");
    snowplow_sdjson_new(&data, "iglu:com.example.libsnowplow/test_event/jsonschema/1-0-0",
                        "{\"name\":\"demo\",\"count\":1,\"price\":7.99}");
    snowplow_event_self_describing_new(&ev, data);
    snowplow_event_add_context(ev, ctx);
    snowplow_sdjson_free(data);
    track(tracker, ev, "self-describing");
    snowplow_event_screen_view_new(&ev, "Home", NULL);
    track(tracker, ev, "screen view");
    snowplow_event_mobile_screen_view_new(&ev, "Feed", NULL);
    track(tracker, ev, "mobile screen view");
    snowplow_event_link_click_new(&ev, "https://example.com/next");
    track(tracker, ev, "link click");
    snowplow_event_add_to_cart_new(&ev, "sku-1", 2);
    track(tracker, ev, "add to cart");
    snowplow_event_remove_from_cart_new(&ev, "sku-1", 1);
    track(tracker, ev, "remove from cart");
    snowplow_event_form_change_new(&ev, "signup", "email", "INPUT", "a@example.com");
    track(tracker, ev, "form change");
    snowplow_event_form_submit_new(&ev, "signup");
    track(tracker, ev, "form submit");
    const char *terms[] = {"snowplow", "tracker"};
    snowplow_event_site_search_new(&ev, terms, 2);
    track(tracker, ev, "site search");
    snowplow_event_timing_new(&ev, "load", "page", 350);
    track(tracker, ev, "timing");
    snowplow_event_ecommerce_transaction_new(&ev, "order-1", 35);
    snowplow_event_set_string(ev, "currency", "EUR");
    snowplow_event_add_item(ev, "sku-1", 17.5, 2, "Board", "toys");
    track(tracker, ev, "transaction (+1 item)");
    snowplow_sdjson_free(ctx);
}

/* A second emitter that pushes the same events to a Redis list. 0 or an error code. */
static int add_redis_emitter(snowplow_tracker_options *to, snowplow_emitter **out,
                             const char *url, const char *key, int *failures)
{
    snowplow_emitter_options *eo = NULL;
    int rc = snowplow_emitter_options_new(&eo);
    if (rc == 0)
        rc = snowplow_emitter_options_set_redis(eo, url, key);
    if (rc == 0)
        rc = snowplow_emitter_options_set_on_failure(eo, on_failure, failures);
    if (rc < 0) {
        snowplow_emitter_options_free(eo);
        return rc;
    }
    rc = snowplow_emitter_new(out, eo);
    return rc < 0 ? rc : snowplow_tracker_options_add_emitter(to, *out);
}

int main(int argc, char **argv)
{
    const char *collector = NULL, *redis_url = NULL, *redis_key = NULL;
    snowplow_method method = SNOWPLOW_METHOD_POST;
    int base64 = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--collector") == 0 && i + 1 < argc)
            collector = argv[++i];
        else if (strcmp(argv[i], "--method") == 0 && i + 1 < argc)
            method = strcmp(argv[++i], "get") == 0 ? SNOWPLOW_METHOD_GET : SNOWPLOW_METHOD_POST;
        else if (strcmp(argv[i], "--no-base64") == 0)
            base64 = 0;
        else if (strcmp(argv[i], "--redis") == 0 && i + 1 < argc)
            redis_url = argv[++i];
        else if (strcmp(argv[i], "--redis-key") == 0 && i + 1 < argc)
            redis_key = argv[++i];
        else {
            fprintf(stderr, "usage: %s --collector URL [--method post|get] [--no-base64] "
                            "[--redis URL --redis-key KEY]\n", argv[0]);
            return 2;
        }
    }
    if ((redis_url == NULL) != (redis_key == NULL)) {
        fprintf(stderr, "snowplow-demo: --redis and --redis-key go together\n");
        return 2;
    }
    if (collector == NULL) {
        fprintf(stderr, "snowplow-demo: --collector URL is required\n");
        return 2;
    }
    printf("libsnowplow %s -> %s (%s)\n", snowplow_version(), collector,
           method == SNOWPLOW_METHOD_GET ? "GET" : "POST");

    int failures = 0;
    snowplow_emitter_options *eo = NULL;
    snowplow_emitter *emitter = NULL, *redis = NULL;
    snowplow_tracker_options *to = NULL;
    snowplow_tracker *tracker = NULL;
    snowplow_subject *subject = NULL;
    if (snowplow_emitter_options_new(&eo) || snowplow_emitter_options_set_endpoint(eo, collector) ||
        snowplow_emitter_options_set_method(eo, method) ||
        snowplow_emitter_options_set_on_success(eo, on_success, NULL) ||
        snowplow_emitter_options_set_on_failure(eo, on_failure, &failures) ||
        snowplow_emitter_new(&emitter, eo) || snowplow_subject_new(&subject) ||
        snowplow_subject_set_user_id(subject, "demo-user") ||
        snowplow_subject_set_screen_resolution(subject, 1920, 1080) ||
        snowplow_tracker_options_new(&to) || snowplow_tracker_options_set_namespace(to, "demo") ||
        snowplow_tracker_options_set_app_id(to, "snowplow-demo") ||
        snowplow_tracker_options_set_encode_base64(to, base64) ||
        snowplow_tracker_options_set_subject(to, subject) ||
        snowplow_tracker_options_add_emitter(to, emitter) ||
        (redis_url && add_redis_emitter(to, &redis, redis_url, redis_key, &failures)) ||
        snowplow_tracker_new(&tracker, to)) {
        fprintf(stderr, "snowplow-demo: %s\n", snowplow_error_last());
        return 1;
    }
    snowplow_subject_free(subject);
    track_every_type(tracker);
    int rc = snowplow_tracker_flush(tracker, 10000);
    printf("flush: %s; tracked %llu, sent %llu, failed %llu\n",
           rc == 0 ? "done" : snowplow_error_last(),
           (unsigned long long)snowplow_emitter_counter(emitter, SNOWPLOW_COUNTER_TRACKED),
           (unsigned long long)snowplow_emitter_counter(emitter, SNOWPLOW_COUNTER_SENT),
           (unsigned long long)snowplow_emitter_counter(emitter, SNOWPLOW_COUNTER_FAILED));
    if (redis)
        printf("redis %s: pushed %llu to %s\n", redis_url,
               (unsigned long long)snowplow_emitter_counter(redis, SNOWPLOW_COUNTER_SENT),
               redis_key);
    snowplow_tracker_free(tracker);
    snowplow_emitter_free(emitter);
    snowplow_emitter_free(redis);
    return rc == 0 && failures == 0 ? 0 : 1;
}
