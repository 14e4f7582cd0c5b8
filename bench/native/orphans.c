/* orphans: makes COUNT orphans and exits.
 * usage: orphans SLOT_FILE COUNT SPREAD_MS OFFSET_MS
 * Child i exits OFFSET_MS + i * SPREAD_MS / COUNT after the parent's exit,
 * recording CLOCK_MONOTONIC in slot i right before. The clock starts when the
 * parent has forked them all, not when it started: a fork costs about 1.7 ms
 * on some machines (500 take 0.83 s), and a child that exited while its parent
 * was still forking was its parent's zombie, not an orphan, until then. So
 * every child waits for EOF on a pipe whose write end only the parent holds
 * (its exit closes it), reads the start time the parent left in a shared page
 * and sleeps from there: every exit comes after the re-parenting. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "stamp.h"

int main(int argc, char **argv) {
  if (argc < 5) return 2;
  int64_t *slots = stamp_map(argv[1]);
  if (slots == NULL) return 3;
  long count = strtol(argv[2], NULL, 10);
  int64_t spread_ns = strtoll(argv[3], NULL, 10) * 1000000LL;
  int64_t offset_ns = strtoll(argv[4], NULL, 10) * 1000000LL;
  volatile int64_t *start = mmap(NULL, sizeof *start, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  int gate[2];
  if (start == MAP_FAILED || pipe(gate) != 0) {
    fprintf(stderr, "orphans: %s\n", strerror(errno));
    return 1;
  }
  for (long i = 0; i < count; i++) {
    pid_t pid = fork();
    if (pid < 0) {
      fprintf(stderr, "orphans: fork: %s\n", strerror(errno));
      return 1;
    }
    if (pid == 0) {
      char byte;
      close(gate[1]);
      while (read(gate[0], &byte, 1) < 0 && errno == EINTR) {}
      int64_t at = *start + offset_ns + spread_ns * i / count;
      struct timespec ts = {.tv_sec = at / 1000000000LL, .tv_nsec = at % 1000000000LL};
      while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {}
      stamp_and_exit(slots, i);
    }
  }
  *start = stamp_now_ns();
  return 0; /* closes the write end: every child starts its clock */
}
