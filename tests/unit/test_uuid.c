/* Event ids: version-4 UUIDs, unique across threads and across fork(). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/text.h"

#define MANY 100000

static void check_format(const char *u)
{
    assert_int_equal(strlen(u), 36);
    for (int i = 0; i < 36; i++) {
        char c = u[i];
        if (i == 8 || i == 13 || i == 18 || i == 23)
            assert_int_equal(c, '-');
        else
            assert_true((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')); /* lowercase */
    }
    assert_int_equal(u[14], '4');                 /* version 4 */
    assert_non_null(strchr("89ab", u[19]));       /* RFC 4122 variant 10xx */
    assert_true(sp_uuid_valid(u));
}

static void test_format_version_variant(void **state)
{
    (void)state;
    for (int i = 0; i < 1000; i++) {
        char u[37];
        memset(u, 'X', sizeof u);
        sp_uuid_v4(u);
        check_format(u);
    }
}

static int compare_ids(const void *a, const void *b)
{
    return memcmp(a, b, 37);
}

static void test_unique_over_many(void **state)
{
    (void)state;
    char(*ids)[37] = malloc(sizeof(*ids) * MANY);
    assert_non_null(ids);
    for (int i = 0; i < MANY; i++)
        sp_uuid_v4(ids[i]);
    qsort(ids, MANY, sizeof ids[0], compare_ids);
    for (int i = 1; i < MANY; i++)
        assert_string_not_equal(ids[i - 1], ids[i]);
    free(ids);
}

static void test_random_bits_are_balanced(void **state)
{
    (void)state;
    /* Each of the 122 random bits is set about half the time; a stuck or
     * badly seeded generator shows up here (tolerance: about 30 sigma). */
    static int ones[32][4];
    memset(ones, 0, sizeof ones);
    for (int n = 0; n < MANY; n++) {
        char u[37];
        sp_uuid_v4(u);
        int nibble = 0;
        for (int i = 0; i < 36; i++) {
            if (u[i] == '-')
                continue;
            int v = u[i] <= '9' ? u[i] - '0' : u[i] - 'a' + 10;
            for (int bit = 0; bit < 4; bit++)
                ones[nibble][bit] += v >> bit & 1;
            nibble++;
        }
    }
    for (int nibble = 0; nibble < 32; nibble++) {
        for (int bit = 0; bit < 4; bit++) {
            int fixed = nibble == 12 || (nibble == 16 && bit >= 2);
            if (fixed)
                continue;
            int count = ones[nibble][bit];
            if (count < MANY * 45 / 100 || count > MANY * 55 / 100)
                fail_msg("nibble %d bit %d set %d times in %d", nibble, bit, count, MANY);
        }
    }
}

typedef struct thread_ids {
    char (*ids)[37];
    int count;
} thread_ids;

static void *generate(void *arg)
{
    thread_ids *t = arg;
    for (int i = 0; i < t->count; i++)
        sp_uuid_v4(t->ids[i]);
    return NULL;
}

static void test_unique_across_threads(void **state)
{
    (void)state;
    enum { THREADS = 4, EACH = MANY / THREADS };
    char(*ids)[37] = malloc(sizeof(*ids) * MANY);
    assert_non_null(ids);
    pthread_t threads[THREADS];
    thread_ids args[THREADS];
    for (int i = 0; i < THREADS; i++) {
        args[i] = (thread_ids){ids + i * EACH, EACH};
        assert_int_equal(pthread_create(&threads[i], NULL, generate, &args[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(threads[i], NULL);
    for (int i = 0; i < MANY; i++)
        check_format(ids[i]);
    qsort(ids, MANY, sizeof ids[0], compare_ids);
    for (int i = 1; i < MANY; i++)
        assert_string_not_equal(ids[i - 1], ids[i]);
    free(ids);
}

/* The next `n` ids of a forked child, read back through a pipe. */
static void child_ids(char (*out)[37], int n, int grandchild)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        if (grandchild) {
            /* A child of a child must not repeat its own parent either. */
            char mine[37];
            sp_uuid_v4(mine);
            int inner[2];
            if (pipe(inner) != 0)
                _exit(2);
            pid_t gpid = fork();
            if (gpid == 0) {
                char id[37];
                sp_uuid_v4(id);
                ssize_t w = write(inner[1], id, sizeof id);
                _exit(w == (ssize_t)sizeof id ? 0 : 2);
            }
            char next[37], theirs[37];
            sp_uuid_v4(next);
            if (read(inner[0], theirs, sizeof theirs) != (ssize_t)sizeof theirs)
                _exit(2);
            waitpid(gpid, NULL, 0);
            if (strcmp(next, theirs) == 0)
                _exit(3);
        }
        for (int i = 0; i < n; i++) {
            char id[37];
            sp_uuid_v4(id);
            if (write(fds[1], id, sizeof id) != (ssize_t)sizeof id)
                _exit(2);
        }
        _exit(0);
    }
    close(fds[1]);
    size_t want = sizeof(*out) * (size_t)n, got = 0;
    while (got < want) {
        ssize_t r = read(fds[0], (char *)out + got, want - got);
        assert_true(r > 0);
        got += (size_t)r;
    }
    close(fds[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_fork_child_does_not_repeat_parent(void **state)
{
    (void)state;
    enum { N = 1000 };
    char before[37];
    sp_uuid_v4(before); /* the parent's generator is seeded and running */

    char(*theirs)[37] = malloc(sizeof(*theirs) * N);
    char(*mine)[37] = malloc(sizeof(*mine) * N);
    assert_non_null(theirs);
    assert_non_null(mine);
    child_ids(theirs, N, 0);
    for (int i = 0; i < N; i++)
        sp_uuid_v4(mine[i]);
    /* Without a reseed the child's sequence would equal the parent's next ids. */
    assert_string_not_equal(theirs[0], mine[0]);
    for (int i = 0; i < N; i++) {
        check_format(theirs[i]);
        for (int j = 0; j < N; j++)
            assert_string_not_equal(theirs[i], mine[j]);
    }

    /* Two children of the same parent differ from each other too. */
    char(*second)[37] = malloc(sizeof(*second) * N);
    assert_non_null(second);
    child_ids(second, N, 0);
    assert_string_not_equal(second[0], theirs[0]);
    free(second);
    free(theirs);
    free(mine);
}

static void test_fork_grandchild(void **state)
{
    (void)state;
    char first[37];
    sp_uuid_v4(first);
    char theirs[1][37];
    child_ids(theirs, 1, 1); /* exits non-zero if the grandchild repeated the child */
    char next[37];
    sp_uuid_v4(next);
    assert_string_not_equal(theirs[0], next);
}

static void test_uuid_valid(void **state)
{
    (void)state;
    assert_true(sp_uuid_valid("123e4567-e89b-12d3-a456-426614174000"));
    assert_true(sp_uuid_valid("123E4567-E89B-12D3-A456-426614174000"));
    assert_true(sp_uuid_valid("00000000-0000-0000-0000-000000000000"));
    assert_true(sp_uuid_valid("ffffffff-FFFF-ffff-FFFF-ffffffffffff"));
    assert_false(sp_uuid_valid(NULL));
    assert_false(sp_uuid_valid(""));
    assert_false(sp_uuid_valid("123e4567-e89b-12d3-a456-42661417400"));   /* 35 */
    assert_false(sp_uuid_valid("123e4567-e89b-12d3-a456-4266141740000")); /* 37 */
    assert_false(sp_uuid_valid("123e4567e89b-12d3-a456-426614174000-"));  /* hyphen moved */
    assert_false(sp_uuid_valid("123e4567-e89b-12d3-a456_426614174000"));
    assert_false(sp_uuid_valid("123e4567-e89b-12d3-a456-42661417400g"));
    assert_false(sp_uuid_valid("123e4567e89b12d3a456426614174000"));
    assert_false(sp_uuid_valid("{123e4567-e89b-12d3-a456-426614174000}"));
    assert_false(sp_uuid_valid(" 123e4567-e89b-12d3-a456-42661417400"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_version_variant),
        cmocka_unit_test(test_unique_over_many),
        cmocka_unit_test(test_random_bits_are_balanced),
        cmocka_unit_test(test_unique_across_threads),
        cmocka_unit_test(test_fork_child_does_not_repeat_parent),
        cmocka_unit_test(test_fork_grandchild),
        cmocka_unit_test(test_uuid_valid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
