/* spawn-modes: how fast each way of starting a process runs /bin/true from a
 * parent with a Node-sized memory footprint. usage: spawn-modes COUNT RSS_MB
 * Prints one line per mode: name and processes/s (one at a time, each reaped
 * before the next). Modes: fork+execve (what libuv does), posix_spawn (glibc:
 * clone CLONE_VM|CLONE_VFORK), clone(CLONE_VM|CLONE_VFORK|CLONE_PIDFD) (what
 * exitmon's native engine does, minus its clone3 trampoline), and
 * clone3(CLONE_PIDFD) without CLONE_VM (a fork that returns a pidfd). */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;
static char *args[] = {"/bin/true", NULL};

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static int child(void *arg) {
  (void)arg;
  execve(args[0], args, environ);
  syscall(SYS_exit, 127);
  return 127;
}

struct clone_args3 { uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup; };

int main(int argc, char **argv) {
  long count = argc > 1 ? strtol(argv[1], NULL, 10) : 500;
  long rss = argc > 2 ? strtol(argv[2], NULL, 10) : 60;
  char *ballast = malloc((size_t)rss << 20);
  memset(ballast, 1, (size_t)rss << 20); /* touched: page tables to copy on fork */
  static char stack[64 * 1024] __attribute__((aligned(16)));
  const char *names[] = {"fork+execve", "posix_spawn", "clone CLONE_VM|CLONE_VFORK|CLONE_PIDFD", "clone3 CLONE_PIDFD (fork style)"};
  for (int mode = 0; mode < 4; mode++) {
    double t0 = now();
    for (long i = 0; i < count; i++) {
      pid_t pid = -1;
      int pidfd = -1;
      if (mode == 0) {
        pid = fork();
        if (pid == 0) child(NULL);
      } else if (mode == 1) {
        posix_spawn(&pid, args[0], NULL, NULL, args, environ);
      } else if (mode == 2) {
        pid = clone(child, stack + sizeof stack, CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD, NULL, &pidfd);
      } else {
        struct clone_args3 ca = {.flags = CLONE_PIDFD, .pidfd = (uint64_t)(uintptr_t)&pidfd, .exit_signal = SIGCHLD};
        pid = (pid_t)syscall(SYS_clone3, &ca, sizeof ca);
        if (pid == 0) child(NULL);
      }
      if (pid < 0) { perror(names[mode]); return 1; }
      waitpid(pid, NULL, 0);
      if (pidfd >= 0) close(pidfd);
    }
    printf("%s: %.0f/s\n", names[mode], count / (now() - t0));
  }
  return ballast[0] == 1 ? 0 : 1;
}
