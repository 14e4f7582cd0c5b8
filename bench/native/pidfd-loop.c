/* pidfd-loop: the C limit for exit latency. usage: pidfd-loop PROBE SLOT_FILE FIRST COUNT
 * For each slot: posix_spawn the probe, pidfd_open(2) (Linux 5.3), poll(2)
 * until readable, read CLOCK_MONOTONIC, reap with waitid(P_PIDFD) (Linux 5.4).
 * Prints one wake-up time (ns) per line, in slot order. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "stamp.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

extern char **environ;

/* Runs one probe and returns its wake-up time, or -errno. */
static int64_t run_one(char *probe, char *file, long slot) {
  char slot_text[32];
  snprintf(slot_text, sizeof slot_text, "%ld", slot);
  char *args[] = {probe, file, slot_text, NULL};
  pid_t pid;
  int rc = posix_spawn(&pid, probe, NULL, NULL, args, environ);
  if (rc != 0) return -rc;
  int fd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (fd < 0) return -errno;
  struct pollfd p = {.fd = fd, .events = POLLIN};
  while (poll(&p, 1, -1) < 0 && errno == EINTR) {}
  int64_t woke = stamp_now_ns();
  siginfo_t info;
  if (waitid((idtype_t)P_PIDFD, (id_t)fd, &info, WEXITED) != 0) rc = errno;
  close(fd);
  return rc != 0 ? -rc : woke;
}

int main(int argc, char **argv) {
  if (argc < 5) return 2;
  long first = strtol(argv[3], NULL, 10), count = strtol(argv[4], NULL, 10);
  for (long i = 0; i < count; i++) {
    int64_t woke = run_one(argv[1], argv[2], first + i);
    if (woke < 0) {
      fprintf(stderr, "pidfd-loop: %s\n", strerror((int)-woke));
      return 1;
    }
    printf("%lld\n", (long long)woke);
  }
  return fflush(stdout) == 0 ? 0 : 1;
}
