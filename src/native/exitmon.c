/*
 * exitmon.c: the Linux system calls the exitmon reaper needs, and nothing more.
 *
 * Every function returns an int or a small result; a negative value is -errno
 * and the JavaScript side (src/sources/native-errors.ts) turns it into an error
 * that keeps errno and the syscall name. Nothing here reaps "any child": every
 * wait names one process, either by pidfd or by pid, so children owned by
 * node:child_process (libuv) are never taken from under it.
 *
 * Kernel requirements: pidfd_send_signal 5.1, pidfd_open 5.3,
 * waitid(P_PIDFD) 5.4, PR_SET_CHILD_SUBREAPER 3.4.
 */
#define _GNU_SOURCE
#include <errno.h>
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

/* Per-environment state: the JS dispatcher and the open watches by fd. */
struct state {
  napi_env env;
  uv_loop_t *loop;
  napi_ref dispatcher;
  napi_ref resource;
  napi_async_context context;
  struct watch **by_fd;
  int capacity;
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

/* pidfdOpen(pid) -> fd or -errno (ESRCH: no such process). */
static napi_value js_pidfd_open(napi_env env, napi_callback_info info) {
  int a[1];
  if (!args(env, info, 1, a)) return NULL;
  return make_int(env, pidfd_open(a[0]));
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

static void on_close(uv_handle_t *handle) {
  free(handle->data);
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
 * exited pidfd stays readable, so the watch stops before JS is called. An
 * exception from the dispatcher is cleared here so it never escapes into
 * libuv; the dispatcher catches and logs its own errors.
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
    napi_get_and_clear_last_exception(env, &error);
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
  if (fd < 0) return make_int(env, -EBADF);
  int rc = reserve(state, fd);
  if (rc < 0) return make_int(env, rc);
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

/* close(fd) -> 0 or -errno; stops a watch on fd first so libuv never polls a stale fd. */
static napi_value js_close(napi_env env, napi_callback_info info) {
  int a[1];
  struct state *state = args(env, info, 1, a);
  if (!state) return NULL;
  unwatch(state, a[0]);
  return make_int(env, close(a[0]) < 0 ? -errno : 0);
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

/* Env teardown (process exit, worker exit): close every watch and its fd. */
static void cleanup(void *arg) {
  struct state *state = arg;
  for (int fd = 0; fd < state->capacity; fd++) {
    if (unwatch(state, fd)) close(fd);
  }
  free(state->by_fd);
  if (state->dispatcher) napi_delete_reference(state->env, state->dispatcher);
  if (state->resource) napi_delete_reference(state->env, state->resource);
  if (state->context) napi_async_destroy(state->env, state->context);
  free(state);
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
      napi_add_env_cleanup_hook(env, cleanup, state) != napi_ok) {
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
  };
  if (napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions) != napi_ok) {
    return NULL;
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
