/* snowplow-relay: moves Snowplow events from a Redis list to a collector. */
#include <signal.h>
#include <string.h>

#include "relay.h"
#include "relay_options.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

int main(int argc, char **argv)
{
    relay_options opt;
    int rc = relay_options_parse(&opt, argc, argv);
    if (rc != 0)
        return rc > 0 ? RELAY_EXIT_OK : RELAY_EXIT_CONFIG;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    return relay_run(&opt, &stop_requested);
}
