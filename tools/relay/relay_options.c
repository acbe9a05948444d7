/* Command-line parsing for snowplow-relay. */
#include "relay_options.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <snowplow.h>

static const char usage[] =
    "usage: snowplow-relay --redis URL --key NAME --collector URL [options]\n"
    "Moves Snowplow events from a Redis list to a collector, at least once.\n"
    "\n"
    "  --redis URL            redis://[[user]:password@]host[:port][/db] or\n"
    "                         unix:///path/to.sock[?db=N][&password=P]\n"
    "  --key NAME             the Redis list the applications push to\n"
    "  --collector URL        the collector (host, host:port or http(s)://...)\n"
    "  --method post|get      default post\n"
    "  --batch N              events per POST request (default 100)\n"
    "  --threads N            sending threads (default 1)\n"
    "  --max-inflight N       requests in flight per sending thread (default 8)\n"
    "  --byte-limit N         largest POST body in bytes (default 40000)\n"
    "  --store PATH           the emitter's SQLite store (see the man page)\n"
    "  --id ID                this relay's name: its claimed lists are\n"
    "                         NAME:processing:ID:N (default: the host name)\n"
    "  --window N             items read and not yet settled, at most (default 10000)\n"
    "  --take N               items read per Redis call, and moved per claim when the\n"
    "                         list is longer than --claim, at most (default 500)\n"
    "  --claim N              claim the whole list (one RENAME) when it holds at most\n"
    "                         N items (default 50000; 0 = always move --take items)\n"
    "  --stats-interval S     counters on stderr every S seconds (default 10; 0 = off)\n"
    "  --shutdown-timeout S   at SIGTERM/SIGINT, deliver for at most S seconds, then\n"
    "                         return the rest to the list (default 10)\n"
    "  --give-up S            exit 1 when Redis stays unreachable S seconds (default:\n"
    "                         retry forever)\n"
    "  --once                 drain the list, deliver, exit\n"
    "  --quiet                no line per dead-lettered item (counts only)\n"
    "  --help, --version\n";

enum {
    OPT_REDIS = 1000, OPT_KEY, OPT_COLLECTOR, OPT_METHOD, OPT_BATCH, OPT_THREADS,
    OPT_MAX_INFLIGHT, OPT_BYTE_LIMIT, OPT_STORE, OPT_ID, OPT_WINDOW, OPT_TAKE, OPT_CLAIM,
    OPT_STATS,
    OPT_SHUTDOWN, OPT_GIVE_UP, OPT_ONCE, OPT_QUIET, OPT_HELP, OPT_VERSION
};

static const struct option long_options[] = {
    {"redis", required_argument, NULL, OPT_REDIS},
    {"key", required_argument, NULL, OPT_KEY},
    {"collector", required_argument, NULL, OPT_COLLECTOR},
    {"method", required_argument, NULL, OPT_METHOD},
    {"batch", required_argument, NULL, OPT_BATCH},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"max-inflight", required_argument, NULL, OPT_MAX_INFLIGHT},
    {"byte-limit", required_argument, NULL, OPT_BYTE_LIMIT},
    {"store", required_argument, NULL, OPT_STORE},
    {"id", required_argument, NULL, OPT_ID},
    {"window", required_argument, NULL, OPT_WINDOW},
    {"take", required_argument, NULL, OPT_TAKE},
    {"claim", required_argument, NULL, OPT_CLAIM},
    {"stats-interval", required_argument, NULL, OPT_STATS},
    {"shutdown-timeout", required_argument, NULL, OPT_SHUTDOWN},
    {"give-up", required_argument, NULL, OPT_GIVE_UP},
    {"once", no_argument, NULL, OPT_ONCE},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static int bad(const char *option, const char *value, const char *why)
{
    fprintf(stderr, "snowplow-relay: %s '%s': %s\n%s", option, value, why, usage);
    return -1;
}

static int whole(const char *option, const char *s, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        char why[96];
        snprintf(why, sizeof why, "a whole number from %lld to %lld", lo, hi);
        return bad(option, s, why);
    }
    *out = v;
    return 0;
}

static int seconds(const char *option, const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= 0) || v > 86400.0 * 365)
        return bad(option, s, "seconds, 0 or more");
    *out = v;
    return 0;
}

static int parse_one(relay_options *o, int c, const char *arg)
{
    long long v = 0;
    switch (c) {
    case OPT_REDIS: o->redis_url = arg; return 0;
    case OPT_KEY:
        if (!*arg)
            return bad("--key", arg, "empty");
        o->key = arg;
        return 0;
    case OPT_COLLECTOR: o->collector = arg; return 0;
    case OPT_STORE: o->store = arg; return 0;
    case OPT_METHOD:
        if (strcmp(arg, "post") && strcmp(arg, "get") && strcmp(arg, "POST") && strcmp(arg, "GET"))
            return bad("--method", arg, "post or get");
        o->method_get = arg[0] == 'g' || arg[0] == 'G';
        return 0;
    case OPT_BATCH:
        if (whole("--batch", arg, 1, 10000, &v)) return -1;
        o->batch = (int)v;
        return 0;
    case OPT_THREADS:
        if (whole("--threads", arg, 1, 64, &v)) return -1;
        o->threads = (int)v;
        return 0;
    case OPT_MAX_INFLIGHT:
        if (whole("--max-inflight", arg, 1, 1024, &v)) return -1;
        o->max_inflight = (unsigned)v;
        return 0;
    case OPT_BYTE_LIMIT:
        if (whole("--byte-limit", arg, 1024, INT_MAX, &v)) return -1;
        o->byte_limit = (size_t)v;
        return 0;
    case OPT_ID:
        if (!*arg || strlen(arg) >= sizeof o->id)
            return bad("--id", arg, "1 to 255 characters");
        snprintf(o->id, sizeof o->id, "%s", arg);
        return 0;
    case OPT_WINDOW:
        if (whole("--window", arg, 1, 10000000, &v)) return -1;
        o->window = (size_t)v;
        return 0;
    case OPT_TAKE:
        if (whole("--take", arg, 1, 100000, &v)) return -1;
        o->take = (size_t)v;
        return 0;
    case OPT_CLAIM:
        if (whole("--claim", arg, 0, 100000000, &v)) return -1;
        o->claim = (size_t)v;
        return 0;
    case OPT_STATS: return seconds("--stats-interval", arg, &o->stats_interval);
    case OPT_SHUTDOWN: return seconds("--shutdown-timeout", arg, &o->shutdown_timeout);
    case OPT_GIVE_UP: return seconds("--give-up", arg, &o->give_up);
    case OPT_ONCE: o->once = 1; return 0;
    case OPT_QUIET: o->quiet = 1; return 0;
    }
    fputs(usage, stderr);
    return -1;
}

int relay_options_parse(relay_options *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->batch = 100;
    o->threads = 1;
    o->window = 10000;
    o->take = 500;
    o->claim = 50000;
    o->stats_interval = 10;
    o->shutdown_timeout = 10;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        if (c == OPT_HELP) {
            fputs(usage, stdout);
            return 1;
        }
        if (c == OPT_VERSION) {
            printf("snowplow-relay (libsnowplow %s)\n", snowplow_version());
            return 1;
        }
        if (c == '?') {
            fprintf(stderr, "snowplow-relay: unknown option or missing value: %s\n%s",
                    argv[optind - 1], usage);
            return -1;
        }
        if (parse_one(o, c, optarg) < 0)
            return -1;
    }
    if (optind < argc) {
        fprintf(stderr, "snowplow-relay: unexpected argument '%s'\n%s", argv[optind], usage);
        return -1;
    }
    if (!o->redis_url || !o->key || !o->collector) {
        fprintf(stderr, "snowplow-relay: --redis, --key and --collector are required\n%s",
                usage);
        return -1;
    }
    if (!o->id[0] && gethostname(o->id, sizeof o->id - 1) != 0)
        snprintf(o->id, sizeof o->id, "relay");
    if (o->take > o->window)
        o->take = o->window;
    return 0;
}
