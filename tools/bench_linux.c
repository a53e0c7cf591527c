/*
 * bench_linux: the benchmarks of user/src/bin/bench.rs, on the host's Linux,
 * as a reference column for `make bench` (tools/bench.py compiles and runs
 * it). Same method, same output format: one line `bench NAME VALUE` per
 * benchmark (the median of RUNS runs, the unit at the end of the name),
 * then `# NAME runs=5 iters=N min=X max=Y`. Keep the two in step.
 *
 * The whole program runs pinned to CPU 0 (sched_setaffinity; children
 * inherit it), because the oxv6 guest has one CPU: yields, pipe wakeups
 * and forks then all happen on one CPU, as they do there.
 *
 *     cc -O2 -o bench_linux tools/bench_linux.c && ./bench_linux [NAME...]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RUNS 5
#define TARGET_NS 100000000ull /* how long one run should take */
#define SLEEPS_PER_RUN 10
#define PIPE_TOTAL (8u << 20)
#define PIPE_CHUNK 4096

struct stats {
    double median, min, max;
    uint64_t iters;
    const char *note; /* extra detail for the `#` line, or NULL */
};

static char note[128];

static uint64_t now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_linux: %s: %s\n", what, strerror(errno));
    exit(1);
}

static int compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static struct stats stats_of(double *samples, uint64_t iters)
{
    qsort(samples, RUNS, sizeof(double), compare);
    return (struct stats){samples[RUNS / 2], samples[0], samples[RUNS - 1], iters, NULL};
}

/* A batch does `n` iterations and returns the nanoseconds they took. */
typedef uint64_t (*batch_fn)(uint64_t n);

/* As `per_op` in bench.rs: double `n` until a batch takes TARGET_NS / 8,
 * size the runs to last TARGET_NS, and return nanoseconds per iteration
 * divided by `divisor`. */
static struct stats per_op(double divisor, batch_fn batch)
{
    uint64_t n = 1, elapsed;
    for (;;) {
        elapsed = batch(n);
        if (elapsed >= TARGET_NS / 8 || n >= (1u << 24))
            break;
        n *= 2;
    }
    if (elapsed == 0)
        elapsed = 1;
    uint64_t iters = (uint64_t)((unsigned __int128)n * TARGET_NS / elapsed);
    if (iters == 0)
        iters = 1;
    double samples[RUNS];
    for (int i = 0; i < RUNS; i++)
        samples[i] = (double)batch(iters) / (double)iters / divisor;
    return stats_of(samples, iters);
}

static void reap(pid_t pid)
{
    int status;
    if (waitpid(pid, &status, 0) != pid)
        die("waitpid");
}

/* getpid through syscall(2): glibc's getpid() may not enter the kernel. */
static uint64_t getpid_batch(uint64_t n)
{
    uint64_t start = now();
    for (uint64_t i = 0; i < n; i++)
        syscall(SYS_getpid);
    return now() - start;
}

static uint64_t fork_batch(uint64_t n)
{
    uint64_t start = now();
    for (uint64_t i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0)
            die("fork");
        if (pid == 0)
            _exit(0);
        reap(pid);
    }
    return now() - start;
}

/*
 * sched_yield ping-pong, as in bench.rs: a child yields in a loop, the
 * parent times n yields of its own; both on CPU 0. Linux's yield is only a
 * hint, so the child bumps a counter in shared memory on every turn and
 * the parent counts its yields after which the child had run: each such
 * yield is two switches (parent -> child -> parent). The result is time
 * per switch actually seen; the `#` line says what fraction of yields
 * switched.
 */
static volatile uint64_t *child_turns;
static uint64_t switches_seen, yields_done;

static uint64_t yield_batch(uint64_t n)
{
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        for (;;) {
            (*child_turns)++;
            sched_yield();
        }
    }
    sched_yield();
    uint64_t switched = 0, seen = *child_turns;
    uint64_t start = now();
    for (uint64_t i = 0; i < n; i++) {
        sched_yield();
        uint64_t turns = *child_turns;
        switched += turns != seen;
        seen = turns;
    }
    uint64_t elapsed = now() - start;
    kill(pid, SIGKILL);
    reap(pid);
    switches_seen += 2 * switched;
    yields_done += n;
    /* per_op divides by n * 2: scale so it divides by the switches seen. */
    return switched ? (uint64_t)((double)elapsed * (double)n / (double)switched) : elapsed;
}

static uint64_t sleep_batch(uint64_t n)
{
    struct timespec ten_ms = {0, 10 * 1000 * 1000};
    uint64_t start = now();
    for (uint64_t i = 0; i < n; i++)
        nanosleep(&ten_ms, NULL);
    return now() - start;
}

static uint64_t pipe_transfer(void)
{
    int fds[2];
    if (pipe(fds) < 0)
        die("pipe");
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        static char chunk[PIPE_CHUNK];
        memset(chunk, 0x5a, sizeof chunk);
        close(fds[0]);
        for (size_t sent = 0; sent < PIPE_TOTAL;) {
            size_t size = PIPE_TOTAL - sent < PIPE_CHUNK ? PIPE_TOTAL - sent : PIPE_CHUNK;
            ssize_t n = write(fds[1], chunk, size);
            if (n <= 0)
                _exit(1);
            sent += (size_t)n;
        }
        _exit(0);
    }
    uint64_t start = now();
    close(fds[1]);
    static char chunk[PIPE_CHUNK];
    size_t received = 0;
    ssize_t n;
    while ((n = read(fds[0], chunk, sizeof chunk)) > 0)
        received += (size_t)n;
    uint64_t elapsed = now() - start;
    if (n < 0)
        die("read");
    close(fds[0]);
    reap(pid);
    if (received != PIPE_TOTAL) {
        fprintf(stderr, "bench_linux: received %zu bytes of %u\n", received, PIPE_TOTAL);
        exit(1);
    }
    return elapsed;
}

static uint64_t pipe_pingpong_batch(uint64_t n)
{
    int down[2], up[2];
    if (pipe(down) < 0 || pipe(up) < 0)
        die("pipe");
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        char byte;
        close(down[1]);
        close(up[0]);
        while (read(down[0], &byte, 1) == 1)
            if (write(up[1], &byte, 1) != 1)
                _exit(1);
        _exit(0);
    }
    close(down[0]);
    close(up[1]);
    uint64_t start = 0;
    for (uint64_t i = 0; i <= n; i++) {
        if (i == 1)
            start = now(); /* the first round trip is untimed */
        char byte = (char)i, echo;
        if (write(down[1], &byte, 1) != 1 || read(up[0], &echo, 1) != 1 || echo != byte)
            die("echo");
    }
    uint64_t elapsed = now() - start;
    close(down[1]);
    close(up[0]);
    reap(pid);
    return elapsed;
}

static struct stats run_getpid(void) { return per_op(1.0, getpid_batch); }
static struct stats run_fork(void) { return per_op(1000.0, fork_batch); }

static struct stats run_yield(void)
{
    switches_seen = yields_done = 0;
    struct stats s = per_op(2.0, yield_batch);
    snprintf(note, sizeof note, " switched=%.3f",
             yields_done ? (double)switches_seen / 2.0 / (double)yields_done : 0.0);
    s.note = note;
    return s;
}

static struct stats run_sleep(void)
{
    double samples[RUNS];
    for (int i = 0; i < RUNS; i++)
        samples[i] = (double)sleep_batch(SLEEPS_PER_RUN) / SLEEPS_PER_RUN / 1e6;
    return stats_of(samples, SLEEPS_PER_RUN);
}

static struct stats run_pipe_throughput(void)
{
    pipe_transfer(); /* warm-up, as bench.rs's calibration is for the others */
    double samples[RUNS];
    for (int i = 0; i < RUNS; i++)
        samples[i] = PIPE_TOTAL / 1e6 / ((double)pipe_transfer() / 1e9);
    return stats_of(samples, 1);
}

static struct stats run_pipe_pingpong(void) { return per_op(1000.0, pipe_pingpong_batch); }

static const struct {
    const char *name;
    struct stats (*run)(void);
} benches[] = {
    {"getpid_ns", run_getpid},
    {"fork_exit_wait_us", run_fork},
    {"yield_pingpong_ns", run_yield},
    {"sleep_10ms_actual_ms", run_sleep},
    {"pipe_throughput_mb_s", run_pipe_throughput},
    {"pipe_pingpong_us", run_pipe_pingpong},
};
#define NBENCHES (sizeof benches / sizeof benches[0])

static int wanted(const char *name, int argc, char **argv)
{
    if (argc <= 1)
        return 1;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        size_t j = 0;
        while (j < NBENCHES && strcmp(argv[i], benches[j].name) != 0)
            j++;
        if (j == NBENCHES) {
            fprintf(stderr, "bench_linux: no benchmark %s\n", argv[i]);
            return 2;
        }
    }
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    CPU_SET(0, &cpus);
    if (sched_setaffinity(0, sizeof cpus, &cpus) < 0)
        die("sched_setaffinity(CPU 0)");
    child_turns = mmap(NULL, sizeof *child_turns, PROT_READ | PROT_WRITE,
                       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (child_turns == MAP_FAILED)
        die("mmap");
    setvbuf(stdout, NULL, _IOLBF, 0);

    printf("# bench_linux: median of %d runs, CLOCK_MONOTONIC, pinned to CPU 0\n", RUNS);
    for (size_t i = 0; i < NBENCHES; i++) {
        if (!wanted(benches[i].name, argc, argv))
            continue;
        struct stats s = benches[i].run();
        printf("bench %s %.2f\n", benches[i].name, s.median);
        printf("# %s runs=%d iters=%llu min=%.2f max=%.2f%s\n", benches[i].name, RUNS,
               (unsigned long long)s.iters, s.min, s.max, s.note ? s.note : "");
    }
    return 0;
}
