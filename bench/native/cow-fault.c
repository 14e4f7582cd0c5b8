/* cow-fault: what one copy-on-write fault costs on this machine.
 * usage: cow-fault [PAGES]
 * After fork(2) every page of the parent is write-protected until the parent
 * writes it again, even once the child has gone: the first write to each page
 * takes a fault. node:child_process forks the whole Node process for every
 * child, so the JavaScript that runs after a spawn pays this on each page it
 * writes; a clone with CLONE_VM (exitmon's native spawn) does not. Prints the
 * best of 7 rounds, in ns per page, of the first write after a fork, then of a
 * second write (no fault), as "first second". */
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

/* Writes one byte into each page; returns the ns per page. */
static int64_t touch(volatile char *pages, size_t count, size_t page, char value) {
  int64_t start = now_ns();
  for (size_t i = 0; i < count; i++) pages[i * page] = value;
  return (now_ns() - start) / (int64_t)count;
}

int main(int argc, char **argv) {
  size_t count = argc > 1 ? strtoul(argv[1], NULL, 10) : 1024;
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  if (count == 0) return 2;
  char *pages = malloc(count * page);
  if (pages == NULL) return 3;
  memset(pages, 1, count * page);
  int64_t first = INT64_MAX, second = INT64_MAX;
  for (int round = 0; round < 7; round++) {
    pid_t pid = fork();
    if (pid < 0) return 4;
    if (pid == 0) _exit(0);
    if (waitpid(pid, NULL, 0) != pid) return 5;
    int64_t a = touch(pages, count, page, (char)round);
    int64_t b = touch(pages, count, page, (char)(round + 1));
    if (a < first) first = a;
    if (b < second) second = b;
  }
  printf("%lld %lld\n", (long long)first, (long long)second);
  free(pages);
  return 0;
}
