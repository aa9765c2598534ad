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

/* The handler WebKit asked for (written before the wrapper is installed, read in it). */
static volatile handler_fn wrapped;

static void keep_errno(int sig, siginfo_t *info, void *context) {
  int saved = errno;
  handler_fn h = wrapped;
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
  if (sig == SIGUSR1 && act != NULL && (act->sa_flags & SA_SIGINFO) && act->sa_sigaction != NULL
      && act->sa_sigaction != keep_errno) {
    struct sigaction mine = *act;
    wrapped = act->sa_sigaction;
    mine.sa_sigaction = keep_errno;
    return real(sig, &mine, old);
  }
  return real(sig, act, old);
}
