/* group: a process group to stop. usage: group MEMBERS IGNORE_TERM(0|1)
 * Forks MEMBERS - 1 children that pause(2); with IGNORE_TERM every member
 * (the leader too) ignores SIGTERM, so only SIGKILL ends them. Prints "ready"
 * once every member exists. Each member dies by itself after LIFETIME_S, so a
 * crashed benchmark cannot leave them behind for long. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define LIFETIME_S 120

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  long members = strtol(argv[1], NULL, 10);
  if (strtol(argv[2], NULL, 10) != 0) signal(SIGTERM, SIG_IGN);
  for (long i = 1; i < members; i++) {
    pid_t pid = fork();
    if (pid < 0) return 1;
    if (pid == 0) {
      alarm(LIFETIME_S);
      for (;;) pause();
    }
  }
  alarm(LIFETIME_S);
  printf("ready\n");
  fflush(stdout);
  for (;;) pause();
}
