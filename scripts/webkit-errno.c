/*
 * Preloaded (LD_PRELOAD) into WebKitGTK's processes by scripts/engines.sh, for the tests only.
 *
 * The engine bug it works around: JavaScriptCore's garbage collector suspends a thread to scan
 * its stack with a signal (SIGUSR1, WTF's Thread::signalHandlerSuspendResume), and that handler
 * returns through sigsuspend() without saving errno: the suspended thread resumes with errno set
 * to EINTR. When the collector thread suspends the web process's main thread while it runs
 * GLib 2.74's g_check_setuid() (`errno = 0; getauxval(AT_SECURE); if (errno) g_error(...)`,
 * done at each session-bus lookup), GLib aborts the process: "GLib-ERROR: getauxval () failed:
 * Interrupted system call", then "WebProcess CRASHED" and a failed test (about one camera
 * suite in twelve). A signal handler must leave errno as it found it; this wraps the handler
 * WebKit installs for SIGUSR1 in one that does. (Safari on Apple systems suspends threads with
 * Mach calls, not signals: not affected.)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stddef.h>

typedef int (*sigaction_fn)(int, const struct sigaction *, struct sigaction *);
typedef void (*handler_fn)(int, siginfo_t *, void *);

/* The handler WebKit asked for (stored before the wrapper is installed, loaded in it). */
static handler_fn wrapped;

static void keep_errno(int sig, siginfo_t *info, void *context) {
  int saved = errno;
  handler_fn h = __atomic_load_n(&wrapped, __ATOMIC_ACQUIRE);
  if (h != NULL) h(sig, info, context);
  errno = saved;
}

int sigaction(int sig, const struct sigaction *act, struct sigaction *old) {
  static sigaction_fn real;
  if (real == NULL) real = (sigaction_fn)dlsym(RTLD_NEXT, "sigaction");
  if (real == NULL) {
    errno = ENOSYS;
    return -1;
  }
  int result;
  if (sig == SIGUSR1 && act != NULL && (act->sa_flags & SA_SIGINFO) && act->sa_sigaction != NULL
      && act->sa_sigaction != keep_errno) {
    struct sigaction mine = *act;
    handler_fn before = __atomic_load_n(&wrapped, __ATOMIC_ACQUIRE);
    __atomic_store_n(&wrapped, act->sa_sigaction, __ATOMIC_RELEASE);
    mine.sa_sigaction = keep_errno;
    result = real(sig, &mine, old);
    /* whoever asks gets back the handler it would have seen: never the wrapper (a handler that
       chains to the previous one would otherwise call itself through it) */
    if (old != NULL && (old->sa_flags & SA_SIGINFO) && old->sa_sigaction == keep_errno)
      old->sa_sigaction = before;
    return result;
  }
  result = real(sig, act, old);
  if (sig == SIGUSR1 && old != NULL && (old->sa_flags & SA_SIGINFO) && old->sa_sigaction == keep_errno)
    old->sa_sigaction = __atomic_load_n(&wrapped, __ATOMIC_ACQUIRE);
  return result;
}
