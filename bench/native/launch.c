/* launch: starts `probe SLOT_FILE SLOT wait` and exits at once, so the probe
 * is re-parented to the nearest subreaper. usage: launch PROBE SLOT_FILE SLOT
 * The probe starts with SIGUSR1 blocked (its go signal) and stdout on
 * /dev/null; launch prints the probe's pid on stdout before exiting. */
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <errno.h>

extern char **environ;

int main(int argc, char **argv) {
  if (argc < 4) return 2;
  char *args[] = {argv[1], argv[2], argv[3], "wait", NULL};
  posix_spawnattr_t attr;
  posix_spawn_file_actions_t actions;
  sigset_t go;
  sigemptyset(&go);
  sigaddset(&go, SIGUSR1);
  posix_spawnattr_init(&attr);
  posix_spawnattr_setsigmask(&attr, &go);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  pid_t pid;
  int rc = posix_spawn(&pid, argv[1], &actions, &attr, args, environ);
  if (rc != 0) {
    fprintf(stderr, "launch: posix_spawn: %s\n", strerror(rc));
    return 1;
  }
  printf("%d\n", (int)pid);
  return fflush(stdout) == 0 ? 0 : 1;
}
