/* burst: forks COUNT short-lived children and exits at once, so that every
 * child is re-parented to the nearest child subreaper (the benchmark worker)
 * and becomes an orphan it must reap.
 * usage: burst SLOT_FILE FIRST_SLOT COUNT SPREAD_MS
 * Child i sleeps i * SPREAD_MS / COUNT, then stores its pid and the
 * CLOCK_MONOTONIC nanoseconds (what Node's process.hrtime.bigint() reads) in
 * slot FIRST_SLOT + i of the shared slot file and calls _exit(2) at once: a
 * store into a MAP_SHARED mapping is no system call, so nothing runs between
 * the timestamp and the exit. A slot is two int64: [exit ns, pid]. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SLOT_WORDS 2

/* Nanoseconds on CLOCK_MONOTONIC. */
static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Maps the whole slot file shared; NULL on failure (errno set). */
static int64_t *map_slots(const char *path) {
  int fd = open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0) return NULL;
  struct stat st;
  if (fstat(fd, &st) != 0) { close(fd); return NULL; }
  void *map = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  return map == MAP_FAILED ? NULL : (int64_t *)map;
}

/* Sleeps ns nanoseconds, resuming after signals. */
static void sleep_ns(int64_t ns) {
  struct timespec ts = {.tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: burst SLOT_FILE FIRST_SLOT COUNT SPREAD_MS\n");
    return 2;
  }
  int64_t *slots = map_slots(argv[1]);
  if (slots == NULL) {
    fprintf(stderr, "burst: %s: %s\n", argv[1], strerror(errno));
    return 3;
  }
  long first = strtol(argv[2], NULL, 10);
  long count = strtol(argv[3], NULL, 10);
  int64_t spread_ns = strtoll(argv[4], NULL, 10) * 1000000LL;
  for (long i = 0; i < count; i++) {
    pid_t pid = fork();
    if (pid < 0) {
      fprintf(stderr, "burst: fork: %s\n", strerror(errno));
      return 1;
    }
    if (pid == 0) {
      sleep_ns(spread_ns * i / count);
      int64_t *slot = slots + (first + i) * SLOT_WORDS;
      slot[1] = getpid();
      slot[0] = now_ns();
      _exit(0);
    }
  }
  return 0;
}
