/* orphans: makes COUNT orphans and exits.
 * usage: orphans SLOT_FILE COUNT SPREAD_MS OFFSET_MS
 * Child i sleeps until OFFSET_MS + i * SPREAD_MS / COUNT after the start,
 * records CLOCK_MONOTONIC in slot i and exits; the parent exits as soon as all
 * are forked (well within OFFSET_MS), so every child is re-parented to the
 * nearest subreaper before it exits. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "stamp.h"

int main(int argc, char **argv) {
  if (argc < 5) return 2;
  int64_t *slots = stamp_map(argv[1]);
  if (slots == NULL) return 3;
  long count = strtol(argv[2], NULL, 10);
  int64_t spread_ns = strtoll(argv[3], NULL, 10) * 1000000LL;
  int64_t start_ns = stamp_now_ns() + strtoll(argv[4], NULL, 10) * 1000000LL;
  for (long i = 0; i < count; i++) {
    pid_t pid = fork();
    if (pid < 0) {
      fprintf(stderr, "orphans: fork: %s\n", strerror(errno));
      return 1;
    }
    if (pid == 0) {
      int64_t at = start_ns + spread_ns * i / count;
      struct timespec ts = {.tv_sec = at / 1000000000LL, .tv_nsec = at % 1000000000LL};
      while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {}
      stamp_and_exit(slots, i);
    }
  }
  return 0;
}
