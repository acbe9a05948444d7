/*
 * snowplow-track: the command line. The official CLI's flags keep their names
 * and aliases (--collector/-c, --appid/-id, ...) and, as Go's flag package
 * does, long names work with one dash or two, with "=VALUE" or " VALUE".
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "track.h"

enum {
    OPT_HELP = 'h',
    OPT_VERSION = 256,
    OPT_COLLECTOR, OPT_APPID, OPT_METHOD, OPT_PROTOCOL, OPT_SDJSON, OPT_SCHEMA, OPT_JSON,
    OPT_IPADDRESS, OPT_CONTEXTS,
    OPT_PAGE_URL, OPT_PAGE_TITLE, OPT_REFERRER,
    OPT_SE_CATEGORY, OPT_SE_ACTION, OPT_SE_LABEL, OPT_SE_PROPERTY, OPT_SE_VALUE,
    OPT_NAMESPACE, OPT_PLATFORM, OPT_BASE64, OPT_NO_BASE64,
    OPT_USER_ID, OPT_TIMEZONE, OPT_LANG, OPT_DOMAIN_USER_ID, OPT_NETWORK_USER_ID,
    OPT_SESSION_ID, OPT_SESSION_INDEX, OPT_USERAGENT, OPT_RESOLUTION, OPT_VIEWPORT,
    OPT_COLOR_DEPTH,
    OPT_STORE, OPT_THREADS, OPT_BATCH, OPT_ATTEMPTS, OPT_QUEUE, OPT_BYTE_LIMIT, OPT_TIMEOUT,
    OPT_PROGRESS, OPT_NO_PROGRESS, OPT_BULK,
    OPT_CA_FILE, OPT_CA_PATH, OPT_CLIENT_CERT, OPT_CLIENT_KEY, OPT_PINNED_PUBLIC_KEY,
    OPT_INSECURE, OPT_PROXY, OPT_HEADER, OPT_USER_AGENT, OPT_MAX_INFLIGHT,
    OPT_REDIS_URL, OPT_REDIS_KEY
};

static const struct option long_options[] = {
    {"help", no_argument, NULL, OPT_HELP},
    {"h", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    /* Snowplow's tracking CLI, with its aliases */
    {"collector", required_argument, NULL, OPT_COLLECTOR},
    {"c", required_argument, NULL, OPT_COLLECTOR},
    {"appid", required_argument, NULL, OPT_APPID},
    {"id", required_argument, NULL, OPT_APPID},
    {"method", required_argument, NULL, OPT_METHOD},
    {"m", required_argument, NULL, OPT_METHOD},
    {"protocol", required_argument, NULL, OPT_PROTOCOL},
    {"p", required_argument, NULL, OPT_PROTOCOL},
    {"sdjson", required_argument, NULL, OPT_SDJSON},
    {"sdj", required_argument, NULL, OPT_SDJSON},
    {"schema", required_argument, NULL, OPT_SCHEMA},
    {"s", required_argument, NULL, OPT_SCHEMA},
    {"json", required_argument, NULL, OPT_JSON},
    {"j", required_argument, NULL, OPT_JSON},
    {"ipaddress", required_argument, NULL, OPT_IPADDRESS},
    {"ip", required_argument, NULL, OPT_IPADDRESS},
    {"contexts", required_argument, NULL, OPT_CONTEXTS},
    {"ctx", required_argument, NULL, OPT_CONTEXTS},
    /* page views and structured events */
    {"page-url", required_argument, NULL, OPT_PAGE_URL},
    {"page-title", required_argument, NULL, OPT_PAGE_TITLE},
    {"referrer", required_argument, NULL, OPT_REFERRER},
    {"se-category", required_argument, NULL, OPT_SE_CATEGORY},
    {"se-action", required_argument, NULL, OPT_SE_ACTION},
    {"se-label", required_argument, NULL, OPT_SE_LABEL},
    {"se-property", required_argument, NULL, OPT_SE_PROPERTY},
    {"se-value", required_argument, NULL, OPT_SE_VALUE},
    /* tracker and subject */
    {"namespace", required_argument, NULL, OPT_NAMESPACE},
    {"platform", required_argument, NULL, OPT_PLATFORM},
    {"base64", no_argument, NULL, OPT_BASE64},
    {"no-base64", no_argument, NULL, OPT_NO_BASE64},
    {"user-id", required_argument, NULL, OPT_USER_ID},
    {"timezone", required_argument, NULL, OPT_TIMEZONE},
    {"lang", required_argument, NULL, OPT_LANG},
    {"domain-user-id", required_argument, NULL, OPT_DOMAIN_USER_ID},
    {"network-user-id", required_argument, NULL, OPT_NETWORK_USER_ID},
    {"session-id", required_argument, NULL, OPT_SESSION_ID},
    {"session-index", required_argument, NULL, OPT_SESSION_INDEX},
    {"useragent", required_argument, NULL, OPT_USERAGENT},
    {"resolution", required_argument, NULL, OPT_RESOLUTION},
    {"viewport", required_argument, NULL, OPT_VIEWPORT},
    {"color-depth", required_argument, NULL, OPT_COLOR_DEPTH},
    /* delivery */
    {"store", required_argument, NULL, OPT_STORE},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"batch", required_argument, NULL, OPT_BATCH},
    {"attempts", required_argument, NULL, OPT_ATTEMPTS},
    {"queue", required_argument, NULL, OPT_QUEUE},
    {"byte-limit", required_argument, NULL, OPT_BYTE_LIMIT},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"bulk", no_argument, NULL, OPT_BULK},
    /* network */
    {"ca-file", required_argument, NULL, OPT_CA_FILE},
    {"ca-path", required_argument, NULL, OPT_CA_PATH},
    {"client-cert", required_argument, NULL, OPT_CLIENT_CERT},
    {"client-key", required_argument, NULL, OPT_CLIENT_KEY},
    {"pinned-public-key", required_argument, NULL, OPT_PINNED_PUBLIC_KEY},
    {"insecure", no_argument, NULL, OPT_INSECURE},
    {"proxy", required_argument, NULL, OPT_PROXY},
    {"header", required_argument, NULL, OPT_HEADER},
    {"user-agent", required_argument, NULL, OPT_USER_AGENT},
    {"max-inflight", required_argument, NULL, OPT_MAX_INFLIGHT},
    /* a Redis list instead of the collector */
    {"redis-url", required_argument, NULL, OPT_REDIS_URL},
    {"redis-key", required_argument, NULL, OPT_REDIS_KEY},
    {NULL, 0, NULL, 0}};

static const char usage_text[] =
    "Usage: snowplow-track --collector HOST [OPTIONS] EVENT\n"
    "       snowplow-track --collector HOST [OPTIONS] --bulk [FILE...]\n"
    "Send one event, or NDJSON events from files or standard input, to a Snowplow\n"
    "collector. Long options take one dash or two, and VALUE after '=' or a space.\n"
    "\n"
    "Snowplow tracking CLI flags:\n"
    "  -c,   --collector HOST     collector host[:port] or URL (required, unless\n"
    "                             --redis-url)\n"
    "  -id,  --appid ID           application id (default snowplowtrk)\n"
    "  -m,   --method GET|POST    default GET for one event, POST with --bulk\n"
    "  -p,   --protocol http|https  scheme when HOST has none (default https)\n"
    "  -sdj, --sdjson JSON        self-describing event {\"schema\":...,\"data\":{...}}\n"
    "  -s,   --schema URI         schema of --json (iglu:vendor/name/jsonschema/M-R-A)\n"
    "  -j,   --json JSON          event data object, with --schema\n"
    "  -ip,  --ipaddress IP       the user's IP address\n"
    "  -ctx, --contexts JSON      array of self-describing context entities\n"
    "\n"
    "Other events (instead of --sdjson or --schema/--json):\n"
    "  --page-url URL [--page-title TEXT] [--referrer URL]     a page view\n"
    "  --se-category C --se-action A [--se-label L] [--se-property P] [--se-value N]\n"
    "                                                          a structured event\n"
    "\n"
    "Tracker and subject:\n"
    "  --namespace NS  --platform P (default srv)  --base64 | --no-base64\n"
    "  --user-id ID  --timezone TZ  --lang LANG  --domain-user-id ID\n"
    "  --network-user-id ID  --session-id ID  --session-index N  --useragent UA\n"
    "  --resolution WxH  --viewport WxH  --color-depth N\n"
    "\n"
    "Bulk mode:\n"
    "  --bulk [FILE...]   one event per line: a payload ({\"e\":\"se\",\"se_ca\":...}) or\n"
    "                     a self-describing JSON ({\"schema\":...,\"data\":{...}});\n"
    "                     no FILE or '-' reads standard input\n"
    "  --progress | --no-progress   progress line on stderr (default: when a terminal)\n"
    "\n"
    "Delivery:\n"
    "  --store PATH       keep undelivered events in an SQLite store for the next run\n"
    "  --threads N        sending threads (default 1)\n"
    "  --batch N          events per POST request (default 10; 100 with --bulk)\n"
    "  --byte-limit N     largest POST body (default 40000; 1000000 with --bulk)\n"
    "  --queue N          events waiting in memory (default 10000; 100000 with --bulk)\n"
    "  --attempts N       delivery attempts per event (default 3)\n"
    "  --timeout MS       longest wait for delivery (default 30000)\n"
    "\n"
    "Network:\n"
    "  --ca-file PATH  --ca-path DIR  --client-cert PATH  --client-key PATH\n"
    "  --pinned-public-key PIN  --insecure  --proxy URL  --header 'Name: value'\n"
    "  --user-agent UA  --max-inflight N\n"
    "\n"
    "Redis (instead of the collector; snowplow-relay or the official Redis worker\n"
    "moves the events on):\n"
    "  --redis-url redis://[:PASSWORD@]HOST[:PORT][/DB] | unix:///PATH\n"
    "  --redis-key KEY    the list (default snowplow)\n"
    "\n"
    "  -h, --help  --version\n"
    "\n"
    "Exit status: 0 every event was delivered; 4 the collector answered 4xx;\n"
    "5 it answered 5xx; 1 any other failure (network, bad input lines); 2 a bad\n"
    "command line. See snowplow-track(1).\n";

static int usage_error(const char *fmt, const char *arg)
{
    fputs("snowplow-track: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\nTry 'snowplow-track --help'.\n", stderr);
    return TRACK_EXIT_USAGE;
}

/* A whole number in [min, max]; the option's name for the message. */
static int parse_long(long *out, const char *text, long min, long max, const char *name)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v < min || v > max) {
        fprintf(stderr, "snowplow-track: --%s: not a whole number from %ld to %ld: '%s'\n",
                name, min, max, text);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_int(int *out, const char *text, long min, long max, const char *name)
{
    long v;
    if (parse_long(&v, text, min, max, name) != 0)
        return -1;
    *out = (int)v;
    return 0;
}

/* WIDTHxHEIGHT, both positive. */
static int parse_size(int *w, int *h, const char *text, const char *name)
{
    char *end;
    long a = strtol(text, &end, 10);
    if (end == text || *end != 'x' || a <= 0 || a > INT_MAX)
        goto bad;
    const char *second = end + 1;
    long b = strtol(second, &end, 10);
    if (end == second || *end != '\0' || b <= 0 || b > INT_MAX)
        goto bad;
    *w = (int)a;
    *h = (int)b;
    return 0;
bad:
    fprintf(stderr, "snowplow-track: --%s: not WIDTHxHEIGHT: '%s'\n", name, text);
    return -1;
}

static int add_header(track_config *cfg, const char *arg)
{
    const char *colon = strchr(arg, ':');
    if (colon == NULL || colon == arg) {
        fprintf(stderr, "snowplow-track: --header: not 'Name: value': '%s'\n", arg);
        return -1;
    }
    track_header *grown = realloc(cfg->headers, (cfg->n_headers + 1) * sizeof(*grown));
    if (grown == NULL)
        return -1;
    cfg->headers = grown;
    char *name = strndup(arg, (size_t)(colon - arg));
    if (name == NULL)
        return -1;
    const char *value = colon + 1;
    while (*value == ' ' || *value == '\t')
        value++;
    cfg->headers[cfg->n_headers].name = name;
    cfg->headers[cfg->n_headers].value = value;
    cfg->n_headers++;
    return 0;
}

static void defaults(track_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->app_id = "snowplowtrk";
    cfg->protocol = "https";
    cfg->contexts = "[]";
    cfg->platform = "srv";
    cfg->base64 = 1;
    cfg->attempts = 3;
    cfg->timeout_ms = 30000;
    cfg->progress = -1;
    cfg->redis_key = "snowplow";
}

/* One option's value into cfg; -1 when it is not acceptable (reason printed). */
static int apply(track_config *cfg, int opt, const char *arg)
{
    long l;
    switch (opt) {
    case OPT_COLLECTOR: cfg->collector = arg; break;
    case OPT_APPID: cfg->app_id = arg; break;
    case OPT_METHOD:
        if (strcasecmp(arg, "GET") != 0 && strcasecmp(arg, "POST") != 0) {
            fprintf(stderr, "snowplow-track: --method: GET or POST, not '%s'\n", arg);
            return -1;
        }
        cfg->method = arg;
        break;
    case OPT_PROTOCOL:
        if (strcmp(arg, "http") != 0 && strcmp(arg, "https") != 0) {
            fprintf(stderr, "snowplow-track: --protocol: http or https, not '%s'\n", arg);
            return -1;
        }
        cfg->protocol = arg;
        break;
    case OPT_SDJSON: cfg->sdjson = arg; break;
    case OPT_SCHEMA: cfg->schema = arg; break;
    case OPT_JSON: cfg->json = arg; break;
    case OPT_IPADDRESS: cfg->ip_address = arg; break;
    case OPT_CONTEXTS: cfg->contexts = arg; break;
    case OPT_PAGE_URL: cfg->page_url = arg; break;
    case OPT_PAGE_TITLE: cfg->page_title = arg; break;
    case OPT_REFERRER: cfg->referrer = arg; break;
    case OPT_SE_CATEGORY: cfg->se_category = arg; break;
    case OPT_SE_ACTION: cfg->se_action = arg; break;
    case OPT_SE_LABEL: cfg->se_label = arg; break;
    case OPT_SE_PROPERTY: cfg->se_property = arg; break;
    case OPT_SE_VALUE: {
        char *end;
        (void)strtod(arg, &end);
        if (end == arg || *end != '\0') {
            fprintf(stderr, "snowplow-track: --se-value: not a number: '%s'\n", arg);
            return -1;
        }
        cfg->se_value = arg;
        break;
    }
    case OPT_NAMESPACE: cfg->name_space = arg; break;
    case OPT_PLATFORM: cfg->platform = arg; break;
    case OPT_BASE64: cfg->base64 = 1; break;
    case OPT_NO_BASE64: cfg->base64 = 0; break;
    case OPT_USER_ID: cfg->user_id = arg; break;
    case OPT_TIMEZONE: cfg->timezone = arg; break;
    case OPT_LANG: cfg->lang = arg; break;
    case OPT_DOMAIN_USER_ID: cfg->domain_user_id = arg; break;
    case OPT_NETWORK_USER_ID: cfg->network_user_id = arg; break;
    case OPT_SESSION_ID: cfg->session_id = arg; break;
    case OPT_SESSION_INDEX: return parse_int(&cfg->session_index, arg, 1, INT_MAX, "session-index");
    case OPT_USERAGENT: cfg->useragent = arg; break;
    case OPT_RESOLUTION: return parse_size(&cfg->res_w, &cfg->res_h, arg, "resolution");
    case OPT_VIEWPORT: return parse_size(&cfg->vp_w, &cfg->vp_h, arg, "viewport");
    case OPT_COLOR_DEPTH: return parse_int(&cfg->color_depth, arg, 1, INT_MAX, "color-depth");
    case OPT_STORE: cfg->store = arg; break;
    case OPT_THREADS: return parse_int(&cfg->threads, arg, 1, 64, "threads");
    case OPT_BATCH: return parse_int(&cfg->batch, arg, 1, 10000, "batch");
    case OPT_ATTEMPTS: return parse_int(&cfg->attempts, arg, 1, 1000, "attempts");
    case OPT_QUEUE: return parse_long(&cfg->queue, arg, 1, 100000000, "queue");
    case OPT_BYTE_LIMIT: return parse_long(&cfg->byte_limit, arg, 1024, 1L << 30, "byte-limit");
    case OPT_TIMEOUT: return parse_long(&cfg->timeout_ms, arg, 0, 86400000L, "timeout");
    case OPT_PROGRESS: cfg->progress = 1; break;
    case OPT_NO_PROGRESS: cfg->progress = 0; break;
    case OPT_BULK: cfg->bulk = 1; break;
    case OPT_CA_FILE: cfg->ca_file = arg; break;
    case OPT_CA_PATH: cfg->ca_path = arg; break;
    case OPT_CLIENT_CERT: cfg->client_cert = arg; break;
    case OPT_CLIENT_KEY: cfg->client_key = arg; break;
    case OPT_PINNED_PUBLIC_KEY: cfg->pinned_public_key = arg; break;
    case OPT_INSECURE: cfg->insecure = 1; break;
    case OPT_PROXY: cfg->proxy = arg; break;
    case OPT_HEADER: return add_header(cfg, arg);
    case OPT_USER_AGENT: cfg->user_agent = arg; break;
    case OPT_REDIS_URL: cfg->redis_url = arg; break;
    case OPT_REDIS_KEY: cfg->redis_key = arg; break;
    case OPT_MAX_INFLIGHT:
        if (parse_long(&l, arg, 1, 1024, "max-inflight") != 0)
            return -1;
        cfg->max_inflight = (unsigned)l;
        break;
    default: return -1;
    }
    return 0;
}

/* Options that make sense together; the reason when they do not. */
static const char *check_combination(const track_config *cfg)
{
    int kinds = (cfg->sdjson || cfg->schema || cfg->json) + (cfg->page_url != NULL) +
                (cfg->se_category || cfg->se_action);
    if (cfg->bulk) {
        if (kinds > 0)
            return "--bulk reads its events from the input; it takes no event flags "
                   "(--sdjson, --schema, --json, --page-url, --se-*)";
        return NULL;
    }
    if (cfg->n_files > 0)
        return "unexpected argument (input files need --bulk)";
    if (kinds > 1)
        return "one event at a time: --sdjson or --schema/--json, --page-url, or --se-*";
    if ((cfg->page_title || cfg->referrer) && !cfg->page_url)
        return "--page-title and --referrer belong to a page view (--page-url)";
    if ((cfg->se_label || cfg->se_property || cfg->se_value) &&
        !(cfg->se_category || cfg->se_action))
        return "--se-label, --se-property and --se-value belong to a structured event";
    return NULL;
}

int track_options_parse(track_config *cfg, int argc, char **argv)
{
    defaults(cfg);
    opterr = 0;
    int opt;
    while ((opt = getopt_long_only(argc, argv, "h", long_options, NULL)) != -1) {
        switch (opt) {
        case OPT_HELP:
            fputs(usage_text, stdout);
            return 0;
        case OPT_VERSION:
            printf("snowplow-track %s (libsnowplow %s)\n", SNOWPLOW_VERSION_STRING,
                   snowplow_version());
            return 0;
        case '?':
            if (optopt >= OPT_VERSION)
                return usage_error("option needs a value: %s", argv[optind - 1]);
            return usage_error("unknown or ambiguous option: %s", argv[optind - 1]);
        case ':':
            return usage_error("option needs a value: %s", argv[optind - 1]);
        default:
            if (apply(cfg, opt, optarg) != 0)
                return usage_error("%s", "bad option value (see above)");
        }
    }
    cfg->files = argv + optind;
    cfg->n_files = (size_t)(argc - optind);
    const char *why = check_combination(cfg);
    if (why != NULL)
        return usage_error("%s", why);
    if (cfg->progress < 0)
        cfg->progress = cfg->bulk && isatty(STDERR_FILENO);
    return -1;
}

void track_options_free(track_config *cfg)
{
    for (size_t i = 0; i < cfg->n_headers; i++)
        free((char *)cfg->headers[i].name);
    free(cfg->headers);
}
