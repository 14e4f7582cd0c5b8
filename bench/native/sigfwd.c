/* sigfwd.c: signal-forwarding latency of a supervisor (tini, dumb-init,
 * `exitmon run`, or none), from the instant before kill(2) to the instant the
 * command's SIGTERM handler runs.
 *
 *   sigfwd ROUNDS WARMUPS [SUPERVISOR ARGV...]   prints one latency in ns per measured round
 *   sigfwd --target                              the command: a SIGTERM handler that writes
 *                                                CLOCK_MONOTONIC ns to stdout; SIGUSR2 ends it
 *
 * The harness starts `SUPERVISOR... sigfwd --target` with the target's stdout
 * on a pipe, waits for its ready byte, then per round takes the time and sends
 * SIGTERM to the supervisor (to the target itself without one). Both clocks
 * are CLOCK_MONOTONIC, so the difference is the whole forwarding path. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void on_term(int signo) {
  (void)signo;
  int64_t t = now_ns();
  if (write(1, &t, sizeof t) < 0) _exit(3);
}

static void on_usr2(int signo) {
  (void)signo;
  _exit(0);
}

static int target(void) {
  struct sigaction act;
  memset(&act, 0, sizeof act);
  act.sa_handler = on_term;
  act.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &act, NULL);
  act.sa_handler = on_usr2;
  sigaction(SIGUSR2, &act, NULL);
  if (write(1, "R", 1) != 1) return 3;
  for (;;) pause();
}

static int read_full(int fd, void *buffer, size_t size) {
  size_t got = 0;
  while (got < size) {
    ssize_t n = read(fd, (char *)buffer + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    got += (size_t)n;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--target") == 0) return target();
  if (argc < 3) {
    fprintf(stderr, "usage: sigfwd ROUNDS WARMUPS [SUPERVISOR ARGV...]\n");
    return 2;
  }
  int rounds = atoi(argv[1]), warmups = atoi(argv[2]);
  char self[4096];
  ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
  if (len < 0) return perror("readlink"), 1;
  self[len] = 0;
  int supervisors = argc - 3;
  char **child_argv = calloc((size_t)supervisors + 3, sizeof *child_argv);
  for (int i = 0; i < supervisors; i++) child_argv[i] = argv[3 + i];
  child_argv[supervisors] = self;
  child_argv[supervisors + 1] = "--target";
  int out[2];
  if (pipe(out) < 0) return perror("pipe"), 1;
  pid_t pid = fork();
  if (pid < 0) return perror("fork"), 1;
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    close(out[1]);
    execvp(child_argv[0], child_argv);
    perror(child_argv[0]);
    _exit(127);
  }
  close(out[1]);
  char ready;
  if (read_full(out[0], &ready, 1) < 0 || ready != 'R') {
    fprintf(stderr, "sigfwd: %s did not start the target\n", child_argv[0]);
    return 1;
  }
  for (int i = 0; i < warmups + rounds; i++) {
    usleep(2000); /* let the supervisor go back to sleep, as between real signals */
    int64_t sent = now_ns();
    if (kill(pid, SIGTERM) < 0) return perror("kill"), 1;
    int64_t handled;
    if (read_full(out[0], &handled, sizeof handled) < 0) {
      fprintf(stderr, "sigfwd: the target under %s went away\n", child_argv[0]);
      return 1;
    }
    if (i >= warmups) printf("%lld\n", (long long)(handled - sent));
  }
  kill(pid, SIGUSR2);
  int status;
  waitpid(pid, &status, 0);
  return 0;
}
