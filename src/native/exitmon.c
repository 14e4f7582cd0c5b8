/*
 * exitmon.c: the Linux event source of the exitmon reaper, and nothing more.
 *
 * One epoll set (epoll(7)) holds every watched pidfd of an environment (the
 * main thread or one worker). When some become readable (their process
 * exited, pidfd_open(2)), C collects every ready exit of that wakeup, each
 * with one waitid(2): reaping it, or peeking at it with WNOWAIT, as the
 * watch's mode says, and hands the whole batch to JavaScript in ONE call.
 *
 * How the epoll set joins the host's event loop:
 *   - SOURCE_UV (Node): one uv_poll_t on the epoll fd. Node's teardown keeps
 *     the loop running through an async cleanup hook until uv_close's
 *     callback ran (Node unloads the addon right after a worker's environment
 *     is gone: a later callback would jump into unmapped code).
 *   - SOURCE_THREAD (Bun: no libuv, its uv_* functions are crash stubs; Deno:
 *     its uv_poll_t fires for the first readiness only): a watcher thread
 *     blocks in epoll_wait and wakes the JS thread through an unref'd
 *     napi_threadsafe_function; the JS thread then collects. No async context
 *     is ever created (Deno treats napi_async_destroy at shutdown as fatal).
 * The loader picks the source from the runtime (never by trying uv_* and
 * aborting). Every readiness is EPOLLONESHOT: a collected pidfd is disarmed.
 *
 * Nothing here reaps "any child": every reaping wait names one process, and
 * the only P_ALL wait is peekAny()'s WNOWAIT, which never reaps (waitid(2)).
 * Children that node:child_process, Bun.spawn or Deno.Command own (in any
 * thread of the process) are registered in the process-wide table below; a
 * reap checks that table under its lock, so they are only ever peeked at.
 *
 * Every function returns an int or a small result; a negative value is
 * -errno, which src/sources/native-errors.ts turns into a SyscallError.
 * Kernel requirements: pidfd_send_signal 5.1, pidfd_open 5.3, waitid(P_PIDFD)
 * 5.4, PR_SET_CHILD_SUBREAPER 3.4, WNOWAIT 2.6.9, EPOLLONESHOT 2.6.2,
 * eventfd 2.6.22.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * The shipped glibc binaries (scripts/prebuild.sh defines EXITMON_GLIBC_BASE
 * as the architecture's first glibc symbol version: GLIBC_2.2.5 on x64,
 * GLIBC_2.17 on arm64) bind the functions that glibc 2.34 moved from
 * libpthread and libdl into libc, and pthread_sigmask that 2.32 re-versioned,
 * to their first versions. Every glibc exports those (2.34 and later keep
 * them for old binaries), so one binary built on Debian 12 loads wherever
 * Node does (Node 20 needs glibc 2.28), not only on glibc 2.34 and later. A
 * source build (node-gyp) binds whatever its own glibc has.
 */
#ifdef EXITMON_GLIBC_BASE
#define EXITMON_BIND_BASE(name) __asm__(".symver " #name "," #name "@" EXITMON_GLIBC_BASE)
EXITMON_BIND_BASE(pthread_create);
EXITMON_BIND_BASE(pthread_join);
EXITMON_BIND_BASE(pthread_once);
EXITMON_BIND_BASE(pthread_mutex_trylock);
EXITMON_BIND_BASE(pthread_sigmask);
EXITMON_BIND_BASE(dlopen);
EXITMON_BIND_BASE(dladdr);
#endif

#ifndef NAPI_VERSION
#define NAPI_VERSION 8 /* binding.gyp sets it too */
#endif
#include <node_api.h>
#include <uv.h>

/* glibc ≥ 2.36 declares P_PIDFD as an enum member, older ones not at all. */
#define EXITMON_P_PIDFD 3

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

enum { SOURCE_NONE = -1, SOURCE_UV = 0, SOURCE_THREAD = 1 };
enum { MODE_NONE = 0, MODE_PEEK = 1, MODE_REAP = 2 };

/* One collected exit as JS receives it: 5 int32 per exit in one Int32Array. */
enum { EXIT_FD, EXIT_PID, EXIT_CODE, EXIT_STATUS, EXIT_REAPED, EXIT_INTS };

/* Exits the reusable Int32Array carries, and the batch's first capacity. */
#define MAX_EVENTS 256
/* Events collected per step on the JS thread (one epoll_wait on the libuv
 * source, one take from the watcher thread's queue); a larger wakeup loops.
 * Small, as the arrays live on the stack of the exit path: after a fork
 * (node:child_process forks for every child) each stack page deeper than
 * the loop usually reaches costs a copy-on-write fault (tens of µs on a VM). */
#define WAIT_EVENTS 64

/* The exits of one wakeup, grown as needed, so that a burst is ONE call into JS. */
struct batch {
  int32_t *ints;
  int count, capacity; /* in exits */
};

/* What this environment knows about one fd number. */
struct slot {
  int pid;
  uint32_t gen;        /* bumped per watch, so a stale wakeup is recognised */
  unsigned char mine;  /* opened by pidfdOpen in this environment */
  unsigned char mode;  /* MODE_*: armed in the epoll set */
};

/* The uv_poll_t on the epoll fd, apart from the state: its close callback may run after the state is gone. */
struct uv_source {
  uv_poll_t poll;
  napi_async_cleanup_hook_handle hook;
};

/* Per-environment state. */
struct state {
  napi_env env;
  int source;
  int epfd;
  napi_ref dispatch;
  napi_ref batch_ref;   /* a reusable Int32Array of MAX_EVENTS exits, made by start() */
  int32_t *batch_data;  /* its backing store, which neither V8 nor JSC moves */
  /* The exits of the current wakeup, collected straight into batch_data (on
   * the heap only while a burst outgrows it): a malloc and free per wakeup
   * wrote up to five fresh heap pages, each a copy-on-write fault on the
   * exit path after a fork. */
  struct batch batch;
  struct slot *slots;
  int capacity;
  int spawning; /* ownBegin() calls of this environment not yet ended */
  bool tearing_down;
  struct uv_source *uv;
  /* SOURCE_THREAD */
  pthread_t thread;
  bool thread_running;
  int stopfd;
  napi_threadsafe_function tsfn;
  /* The thread-safe function's context is this struct, which its queued
   * calls may read until it is finalized: whichever of teardown() and the
   * finalizer comes last frees it. */
  bool tsfn_live;
  bool torn_down;
  pthread_mutex_t pending_lock;
  uint64_t *pending;
  int pending_count, pending_capacity;
  bool signalled;
  /* statistics */
  double batches;
};

/* Throws unless call succeeded; every N-API failure becomes a JS error. */
#define CHECK(env, call)                                              \
  do {                                                                \
    if ((call) != napi_ok) return fail(env, "exitmon native: " #call); \
  } while (0)

/* Throws an Error (unless one is pending) and returns NULL. */
static napi_value fail(napi_env env, const char *message) {
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) != napi_ok || !pending) napi_throw_error(env, NULL, message);
  return NULL;
}

static napi_value make_int(napi_env env, int value) {
  napi_value result;
  CHECK(env, napi_create_int32(env, value, &result));
  return result;
}

/* Reads up to 3 int args plus the state; throws a TypeError on a bad call. */
static struct state *args(napi_env env, napi_callback_info info, size_t want, int *out) {
  napi_value argv[3];
  size_t argc = 3;
  void *data = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, &data) != napi_ok) return fail(env, "exitmon native: bad call"), NULL;
  for (size_t i = 0; i < want; i++) {
    int32_t value = 0;
    if (i >= argc || napi_get_value_int32(env, argv[i], &value) != napi_ok) {
      napi_throw_type_error(env, NULL, "exitmon native: expected integer arguments");
      return NULL;
    }
    out[i] = value;
  }
  return data;
}

/* pidfd_open(2), Linux 5.3: a file descriptor that names one process. */
static int pidfd_open(int pid) {
  int fd = (int)syscall(SYS_pidfd_open, pid, 0);
  return fd < 0 ? -errno : fd;
}

/* waitid(2) retried on EINTR; 0 or -errno. */
static int wait_id(idtype_t type, id_t id, siginfo_t *info, int options) {
  memset(info, 0, sizeof *info);
  int rc;
  do rc = waitid(type, id, info, options); while (rc < 0 && errno == EINTR);
  return rc < 0 ? -errno : 0;
}

/* Grows the fd index so that fd fits. Returns 0 or -ENOMEM. */
static int reserve(struct state *state, int fd) {
  if (fd < state->capacity) return 0;
  int capacity = state->capacity ? state->capacity : 64;
  while (capacity <= fd) capacity *= 2;
  struct slot *grown = realloc(state->slots, sizeof *grown * (size_t)capacity);
  if (!grown) return -ENOMEM;
  memset(grown + state->capacity, 0, sizeof *grown * (size_t)(capacity - state->capacity));
  state->slots = grown;
  state->capacity = capacity;
  return 0;
}

static bool is_mine(struct state *state, int fd) {
  return fd >= 0 && fd < state->capacity && state->slots[fd].mine;
}

/* ---- The process-wide registry of pids owned by a runtime spawn API ----
 *
 * Every realm (main thread, each worker) that imports exitmon wraps its spawn
 * APIs (src/sources/ownership.ts). The wrapper calls ownBegin() before the
 * real spawn forks and ownEnd(pid) after it returned; the runtime's own reap
 * ends in ownDelete(pid). A synchronous spawn (spawnSync on any thread) holds
 * ownBegin() for its whole call. Under the lock, every such child is at any
 * instant either "being spawned" (spawning_total) or in the table, until its
 * owner reaped it. Reaps check both under the same lock, so exitmon never
 * takes a child from its owner in another thread. Entries are tagged with the
 * environment that added them; its teardown removes its own.
 *
 * exitmon's own native spawns are entries too (`spawned`), added in the same
 * C call as the clone while that spawn counts as "being spawned": the
 * environment that started one reaps it, every other one only peeks (a worker's
 * child is not an orphan for the main thread's sweep). The owner's reap is
 * never refused for a spawn in flight elsewhere: its child is a zombie that
 * holds its pid, which no new child can get.
 *
 * Open addressing, linear probing, backward-shift deletion; sized to the
 * number of live owned children, so it stays tiny.
 */
struct owned {
  int pid; /* 0: empty slot */
  bool spawned; /* exitmon's native spawn: its owner reaps it */
  /* A native spawn with `cleanup`: the signal its owner's teardown sends to it
   * (its group when it leads one, its cgroup's cgroup.kill when contained)
   * while it is unreaped, for an owner whose JS never ran its exit cleanup (a
   * terminated worker thread). 0: none. */
  int kill_signal;
  bool group;
  int cgroup_fd; /* a dup of its cgroup directory, or -1 */
  struct state *owner;
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct owned *owned_table;
static size_t owned_capacity; /* a power of two, or 0 */
static size_t owned_count;
static int spawning_total;

static size_t owned_slot(int pid) {
  return ((size_t)(unsigned)pid * 2654435761u) & (owned_capacity - 1);
}

/* Index of pid's slot, or owned_capacity when absent. Lock held. */
static size_t owned_find(int pid) {
  if (owned_capacity == 0) return 0;
  for (size_t i = owned_slot(pid);; i = (i + 1) & (owned_capacity - 1)) {
    if (owned_table[i].pid == pid) return i;
    if (owned_table[i].pid == 0) return owned_capacity;
  }
}

/* Makes room for n more entries. Lock held. Returns 0 or -ENOMEM. */
static int owned_reserve(size_t n) {
  if ((owned_count + n) * 2 > owned_capacity) {
    size_t capacity = owned_capacity ? owned_capacity * 2 : 64;
    while ((owned_count + n) * 2 > capacity) capacity *= 2;
    struct owned *table = calloc(capacity, sizeof *table);
    if (!table) return -ENOMEM;
    struct owned *old = owned_table;
    size_t old_capacity = owned_capacity;
    owned_table = table;
    owned_capacity = capacity;
    for (size_t i = 0; i < old_capacity; i++) {
      if (old[i].pid == 0) continue;
      size_t j = owned_slot(old[i].pid);
      while (table[j].pid != 0) j = (j + 1) & (capacity - 1);
      table[j] = old[i];
    }
    free(old);
  }
  return 0;
}

/* Inserts or re-tags pid. Lock held. Returns 0 or -ENOMEM. */
static int owned_put(int pid, struct state *owner, bool spawned) {
  if (owned_reserve(1) < 0) return -ENOMEM;
  size_t i = owned_slot(pid);
  while (owned_table[i].pid != 0 && owned_table[i].pid != pid) i = (i + 1) & (owned_capacity - 1);
  if (owned_table[i].pid == 0) owned_count++;
  else if (owned_table[i].cgroup_fd >= 0) close(owned_table[i].cgroup_fd); /* a stale entry re-tagged */
  owned_table[i].pid = pid;
  owned_table[i].spawned = spawned;
  owned_table[i].kill_signal = 0;
  owned_table[i].group = false;
  owned_table[i].cgroup_fd = -1;
  owned_table[i].owner = owner;
  return 0;
}

/* Removes the entry in slot i, shifting later entries of its probe run back. Lock held. */
static void owned_remove_at(size_t i) {
  size_t mask = owned_capacity - 1;
  if (owned_table[i].cgroup_fd >= 0) close(owned_table[i].cgroup_fd);
  owned_table[i].pid = 0;
  owned_count--;
  for (size_t j = (i + 1) & mask; owned_table[j].pid != 0; j = (j + 1) & mask) {
    size_t home = owned_slot(owned_table[j].pid);
    /* Move j back to i when its home slot is not in the cyclic range (i, j]. */
    if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
      owned_table[i] = owned_table[j];
      owned_table[j].pid = 0;
      i = j;
    }
  }
}

/* The exit cleanup of a native spawn whose owner is torn down unreaped (see
 * struct owned). Its unreaped leader holds its pid and group id, so neither
 * can name a stranger; pid > 1 always (a child of ours). Lock held. */
static bool kill_at_teardown(const struct owned *e) {
  if (!e->spawned || e->kill_signal <= 0 || e->pid <= 1) return false;
  if (e->cgroup_fd >= 0) {
    int fd = openat(e->cgroup_fd, "cgroup.kill", O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
      ssize_t ignored = write(fd, "1", 1);
      (void)ignored;
      close(fd);
    }
  }
  kill(e->group ? -e->pid : e->pid, e->kill_signal);
  return true;
}

/*
 * Process exit (exit(3), atexit): the cleanup of every environment's
 * unreaped native spawns. Bun and Deno end the process from the main thread
 * without tearing down the worker environments, so no cleanup hook of theirs
 * runs and their children ran on. Entries whose JS cleanup already ran (the
 * main thread's 'exit') are signalled again, harmlessly: an unreaped leader
 * still holds its pid and group. Never in a forked child that calls exit(),
 * and never blocking the exit on a lock that a stopped thread holds.
 */
static pid_t at_exit_pid;
/* Set once the process exits: the watcher threads stop calling into a
 * runtime that is shutting down (the kills below make pidfds readable). */
static int process_exiting;

/* Every environment's unreaped native spawns get their cleanup signal;
 * returns how many, or -1 when the lock stayed taken (a stopped thread). */
static int kill_all_owned(void) {
  for (int tries = 0; pthread_mutex_trylock(&registry_lock) != 0; tries++) {
    if (tries == 50) return -1;
    usleep(100);
  }
  int killed = 0;
  for (size_t i = 0; i < owned_capacity; i++) {
    if (owned_table[i].pid != 0 && kill_at_teardown(&owned_table[i])) killed++;
  }
  pthread_mutex_unlock(&registry_lock);
  return killed;
}

static void kill_all_at_exit(void) {
  if (getpid() != at_exit_pid) return;
  __atomic_store_n(&process_exiting, 1, __ATOMIC_SEQ_CST);
  (void)kill_all_owned();
}

/* Once per process: the handler above, and this file pinned (RTLD_NODELETE)
 * so that no dlclose can run the handler, or unmap it, before the exit. */
static void register_at_exit(void) {
  Dl_info self;
  if (dladdr((void *)&kill_all_at_exit, &self) == 0 || self.dli_fname == NULL) return;
  if (dlopen(self.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE) == NULL) return;
  at_exit_pid = getpid();
  atexit(kill_all_at_exit);
  at_quick_exit(kill_all_at_exit); /* Bun ends the process with quick_exit(3) */
}

static pthread_once_t at_exit_once = PTHREAD_ONCE_INIT;

/* Whether pid is someone else's: a runtime's child, another environment's
 * native spawn. Lock held. */
static bool owned_by_other(int pid, const struct state *state) {
  size_t i = pid > 0 ? owned_find(pid) : owned_capacity;
  return i < owned_capacity && !(owned_table[i].spawned && owned_table[i].owner == state);
}

/* Whether state may not reap pid now: someone else's, or some spawn is in
 * flight (its child may be this pid, not yet recorded), unless pid is
 * state's own native spawn. Lock held. */
static bool reap_refused(int pid, const struct state *state) {
  size_t i = pid > 0 ? owned_find(pid) : owned_capacity;
  if (i < owned_capacity) return !(owned_table[i].spawned && owned_table[i].owner == state);
  return spawning_total > 0;
}

/* state reaped pid: forgets it if it was state's native spawn. Lock held. */
static void reaped_by(int pid, const struct state *state) {
  size_t i = pid > 0 ? owned_find(pid) : owned_capacity;
  if (i < owned_capacity && owned_table[i].spawned && owned_table[i].owner == state) owned_remove_at(i);
}

/* ---- Collecting exits ---- */

/*
 * Collects the exit of the process behind fd, as the slot's mode says, into
 * out[EXIT_INTS]. Returns 1 when collected, 0 when it has not exited (then
 * nothing is written). MODE_REAP reaps with waitid(P_PIDFD, WEXITED|WNOHANG)
 * unless reap_refused() (checked under the registry lock, so ownership
 * cannot change in between); otherwise, and for
 * MODE_PEEK, WNOWAIT leaves the zombie to its owner. ECHILD: not our child,
 * its status is not ours to read (out[EXIT_PID] = -ECHILD).
 */
static int collect_one(struct state *state, int fd, int32_t *out) {
  struct slot *slot = &state->slots[fd];
  siginfo_t info;
  int rc;
  bool reaped = false;
  if (slot->mode == MODE_REAP) {
    pthread_mutex_lock(&registry_lock);
    if (reap_refused(slot->pid, state)) {
      rc = wait_id((idtype_t)EXITMON_P_PIDFD, (id_t)fd, &info, WEXITED | WNOHANG | WNOWAIT);
    } else {
      rc = wait_id((idtype_t)EXITMON_P_PIDFD, (id_t)fd, &info, WEXITED | WNOHANG);
      reaped = true;
      if (rc == 0 && info.si_pid != 0) reaped_by(slot->pid, state);
    }
    pthread_mutex_unlock(&registry_lock);
  } else {
    rc = wait_id((idtype_t)EXITMON_P_PIDFD, (id_t)fd, &info, WEXITED | WNOHANG | WNOWAIT);
  }
  if (rc == 0 && info.si_pid == 0) return 0;
  out[EXIT_FD] = fd;
  out[EXIT_PID] = rc < 0 ? rc : info.si_pid;
  out[EXIT_CODE] = rc < 0 ? 0 : info.si_code;
  out[EXIT_STATUS] = rc < 0 ? 0 : info.si_status;
  out[EXIT_REAPED] = rc == 0 && reaped;
  slot->mode = MODE_NONE; /* EPOLLONESHOT already disarmed it */
  return 1;
}

/* Re-arms a one-shot watch whose wakeup found no exit. 0 or -errno. */
static int rearm(struct state *state, int fd) {
  struct epoll_event ev = {.events = EPOLLIN | EPOLLONESHOT, .data.u64 = (uint64_t)fd | ((uint64_t)state->slots[fd].gen << 32)};
  return epoll_ctl(state->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

/*
 * Collects the exits named by n epoll keys (fd | gen << 32) into out. A key
 * whose generation is stale (the fd was closed and reused meanwhile) is
 * dropped; a watch whose process has not exited is re-armed. Returns the
 * number of exits written.
 */
static int collect_keys(struct state *state, const uint64_t *keys, int n, int32_t *out) {
  int count = 0;
  for (int i = 0; i < n; i++) {
    int fd = (int)(keys[i] & 0xffffffffu);
    uint32_t gen = (uint32_t)(keys[i] >> 32);
    if (fd < 0 || fd >= state->capacity || state->slots[fd].mode == MODE_NONE || state->slots[fd].gen != gen) continue;
    if (collect_one(state, fd, out + count * EXIT_INTS)) count++;
    else rearm(state, fd);
  }
  return count;
}

/*
 * The Int32Array that carries the batch to JS: the environment's reusable
 * one (made by start(), MAX_EVENTS exits) when the batch was collected into
 * its store, else a fresh one with the batch copied in. Collecting straight
 * into the reused store keeps an ArrayBuffer allocation (about 8 µs cold,
 * measured in bench/exit-latency's setting) and a copy off the exit path;
 * JS reads the array during the call only. NULL when out of memory.
 */
static napi_value batch_array(struct state *state) {
  napi_env env = state->env;
  const struct batch *b = &state->batch;
  napi_value buffer, array = NULL;
  void *data = NULL;
  if (b->ints == state->batch_data) {
    if (napi_get_reference_value(env, state->batch_ref, &array) != napi_ok) return NULL;
    return array;
  }
  size_t bytes = (size_t)b->count * EXIT_INTS * sizeof(int32_t);
  if (napi_create_arraybuffer(env, bytes, &data, &buffer) != napi_ok ||
      napi_create_typedarray(env, napi_int32_array, (size_t)b->count * EXIT_INTS, buffer, 0, &array) != napi_ok) return NULL;
  memcpy(data, b->ints, bytes);
  return array;
}

/* Calls the JS dispatcher with the batch; an exception escapes as uncaught. */
static void deliver(struct state *state, bool make_callback) {
  napi_env env = state->env;
  napi_handle_scope scope;
  if (state->batch.count == 0 || !state->dispatch || napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value fn, recv, argv[2], ignored;
  if (napi_get_reference_value(env, state->dispatch, &fn) == napi_ok && fn != NULL &&
      napi_get_global(env, &recv) == napi_ok &&
      (argv[0] = batch_array(state)) != NULL &&
      napi_create_int32(env, state->batch.count, &argv[1]) == napi_ok) {
    state->batches++;
    /* make_callback also drains nextTick and microtasks (from a libuv callback only). */
    if (make_callback) napi_make_callback(env, NULL, recv, fn, 2, argv, &ignored);
    else napi_call_function(env, recv, fn, 2, argv, &ignored);
  } else {
    /* The exits are collected (some reaped) but cannot reach JS: never silently. */
    fail(env, "exitmon native: out of memory delivering a batch of exits");
  }
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending) {
    napi_value error;
    if (napi_get_and_clear_last_exception(env, &error) == napi_ok) napi_fatal_exception(env, error);
  }
  napi_close_handle_scope(env, scope);
}

/*
 * Makes room for n more exits in the batch. A batch outgrowing the reused
 * store moves to the heap until it is delivered. 0, or -ENOMEM (then the
 * caller delivers what it has first).
 */
static int batch_reserve(struct state *state, int n) {
  struct batch *b = &state->batch;
  if (b->count + n <= b->capacity) return 0;
  int capacity = b->capacity ? b->capacity * 2 : MAX_EVENTS;
  while (capacity < b->count + n) capacity *= 2;
  bool in_store = b->ints == state->batch_data;
  int32_t *grown = realloc(in_store ? NULL : b->ints, sizeof *grown * EXIT_INTS * (size_t)capacity);
  if (!grown) return -ENOMEM;
  if (in_store) memcpy(grown, b->ints, sizeof *grown * EXIT_INTS * (size_t)b->count);
  b->ints = grown;
  b->capacity = capacity;
  return 0;
}

/* Empties the batch, back in the reused store. */
static void batch_reset(struct state *state) {
  struct batch *b = &state->batch;
  if (b->ints != state->batch_data) free(b->ints);
  *b = (struct batch){.ints = state->batch_data, .count = 0, .capacity = state->batch_data ? MAX_EVENTS : 0};
}

/* Delivers the batch and empties it. */
static void batch_deliver(struct state *state, bool make_callback) {
  deliver(state, make_callback);
  batch_reset(state);
}

/*
 * Collects the exits named by n (≤ WAIT_EVENTS) keys into the batch. When it
 * cannot grow, the batch so far is delivered first: the reused store then
 * holds the n.
 */
static void batch_collect(struct state *state, const uint64_t *keys, int n, bool make_callback) {
  if (batch_reserve(state, n) < 0) {
    batch_deliver(state, make_callback);
    if (state->tearing_down) return; /* the JS it called ended the environment */
  }
  struct batch *b = &state->batch;
  b->count += collect_keys(state, keys, n, b->ints + (size_t)b->count * EXIT_INTS);
}

/*
 * Drains the epoll set without blocking and delivers every exit of this
 * wakeup in one call. Never nested in a delivery (libuv does not nest its
 * callbacks; if a host did, the batch in flight would be delivered twice):
 * then it returns, and the level-triggered epoll fd reports again.
 */
static void drain_epoll(struct state *state, bool make_callback) {
  struct epoll_event events[WAIT_EVENTS];
  uint64_t keys[WAIT_EVENTS];
  if (state->batch.count != 0) return;
  for (;;) {
    int n;
    do n = epoll_wait(state->epfd, events, WAIT_EVENTS, 0); while (n < 0 && errno == EINTR);
    if (n <= 0) break;
    for (int i = 0; i < n; i++) keys[i] = events[i].data.u64;
    batch_collect(state, keys, n, make_callback);
    if (n < WAIT_EVENTS || state->tearing_down) break;
  }
  batch_deliver(state, make_callback);
}

/* libuv: the epoll fd is readable. */
static void on_uv_ready(uv_poll_t *poll, int status, int events) {
  (void)status;
  (void)events;
  struct state *state = poll->data;
  if (state != NULL) drain_epoll(state, true);
}

/* Thread source, on the JS thread: collect what the watcher thread saw, in one call. */
static void on_thread_ready(napi_env env, napi_value js_callback, void *context, void *data) {
  (void)js_callback;
  (void)data;
  struct state *state = context;
  if (env == NULL || state == NULL || state->tearing_down) return;
  for (;;) {
    uint64_t keys[WAIT_EVENTS];
    int n = 0;
    pthread_mutex_lock(&state->pending_lock);
    n = state->pending_count < WAIT_EVENTS ? state->pending_count : WAIT_EVENTS;
    memcpy(keys, state->pending, sizeof *keys * (size_t)n);
    memmove(state->pending, state->pending + n, sizeof *keys * (size_t)(state->pending_count - n));
    state->pending_count -= n;
    if (state->pending_count == 0) state->signalled = false;
    pthread_mutex_unlock(&state->pending_lock);
    if (n == 0) break;
    batch_collect(state, keys, n, false);
    if (state->tearing_down) return;
  }
  batch_deliver(state, false);
}

/* The watcher thread: blocks in epoll_wait until the stop eventfd is written. */
static void *watcher(void *arg) {
  struct state *state = arg;
  struct pollfd fds[2] = {{.fd = state->epfd, .events = POLLIN}, {.fd = state->stopfd, .events = POLLIN}};
  for (;;) {
    int n = poll(fds, 2, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || (fds[1].revents & POLLIN)) return NULL;
    struct epoll_event events[MAX_EVENTS];
    int ready = epoll_wait(state->epfd, events, MAX_EVENTS, 0);
    if (ready <= 0) continue;
    bool wake = false;
    pthread_mutex_lock(&state->pending_lock);
    if (state->pending_count + ready > state->pending_capacity) {
      int capacity = state->pending_capacity ? state->pending_capacity * 2 : MAX_EVENTS;
      while (capacity < state->pending_count + ready) capacity *= 2;
      uint64_t *grown = realloc(state->pending, sizeof *grown * (size_t)capacity);
      if (grown) {
        state->pending = grown;
        state->pending_capacity = capacity;
      }
    }
    /* Out of memory: the keys that do not fit are re-armed instead of lost. */
    for (int i = 0; i < ready; i++) {
      if (state->pending_count < state->pending_capacity) state->pending[state->pending_count++] = events[i].data.u64;
      else {
        struct epoll_event ev = {.events = EPOLLIN | EPOLLONESHOT, .data.u64 = events[i].data.u64};
        epoll_ctl(state->epfd, EPOLL_CTL_MOD, (int)(events[i].data.u64 & 0xffffffffu), &ev);
      }
    }
    if (!state->signalled && state->pending_count > 0) wake = state->signalled = true;
    pthread_mutex_unlock(&state->pending_lock);
    if (wake && !__atomic_load_n(&process_exiting, __ATOMIC_SEQ_CST)) napi_call_threadsafe_function(state->tsfn, NULL, napi_tsfn_nonblocking);
  }
}

/* ---- Teardown ---- */

/* uv_close callback: frees the handle and, on Node, lets the environment finish. */
static void on_uv_closed(uv_handle_t *handle) {
  struct uv_source *uv = (struct uv_source *)handle;
  napi_async_cleanup_hook_handle hook = uv->hook;
  free(uv);
  /* Last: from here on Node may unload the addon. */
  if (hook) napi_remove_async_cleanup_hook(hook);
}

/* Node's async cleanup hook: closes the uv_poll_t and keeps the loop alive until its callback ran. */
static void close_uv_async(napi_async_cleanup_hook_handle hook, void *arg) {
  struct uv_source *uv = arg;
  struct state *state = uv->poll.data; /* NULL once teardown() ran: it stopped the poll */
  if (state != NULL) state->uv = NULL;
  uv->hook = hook;
  uv_poll_stop(&uv->poll);
  uv->poll.data = NULL;
  uv_close((uv_handle_t *)&uv->poll, on_uv_closed);
}

/* Stops the watcher thread and releases the thread-safe function. */
static void stop_thread(struct state *state) {
  if (state->thread_running) {
    uint64_t one = 1;
    ssize_t ignored = write(state->stopfd, &one, sizeof one);
    (void)ignored;
    pthread_join(state->thread, NULL);
    state->thread_running = false;
  }
  if (state->tsfn && state->tsfn_live) napi_release_threadsafe_function(state->tsfn, napi_tsfn_abort);
  state->tsfn = NULL;
}

/* The thread-safe function is finalized (after its release, or by the
 * runtime at shutdown, perhaps before teardown() ran): no call of
 * on_thread_ready reads `state` after this. Stops the watcher first, which
 * must not call a finalized function. */
static void on_tsfn_finalized(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  struct state *state = data;
  state->tsfn_live = false;
  if (state->thread_running) stop_thread(state);
  if (state->torn_down) free(state);
}

/*
 * Environment teardown (worker exit, process exit), a plain env cleanup hook:
 * stops the event source, closes the epoll fd and every pidfd opened here,
 * and forgets this environment's owned pids in the process-wide registry.
 * Never calls back into JS and creates nothing.
 */
static void teardown(void *arg) {
  struct state *state = arg;
  state->tearing_down = true;
  if (state->uv) {
    uv_poll_stop(&state->uv->poll);
    state->uv->poll.data = NULL; /* the async cleanup hook closes it */
    state->uv = NULL;
  }
  stop_thread(state);
  for (int fd = 0; fd < state->capacity; fd++) {
    if (state->slots[fd].mine) close(fd);
  }
  if (state->epfd >= 0) close(state->epfd);
  if (state->stopfd >= 0) close(state->stopfd);
  pthread_mutex_lock(&registry_lock);
  for (size_t i = 0; i < owned_capacity;) {
    if (owned_table[i].pid != 0 && owned_table[i].owner == state) {
      kill_at_teardown(&owned_table[i]);
      owned_remove_at(i); /* slot i refilled: look again */
    } else {
      i++;
    }
  }
  spawning_total -= state->spawning;
  pthread_mutex_unlock(&registry_lock);
  if (state->dispatch) napi_delete_reference(state->env, state->dispatch);
  if (state->batch.ints != state->batch_data) free(state->batch.ints);
  state->batch = (struct batch){0};
  state->batch_data = NULL;
  if (state->batch_ref) napi_delete_reference(state->env, state->batch_ref);
  state->batch_ref = NULL;
  pthread_mutex_destroy(&state->pending_lock);
  free(state->pending);
  state->pending = NULL;
  free(state->slots);
  state->slots = NULL;
  /* A queued call may still come (it sees tearing_down): the finalizer frees it then. */
  if (state->tsfn_live) state->torn_down = true;
  else free(state);
}

/* ---- Exported functions ---- */

/*
 * start(source, dispatch) -> 0 or -errno: creates the epoll set and joins it
 * to the host loop (SOURCE_*). dispatch(exits: Int32Array, count) receives
 * each batch: count exits of EXIT_INTS each (fd, pid or -errno, si_code,
 * si_status, reaped) at the start of the array (a reused one unless a burst
 * outgrew it), valid during the call.
 * Idempotent per environment; the first call's source wins.
 */
static napi_value js_start(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  size_t argc = 2;
  void *data = NULL;
  napi_valuetype type = napi_undefined;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, &data));
  struct state *state = data;
  int32_t source = -1;
  if (argc < 2 || napi_get_value_int32(env, argv[0], &source) != napi_ok || source < SOURCE_UV || source > SOURCE_THREAD ||
      napi_typeof(env, argv[1], &type) != napi_ok || type != napi_function) {
    napi_throw_type_error(env, NULL, "exitmon native: expected start(source: 0 | 1, dispatch: function)");
    return NULL;
  }
  if (state->tearing_down) return make_int(env, -ESHUTDOWN);
  if (state->source != SOURCE_NONE) return make_int(env, 0);
  /* The batch's array and the reference first: once the source runs, nothing may fail any more. */
  if (!state->batch_ref) {
    napi_value buffer, array;
    void *store = NULL;
    CHECK(env, napi_create_arraybuffer(env, sizeof(int32_t) * EXIT_INTS * MAX_EVENTS, &store, &buffer));
    CHECK(env, napi_create_typedarray(env, napi_int32_array, EXIT_INTS * MAX_EVENTS, buffer, 0, &array));
    CHECK(env, napi_create_reference(env, array, 1, &state->batch_ref));
    state->batch_data = store;
    batch_reset(state);
  }
  CHECK(env, napi_create_reference(env, argv[1], 1, &state->dispatch));
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) {
    int rc = -errno;
    napi_delete_reference(env, state->dispatch);
    state->dispatch = NULL;
    return make_int(env, rc);
  }
  state->epfd = epfd;
  int rc = 0;
  if (source == SOURCE_THREAD) {
    napi_value name;
    state->stopfd = eventfd(0, EFD_CLOEXEC);
    if (state->stopfd < 0) rc = -errno;
    else if (napi_create_string_utf8(env, "exitmon:pidfd", NAPI_AUTO_LENGTH, &name) != napi_ok ||
             napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, state, on_tsfn_finalized, state, on_thread_ready, &state->tsfn) != napi_ok) {
      rc = -ENOMEM;
    } else {
      state->tsfn_live = true;
      if (napi_unref_threadsafe_function(env, state->tsfn) != napi_ok) rc = -EINVAL;
      else if ((rc = -pthread_create(&state->thread, NULL, watcher, state)) == 0) state->thread_running = true;
    }
  } else {
    uv_loop_t *loop = NULL;
    struct uv_source *uv = calloc(1, sizeof *uv);
    bool hooked = false;
    if (!uv) rc = -ENOMEM;
    else if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == NULL) rc = -ENOSYS;
    else rc = uv_poll_init(loop, &uv->poll, epfd); /* libuv errors are -errno on Unix */
    if (rc < 0) {
      free(uv);
    } else {
      uv->poll.data = state;
      state->uv = uv;
      uv_unref((uv_handle_t *)&uv->poll); /* never keeps the host alive */
      hooked = napi_add_async_cleanup_hook(env, close_uv_async, uv, NULL) == napi_ok;
      rc = !hooked ? -ENOMEM : uv_poll_start(&uv->poll, UV_READABLE, on_uv_ready);
      if (rc < 0) {
        state->uv = NULL;
        uv->poll.data = NULL;
        if (!hooked) uv_close((uv_handle_t *)&uv->poll, on_uv_closed); /* else the hook closes it at teardown */
      }
    }
  }
  if (rc < 0) {
    stop_thread(state);
    if (state->stopfd >= 0) close(state->stopfd);
    close(epfd);
    state->epfd = state->stopfd = -1;
    napi_delete_reference(env, state->dispatch);
    state->dispatch = NULL;
    return make_int(env, rc);
  }
  state->source = source;
  return make_int(env, 0);
}

/* Records fd as a pidfd of this environment (for pid), unwatched. 0 or -ENOMEM. */
static int own_pidfd(struct state *state, int fd, int pid) {
  int rc = reserve(state, fd);
  if (rc == 0) state->slots[fd] = (struct slot){.pid = pid, .gen = state->slots[fd].gen, .mine = 1, .mode = MODE_NONE};
  return rc;
}

/*
 * pidfdOpen(pid) -> fd or -errno (ESRCH: no such process). The fd is recorded
 * as ours: close() and watch() accept only fds opened here, and the
 * environment's teardown closes those still open.
 */
static napi_value js_pidfd_open(napi_env env, napi_callback_info info) {
  int a[1];
  struct state *state = args(env, info, 1, a);
  if (!state) return NULL;
  int fd = pidfd_open(a[0]);
  if (fd < 0) return make_int(env, fd);
  int rc = own_pidfd(state, fd, a[0]);
  if (rc < 0) {
    close(fd);
    return make_int(env, rc);
  }
  return make_int(env, fd);
}

/*
 * watch(fd, pid, reap) -> 0 or -errno: adds fd to the epoll set, one-shot.
 * Its exit arrives in a batch: reaped when reap is 1 and no runtime owns pid,
 * else peeked at (WNOWAIT). EEXIST: watched already.
 */
static napi_value js_watch(napi_env env, napi_callback_info info) {
  int a[3];
  struct state *state = args(env, info, 3, a);
  if (!state) return NULL;
  int fd = a[0];
  if (state->tearing_down) return make_int(env, -ESHUTDOWN);
  if (state->source == SOURCE_NONE) return make_int(env, -ENOTCONN);
  if (!is_mine(state, fd) || a[1] <= 0) return make_int(env, -EBADF);
  struct slot *slot = &state->slots[fd];
  if (slot->mode != MODE_NONE) return make_int(env, -EEXIST);
  slot->gen++;
  slot->pid = a[1];
  struct epoll_event ev = {.events = EPOLLIN | EPOLLONESHOT, .data.u64 = (uint64_t)fd | ((uint64_t)slot->gen << 32)};
  int op = EPOLL_CTL_ADD;
  if (epoll_ctl(state->epfd, op, fd, &ev) < 0) {
    if (errno != EEXIST) return make_int(env, -errno);
    if (epoll_ctl(state->epfd, EPOLL_CTL_MOD, fd, &ev) < 0) return make_int(env, -errno); /* fired before: re-arm */
  }
  slot->mode = a[2] ? MODE_REAP : MODE_PEEK;
  /* Rewrites the batch's first word as it is: a fork since the page was last
   * written (node:child_process forks for every child, usually right before
   * the watch) costs its copy-on-write fault here, not on the exit path.
   * Harmless while JS reads a batch (a watch from a listener): the same
   * value, on the only thread that uses the batch. */
  volatile int32_t *first = state->batch.ints;
  *first = *first;
  return make_int(env, 0);
}


/*
 * pidfd_poll(fd, mask) -> 1 when poll(2) reports any of `mask` on the pidfd
 * now (readable: the whole thread group exited, Linux 5.3), 0 if not, or
 * -errno. Never blocks, never reaps; EINTR is retried.
 */
static int pidfd_poll(int fd, short mask) {
  struct pollfd p = {.fd = fd, .events = POLLIN, .revents = 0};
  int n;
  do n = poll(&p, 1, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0) return -errno;
  return (p.revents & mask) ? 1 : 0;
}

/*
 * collect(fd) -> Int32Array (one exit, see start), 0 while the process runs,
 * or -errno: the synchronous path, for a watch whose wakeup has not been
 * delivered yet. poll(2) first: a pidfd is readable once the whole thread
 * group exited, so a zombie leader whose threads still run is running.
 */
static napi_value js_collect(napi_env env, napi_callback_info info) {
  int a[1];
  struct state *state = args(env, info, 1, a);
  if (!state) return NULL;
  int fd = a[0];
  if (!is_mine(state, fd) || state->slots[fd].mode == MODE_NONE) return make_int(env, -EBADF);
  int ready = pidfd_poll(fd, POLLIN | POLLHUP);
  if (ready <= 0) return make_int(env, ready);
  /* The array first: once collect_one has reaped, nothing may fail (the status would be lost). */
  napi_value buffer, array;
  void *data = NULL;
  CHECK(env, napi_create_arraybuffer(env, EXIT_INTS * sizeof(int32_t), &data, &buffer));
  CHECK(env, napi_create_typedarray(env, napi_int32_array, EXIT_INTS, buffer, 0, &array));
  if (!collect_one(state, fd, data)) return make_int(env, 0);
  return array;
}

/*
 * close(fd) -> 0 or -errno. Closing a pidfd also removes it from the epoll
 * set (epoll(7): a file leaves every set when its last descriptor closes).
 * Only fds opened by pidfdOpen in this environment are closed; any other fd
 * is EBADF (a stray call must never close someone else's fd).
 */
static napi_value js_close(napi_env env, napi_callback_info info) {
  int a[1];
  struct state *state = args(env, info, 1, a);
  if (!state) return NULL;
  int fd = a[0];
  if (!is_mine(state, fd)) return make_int(env, -EBADF);
  state->slots[fd].mine = 0;
  state->slots[fd].mode = MODE_NONE;
  return make_int(env, close(fd) < 0 ? -errno : 0);
}

/* batches() -> the number of batch calls into JS so far (tests and benchmarks). */
static napi_value js_batches(napi_env env, napi_callback_info info) {
  void *data = NULL;
  napi_value result;
  CHECK(env, napi_get_cb_info(env, info, NULL, NULL, NULL, &data));
  CHECK(env, napi_create_double(env, ((struct state *)data)->batches, &result));
  return result;
}

/*
 * probe() -> 0, or -errno of the missing feature. Like Go's os/pidfd_linux.go
 * checkPidfd: pidfd_open(getpid()) (ENOSYS before 5.3), then
 * waitid(P_PIDFD, WEXITED|WNOHANG|WNOWAIT) on it must answer exactly ECHILD
 * (we are not our own child; EINVAL before 5.4), retried on EINTR, and
 * pidfd_send_signal(fd, 0) must succeed (5.1). No side effect.
 */
static napi_value js_probe(napi_env env, napi_callback_info info) {
  (void)info;
  int fd = pidfd_open(getpid());
  if (fd < 0) return make_int(env, fd);
  siginfo_t si;
  int rc = wait_id((idtype_t)EXITMON_P_PIDFD, (id_t)fd, &si, WEXITED | WNOHANG | WNOWAIT);
  if (rc == -ECHILD) rc = syscall(SYS_pidfd_send_signal, fd, 0, NULL, 0) < 0 ? -errno : 0;
  else if (rc == 0) rc = -EINVAL; /* any other answer: not the waitid we need */
  close(fd);
  return make_int(env, rc);
}

/* getSubreaper() -> 0 or 1, or -errno. prctl(2) PR_GET_CHILD_SUBREAPER, Linux 3.4. */
static napi_value js_get_subreaper(napi_env env, napi_callback_info info) {
  (void)info;
  int on = 0;
  if (prctl(PR_GET_CHILD_SUBREAPER, (unsigned long)&on, 0, 0, 0) < 0) return make_int(env, -errno);
  return make_int(env, on ? 1 : 0);
}

/* setSubreaper(on) -> 0 or -errno. prctl(2) PR_SET_CHILD_SUBREAPER, Linux 3.4. */
static napi_value js_set_subreaper(napi_env env, napi_callback_info info) {
  int a[1];
  if (!args(env, info, 1, a)) return NULL;
  if (prctl(PR_SET_CHILD_SUBREAPER, a[0] ? 1UL : 0UL, 0, 0, 0) < 0) return make_int(env, -errno);
  return make_int(env, 0);
}

/* pidfdSendSignal(fd, sig) -> 0 or -errno. pidfd_send_signal(2), Linux 5.1. */
static napi_value js_pidfd_send_signal(napi_env env, napi_callback_info info) {
  int a[2];
  if (!args(env, info, 2, a)) return NULL;
  if (syscall(SYS_pidfd_send_signal, a[0], a[1], NULL, 0) < 0) return make_int(env, -errno);
  return make_int(env, 0);
}

/*
 * pidfdReady(fd) -> 1 when the process exited, 0 while it runs, or -errno.
 * poll(2) on a pidfd (Linux 5.3): readable once the whole thread group has
 * exited, so a leader that only called pthread_exit() still counts as running.
 * Never reaps. Stops use it to check a pinned member without reading /proc.
 */
static napi_value js_pidfd_ready(napi_env env, napi_callback_info info) {
  int a[1];
  if (!args(env, info, 1, a)) return NULL;
  return make_int(env, pidfd_poll(a[0], POLLIN));
}

/* Turns a waitid(2) answer into {pid, code | signal, coreDumped}; pid 0: nothing to report. */
static napi_value wait_result(napi_env env, int rc, const siginfo_t *info) {
  if (rc < 0) return make_int(env, rc);
  napi_value result, value;
  CHECK(env, napi_create_object(env, &result));
  CHECK(env, napi_create_int32(env, info->si_pid, &value));
  CHECK(env, napi_set_named_property(env, result, "pid", value));
  if (info->si_pid == 0) return result;
  CHECK(env, napi_create_int32(env, info->si_status, &value));
  CHECK(env, napi_set_named_property(env, result, info->si_code == CLD_EXITED ? "code" : "signal", value));
  CHECK(env, napi_get_boolean(env, info->si_code == CLD_DUMPED, &value));
  CHECK(env, napi_set_named_property(env, result, "coreDumped", value));
  return result;
}

/*
 * reapUnowned(pid, pidfd) -> result or -errno: reaps exactly this child,
 * waitid(P_PIDFD, pidfd, WEXITED | WNOHANG) when pidfd >= 0 (PID-reuse safe:
 * ECHILD once anyone else reaped it, even if the pid names a new child by
 * now), else waitid(P_PID, pid, ...), unless reap_refused() (-EBUSY: a
 * runtime or another environment owns it, or a spawn is in flight), checked
 * under the registry lock.
 */
static napi_value js_reap_unowned(napi_env env, napi_callback_info info) {
  int a[2];
  struct state *state = args(env, info, 2, a);
  if (!state) return NULL;
  if (a[0] <= 0) return make_int(env, -EINVAL);
  siginfo_t si;
  int rc;
  /* Through a pidfd, ECHILD first: once anyone reaped it, the pid's new
   * owner (a runtime's child, say) must not keep the answer at EBUSY. */
  if (a[1] >= 0 && (rc = wait_id((idtype_t)EXITMON_P_PIDFD, (id_t)a[1], &si, WEXITED | WNOHANG | WNOWAIT)) < 0) return make_int(env, rc);
  pthread_mutex_lock(&registry_lock);
  if (reap_refused(a[0], state)) rc = -EBUSY;
  else if (a[1] >= 0) rc = wait_id((idtype_t)EXITMON_P_PIDFD, (id_t)a[1], &si, WEXITED | WNOHANG);
  else rc = wait_id(P_PID, (id_t)a[0], &si, WEXITED | WNOHANG);
  if (rc == 0 && si.si_pid != 0) reaped_by(a[0], state);
  pthread_mutex_unlock(&registry_lock);
  return wait_result(env, rc, &si);
}

/*
 * peekAny() -> result (pid 0: no zombie child) or -errno (ECHILD: no children).
 * waitid(P_ALL, 0, WEXITED | WNOHANG | WNOWAIT): reports the first zombie
 * child of this thread group and leaves it in place (WNOWAIT never reaps).
 */
static napi_value js_peek_any(napi_env env, napi_callback_info info) {
  (void)info;
  siginfo_t si;
  int rc = wait_id(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT);
  return wait_result(env, rc, &si);
}

/* ownBegin(): a spawn of this realm is about to fork (or a synchronous spawn runs). Always 0. */
static napi_value js_own_begin(napi_env env, napi_callback_info info) {
  int a[1];
  struct state *state = args(env, info, 0, a);
  if (!state) return NULL;
  pthread_mutex_lock(&registry_lock);
  spawning_total++;
  state->spawning++;
  pthread_mutex_unlock(&registry_lock);
  return make_int(env, 0);
}

/* ownEnd(pid): the spawn returned; pid > 0 is now owned by this realm's runtime. 0 or -ENOMEM. */
static napi_value js_own_end(napi_env env, napi_callback_info info) {
  int a[1];
  struct state *state = args(env, info, 1, a);
  if (!state) return NULL;
  int rc = 0;
  pthread_mutex_lock(&registry_lock);
  if (a[0] > 0) rc = owned_put(a[0], state, false);
  /* Unrecorded (-ENOMEM): the window stays open instead, until the JS side
   * closes it with ownEnd(0) once the runtime reaped the child. */
  if (rc == 0 && state->spawning > 0) {
    state->spawning--;
    spawning_total--;
  }
  pthread_mutex_unlock(&registry_lock);
  return make_int(env, rc);
}

/* ownDelete(pid) -> 1 when this realm's entry was removed, else 0. */
static napi_value js_own_delete(napi_env env, napi_callback_info info) {
  int a[1];
  struct state *state = args(env, info, 1, a);
  if (!state) return NULL;
  int removed = 0;
  pthread_mutex_lock(&registry_lock);
  size_t i = a[0] > 0 ? owned_find(a[0]) : owned_capacity;
  /* A runtime's entry only: a late ownDelete must never drop a native spawn that got the pid since. */
  if (i < owned_capacity && owned_table[i].owner == state && !owned_table[i].spawned) {
    owned_remove_at(i);
    removed = 1;
  }
  pthread_mutex_unlock(&registry_lock);
  return make_int(env, removed);
}

/* ownHas(pid) -> 1 when pid is someone else's (a runtime's child in any realm, or another realm's native spawn), else 0. */
static napi_value js_own_has(napi_env env, napi_callback_info info) {
  int a[1];
  struct state *state = args(env, info, 1, a);
  if (!state) return NULL;
  pthread_mutex_lock(&registry_lock);
  int has = owned_by_other(a[0], state);
  pthread_mutex_unlock(&registry_lock);
  return make_int(env, has);
}

/* tcsetpgrp(3) with SIGTTOU blocked (defined with the terminal helpers below). */
static int run_set_foreground(int fd, pid_t pgid);

/* ==== Native spawn: clone3(CLONE_VM | CLONE_VFORK | CLONE_PIDFD [| CLONE_INTO_CGROUP]) ====
 *
 * spawn(job) starts one process the way posix_spawn(3) does in glibc and musl:
 * the child shares our memory (CLONE_VM) and runs on a small stack of its own
 * while this thread is suspended (CLONE_VFORK) until it called execve(2) or
 * exited. No page table is copied, which is what makes fork(2) (libuv's way)
 * slow in a large process. The kernel hands back a pidfd from birth
 * (CLONE_PIDFD), so the process is named PID-reuse-safely before anyone could
 * reap it, and with CLONE_INTO_CGROUP it starts inside its cgroup, with no
 * window in which it could fork outside.
 *
 * Kernels: clone3(2) 5.3, CLONE_PIDFD 5.2 (clone) / 5.3 (clone3),
 * CLONE_INTO_CGROUP 5.7. Where clone3 answers ENOSYS (Linux < 5.3, or a
 * seccomp profile that refuses it so that libc falls back) and no cgroup is
 * asked for, glibc's clone(2) wrapper with CLONE_PIDFD (5.2) is used instead.
 *
 * Because memory is shared, an exec failure is reported through `job.err`,
 * written by the child before it exits (glibc's posix_spawn does the same):
 * strictly simpler and cheaper than the CLOEXEC pipe a fork-based spawn needs,
 * and just as race-free, since we resume only after the child exec'd or died.
 *
 * Rules for the child (it runs on our memory, under our TLS):
 *   - every signal stays blocked until all dispositions are reset (a handler of
 *     ours must never run in the child), then the mask is cleared;
 *   - set*id go through raw syscalls: glibc's wrappers broadcast to *our*
 *     threads (setxid(3) consistency), which must not happen here;
 *   - nothing allocates; everything it needs was prepared by the parent.
 */
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <termios.h>

#ifndef SYS_close_range
#define SYS_close_range 436 /* the same number on x86_64 and arm64 (asm-generic) */
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* struct exitmon_clone_args of <linux/sched.h> (size ver. 2, Linux 5.7), spelled out so
 * that old or foreign (musl) headers build it too. */
struct exitmon_clone_args {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

#define SPAWN_PROCESS_GROUP 1
#define SPAWN_SESSION 2
#define SPAWN_FOREGROUND 4
#define SPAWN_CLOSE_OTHERS 8
#define SPAWN_MAX_STDIO 64
/* stdio entries: >= 0 dup this fd; these mark the other modes. */
#define SPAWN_INHERIT (-1)
#define SPAWN_IGNORE (-2)
#define SPAWN_PIPE (-3)
#define SPAWN_CLOSED (-4) /* internal: 'ignore' beyond stderr leaves the position closed, as libuv does */
#define SPAWN_STACK_SIZE (32 * 1024)

struct spawn_job {
  char **paths; /* execve candidates in PATH order (execvp(3) semantics) */
  char **argv;
  char **script_argv; /* "/bin/sh", (the candidate), argv[1..]: for ENOEXEC, made before the clone */
  char **envp;
  const char *cwd;
  int stdio[SPAWN_MAX_STDIO]; /* the fd to place at each position, or SPAWN_INHERIT / SPAWN_IGNORE */
  int nstdio;
  int flags;
  int uid, gid; /* -1: unchanged */
  int nofile;   /* the soft RLIMIT_NOFILE to start with; -1: ours */
  uint64_t ignored; /* bit n-1: signal n is SIG_IGN in the child */
  int err;          /* set by the child: errno of the step that failed */
  const char *failed;
};

/* The child's side: returns only by execve; on failure records errno and exits 127. */
static int spawn_child(void *arg) {
  struct spawn_job *job = arg;
  const char *step = "";
  int fd, n = job->nstdio;
#define FAIL(name) do { step = (name); goto fail; } while (0)
  if (job->flags & SPAWN_SESSION) {
    if (setsid() < 0) FAIL("setsid");
  } else if (job->flags & SPAWN_PROCESS_GROUP) {
    if (setpgid(0, 0) < 0) FAIL("setpgid");
  }
  /* stdio: first move every source that sits below n out of the way, so a
   * dup2 onto position i never clobbers a source still needed later. */
  for (int i = 0; i < n; i++) {
    fd = job->stdio[i];
    if (fd == SPAWN_IGNORE && i > 2) {
      job->stdio[i] = SPAWN_CLOSED;
    } else if (fd == SPAWN_IGNORE) {
      fd = open("/dev/null", (i == 0 ? O_RDONLY : O_RDWR) | O_CLOEXEC);
      if (fd < 0) FAIL("open");
      if (fd < n) {
        int moved = fcntl(fd, F_DUPFD_CLOEXEC, n);
        if (moved < 0) FAIL("fcntl");
        close(fd); /* it sat at a position of its own choosing, perhaps one that is to stay closed */
        fd = moved;
      }
      job->stdio[i] = fd;
    } else if (fd >= 0 && fd < n && fd != i) {
      int moved = fcntl(fd, F_DUPFD_CLOEXEC, n);
      if (moved < 0) FAIL("fcntl");
      job->stdio[i] = moved;
    }
  }
  for (int i = 0; i < n; i++) {
    fd = job->stdio[i];
    if (fd == SPAWN_CLOSED) {
      /* Every source below n was moved above it: nothing needed sits here. */
      close(i);
      continue;
    }
    if (fd == SPAWN_INHERIT) {
      /* Our fd i, as it is: kept across exec (as libuv does), if open. */
      int flags = fcntl(i, F_GETFD);
      if (flags >= 0 && (flags & FD_CLOEXEC) && fcntl(i, F_SETFD, flags & ~FD_CLOEXEC) < 0) FAIL("fcntl");
      continue;
    }
    if (fd == i) {
      if (fcntl(fd, F_SETFD, 0) < 0) FAIL("fcntl"); /* keep it across exec */
    } else if (dup2(fd, i) < 0) FAIL("dup2");
  }
  /* The sources now live at their positions: the child keeps no second copy
   * of any (a caller's fd 20 given as stdio[3] is fd 3 only), as libuv does.
   * A source used twice is closed twice: the second close is EBADF. */
  for (int i = 0; i < n; i++) {
    if (job->stdio[i] >= n) close(job->stdio[i]);
  }
  /* Only the stdio positions cross exec: whatever else we hold without
   * close-on-exec (fds inherited from our own parent) stays here, as
   * supervisord and Python's close_fds do. close_range(2), Linux 5.9;
   * older kernels leave them (ENOSYS). */
  if (job->flags & SPAWN_CLOSE_OTHERS) syscall(SYS_close_range, (unsigned)n, ~0U, 0U);
  if (job->cwd && chdir(job->cwd) < 0) FAIL("chdir");
  /* The open-files limit the caller of `exitmon run` had: the runtime raised
   * its own soft limit to the hard one at start (Node, Bun and Deno do), which
   * a child would inherit (select(2) breaks above 1024). Best effort, clamped
   * to the hard limit; a soft limit may always be lowered. */
  if (job->nofile >= 0) {
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
      limit.rlim_cur = (rlim_t)job->nofile < limit.rlim_max ? (rlim_t)job->nofile : limit.rlim_max;
      setrlimit(RLIMIT_NOFILE, &limit);
    }
  }
  if (job->gid >= 0 || job->uid >= 0) syscall(SYS_setgroups, 0, NULL); /* as libuv: best effort */
  if (job->gid >= 0 && syscall(SYS_setgid, job->gid) < 0) FAIL("setgid");
  if (job->uid >= 0 && syscall(SYS_setuid, job->uid) < 0) FAIL("setuid");
  /* The terminal last, after every step that can fail but execve (whose
   * failure the parent undoes: js_spawn). */
  if (job->flags & SPAWN_FOREGROUND) {
    /* tcsetpgrp(3) from a background group raises SIGTTOU unless it is
     * blocked or ignored: every signal is still blocked here. ENOTTY (stdin is
     * not a terminal) leaves nothing to hand over. */
    pid_t self = getpid();
    if (ioctl(0, TIOCSPGRP, &self) < 0 && errno != ENOTTY) FAIL("tcsetpgrp");
  }
  struct sigaction action;
  memset(&action, 0, sizeof action);
  for (int sig = 1; sig < NSIG; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    action.sa_handler = (sig <= 64 && (job->ignored >> (sig - 1)) & 1) ? SIG_IGN : SIG_DFL;
    sigaction(sig, &action, NULL); /* EINVAL for libc-internal signals: theirs to keep */
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  /* execvp(3)'s search: EACCES is remembered and the search goes on; a
   * missing file or directory goes on; anything else ends it. A file the
   * kernel cannot execute (ENOEXEC: a script without a #! line) is run by
   * /bin/sh, as execvp(3), and so node:child_process, tini and dumb-init do. */
  int err = ENOENT, saw_eacces = 0;
  for (char **path = job->paths; *path; path++) {
    execve(*path, job->argv, job->envp);
    err = errno;
    if (err == ENOEXEC && job->script_argv) {
      job->script_argv[1] = *path;
      execve(job->script_argv[0], job->script_argv, job->envp);
      err = errno;
    }
    if (err == EACCES) saw_eacces = 1;
    else if (err != ENOENT && err != ENOTDIR && err != ESTALE && err != ENODEV && err != ETIMEDOUT) break;
  }
  if (saw_eacces && (err == ENOENT || err == ENOTDIR)) err = EACCES;
  job->err = err;
  job->failed = "execve";
  syscall(SYS_exit, 127);
  return 127;
fail:
  job->err = errno;
  job->failed = step;
  syscall(SYS_exit, 127);
  return 127;
#undef FAIL
}

/* Ends a started child that cannot be handed to JS: SIGKILL through its
 * pidfd, reaped through it, forgotten by the registry, the pidfd closed. */
static void spawn_undo(int pidfd, int pid) {
  siginfo_t si;
  syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
  while (waitid((idtype_t)EXITMON_P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0 && errno == EINTR) {}
  close(pidfd);
  pthread_mutex_lock(&registry_lock);
  size_t i = owned_find(pid);
  if (i < owned_capacity) owned_remove_at(i);
  pthread_mutex_unlock(&registry_lock);
}

/*
 * clone3 that runs fn(arg) on `args->stack` in the child. The child cannot
 * return from the syscall through C frames (it is on another stack), so the
 * switch is a few instructions of assembly, as in musl's __clone. Returns the
 * child's pid to the parent, or -errno.
 */
static long spawn_clone3(struct exitmon_clone_args *args, int (*fn)(void *), void *arg) {
#if defined(__x86_64__)
  long ret;
  register void *r8 __asm__("r8") = (void *)fn;
  register void *r9 __asm__("r9") = arg;
  __asm__ volatile(
      "syscall\n\t"
      "test %%rax, %%rax\n\t"
      "jnz 1f\n\t"
      "xor %%ebp, %%ebp\n\t"
      "mov %%r9, %%rdi\n\t"
      "call *%%r8\n\t"
      "mov %%eax, %%edi\n\t"
      "mov $60, %%eax\n\t" /* SYS_exit */
      "syscall\n\t"
      "hlt\n"
      "1:"
      : "=a"(ret)
      : "a"((long)SYS_clone3), "D"(args), "S"(sizeof *args), "r"(r8), "r"(r9)
      : "rcx", "r11", "memory");
  return ret;
#elif defined(__aarch64__)
  register long x8 __asm__("x8") = SYS_clone3;
  register long x0 __asm__("x0") = (long)args;
  register long x1 __asm__("x1") = (long)sizeof *args;
  register long x2 __asm__("x2") = (long)fn;
  register long x3 __asm__("x3") = (long)arg;
  __asm__ volatile(
      "svc #0\n\t"
      "cbnz x0, 1f\n\t"
      "mov x0, x3\n\t"
      "blr x2\n\t"
      "mov x8, #93\n\t" /* SYS_exit */
      "svc #0\n"
      "1:"
      : "+r"(x0)
      : "r"(x8), "r"(x1), "r"(x2), "r"(x3)
      : "memory", "x30");
  return x0;
#else
  (void)args; (void)fn; (void)arg;
  return -ENOSYS;
#endif
}

/* Starts the child; returns its pid and sets *pidfd, or -errno. */
static long spawn_start(struct spawn_job *job, int cgroup_fd, int *pidfd) {
  /* The child's stack lives in our frame: CLONE_VFORK keeps this thread
   * suspended for exactly as long as the child uses it. */
  _Alignas(16) char stack[SPAWN_STACK_SIZE];
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  struct exitmon_clone_args args;
  memset(&args, 0, sizeof args);
  args.flags = CLONE_VM | CLONE_VFORK | CLONE_PIDFD | (cgroup_fd >= 0 ? CLONE_INTO_CGROUP : 0);
  args.pidfd = (uint64_t)(uintptr_t)pidfd;
  args.exit_signal = SIGCHLD;
  args.stack = (uint64_t)(uintptr_t)stack;
  args.stack_size = sizeof stack;
  if (cgroup_fd >= 0) args.cgroup = (uint64_t)cgroup_fd;
  long pid = spawn_clone3(&args, spawn_child, job);
  if (pid == -ENOSYS && cgroup_fd < 0) {
    /* clone(2) with CLONE_PIDFD (Linux 5.2) stores the pidfd in parent_tid. */
    pid = clone(spawn_child, stack + sizeof stack, CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD, job, pidfd);
    if (pid < 0) pid = -errno;
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return pid;
}

/* Reads a JS string into a new C string; NULL when it is not a string (or no memory). */
static char *spawn_string(napi_env env, napi_value value) {
  size_t length = 0;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok) return NULL;
  char *s = malloc(length + 1);
  if (s && napi_get_value_string_utf8(env, value, s, length + 1, &length) != napi_ok) {
    free(s);
    return NULL;
  }
  return s;
}

/* Reads a JS array of strings into a NULL-terminated vector; *ok = 0 on a bad value. */
static char **spawn_strings(napi_env env, napi_value object, const char *key, int *ok) {
  napi_value array, item;
  uint32_t count = 0;
  bool is_array = false;
  if (napi_get_named_property(env, object, key, &array) != napi_ok ||
      napi_is_array(env, array, &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, array, &count) != napi_ok) {
    *ok = 0;
    return NULL;
  }
  char **vector = calloc((size_t)count + 1, sizeof *vector);
  if (!vector) {
    *ok = 0;
    return NULL;
  }
  for (uint32_t i = 0; i < count; i++) {
    if (napi_get_element(env, array, i, &item) != napi_ok || !(vector[i] = spawn_string(env, item))) {
      *ok = 0;
      break;
    }
  }
  return vector;
}

/* The argv of `/bin/sh SCRIPT ARGS…` for argv (slot 1 is filled by the child
 * with the candidate it tried), allocated here: the vfork child must not
 * allocate. NULL without argv or memory (then ENOEXEC is reported as such). */
static char **spawn_script_argv(char **argv) {
  if (!argv || !argv[0]) return NULL;
  size_t argc = 0;
  while (argv[argc]) argc++;
  char **script = calloc(argc + 2, sizeof *script);
  if (!script) return NULL;
  script[0] = (char *)"/bin/sh";
  for (size_t i = 1; i < argc; i++) script[i + 1] = argv[i];
  return script;
}

static void spawn_free_strings(char **vector) {
  if (!vector) return;
  for (char **s = vector; *s; s++) free(*s);
  free(vector);
}

static int spawn_int(napi_env env, napi_value object, const char *key, int fallback) {
  napi_value value;
  int32_t result = fallback;
  if (napi_get_named_property(env, object, key, &value) != napi_ok ||
      napi_get_value_int32(env, value, &result) != napi_ok) return fallback;
  return result;
}

/* { errno, syscall } for a failure. */
/* Sets object[key] = value; false (with a pending exception) on failure. */
static bool set_int(napi_env env, napi_value object, const char *key, int value) {
  napi_value v = make_int(env, value);
  return v != NULL && napi_set_named_property(env, object, key, v) == napi_ok;
}

static napi_value spawn_error(napi_env env, int err, const char *syscall_name) {
  napi_value result, name;
  if (napi_create_object(env, &result) != napi_ok || !set_int(env, result, "errno", err)) return fail(env, "exitmon native: spawn could not report its error");
  if (napi_create_string_utf8(env, syscall_name, NAPI_AUTO_LENGTH, &name) == napi_ok) {
    napi_set_named_property(env, result, "syscall", name);
  }
  return result;
}

/*
 * spawn(job) -> { pid, pidfd, fds } or { errno, syscall }.
 * job: { paths: string[], argv: string[], envp: string[], cwd?: string,
 *        stdio: number[] (fd | -1 inherit | -2 ignore: /dev/null, closed beyond stderr | -3 pipe), flags,
 *        uid, gid (-1: unchanged), cgroupFd (-1: none), ignored: number[] }.
 * fds[i] is our end of the pipe at position i (O_CLOEXEC), else -1. The
 * pidfd is O_CLOEXEC and recorded in this environment's table like
 * pidfdOpen's, so close(pidfd) releases it.
 */
static napi_value js_spawn(napi_env env, napi_callback_info info) {
  napi_value argv[1], stdio_array, ignored_array, cwd_value, item, result, fds;
  size_t argc = 1;
  void *data = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, &data) != napi_ok || data == NULL) return fail(env, "exitmon native: spawn: napi_get_cb_info");
  if (argc < 1) {
    napi_throw_type_error(env, NULL, "exitmon native: spawn expects { paths, argv, envp, stdio } of strings and ints");
    return NULL;
  }
  struct state *state = data;
  struct spawn_job job;
  memset(&job, 0, sizeof job);
  int ok = 1;
  job.paths = spawn_strings(env, argv[0], "paths", &ok);
  job.argv = spawn_strings(env, argv[0], "argv", &ok);
  job.script_argv = spawn_script_argv(job.argv);
  job.envp = spawn_strings(env, argv[0], "envp", &ok);
  napi_valuetype type = napi_undefined;
  if (napi_get_named_property(env, argv[0], "cwd", &cwd_value) == napi_ok &&
      napi_typeof(env, cwd_value, &type) == napi_ok && type == napi_string) {
    job.cwd = spawn_string(env, cwd_value);
    if (!job.cwd) ok = 0;
  }
  job.flags = spawn_int(env, argv[0], "flags", 0);
  job.uid = spawn_int(env, argv[0], "uid", -1);
  job.gid = spawn_int(env, argv[0], "gid", -1);
  job.nofile = spawn_int(env, argv[0], "openFileLimit", -1);
  int cgroup_fd = spawn_int(env, argv[0], "cgroupFd", -1);
  int cleanup_signal = spawn_int(env, argv[0], "cleanupSignal", 0);
  if (cleanup_signal < 0 || cleanup_signal >= NSIG || cleanup_signal == SIGSTOP) cleanup_signal = 0;
  uint32_t count = 0;
  if (napi_get_named_property(env, argv[0], "ignored", &ignored_array) == napi_ok &&
      napi_get_array_length(env, ignored_array, &count) == napi_ok) {
    for (uint32_t i = 0; i < count; i++) {
      int32_t sig = 0;
      if (napi_get_element(env, ignored_array, i, &item) == napi_ok &&
          napi_get_value_int32(env, item, &sig) == napi_ok && sig >= 1 && sig <= 64) {
        job.ignored |= 1ULL << (sig - 1);
      }
    }
  }
  int mine[SPAWN_MAX_STDIO], theirs[SPAWN_MAX_STDIO];
  count = 0;
  if (napi_get_named_property(env, argv[0], "stdio", &stdio_array) != napi_ok ||
      napi_get_array_length(env, stdio_array, &count) != napi_ok || count > SPAWN_MAX_STDIO) ok = 0;
  job.nstdio = ok ? (int)count : 0;
  for (int i = 0; i < job.nstdio; i++) {
    int32_t fd = SPAWN_INHERIT;
    if (napi_get_element(env, stdio_array, (uint32_t)i, &item) != napi_ok ||
        napi_get_value_int32(env, item, &fd) != napi_ok || fd < SPAWN_PIPE) ok = 0;
    job.stdio[i] = fd;
    mine[i] = theirs[i] = -1;
  }
  int err = 0;
  const char *failed = NULL;
  int pidfd = -1;
  long pid = -1;
  if (!ok || !job.paths || !job.paths[0] || !job.argv || !job.envp) {
    napi_throw_type_error(env, NULL, "exitmon native: spawn expects { paths, argv, envp, stdio } of strings and ints");
    goto done;
  }
  for (int i = 0; i < job.nstdio; i++) {
    if (job.stdio[i] != SPAWN_PIPE) continue;
    int ends[2];
    if (pipe2(ends, O_CLOEXEC) < 0) {
      err = errno;
      failed = "pipe2";
      goto done;
    }
    /* Never at a stdio position: with fd 0, 1 or 2 closed here, pipe2 hands
     * out that number, and the child would get its own pipe end there
     * (`cat` writing into its own stdin). Lifted above them, as libuv does. */
    for (int e = 0; e < 2; e++) {
      if (ends[e] >= job.nstdio) continue;
      int up = fcntl(ends[e], F_DUPFD_CLOEXEC, job.nstdio);
      if (up < 0) {
        err = errno;
        failed = "fcntl";
        close(ends[0]);
        close(ends[1]);
        goto done;
      }
      close(ends[e]);
      ends[e] = up;
    }
    /* Position 0 is the child's stdin: it reads, we write. */
    mine[i] = i == 0 ? ends[1] : ends[0];
    theirs[i] = i == 0 ? ends[0] : ends[1];
    job.stdio[i] = theirs[i];
  }
  /* The child is this environment's from birth (see the registry): while the
   * clone runs it counts as "being spawned", so no reap in any thread can
   * take it before it is in the table; room for its entry is made first. */
  pthread_mutex_lock(&registry_lock);
  int reserved = owned_reserve(1 + (size_t)spawning_total);
  if (reserved == 0) {
    spawning_total++;
    state->spawning++;
  }
  pthread_mutex_unlock(&registry_lock);
  if (reserved < 0) {
    err = ENOMEM;
    failed = "spawn";
    goto done;
  }
  /* Our fd for the terminal the child may take (its stdin): the child
   * rewrites job.stdio (it shares our memory) with its own fd numbers. */
  int tty_fd = (job.flags & SPAWN_FOREGROUND) && job.stdio[0] >= 0 ? job.stdio[0] : -1;
  pid = spawn_start(&job, cgroup_fd, &pidfd);
  if (pid > 0 && job.err != 0) {
    /* The child died before or in execve; collect it (CLONE_VFORK resumed us
     * in its exit path, so this returns at once) while the spawn still counts
     * as in flight, so no other thread's sweep takes it for an orphan. */
    siginfo_t si;
    while (waitid((idtype_t)EXITMON_P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0 && errno == EINTR) {}
    close(pidfd);
  }
  /* Its cgroup, for a cleanup that outlives our JS (kill_at_teardown). */
  int cgroup_dup = pid > 0 && job.err == 0 && cleanup_signal > 0 && cgroup_fd >= 0 ? fcntl(cgroup_fd, F_DUPFD_CLOEXEC, 3) : -1;
  pthread_mutex_lock(&registry_lock);
  /* Cannot fail unless other threads used the room made above (then -ENOMEM). */
  int recorded = pid > 0 && job.err == 0 ? owned_put((int)pid, state, true) : 0;
  if (pid > 0 && job.err == 0 && recorded == 0) {
    struct owned *entry = &owned_table[owned_find((int)pid)];
    entry->kill_signal = cleanup_signal;
    entry->group = (job.flags & (SPAWN_PROCESS_GROUP | SPAWN_SESSION)) != 0;
    entry->cgroup_fd = cgroup_dup;
    cgroup_dup = -1;
  }
  spawning_total--;
  state->spawning--;
  pthread_mutex_unlock(&registry_lock);
  if (cgroup_dup >= 0) close(cgroup_dup);
  if (recorded < 0) {
    /* Unrecorded, another thread could reap it unseen: end it now instead. */
    spawn_undo(pidfd, (int)pid);
    err = ENOMEM;
    failed = "spawn";
  } else if (pid < 0) {
    err = (int)-pid;
    failed = cgroup_fd >= 0 ? "clone3" : "clone";
  } else if (job.err != 0) {
    /* Collected above; report why. */
    err = job.err;
    failed = job.failed;
    /* It took the terminal and then failed to exec: take it back, or we stay
     * in the background of a group that no longer exists (SIGTTIN/SIGTTOU). */
    if (tty_fd >= 0 && tcgetpgrp(tty_fd) == (pid_t)pid) (void)run_set_foreground(tty_fd, getpgrp());
  }
done:
  for (int i = 0; i < job.nstdio; i++) {
    if (theirs[i] >= 0) close(theirs[i]);
    if (err && mine[i] >= 0) close(mine[i]);
  }
  spawn_free_strings(job.paths);
  spawn_free_strings(job.argv);
  free(job.script_argv); /* its strings are argv's, and one literal */
  spawn_free_strings(job.envp);
  free((char *)job.cwd);
  if (failed == NULL && err == 0 && pid < 0) return NULL; /* a TypeError is pending */
  if (err) return spawn_error(env, err, failed);
  bool built = napi_create_object(env, &result) == napi_ok && napi_create_array_with_length(env, (size_t)job.nstdio, &fds) == napi_ok &&
               set_int(env, result, "pid", (int)pid) && set_int(env, result, "pidfd", pidfd);
  for (int i = 0; built && i < job.nstdio; i++) {
    napi_value fd_value = make_int(env, mine[i]);
    built = fd_value != NULL && napi_set_element(env, fds, (uint32_t)i, fd_value) == napi_ok;
  }
  if (!built || napi_set_named_property(env, result, "fds", fds) != napi_ok) {
    /* JS will never know this child: end it rather than leave it running unwatched. */
    spawn_undo(pidfd, (int)pid);
    for (int i = 0; i < job.nstdio; i++) {
      if (mine[i] >= 0) close(mine[i]);
    }
    return fail(env, "exitmon native: spawn could not build its result");
  }
  /* The pidfd is this environment's, like pidfdOpen's: close() takes it (a
   * runtime's own fs.closeSync may refuse an fd it did not open: Deno). */
  (void)own_pidfd(state, pidfd, (int)pid); /* on -ENOMEM, native-process.ts closes it with closeSync */
  return result;
}

/*
 * killOwned() -> count | -EAGAIN: every environment's unreaped native spawns
 * that asked for an exit cleanup get its signal now, as at exit(3). For a
 * process about to die of a signal: that tears no worker thread down.
 */
static napi_value js_kill_owned(napi_env env, napi_callback_info info) {
  (void)info;
  int killed = kill_all_owned();
  return make_int(env, killed < 0 ? -EAGAIN : killed);
}

/* ==================== exitmon run: signal forwarding and the terminal ====================
 * What `exitmon run` needs to behave like tini/dumb-init (issue 12, item 4). Self-contained:
 * nothing above calls into this block, and it uses only N-API, so it merges on its own.
 *
 *   signalIgnored(signo) -> 0 | 1 | 2 | -errno  sigaction(signo, NULL, &old) (sigaction(2)): 1 when
 *                                             the disposition is SIG_IGN, 2 when a handler is set
 *                                             (the runtime's own, e.g. Bun's GC signal), 0 for SIG_DFL.
 *                                             Node resets inherited SIG_IGN of signals 1-31 before any
 *                                             addon loads (src/node.cc PlatformInit), so the CLI
 *                                             also reads the mask its launcher line recorded.
 *   tcgetpgrp(fd) -> pgid | -errno           tcgetpgrp(3)
 *   tcsetpgrp(fd, pgid) -> 0 | -errno        tcsetpgrp(3) with SIGTTOU blocked around the call:
 *                                             from a background group the call would otherwise
 *                                             stop us (termios(3), "SIGTTOU"). Callers check that
 *                                             they are in the foreground first.
 *   forwardSignal(signo, mode) -> 0 | -errno mode 1: install a C handler (SA_RESTART) that forwards
 *                                             signo to the target group from signal context;
 *                                             mode 2: SIG_IGN (a signal ignored at exec that the
 *                                             runtime reset: nohup's SIGHUP under Node);
 *                                             mode 0: restore the disposition found before.
 *   setForwardTarget(pgid, ttyFd) -> 0        the group to forward to (0: none yet, signals are kept
 *                                             pending, one of each, and sent when a target is set);
 *                                             ttyFd >= 0: on SIGCONT, when our group holds the
 *                                             terminal, hand it to pgid before continuing it.
 *   forwardedCount(signo) -> n               how many times signo was forwarded (for logs).
 *   continuesBegun() / continuesEnded() -> n  SIGCONT hand-overs (terminal, then the group's
 *                                             SIGCONT) begun and ended, in any thread: the CLI
 *                                             does not follow a stop of the command while one
 *                                             is under way or happened while it looked.
 *   realtimeSignals() -> [SIGRTMIN, SIGRTMAX] libc's range (glibc keeps 32 and 33 for itself).
 *
 * Why C and not the runtime's signal events: the runtimes listen only to named signals (no
 * real-time ones), their handler runs a loop turn later (2x tini's latency, issue 12), and a
 * signal nobody listens to keeps its default action, which kills us. The handler calls only
 * async-signal-safe functions (signal-safety(7): kill, getpid, getpgrp, tcgetpgrp, tcsetpgrp).
 * SIGTSTP/SIGTTIN/SIGTTOU stop the group and then ourselves (SIGSTOP), like dumb-init; the
 * SIGCONT that resumes us resumes the group. */
#define RUN_MAX_SIGNAL 65
static volatile sig_atomic_t run_target;         /* the command's process group; 0: not yet */
static volatile sig_atomic_t run_tty = -1;       /* the terminal to hand over on SIGCONT */
static volatile sig_atomic_t run_pending[RUN_MAX_SIGNAL];
static volatile sig_atomic_t run_counts[RUN_MAX_SIGNAL];
/* SIGCONT hand-overs begun and ended (any thread): while they differ, one is
 * under way, and the command may still show the stop it is about to leave. */
static volatile sig_atomic_t run_conts_begun;
static volatile sig_atomic_t run_conts_ended;
static struct sigaction run_saved[RUN_MAX_SIGNAL];
static unsigned char run_installed[RUN_MAX_SIGNAL];

/* SIGCHLD is never forwarded: a handler here would replace the runtime's own
 * (libuv reaps node:child_process children on it). */
static int run_valid_signal(int signo) {
  return signo > 0 && signo < RUN_MAX_SIGNAL && signo != SIGKILL && signo != SIGSTOP && signo != SIGCHLD;
}

/* tcsetpgrp with SIGTTOU blocked in this thread (the mask is per thread, pthread_sigmask(3)). */
static int run_set_foreground(int fd, pid_t pgid) {
  sigset_t ttou, old;
  sigemptyset(&ttou);
  sigaddset(&ttou, SIGTTOU);
  pthread_sigmask(SIG_BLOCK, &ttou, &old);
  int rc = tcsetpgrp(fd, pgid) == 0 ? 0 : -errno;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return rc;
}

/* Sends signo to the group; called from the handler and from setForwardTarget. */
static void run_send(int signo, pid_t pgid) {
  int cont = signo == SIGCONT;
  if (cont) __atomic_fetch_add(&run_conts_begun, 1, __ATOMIC_SEQ_CST);
  if (cont && run_tty >= 0 && tcgetpgrp(run_tty) == getpgrp()) run_set_foreground(run_tty, pgid);
  if (kill(-pgid, signo) == 0) __atomic_fetch_add(&run_counts[signo], 1, __ATOMIC_RELAXED);
  if (cont) __atomic_fetch_add(&run_conts_ended, 1, __ATOMIC_SEQ_CST);
  if (signo == SIGTSTP || signo == SIGTTIN || signo == SIGTTOU) kill(getpid(), SIGSTOP);
}

/* A signal before the target is known stays pending, one of each. The flag is
 * claimed with an atomic exchange by whoever sends it: the handler (in any
 * thread) or setForwardTarget, so a signal that arrives while the target is
 * being set is sent exactly once, never lost between the two. */
static void run_on_signal(int signo, siginfo_t *si, void *context) {
  (void)context;
  /* SIGPIPE and SIGXFSZ that the kernel raised for our own write (a log
   * reader gone, a file-size limit): send_sig() names us as the sender
   * (SI_USER, our pid). Our fault, not a signal for the command. */
  if ((signo == SIGPIPE || signo == SIGXFSZ) && si != NULL && si->si_code == SI_USER && si->si_pid == getpid()) return;
  int saved = errno;
  /* The kernel stopping us for our own terminal access from the background
   * (SI_KERNEL; `stty tostop` and a log line): that is ours alone, not a
   * signal for the command. Ctrl-Z's SIGTSTP (also SI_KERNEL) is forwarded. */
  if ((signo == SIGTTOU || signo == SIGTTIN) && si != NULL && si->si_code == SI_KERNEL) {
    kill(getpid(), SIGSTOP);
    errno = saved;
    return;
  }
  pid_t pgid = __atomic_load_n(&run_target, __ATOMIC_SEQ_CST);
  if (pgid > 1) {
    run_send(signo, pgid);
  } else {
    __atomic_store_n(&run_pending[signo], 1, __ATOMIC_SEQ_CST);
    pgid = __atomic_load_n(&run_target, __ATOMIC_SEQ_CST); /* set meanwhile, and scanned before our store? */
    if (pgid > 1 && __atomic_exchange_n(&run_pending[signo], 0, __ATOMIC_SEQ_CST)) run_send(signo, pgid);
  }
  errno = saved;
}

static napi_value js_signal_ignored(napi_env env, napi_callback_info info) {
  int signo;
  if (!args(env, info, 1, &signo)) return NULL;
  if (signo <= 0 || signo >= RUN_MAX_SIGNAL) return make_int(env, -EINVAL);
  struct sigaction old;
  if (sigaction(signo, NULL, &old) < 0) return make_int(env, -errno);
  if (old.sa_flags & SA_SIGINFO) return make_int(env, 2);
  return make_int(env, old.sa_handler == SIG_IGN ? 1 : old.sa_handler == SIG_DFL ? 0 : 2);
}

static napi_value js_tcgetpgrp(napi_env env, napi_callback_info info) {
  int fd;
  if (!args(env, info, 1, &fd)) return NULL;
  if (fd < 0) return make_int(env, -EINVAL);
  pid_t pgid = tcgetpgrp(fd);
  return make_int(env, pgid < 0 ? -errno : pgid);
}

static napi_value js_tcsetpgrp(napi_env env, napi_callback_info info) {
  int a[2];
  if (!args(env, info, 2, a)) return NULL;
  /* Group 1 is PID 1's own (the docker run -it layout): valid here; tcsetpgrp signals nobody. */
  if (a[0] < 0 || a[1] < 1) return make_int(env, -EINVAL);
  return make_int(env, run_set_foreground(a[0], a[1]));
}

static napi_value js_forward_signal(napi_env env, napi_callback_info info) {
  int a[2];
  if (!args(env, info, 2, a)) return NULL;
  if (!run_valid_signal(a[0])) return make_int(env, -EINVAL);
  int signo = a[0];
  if (a[1] == 1 || a[1] == 2) {
    if (run_installed[signo] == a[1]) return make_int(env, 0);
    struct sigaction act;
    memset(&act, 0, sizeof act);
    if (a[1] == 1) {
      act.sa_sigaction = run_on_signal;
      act.sa_flags = SA_RESTART | SA_SIGINFO;
    } else {
      act.sa_handler = SIG_IGN;
      act.sa_flags = SA_RESTART;
    }
    sigfillset(&act.sa_mask); /* one forward at a time: counts and the SIGCONT handover stay consistent */
    /* Switching modes keeps the disposition saved the first time (what mode 0 restores). */
    if (sigaction(signo, &act, run_installed[signo] ? NULL : &run_saved[signo]) < 0) return make_int(env, -errno);
    run_installed[signo] = (unsigned char)a[1];
  } else if (a[1] != 0) {
    return make_int(env, -EINVAL);
  } else if (run_installed[signo]) {
    if (sigaction(signo, &run_saved[signo], NULL) < 0) return make_int(env, -errno);
    run_installed[signo] = 0;
    __atomic_store_n(&run_pending[signo], 0, __ATOMIC_SEQ_CST);
  }
  return make_int(env, 0);
}

static napi_value js_set_forward_target(napi_env env, napi_callback_info info) {
  int a[2];
  if (!args(env, info, 2, a)) return NULL;
  if (a[0] < 0 || a[0] == 1) return make_int(env, -EINVAL);
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old); /* no handler in this thread between the stores */
  run_tty = a[1] >= 0 ? a[1] : -1;
  __atomic_store_n(&run_target, a[0], __ATOMIC_SEQ_CST);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (a[0] > 1) {
    for (int signo = 1; signo < RUN_MAX_SIGNAL; signo++) {
      if (__atomic_exchange_n(&run_pending[signo], 0, __ATOMIC_SEQ_CST)) run_send(signo, a[0]);
    }
  }
  return make_int(env, 0);
}

static napi_value js_forwarded_count(napi_env env, napi_callback_info info) {
  int signo;
  if (!args(env, info, 1, &signo)) return NULL;
  if (signo <= 0 || signo >= RUN_MAX_SIGNAL) return make_int(env, -EINVAL);
  return make_int(env, run_counts[signo]);
}

static napi_value js_continues_begun(napi_env env, napi_callback_info info) {
  (void)info;
  return make_int(env, __atomic_load_n(&run_conts_begun, __ATOMIC_SEQ_CST));
}

static napi_value js_continues_ended(napi_env env, napi_callback_info info) {
  (void)info;
  return make_int(env, __atomic_load_n(&run_conts_ended, __ATOMIC_SEQ_CST));
}

static napi_value js_realtime_signals(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value range;
  CHECK(env, napi_create_array_with_length(env, 2, &range));
  CHECK(env, napi_set_element(env, range, 0, make_int(env, SIGRTMIN)));
  CHECK(env, napi_set_element(env, range, 1, make_int(env, SIGRTMAX < RUN_MAX_SIGNAL ? SIGRTMAX : RUN_MAX_SIGNAL - 1)));
  return range;
}
/* ==================== end of exitmon run: signal forwarding and the terminal ==================== */

/* ==== end of native spawn ==== */

static napi_value init(napi_env env, napi_value exports) {
  struct state *state = calloc(1, sizeof *state);
  if (!state) return fail(env, "exitmon native: out of memory");
  state->env = env;
  state->source = SOURCE_NONE;
  state->epfd = state->stopfd = -1;
  if (pthread_mutex_init(&state->pending_lock, NULL) != 0) {
    free(state);
    return fail(env, "exitmon native: pthread_mutex_init failed");
  }
  pthread_once(&at_exit_once, register_at_exit);
  if (napi_add_env_cleanup_hook(env, teardown, state) != napi_ok) {
    pthread_mutex_destroy(&state->pending_lock);
    free(state);
    return fail(env, "exitmon native: napi_add_env_cleanup_hook failed");
  }
  napi_property_descriptor functions[] = {
    {"probe", NULL, js_probe, NULL, NULL, NULL, napi_enumerable, state},
    {"start", NULL, js_start, NULL, NULL, NULL, napi_enumerable, state},
    {"pidfdOpen", NULL, js_pidfd_open, NULL, NULL, NULL, napi_enumerable, state},
    {"watch", NULL, js_watch, NULL, NULL, NULL, napi_enumerable, state},
    {"collect", NULL, js_collect, NULL, NULL, NULL, napi_enumerable, state},
    {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, state},
    {"batches", NULL, js_batches, NULL, NULL, NULL, napi_enumerable, state},
    {"pidfdSendSignal", NULL, js_pidfd_send_signal, NULL, NULL, NULL, napi_enumerable, state},
    {"pidfdReady", NULL, js_pidfd_ready, NULL, NULL, NULL, napi_enumerable, state},
    {"spawn", NULL, js_spawn, NULL, NULL, NULL, napi_enumerable, state},
    {"signalIgnored", NULL, js_signal_ignored, NULL, NULL, NULL, napi_enumerable, state},
    {"tcgetpgrp", NULL, js_tcgetpgrp, NULL, NULL, NULL, napi_enumerable, state},
    {"tcsetpgrp", NULL, js_tcsetpgrp, NULL, NULL, NULL, napi_enumerable, state},
    {"forwardSignal", NULL, js_forward_signal, NULL, NULL, NULL, napi_enumerable, state},
    {"setForwardTarget", NULL, js_set_forward_target, NULL, NULL, NULL, napi_enumerable, state},
    {"forwardedCount", NULL, js_forwarded_count, NULL, NULL, NULL, napi_enumerable, state},
    {"continuesBegun", NULL, js_continues_begun, NULL, NULL, NULL, napi_enumerable, state},
    {"continuesEnded", NULL, js_continues_ended, NULL, NULL, NULL, napi_enumerable, state},
    {"realtimeSignals", NULL, js_realtime_signals, NULL, NULL, NULL, napi_enumerable, state},
    {"killOwned", NULL, js_kill_owned, NULL, NULL, NULL, napi_enumerable, state},
    {"getSubreaper", NULL, js_get_subreaper, NULL, NULL, NULL, napi_enumerable, state},
    {"setSubreaper", NULL, js_set_subreaper, NULL, NULL, NULL, napi_enumerable, state},
    {"peekAny", NULL, js_peek_any, NULL, NULL, NULL, napi_enumerable, state},
    {"reapUnowned", NULL, js_reap_unowned, NULL, NULL, NULL, napi_enumerable, state},
    {"ownBegin", NULL, js_own_begin, NULL, NULL, NULL, napi_enumerable, state},
    {"ownEnd", NULL, js_own_end, NULL, NULL, NULL, napi_enumerable, state},
    {"ownDelete", NULL, js_own_delete, NULL, NULL, NULL, napi_enumerable, state},
    {"ownHas", NULL, js_own_has, NULL, NULL, NULL, napi_enumerable, state},
  };
  if (napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions) != napi_ok) {
    /* The cleanup hook frees the state when the environment goes. */
    return fail(env, "exitmon native: napi_define_properties failed");
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
