/* burst: the real process churn of the backpressure scenario, driven from
 * outside the measured Node process so that spawning costs its event loop
 * nothing. Every EVERY_MS it forks a short-lived "burst parent" that forks
 * BURST_SIZE probes and exits at once, so the probes are re-parented to the
 * nearest child subreaper (the benchmark worker, this process's parent; this
 * process is no subreaper) and become orphans the worker must reap.
 * usage: burst SLOT_FILE BURSTS BURST_SIZE EVERY_MS SPREAD_MS
 * Probe i of burst b sleeps i * SPREAD_MS / BURST_SIZE, then stores its pid and
 * the CLOCK_MONOTONIC nanoseconds (what Node's process.hrtime.bigint() reads)
 * in slot b * BURST_SIZE + i of the shared slot file and calls _exit(2) at
 * once: a store into a MAP_SHARED mapping is no system call, so nothing runs
 * between the timestamp and the exit. A slot is two int64: [exit ns, pid].
 * The schedule is open-loop: it never waits for anyone to reap. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../native/stamp.h" /* the slot layout, stamp_map, stamp_and_exit */

/* Sleeps ns nanoseconds, resuming after signals. */
static void sleep_ns(int64_t ns) {
  struct timespec ts = {.tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

/* The burst parent: forks the probes of burst b and returns (then exits). */
static int fork_probes(int64_t *slots, long b, long size, int64_t spread_ns) {
  for (long i = 0; i < size; i++) {
    pid_t pid = fork();
    if (pid < 0) {
      fprintf(stderr, "burst: fork: %s\n", strerror(errno));
      return 1;
    }
    if (pid == 0) {
      sleep_ns(spread_ns * i / size);
      stamp_and_exit(slots, b * size + i);
    }
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: burst SLOT_FILE BURSTS BURST_SIZE EVERY_MS SPREAD_MS\n");
    return 2;
  }
  int64_t *slots = stamp_map(argv[1]);
  if (slots == NULL) {
    fprintf(stderr, "burst: %s: %s\n", argv[1], strerror(errno));
    return 3;
  }
  long bursts = strtol(argv[2], NULL, 10);
  long size = strtol(argv[3], NULL, 10);
  int64_t every_ns = strtoll(argv[4], NULL, 10) * 1000000LL;
  int64_t spread_ns = strtoll(argv[5], NULL, 10) * 1000000LL;
  int64_t start = stamp_now_ns();
  int failures = 0;
  for (long b = 0; b < bursts; b++) {
    int64_t wait = start + b * every_ns - stamp_now_ns();
    if (wait > 0) sleep_ns(wait);
    pid_t parent = fork();
    if (parent < 0) {
      fprintf(stderr, "burst: fork: %s\n", strerror(errno));
      return 1;
    }
    if (parent == 0) _exit(fork_probes(slots, b, size, spread_ns));
    int status = 0;
    while (waitpid(parent, &status, 0) < 0 && errno == EINTR) {}
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) failures++;
  }
  return failures == 0 ? 0 : 1;
}
