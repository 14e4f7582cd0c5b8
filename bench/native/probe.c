/* probe: an exit-latency probe. usage: probe SLOT_FILE SLOT [wait]
 * Maps the slot file, optionally waits for SIGUSR1 (so the parent can start
 * watching first; launch starts it with SIGUSR1 blocked, so an early signal
 * stays pending instead of killing it), records CLOCK_MONOTONIC in the slot
 * and calls _exit(0) right after. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "stamp.h"

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  int64_t *slots = stamp_map(argv[1]);
  if (slots == NULL) return 3;
  long slot = strtol(argv[2], NULL, 10);
  if (argc > 3 && strcmp(argv[3], "wait") == 0) {
    sigset_t set;
    int sig;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    if (sigwait(&set, &sig) != 0) return 4;
  }
  stamp_and_exit(slots, slot);
  return 0;
}
