/*
 * Test support: run the local Snowplow collector (tools/collector/snowplow_collector.py)
 * as a child process and ask it what arrived. See tools/collector/README.md for its API.
 *
 * Every function prints why on stderr when it fails ("sp_test_collector: ..."), so a test
 * can simply assert on the return value. One collector may be used from several threads.
 */
#ifndef SP_TEST_COLLECTOR_H
#define SP_TEST_COLLECTOR_H

#include <cjson/cJSON.h>
#include <sys/types.h>

typedef struct sp_test_collector sp_test_collector;

/*
 * fork+exec the collector (SNOWPLOW_TEST_PYTHON running SNOWPLOW_TEST_COLLECTOR) with
 * --port 0 --port-file TMP --quiet; waits up to 15 s for the port file. The child gets
 * SIGTERM when the thread that started it ends (PR_SET_PDEATHSIG), so a crashed test leaves
 * no collector behind: start it from the test's main thread. Returns NULL on failure.
 */
sp_test_collector *sp_test_collector_start(void);

/* SIGTERM, wait (SIGKILL after 10 s), remove the temporary files, free. NULL is fine. */
void sp_test_collector_stop(sp_test_collector *c);

int sp_test_collector_port(const sp_test_collector *c);

/* "http://127.0.0.1:PORT", owned by `c`: valid until sp_test_collector_stop. */
const char *sp_test_collector_url(const sp_test_collector *c);

/* GET `path` (e.g. "/micro/good") and parse the JSON answer; NULL unless the status is 200
 * and the body is JSON. The caller frees the result with cJSON_Delete. */
cJSON *sp_test_collector_get(sp_test_collector *c, const char *path);

/* POST `json` (Content-Type: application/json) to `path`; the HTTP status, or -1 when no
 * answer came (connection refused or dropped, timeout). */
int sp_test_collector_post(sp_test_collector *c, const char *path, const char *json);

/* Poll /micro/all every 20 ms until good >= `good` and bad >= `bad`; 0 then, -1 (with the
 * last counts printed) once `timeout_ms` has passed. */
int sp_test_collector_wait_total(sp_test_collector *c, long good, long bad, int timeout_ms);

/* POST /micro/reset: forget events, the request log and any fault. */
void sp_test_collector_reset(sp_test_collector *c);

/* POST /micro/fault with `json`, e.g. "{\"status\":500,\"count\":2}"; 0 when accepted,
 * -1 when refused (the collector's reason is printed). "{}" or
 * "{\"status\":200}" clears the fault. */
int sp_test_collector_fault(sp_test_collector *c, const char *json);

/*
 * fork+exec SNOWPLOW_TEST_PYTHON `script` args... (NULL-terminated) the way the
 * collector is started (dies with the starting thread, stdout to /dev/null), and wait
 * up to 15 s for `ready_file` to exist and be non-empty (write it atomically). The
 * child's pid, or -1 (why is printed). Stop it with sp_test_python_stop().
 */
pid_t sp_test_python_start(const char *script, char *const args[], const char *ready_file);
/* SIGTERM, wait (SIGKILL after 10 s). pid <= 0 is ignored. */
void sp_test_python_stop(pid_t pid);

/* In a child just forked by `parent`: exec argv[0] with default signals, stdin
 * and stdout on /dev/null, and SIGTERM when the forking thread ends. Never
 * returns. For tests that start other servers (redis-server, ...). */
void sp_test_exec_child(pid_t parent, char *const argv[]);

/* A port on 127.0.0.1 with nothing listening (bound to port 0, read, closed), or -1. */
int sp_test_dead_port(void);

#endif
