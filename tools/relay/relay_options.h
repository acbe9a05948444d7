/* snowplow-relay: the command line. */
#ifndef RELAY_OPTIONS_H
#define RELAY_OPTIONS_H

#include <stddef.h>

typedef struct relay_options {
    const char *redis_url;
    const char *key;
    const char *collector;
    const char *store;
    char id[256];            /* --id, default the host name */
    int method_get;          /* --method get */
    int batch;               /* events per POST */
    int threads;             /* sending threads */
    unsigned max_inflight;   /* requests in flight per thread; 0 = the emitter's default */
    size_t byte_limit;       /* largest POST body; 0 = the emitter's default */
    size_t window;           /* items taken and not settled, at most */
    size_t take;             /* items per Redis call, at most */
    size_t claim;            /* a list this short is claimed whole (RENAME) */
    double stats_interval;   /* seconds; 0 = no periodic stats */
    double shutdown_timeout; /* seconds for delivering what is in flight at SIGTERM */
    double give_up;          /* seconds Redis may stay unreachable; 0 = retry forever */
    int once;                /* drain the list, then exit */
    int quiet;               /* no per-item dead-letter lines */
} relay_options;

/* Fill `o` from argv. 0: run; 1: --help/--version printed, exit 0; -1: usage
 * error printed, exit 2. */
int relay_options_parse(relay_options *o, int argc, char **argv);

#endif
