/* stamp.h: the shared slot file the exit probes write into. Slot i is two
 * int64: the CLOCK_MONOTONIC nanoseconds taken right before _exit(2), and the
 * pid. A store into a MAP_SHARED mapping is no system call, so the only work
 * between the timestamp and _exit is nothing at all. */
#ifndef EXITMON_BENCH_STAMP_H
#define EXITMON_BENCH_STAMP_H
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STAMP_SLOT_WORDS 2

/* Nanoseconds on CLOCK_MONOTONIC (what Node's process.hrtime.bigint() reads). */
static inline int64_t stamp_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Maps the whole slot file; returns NULL on failure. */
static inline int64_t *stamp_map(const char *path) {
  int fd = open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0) return NULL;
  struct stat st;
  if (fstat(fd, &st) != 0) { close(fd); return NULL; }
  void *map = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  return map == MAP_FAILED ? NULL : (int64_t *)map;
}

/* Writes pid and the current time into slot `slot`, then exits at once. */
static inline void stamp_and_exit(int64_t *slots, long slot) {
  int64_t *s = slots + slot * STAMP_SLOT_WORDS;
  s[1] = getpid();
  s[0] = stamp_now_ns();
  _exit(0);
}
#endif
