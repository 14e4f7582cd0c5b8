/* zsample: counts the zombies whose parent is PPID every INTERVAL_MS and
 * writes one line "<CLOCK_MONOTONIC ns> <zombies>" per sample to stdout, until
 * it is killed. It runs as a separate process so that scanning /proc costs the
 * measured event loop nothing.
 * usage: zsample PPID INTERVAL_MS
 * The state is the field after the LAST ')' of /proc/<pid>/stat (proc(5)):
 * a command named "x) Z (y" is not mistaken for a zombie. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define STAT_BYTES 512

/* Nanoseconds on CLOCK_MONOTONIC. */
static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Returns 1 when /proc/<name>/stat says zombie with parent ppid, else 0. */
static int is_zombie_child(const char *name, long ppid) {
  char path[300], buf[STAT_BYTES];
  snprintf(path, sizeof path, "/proc/%s/stat", name);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  char *close_paren = strrchr(buf, ')');
  if (close_paren == NULL) return 0;
  char state = 0;
  long parent = 0;
  if (sscanf(close_paren + 1, " %c %ld", &state, &parent) != 2) return 0;
  return state == 'Z' && parent == ppid;
}

/* Counts the zombie children of ppid; -1 when /proc cannot be read. */
static int count_zombies(long ppid) {
  DIR *dir = opendir("/proc");
  if (dir == NULL) return -1;
  int zombies = 0;
  struct dirent *entry;
  while ((entry = readdir(dir)) != NULL) {
    if (!isdigit((unsigned char)entry->d_name[0])) continue;
    zombies += is_zombie_child(entry->d_name, ppid);
  }
  closedir(dir);
  return zombies;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: zsample PPID INTERVAL_MS\n");
    return 2;
  }
  long ppid = strtol(argv[1], NULL, 10);
  int64_t interval_ns = strtoll(argv[2], NULL, 10) * 1000000LL;
  char line[64];
  for (;;) {
    int64_t t = now_ns();
    int zombies = count_zombies(ppid);
    int len = snprintf(line, sizeof line, "%lld %d\n", (long long)t, zombies);
    if (write(STDOUT_FILENO, line, (size_t)len) < 0) return 1;
    int64_t wait = interval_ns - (now_ns() - t);
    if (wait > 0) {
      struct timespec ts = {.tv_sec = wait / 1000000000LL, .tv_nsec = wait % 1000000000LL};
      while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
    }
  }
}
