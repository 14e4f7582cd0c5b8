/* churn: the C limit for process churn. usage: churn COMMAND COUNT IN_FLIGHT
 * posix_spawn(3)s COMMAND COUNT times keeping IN_FLIGHT running, collecting
 * each with waitid(P_ALL, WEXITED) (this program owns every child it has).
 * Prints the elapsed nanoseconds. */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "stamp.h"

extern char **environ;

int main(int argc, char **argv) {
  if (argc < 4) return 2;
  char *args[] = {argv[1], NULL};
  long count = strtol(argv[2], NULL, 10), in_flight = strtol(argv[3], NULL, 10);
  long started = 0, done = 0, running = 0;
  int64_t t0 = stamp_now_ns();
  while (done < count) {
    while (running < in_flight && started < count) {
      pid_t pid;
      int rc = posix_spawn(&pid, argv[1], NULL, NULL, args, environ);
      if (rc != 0) {
        fprintf(stderr, "churn: posix_spawn: %s\n", strerror(rc));
        return 1;
      }
      started++;
      running++;
    }
    siginfo_t info;
    if (waitid(P_ALL, 0, &info, WEXITED) != 0) {
      if (errno == EINTR) continue;
      fprintf(stderr, "churn: waitid: %s\n", strerror(errno));
      return 1;
    }
    running--;
    done++;
  }
  printf("%lld\n", (long long)(stamp_now_ns() - t0));
  return 0;
}
