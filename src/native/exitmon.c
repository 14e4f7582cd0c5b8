/*
 * exitmon.c: the Linux system calls the exitmon reaper needs, and nothing more.
 *
 * Every function returns an int or a small result; a negative value is -errno
 * and the JavaScript side (src/sources/native-errors.ts) turns it into an error
 * that keeps errno and the syscall name. Nothing here reaps "any child": every
 * wait names one process, either by pidfd or by pid, so children owned by
 * node:child_process (libuv) are never taken from under it.
 *
 * The one exception is peekAny(): waitid(P_ALL, …, WEXITED | WNOHANG | WNOWAIT)
 * only *looks* at the first zombie child (WNOWAIT never reaps, waitid(2)); the
 * orphan sweep then reaps that one pid with waitid(P_PID) if nobody owns it.
 *
 * Kernel requirements: pidfd_send_signal 5.1, pidfd_open 5.3,
 * waitid(P_PIDFD) 5.4, PR_SET_CHILD_SUBREAPER 3.4, WNOWAIT 2.6.9.
 *
 * Two kinds of state:
 *   - per environment (main thread or worker): the uv_poll_t watches and the
 *     pidfds this environment opened. Torn down by an async cleanup hook
 *     (napi_add_async_cleanup_hook, N-API 8) that keeps the environment's loop
 *     running until every uv_close callback ran: Node unloads the addon right
 *     after the environment's cleanup, so a close callback that ran later
 *     would jump into unmapped code (worker exit used to SIGSEGV).
 *   - per process (static, behind a mutex): the pids that node:child_process
 *     (libuv) owns in any realm that loaded exitmon, so that a reaper in one
 *     thread never reaps a child that libuv in another thread will wait for.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* One readiness watch of one pidfd; freed by its uv_close callback. */
struct watch {
  uv_poll_t poll;
  int fd;
  struct state *state;
};

/* Per-environment state: the JS dispatcher, the open watches and our pidfds, by fd. */
struct state {
  napi_env env;
  uv_loop_t *loop;
  napi_ref dispatcher;
  napi_ref resource;
  napi_async_context context;
  struct watch **by_fd;
  unsigned char *mine; /* mine[fd]: fd was opened by pidfdOpen in this environment */
  int capacity;
  int handles;          /* uv_poll_t initialised and not yet closed (close callback pending included) */
  int spawning;         /* ownBegin() calls of this environment not yet ended */
  bool tearing_down;    /* the async cleanup hook ran: no new watches */
  napi_async_cleanup_hook_handle hook;
};

#define CHECK(call)                                     \
  do {                                                  \
    if ((call) != napi_ok) return NULL;                 \
  } while (0)

/* Returns the int argument i, or -1 and sets *ok = 0 when it is not a number. */
static int arg_int(napi_env env, napi_value *argv, size_t argc, size_t i, int *ok) {
  int32_t value = 0;
  if (i >= argc || napi_get_value_int32(env, argv[i], &value) != napi_ok) *ok = 0;
  return value;
}

static napi_value make_int(napi_env env, int value) {
  napi_value result;
  if (napi_create_int32(env, value, &result) != napi_ok) return NULL;
  return result;
}

static void set_int(napi_env env, napi_value object, const char *key, int value) {
  napi_set_named_property(env, object, key, make_int(env, value));
}

/* Reads up to 2 int args plus the state. Throws a TypeError on a bad call. */
static struct state *args(napi_env env, napi_callback_info info, size_t want, int *out) {
  napi_value argv[2];
  size_t argc = 2;
  void *data = NULL;
  int ok = 1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, &data) != napi_ok) return NULL;
  for (size_t i = 0; i < want; i++) out[i] = arg_int(env, argv, argc, i, &ok);
  if (!ok) {
    napi_throw_type_error(env, NULL, "exitmon native: expected integer arguments");
    return NULL;
  }
  return data;
}

/* pidfd_open(2), Linux 5.3: a file descriptor that names one process. */
static int pidfd_open(int pid) {
  int fd = (int)syscall(SYS_pidfd_open, pid, 0);
  return fd < 0 ? -errno : fd;
}

/*
 * Turns a waitid(2) result into {pid, code, signal, coreDumped}. pid 0 means
 * "has not exited yet" (WNOHANG with nothing to report).
 */
static napi_value wait_result(napi_env env, const siginfo_t *info) {
  napi_value result;
  CHECK(napi_create_object(env, &result));
  set_int(env, result, "pid", info->si_pid);
  if (info->si_pid == 0) return result;
  if (info->si_code == CLD_EXITED) {
    set_int(env, result, "code", info->si_status);
  } else {
    set_int(env, result, "signal", info->si_status);
  }
  napi_value dumped;
  CHECK(napi_get_boolean(env, info->si_code == CLD_DUMPED, &dumped));
  CHECK(napi_set_named_property(env, result, "coreDumped", dumped));
  return result;
}

/* waitid(2) on one process; returns the result object or -errno. */
static napi_value wait_one(napi_env env, idtype_t type, int id, int options) {
  siginfo_t info;
  memset(&info, 0, sizeof info);
  if (waitid(type, (id_t)id, &info, options) < 0) return make_int(env, -errno);
  return wait_result(env, &info);
}

static int reserve(struct state *state, int fd);

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
  int rc = reserve(state, fd);
  if (rc < 0) {
    close(fd);
    return make_int(env, rc);
  }
  state->mine[fd] = 1;
  return make_int(env, fd);
}

/*
 * pidfdReady(fd) -> 1 when the process exited, 0 while it runs, or -errno.
 * poll(2) with timeout 0 on a pidfd (Linux 5.3): POLLIN once the whole thread
 * group is gone, i.e. never for a zombie leader whose other threads still run.
 * Never waits and never reaps.
 */
static napi_value js_pidfd_ready(napi_env env, napi_callback_info info) {
  int a[1];
  if (!args(env, info, 1, a)) return NULL;
  struct pollfd p = {.fd = a[0], .events = POLLIN, .revents = 0};
  int n;
  do n = poll(&p, 1, 0); while (n < 0 && errno == EINTR);
  if (n < 0) return make_int(env, -errno);
  if (p.revents & POLLNVAL) return make_int(env, -EBADF);
  return make_int(env, (p.revents & (POLLIN | POLLHUP)) ? 1 : 0);
}

/*
 * waitPidfd(fd, nowait) -> result or -errno. waitid(P_PIDFD), Linux 5.4,
 * always WEXITED | WNOHANG; with nowait the zombie stays for its owner
 * (WNOWAIT). ECHILD: the process is not our child, its status is not ours.
 */
static napi_value js_wait_pidfd(napi_env env, napi_callback_info info) {
  int a[2];
  if (!args(env, info, 2, a)) return NULL;
  int options = WEXITED | WNOHANG | (a[1] ? WNOWAIT : 0);
  return wait_one(env, (idtype_t)EXITMON_P_PIDFD, a[0], options);
}

/*
 * waitPid(pid) -> result or -errno. waitid(P_PID, pid, WEXITED | WNOHANG):
 * reaps exactly this child, for zombies found by the /proc scan.
 */
static napi_value js_wait_pid(napi_env env, napi_callback_info info) {
  int a[1];
  if (!args(env, info, 1, a)) return NULL;
  if (a[0] <= 0) return make_int(env, -EINVAL);
  return wait_one(env, P_PID, a[0], WEXITED | WNOHANG);
}

/* getSubreaper() -> 0 or 1, or -errno. prctl(2) PR_GET_CHILD_SUBREAPER, Linux 3.4. */
static napi_value js_get_subreaper(napi_env env, napi_callback_info info) {
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

static void finish_teardown(struct state *state);

/* uv_close callback: frees the watch; the last one during teardown frees the state. */
static void on_close(uv_handle_t *handle) {
  struct watch *w = handle->data;
  struct state *state = w->state;
  free(w);
  state->handles--;
  if (state->tearing_down && state->handles == 0) finish_teardown(state);
}

/* Stops and closes the watch of fd, if any. Returns 1 when there was one. */
static int unwatch(struct state *state, int fd) {
  if (fd < 0 || fd >= state->capacity || !state->by_fd[fd]) return 0;
  struct watch *w = state->by_fd[fd];
  state->by_fd[fd] = NULL;
  uv_poll_stop(&w->poll);
  uv_close((uv_handle_t *)&w->poll, on_close);
  return 1;
}

/*
 * Readiness of a pidfd (the process exited) or a poll error. One-shot: an
 * exited pidfd stays readable, so the watch stops before JS is called. The
 * dispatcher never throws itself, but napi_make_callback also drains the
 * nextTick and microtask queues, so user code can throw here: such an
 * exception is handed to Node's uncaught-exception machinery with
 * napi_fatal_exception (N-API 3), exactly as if it had been thrown from a
 * timer, instead of being silently dropped.
 */
static void on_ready(uv_poll_t *poll, int status, int events) {
  struct watch *w = poll->data;
  struct state *state = w->state;
  napi_env env = state->env;
  int fd = w->fd;
  uv_poll_stop(poll);
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value fn, recv, argv[2], ignored;
  if (napi_get_reference_value(env, state->dispatcher, &fn) == napi_ok &&
      napi_get_reference_value(env, state->resource, &recv) == napi_ok && fn != NULL) {
    argv[0] = make_int(env, fd);
    argv[1] = make_int(env, status);
    napi_make_callback(env, state->context, recv, fn, 2, argv, &ignored);
  }
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending) {
    napi_value error;
    if (napi_get_and_clear_last_exception(env, &error) == napi_ok) napi_fatal_exception(env, error);
  }
  napi_close_handle_scope(env, scope);
}

/* Grows the fd index so that fd fits. Returns 0 or -ENOMEM. */
static int reserve(struct state *state, int fd) {
  if (fd < state->capacity) return 0;
  int capacity = state->capacity ? state->capacity : 64;
  while (capacity <= fd) capacity *= 2;
  struct watch **grown = realloc(state->by_fd, sizeof *grown * (size_t)capacity);
  if (!grown) return -ENOMEM;
  memset(grown + state->capacity, 0, sizeof *grown * (size_t)(capacity - state->capacity));
  state->by_fd = grown;
  unsigned char *mine = realloc(state->mine, (size_t)capacity);
  if (!mine) return -ENOMEM; /* by_fd is larger than capacity says: harmless */
  memset(mine + state->capacity, 0, (size_t)(capacity - state->capacity));
  state->mine = mine;
  state->capacity = capacity;
  return 0;
}

/*
 * watch(fd) -> 0 or -errno: calls the dispatcher with (fd, status) once fd is
 * readable. The uv_poll_t is unref'd: a watch never keeps Node alive.
 */
static napi_value js_watch(napi_env env, napi_callback_info info) {
  int a[1];
  struct state *state = args(env, info, 1, a);
  if (!state) return NULL;
  int fd = a[0];
  if (state->tearing_down) return make_int(env, -ESHUTDOWN);
  if (fd < 0 || fd >= state->capacity || !state->mine[fd]) return make_int(env, -EBADF);
  int rc;
  if (state->by_fd[fd]) return make_int(env, -EEXIST);
  struct watch *w = calloc(1, sizeof *w);
  if (!w) return make_int(env, -ENOMEM);
  w->fd = fd;
  w->state = state;
  rc = uv_poll_init(state->loop, &w->poll, fd);
  if (rc < 0) {
    free(w);
    return make_int(env, rc); /* libuv errors are -errno on Unix */
  }
  w->poll.data = w;
  state->handles++;
  rc = uv_poll_start(&w->poll, UV_READABLE, on_ready);
  if (rc < 0) {
    uv_close((uv_handle_t *)&w->poll, on_close);
    return make_int(env, rc);
  }
  uv_unref((uv_handle_t *)&w->poll);
  state->by_fd[fd] = w;
  return make_int(env, 0);
}

/* unwatch(fd) -> 1 when a watch was closed, 0 when there was none. */
static napi_value js_unwatch(napi_env env, napi_callback_info info) {
  int a[1];
  struct state *state = args(env, info, 1, a);
  if (!state) return NULL;
  return make_int(env, unwatch(state, a[0]));
}

/*
 * close(fd) -> 0 or -errno; stops a watch on fd first so libuv never polls a
 * stale fd. Only fds opened by pidfdOpen in this environment are closed; any
 * other fd is EBADF (a stray call must never close someone else's fd).
 */
static napi_value js_close(napi_env env, napi_callback_info info) {
  int a[1];
  struct state *state = args(env, info, 1, a);
  if (!state) return NULL;
  int fd = a[0];
  if (fd < 0 || fd >= state->capacity || !state->mine[fd]) return make_int(env, -EBADF);
  unwatch(state, fd);
  state->mine[fd] = 0;
  return make_int(env, close(fd) < 0 ? -errno : 0);
}

/* setDispatcher(fn): the one JS function every readiness is delivered to. */
static napi_value js_set_dispatcher(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t argc = 1;
  void *data = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, &data) != napi_ok) return NULL;
  struct state *state = data;
  napi_valuetype type = napi_undefined;
  if (argc < 1 || napi_typeof(env, argv[0], &type) != napi_ok || type != napi_function) {
    napi_throw_type_error(env, NULL, "exitmon native: expected a function");
    return NULL;
  }
  if (state->dispatcher) napi_delete_reference(env, state->dispatcher);
  CHECK(napi_create_reference(env, argv[0], 1, &state->dispatcher));
  return NULL;
}

/* ---- The process-wide registry of pids owned by node:child_process ----
 *
 * Every realm (main thread, each worker) that imports exitmon wraps its own
 * ChildProcess.prototype.spawn. The wrapper calls ownBegin() before the real
 * spawn (before fork) and ownEnd(pid) right after it returned; libuv's
 * 'exit' handling calls ownDelete(pid). Under the lock, every libuv child of
 * those realms is therefore at any instant either "being spawned" (counted in
 * spawning_total) or in the table, until libuv reaped it. reapUnowned()
 * checks both under the same lock before it reaps, so it can never take a
 * child from libuv in another thread, not even one that exited within
 * microseconds of fork. Entries are tagged with the environment that added
 * them: a realm removes only its own, and an environment's teardown removes
 * all of its own (its libuv will never wait for them any more).
 *
 * Open addressing with linear probing and backward-shift deletion; the table
 * is sized to the number of live libuv children, so it stays tiny.
 */
struct owned {
  int pid; /* 0: empty slot */
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

/* Inserts or re-tags pid. Lock held. Returns 0 or -ENOMEM. */
static int owned_put(int pid, struct state *owner) {
  if ((owned_count + 1) * 2 > owned_capacity) {
    size_t capacity = owned_capacity ? owned_capacity * 2 : 64;
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
  size_t i = owned_slot(pid);
  while (owned_table[i].pid != 0 && owned_table[i].pid != pid) i = (i + 1) & (owned_capacity - 1);
  if (owned_table[i].pid == 0) owned_count++;
  owned_table[i].pid = pid;
  owned_table[i].owner = owner;
  return 0;
}

/* Removes the entry in slot i, shifting later entries of its probe run back. Lock held. */
static void owned_remove_at(size_t i) {
  size_t mask = owned_capacity - 1;
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

/* ownBegin(): a spawn of this realm is about to fork. Always 0. */
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

/* ownEnd(pid): the spawn returned; pid > 0 is now owned by this realm's libuv. 0 or -ENOMEM. */
static napi_value js_own_end(napi_env env, napi_callback_info info) {
  int a[1];
  struct state *state = args(env, info, 1, a);
  if (!state) return NULL;
  int rc = 0;
  pthread_mutex_lock(&registry_lock);
  if (a[0] > 0) rc = owned_put(a[0], state);
  if (state->spawning > 0) {
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
  if (i < owned_capacity && owned_table[i].owner == state) {
    owned_remove_at(i);
    removed = 1;
  }
  pthread_mutex_unlock(&registry_lock);
  return make_int(env, removed);
}

/* ownHas(pid) -> 1 when libuv in some realm owns pid, else 0. */
static napi_value js_own_has(napi_env env, napi_callback_info info) {
  int a[1];
  if (!args(env, info, 1, a)) return NULL;
  pthread_mutex_lock(&registry_lock);
  int has = a[0] > 0 && owned_find(a[0]) < owned_capacity;
  pthread_mutex_unlock(&registry_lock);
  return make_int(env, has);
}

/*
 * reapUnowned(pid, fd) -> result or -errno: reaps exactly this child with
 * waitid(P_PIDFD, fd) when fd >= 0 (Linux 5.4), else waitid(P_PID, pid),
 * WEXITED | WNOHANG, but only if no realm's libuv owns pid and no spawn is in
 * flight in any realm (-EBUSY otherwise). The check and the wait happen under
 * the registry lock, so ownership cannot change in between.
 */
static napi_value js_reap_unowned(napi_env env, napi_callback_info info) {
  int a[2];
  if (!args(env, info, 2, a)) return NULL;
  if (a[0] <= 0) return make_int(env, -EINVAL);
  siginfo_t si;
  memset(&si, 0, sizeof si);
  int rc = 0;
  pthread_mutex_lock(&registry_lock);
  if (spawning_total > 0 || owned_find(a[0]) < owned_capacity) {
    rc = -EBUSY;
  } else if (a[1] >= 0) {
    if (waitid((idtype_t)EXITMON_P_PIDFD, (id_t)a[1], &si, WEXITED | WNOHANG) < 0) rc = -errno;
  } else if (waitid(P_PID, (id_t)a[0], &si, WEXITED | WNOHANG) < 0) {
    rc = -errno;
  }
  pthread_mutex_unlock(&registry_lock);
  return rc < 0 ? make_int(env, rc) : wait_result(env, &si);
}

/*
 * peekAny() -> result (pid 0: no zombie child) or -errno (ECHILD: no children).
 * waitid(P_ALL, 0, WEXITED | WNOHANG | WNOWAIT): reports the first zombie
 * child of this thread group and leaves it in place. WNOWAIT (waitid(2),
 * Linux 2.6.9) means this never reaps: it is the cheap "is there anything to
 * do?" question of the orphan sweep, which then decides per pid.
 */
static napi_value js_peek_any(napi_env env, napi_callback_info info) {
  return wait_one(env, P_ALL, 0, WEXITED | WNOHANG | WNOWAIT);
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
static struct sigaction run_saved[RUN_MAX_SIGNAL];
static unsigned char run_installed[RUN_MAX_SIGNAL];

static int run_arg_ints(napi_env env, napi_callback_info info, size_t want, int *out) {
  size_t argc = 2;
  napi_value argv[2];
  if (want > 2 || napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) return -EINVAL;
  for (size_t i = 0; i < want; i++) {
    if (napi_get_value_int32(env, argv[i], &out[i]) != napi_ok) return -EINVAL;
  }
  return 0;
}

static napi_value run_int(napi_env env, int value) {
  napi_value result;
  napi_create_int32(env, value, &result);
  return result;
}

static int run_valid_signal(int signo) {
  return signo > 0 && signo < RUN_MAX_SIGNAL && signo != SIGKILL && signo != SIGSTOP;
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
  if (signo == SIGCONT && run_tty >= 0 && tcgetpgrp(run_tty) == getpgrp()) run_set_foreground(run_tty, pgid);
  if (kill(-pgid, signo) == 0) run_counts[signo]++;
  if (signo == SIGTSTP || signo == SIGTTIN || signo == SIGTTOU) kill(getpid(), SIGSTOP);
}

static void run_on_signal(int signo) {
  int saved = errno;
  pid_t pgid = run_target;
  if (pgid > 1) run_send(signo, pgid);
  else run_pending[signo] = 1;
  errno = saved;
}

static napi_value js_signal_ignored(napi_env env, napi_callback_info info) {
  int signo;
  if (run_arg_ints(env, info, 1, &signo) < 0 || signo <= 0 || signo >= RUN_MAX_SIGNAL) return run_int(env, -EINVAL);
  struct sigaction old;
  if (sigaction(signo, NULL, &old) < 0) return run_int(env, -errno);
  if (old.sa_flags & SA_SIGINFO) return run_int(env, 2);
  return run_int(env, old.sa_handler == SIG_IGN ? 1 : old.sa_handler == SIG_DFL ? 0 : 2);
}

static napi_value js_tcgetpgrp(napi_env env, napi_callback_info info) {
  int fd;
  if (run_arg_ints(env, info, 1, &fd) < 0 || fd < 0) return run_int(env, -EINVAL);
  pid_t pgid = tcgetpgrp(fd);
  return run_int(env, pgid < 0 ? -errno : pgid);
}

static napi_value js_tcsetpgrp(napi_env env, napi_callback_info info) {
  int a[2];
  if (run_arg_ints(env, info, 2, a) < 0 || a[0] < 0 || a[1] <= 1) return run_int(env, -EINVAL);
  return run_int(env, run_set_foreground(a[0], a[1]));
}

static napi_value js_forward_signal(napi_env env, napi_callback_info info) {
  int a[2];
  if (run_arg_ints(env, info, 2, a) < 0 || !run_valid_signal(a[0])) return run_int(env, -EINVAL);
  int signo = a[0];
  if (a[1] == 1 || a[1] == 2) {
    if (run_installed[signo]) return run_int(env, 0);
    struct sigaction act;
    memset(&act, 0, sizeof act);
    act.sa_handler = a[1] == 1 ? run_on_signal : SIG_IGN;
    act.sa_flags = SA_RESTART;
    sigfillset(&act.sa_mask); /* one forward at a time: counts and the SIGCONT handover stay consistent */
    if (sigaction(signo, &act, &run_saved[signo]) < 0) return run_int(env, -errno);
    run_installed[signo] = 1;
  } else if (a[1] != 0) {
    return run_int(env, -EINVAL);
  } else if (run_installed[signo]) {
    if (sigaction(signo, &run_saved[signo], NULL) < 0) return run_int(env, -errno);
    run_installed[signo] = 0;
    run_pending[signo] = 0;
  }
  return run_int(env, 0);
}

static napi_value js_set_forward_target(napi_env env, napi_callback_info info) {
  int a[2];
  if (run_arg_ints(env, info, 2, a) < 0 || a[0] < 0 || a[0] == 1) return run_int(env, -EINVAL);
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old); /* no handler in this thread between the stores */
  run_tty = a[1] >= 0 ? a[1] : -1;
  run_target = a[0];
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (a[0] > 1) {
    for (int signo = 1; signo < RUN_MAX_SIGNAL; signo++) {
      if (run_pending[signo]) {
        run_pending[signo] = 0;
        run_send(signo, a[0]);
      }
    }
  }
  return run_int(env, 0);
}

static napi_value js_forwarded_count(napi_env env, napi_callback_info info) {
  int signo;
  if (run_arg_ints(env, info, 1, &signo) < 0 || signo <= 0 || signo >= RUN_MAX_SIGNAL) return run_int(env, -EINVAL);
  return run_int(env, run_counts[signo]);
}

static napi_value js_realtime_signals(napi_env env, napi_callback_info info) {
  napi_value range;
  napi_create_array_with_length(env, 2, &range);
  napi_set_element(env, range, 0, run_int(env, SIGRTMIN));
  napi_set_element(env, range, 1, run_int(env, SIGRTMAX < RUN_MAX_SIGNAL ? SIGRTMAX : RUN_MAX_SIGNAL - 1));
  return range;
}
/* ==================== end of exitmon run: signal forwarding and the terminal ==================== */

/* Frees the environment's state once every uv_poll_t has been closed. */
static void finish_teardown(struct state *state) {
  napi_async_cleanup_hook_handle hook = state->hook;
  free(state->by_fd);
  free(state->mine);
  free(state);
  /* Last: from here on Node may unload the addon. */
  if (hook) napi_remove_async_cleanup_hook(hook);
}

/*
 * Environment teardown (worker exit, process exit), as an async cleanup hook
 * (napi_add_async_cleanup_hook, N-API 8): stops and closes every watch and
 * every pidfd we opened, forgets this realm's libuv children in the
 * process-wide registry, and keeps the environment alive until the last
 * uv_close callback has run (it calls napi_remove_async_cleanup_hook).
 */
static void cleanup(napi_async_cleanup_hook_handle hook, void *arg) {
  struct state *state = arg;
  state->tearing_down = true;
  state->hook = hook;
  for (int fd = 0; fd < state->capacity; fd++) {
    unwatch(state, fd);
    if (state->mine[fd]) {
      state->mine[fd] = 0;
      close(fd);
    }
  }
  pthread_mutex_lock(&registry_lock);
  for (size_t i = 0; i < owned_capacity;) {
    if (owned_table[i].pid != 0 && owned_table[i].owner == state) owned_remove_at(i); /* slot i refilled: look again */
    else i++;
  }
  spawning_total -= state->spawning;
  state->spawning = 0;
  pthread_mutex_unlock(&registry_lock);
  if (state->dispatcher) napi_delete_reference(state->env, state->dispatcher);
  if (state->resource) napi_delete_reference(state->env, state->resource);
  if (state->context) napi_async_destroy(state->env, state->context);
  state->dispatcher = state->resource = NULL;
  state->context = NULL;
  if (state->handles == 0) finish_teardown(state);
}

static napi_value init(napi_env env, napi_value exports) {
  struct state *state = calloc(1, sizeof *state);
  if (!state) {
    napi_throw_error(env, NULL, "exitmon native: out of memory");
    return NULL;
  }
  state->env = env;
  napi_value resource, name;
  if (napi_get_uv_event_loop(env, &state->loop) != napi_ok ||
      napi_create_object(env, &resource) != napi_ok ||
      napi_create_reference(env, resource, 1, &state->resource) != napi_ok ||
      napi_create_string_utf8(env, "exitmon:pidfd", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_async_init(env, resource, name, &state->context) != napi_ok ||
      napi_add_async_cleanup_hook(env, cleanup, state, NULL) != napi_ok) {
    free(state);
    napi_throw_error(env, NULL, "exitmon native: initialisation failed");
    return NULL;
  }
  napi_property_descriptor functions[] = {
    {"pidfdOpen", NULL, js_pidfd_open, NULL, NULL, NULL, napi_enumerable, state},
    {"waitPidfd", NULL, js_wait_pidfd, NULL, NULL, NULL, napi_enumerable, state},
    {"waitPid", NULL, js_wait_pid, NULL, NULL, NULL, napi_enumerable, state},
    {"getSubreaper", NULL, js_get_subreaper, NULL, NULL, NULL, napi_enumerable, state},
    {"setSubreaper", NULL, js_set_subreaper, NULL, NULL, NULL, napi_enumerable, state},
    {"pidfdSendSignal", NULL, js_pidfd_send_signal, NULL, NULL, NULL, napi_enumerable, state},
    {"watch", NULL, js_watch, NULL, NULL, NULL, napi_enumerable, state},
    {"unwatch", NULL, js_unwatch, NULL, NULL, NULL, napi_enumerable, state},
    {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, state},
    {"setDispatcher", NULL, js_set_dispatcher, NULL, NULL, NULL, napi_enumerable, state},
    {"pidfdReady", NULL, js_pidfd_ready, NULL, NULL, NULL, napi_enumerable, state},
    {"peekAny", NULL, js_peek_any, NULL, NULL, NULL, napi_enumerable, state},
    {"reapUnowned", NULL, js_reap_unowned, NULL, NULL, NULL, napi_enumerable, state},
    {"ownBegin", NULL, js_own_begin, NULL, NULL, NULL, napi_enumerable, state},
    {"ownEnd", NULL, js_own_end, NULL, NULL, NULL, napi_enumerable, state},
    {"ownDelete", NULL, js_own_delete, NULL, NULL, NULL, napi_enumerable, state},
    {"ownHas", NULL, js_own_has, NULL, NULL, NULL, napi_enumerable, state},
    {"signalIgnored", NULL, js_signal_ignored, NULL, NULL, NULL, napi_enumerable, NULL},
    {"tcgetpgrp", NULL, js_tcgetpgrp, NULL, NULL, NULL, napi_enumerable, NULL},
    {"tcsetpgrp", NULL, js_tcsetpgrp, NULL, NULL, NULL, napi_enumerable, NULL},
    {"forwardSignal", NULL, js_forward_signal, NULL, NULL, NULL, napi_enumerable, NULL},
    {"setForwardTarget", NULL, js_set_forward_target, NULL, NULL, NULL, napi_enumerable, NULL},
    {"forwardedCount", NULL, js_forwarded_count, NULL, NULL, NULL, napi_enumerable, NULL},
    {"realtimeSignals", NULL, js_realtime_signals, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions) != napi_ok) {
    return NULL;
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
