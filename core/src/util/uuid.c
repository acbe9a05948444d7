/*
 * Version-4 UUIDs for event ids. One per tracked event, so no system call per
 * id: each thread runs its own xoshiro256** generator seeded from getrandom().
 *
 * A forked child inherits the generator state and would repeat its parent's ids.
 * Checking getpid() on every call costs a system call, so the process instead
 * keeps a marker in a page the kernel zeroes in a child (MADV_WIPEONFORK, Linux
 * 4.14+): a zero marker means "new process", which moves a global epoch and
 * makes every thread reseed. Where that page cannot be had, getpid() is compared.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "util/text.h"

typedef struct uuid_rng {
    uint64_t s[4];
    uint64_t epoch; /* process epoch at seeding */
    pid_t pid;      /* process at seeding (used without the wipe page) */
    int seeded;
} uuid_rng;

static _Thread_local uuid_rng thread_rng;

static pthread_once_t fork_guard_once = PTHREAD_ONCE_INIT;
static atomic_uint_fast64_t *fork_marker; /* on the wipe-on-fork page; NULL without one */
static atomic_uint_fast64_t process_epoch;

static void fork_guard_init(void)
{
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0)
        return;
    void *mem = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                     -1, 0);
    if (mem == MAP_FAILED)
        return;
#ifdef MADV_WIPEONFORK
    if (madvise(mem, (size_t)page, MADV_WIPEONFORK) == 0) {
        fork_marker = mem;
        atomic_store(fork_marker, 1);
        return;
    }
#endif
    munmap(mem, (size_t)page);
}

/* The epoch of the current process: changes in a forked child. */
static uint64_t current_epoch(void)
{
    if (atomic_load(fork_marker) == 0) {
        /* First call in a new child: move the epoch, then mark the page, so that
         * a thread that sees the mark also sees the new epoch. */
        atomic_fetch_add(&process_epoch, 1);
        atomic_store(fork_marker, 1);
    }
    return atomic_load(&process_epoch);
}

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void seed(uuid_rng *r)
{
    uint64_t s[4];
    size_t got = 0;
    while (got < sizeof s) {
        ssize_t n = getrandom((char *)s + got, sizeof s - got, 0);
        if (n > 0)
            got += (size_t)n;
        else if (n < 0 && errno != EINTR)
            break;
    }
    if (got < sizeof s) {
        /* No getrandom (very old kernel): mix what differs between processes,
         * threads and moments. Weaker, but still distinct per process. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t x = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
        x ^= (uint64_t)getpid() << 32 ^ (uint64_t)syscall(SYS_gettid);
        x ^= (uint64_t)(uintptr_t)r;
        for (int i = 0; i < 4; i++)
            s[i] ^= splitmix64(&x);
    }
    if ((s[0] | s[1] | s[2] | s[3]) == 0)
        s[0] = 1; /* the one state xoshiro cannot leave */
    memcpy(r->s, s, sizeof s);
    r->seeded = 1;
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* xoshiro256** (Blackman and Vigna). */
static uint64_t next64(uuid_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* "00" .. "ff": two hex digits per byte in one copy. */
static const char hex_pairs[] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
    "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
    "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

void sp_uuid_v4(char out[37])
{
    uuid_rng *r = &thread_rng;
    pthread_once(&fork_guard_once, fork_guard_init);
    if (fork_marker) {
        uint64_t epoch = current_epoch();
        if (!r->seeded || r->epoch != epoch) {
            seed(r);
            r->epoch = epoch;
        }
    } else {
        pid_t pid = getpid();
        if (!r->seeded || r->pid != pid) {
            seed(r);
            r->pid = pid;
        }
    }

    unsigned char b[16];
    uint64_t hi = next64(r), lo = next64(r);
    for (int i = 0; i < 8; i++) {
        b[i] = (unsigned char)(hi >> (56 - 8 * i));
        b[8 + i] = (unsigned char)(lo >> (56 - 8 * i));
    }
    b[6] = (unsigned char)((b[6] & 0x0F) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80); /* RFC 4122 variant */

    /* 8-4-4-4-12 hex digits: dashes before bytes 4, 6, 8 and 10. */
    char *o = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *o++ = '-';
        memcpy(o, hex_pairs + 2 * b[i], 2);
        o += 2;
    }
    *o = '\0';
}
