/* crasher LOG: the services benchmark's crash loop. Appends "start S.US" to
 * LOG first thing, sleeps 150 ms, appends "exit S.US" and exits 1, so that the
 * restart latency (exit -> next start) can be read back. A C program rather
 * than a bash script: bash took 5.8 ms from its exec to its first line here,
 * more than the supervisor's whole share of a restart. Each line is one
 * O_APPEND write(2), so two instances never interleave a line. */
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static void stamp(const char *path, const char *what) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  char line[64];
  int n = snprintf(line, sizeof line, "%s %lld.%06ld\n", what, (long long)ts.tv_sec, ts.tv_nsec / 1000);
  int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return;
  if (write(fd, line, (size_t)n) != n) { /* a lost stamp is a lost sample, nothing more */ }
  close(fd);
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  stamp(argv[1], "start");
  struct timespec life = {0, 150 * 1000 * 1000};
  nanosleep(&life, NULL);
  stamp(argv[1], "exit");
  return 1;
}
