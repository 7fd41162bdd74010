/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Launching and stopping the appliance.
 *
 * gc_launch finds the appliance, picks the accelerator, makes a private
 * 0700 directory with a listening unix socket, and starts qemu directly
 * (its own process group, killed if we die), its console on a pipe.
 * qemu connects to the socket at once; the launch is over when the
 * daemon sends its hello word.  While waiting (and during every call,
 * through gc_int_wait_sock) the console is drained into the handle and
 * qemu's exit is watched: the console pipe reaches end of file when qemu
 * exits.  A launch without the hello is a failure whatever qemu's exit
 * status: the error quotes the console's last line.  Every failure path
 * kills qemu and removes the directory. */

#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "internal.h"
#include "gc_protocol.h"
#include "gc-actions.h"

/* See internal.h. */
int64_t
gc_int_now_us (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Read what the console has (non-blocking); at end of file close it.
 * Returns false at end of file. */
static bool
drain_console (gc_h *g)
{
  char buf[4096];

  while (g->console_fd >= 0) {
    ssize_t n = read (g->console_fd, buf, sizeof buf);
    if (n > 0) {
      gc_int_console_data (g, buf, n);
      continue;
    }
    if (n == -1 && errno == EINTR)
      continue;
    if (n == -1 && errno == EAGAIN)
      return true;
    /* End of file (or an error: the same for us). */
    close (g->console_fd);
    g->console_fd = -1;
  }
  return false;
}

/* Reap qemu if it has exited; *status gets its wait status. */
static bool
qemu_exited (gc_h *g, int *status)
{
  pid_t r;

  if (g->qemu_pid <= 0)
    return true;
  do
    r = waitpid (g->qemu_pid, status, WNOHANG);
  while (r == -1 && errno == EINTR);
  if (r == g->qemu_pid || (r == -1 && errno == ECHILD)) {
    if (r == g->qemu_pid) {
      g->qemu_exit_seen = true;
      g->qemu_exit_status = *status;
    }
    g->qemu_pid = 0;
    return true;
  }
  return false;
}

/* The console line that best says why the appliance stopped: a kernel
 * panic or our init's message if there is one, else the last line. */
static const char *
console_reason (gc_h *g)
{
  static const char *const keys[] = { "Kernel panic", "guestcell-init:",
                                      "guestcelld:", NULL };
  size_t len = g->console_tail_len;

  for (size_t k = 0; keys[k]; ++k) {
    const char *best = NULL;
    for (const char *p = g->console_tail;
         (p = memmem (p, len - (p - g->console_tail), keys[k],
                      strlen (keys[k]))) != NULL; ++p)
      best = p;
    if (best) {
      size_t n = strcspn (best, "\r\n");
      if (n > len - (best - g->console_tail))
        n = len - (best - g->console_tail);
      if (n >= sizeof g->console_line)
        n = sizeof g->console_line - 1;
      memmove (g->console_line, best, n);
      g->console_line[n] = '\0';
      g->console_line_len = 0;
      return g->console_line;
    }
  }
  return gc_int_console_last_line (g);
}

/* Describe how qemu ended, with the console's last line. */
static void
qemu_died_error (gc_h *g, const char *what, int status)
{
  const char *line = console_reason (g);
  char how[64];

  if (WIFEXITED (status))
    snprintf (how, sizeof how, "qemu exited with status %d",
              WEXITSTATUS (status));
  else if (WIFSIGNALED (status))
    snprintf (how, sizeof how, "qemu was killed by signal %d",
              WTERMSIG (status));
  else
    snprintf (how, sizeof how, "qemu exited");
  if (line)
    gc_int_error_errno (g, EIO, "%s: %s; the appliance's console said: %s",
                        what, how, line);
  else
    gc_int_error_errno (g, EIO, "%s: %s (run with -v to see the appliance's "
                        "console)", what, how);
}

/* See internal.h. */
bool
gc_int_explain_qemu_exit (gc_h *g, const char *what)
{
  int status = 0;

  if (g->qemu_pid <= 0)
    return false;
  /* The channel closes a moment before qemu is gone: give it a second. */
  for (int i = 0; i < 50; ++i) {
    if (qemu_exited (g, &status)) {
      drain_console (g);
      qemu_died_error (g, what, status);
      return true;
    }
    struct pollfd pfd = { .fd = g->console_fd, .events = POLLIN };
    if (poll (&pfd, 1, 20) > 0)
      drain_console (g);
  }
  return false;
}

/* Stop the appliance after an error already recorded. */
static void
fail (gc_h *g)
{
  int saved = errno;
  gc_int_stop_appliance (g, 0);
  g->state = GC_STATE_CLOSED;
  g->appliance_lost = true;
  errno = saved;
}

/* Wait until fd has one of events, meanwhile draining the console and
 * watching qemu and the cancel flag.  'what' prefixes errors.  0 when
 * ready, -1 after an error (the appliance is then stopped). */
static int
wait_fd (gc_h *g, int fd, short events, int64_t deadline_us,
         const char *what)
{
  int64_t hup_since = 0;

  for (;;) {
    struct pollfd fds[2];
    int timeout = -1, status, r;
    int64_t now;

    if (g->cancelled) {
      gc_int_error_errno (g, EINTR, "%s: cancelled", what);
      fail (g);
      return -1;
    }
    now = gc_int_now_us ();
    if (deadline_us > 0) {
      if (now >= deadline_us) {
        const char *line = console_reason (g);
        gc_int_error_errno (g, ETIMEDOUT, "%s: timed out%s%s", what,
                            line ? "; the appliance's console said: "
                            : " (run with -v to see the appliance's console)",
                            line ? line : "");
        fail (g);
        return -1;
      }
      timeout = (deadline_us - now + 999) / 1000;
    }
    /* Without the console's end of file to tell us, poll qemu. */
    if (g->console_fd < 0 || hup_since)
      timeout = timeout == -1 || timeout > 50 ? 50 : timeout;

    fds[0].fd = hup_since ? -1 : fd;
    fds[0].events = events;
    fds[0].revents = 0;
    fds[1].fd = g->console_fd;
    fds[1].events = POLLIN;
    fds[1].revents = 0;
    r = poll (fds, 2, timeout);
    if (r == -1) {
      if (errno == EINTR)
        continue;
      gc_int_perror (g, "%s: poll", what);
      fail (g);
      return -1;
    }
    if (fds[0].revents & events)
      return 0;
    if (fds[1].revents)
      drain_console (g);
    if ((g->console_fd < 0 || hup_since) && qemu_exited (g, &status)) {
      drain_console (g);
      qemu_died_error (g, what, status);
      fail (g);
      return -1;
    }
    if (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
      /* The other end went away without qemu exiting (yet): give qemu a
       * moment to exit so the error can say why, then let the caller
       * read the end of file. */
      hup_since = gc_int_now_us ();
    }
    if (hup_since && gc_int_now_us () - hup_since > 1000000)
      return 0;
  }
}

/* See internal.h. */
int
gc_int_wait_sock (gc_h *g, short events, int64_t deadline_us)
{
  if (g->sock < 0) {
    gc_int_error_errno (g, ENOTCONN, "the appliance is not running");
    return -1;
  }
  if (deadline_us == 0)
    deadline_us = g->call_deadline;
  return wait_fd (g, g->sock, events, deadline_us, "appliance");
}

/* See internal.h. */
int
gc_int_wait_fd (gc_h *g, int fd, short events, int64_t deadline_us,
                const char *what)
{
  return wait_fd (g, fd, events, deadline_us, what);
}

/* See internal.h.  (The private directory holds the socket, and the
 * overlays of read-only drives that a killed qemu could not remove.) */
void
gc_int_remove_flat_dir (const char *dir)
{
  DIR *d = opendir (dir);

  if (d) {
    struct dirent *e;
    while ((e = readdir (d)) != NULL)
      if (strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0)
        unlinkat (dirfd (d), e->d_name, 0);
    closedir (d);
  }
  rmdir (dir);
}

/* See internal.h. */
void
gc_int_stop_appliance (gc_h *g, int timeout)
{
  if (g->qemu_pid > 0) {
    int status;

    if (timeout > 0 && kill (g->qemu_pid, SIGTERM) == 0) {
      int64_t deadline = gc_int_now_us () + (int64_t) timeout * 1000000;
      while (!qemu_exited (g, &status) && gc_int_now_us () < deadline) {
        struct pollfd pfd = { .fd = g->console_fd, .events = POLLIN };
        if (poll (&pfd, 1, 20) > 0)
          drain_console (g);
      }
    }
    if (g->qemu_pid > 0) {
      kill (g->qemu_pid, SIGKILL);
      while (waitpid (g->qemu_pid, &status, 0) == -1 && errno == EINTR)
        ;
      g->qemu_pid = 0;
    }
  }
  if (g->sock >= 0) {
    close (g->sock);
    g->sock = -1;
  }
  if (g->console_fd >= 0) {
    close (g->console_fd);
    g->console_fd = -1;
  }
  if (g->tmpdir) {
    gc_int_remove_flat_dir (g->tmpdir);
    free (g->tmpdir);
    g->tmpdir = NULL;
  }
}

/* The child: qemu in its own process group, killed when we die, stdout
 * and stderr on the console pipe, envp its environment.  Never
 * returns. */
static void __attribute__ ((noreturn))
exec_qemu (char **argv, char **envp, int console_w, pid_t parent,
           int qmp_fd, int state_fd)
{
  sigset_t all;
  int null;

  setpgid (0, 0);
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (getppid () != parent)
    _exit (1);
  for (int sig = 1; sig < NSIG; ++sig)
    signal (sig, SIG_DFL);
  sigemptyset (&all);
  sigprocmask (SIG_SETMASK, &all, NULL);

  null = open ("/dev/null", O_RDONLY);
  if (null == -1 || dup2 (null, 0) == -1 ||
      dup2 (console_w, 1) == -1 || dup2 (console_w, 2) == -1)
    _exit (126);
  /* Saving and restoring: QMP and the state on their fixed numbers
   * (moved out of the way first, as either may be 3 or 4 already). */
  if (qmp_fd >= 0) {
    int q = fcntl (qmp_fd, F_DUPFD, 10), st = fcntl (state_fd, F_DUPFD, 10);
    if (q == -1 || st == -1 ||
        dup2 (q, GC_QEMU_QMP_FD) == -1 || dup2 (st, GC_QEMU_STATE_FD) == -1)
      _exit (126);
    close_range (GC_QEMU_STATE_FD + 1, ~0U, 0);
  }
  else
    close_range (3, ~0U, 0);
  execvpe (argv[0], argv, envp);
  dprintf (2, "%s: %s\n", argv[0], strerror (errno));
  _exit (127);
}

/* qemu's environment: ours, with TMPDIR the private directory, where
 * qemu makes the overlays of read-only drives.  NULL on ENOMEM. */
static char **
qemu_environment (const char *tmpdir)
{
  string_vector v = EMPTY_VECTOR;
  char *t;

  for (char **e = environ; *e; ++e) {
    char *c;
    if (strncmp (*e, "TMPDIR=", 7) == 0)
      continue;
    if ((c = strdup (*e)) == NULL || string_vector_append (&v, c) == -1) {
      free (c);
      goto nomem;
    }
  }
  if (asprintf (&t, "TMPDIR=%s", tmpdir) == -1)
    goto nomem;
  if (string_vector_append (&v, t) == -1) {
    free (t);
    goto nomem;
  }
  return gc_strings_from_vector (&v);

 nomem:
  gc_string_vector_free (&v);
  return NULL;
}

static void
debug_argv (gc_h *g, char **argv)
{
  size_t len = 0;
  CLEANUP_FREE char *line = NULL;
  char *p;

  if (!g->verbose)
    return;
  for (size_t i = 0; argv[i]; ++i)
    len += strlen (argv[i]) + 3;
  line = malloc (len + 1);
  if (line == NULL)
    return;
  p = line;
  for (size_t i = 0; argv[i]; ++i) {
    bool quote = strpbrk (argv[i], " ,=") && strchr (argv[i], ' ');
    p += sprintf (p, "%s%s%s%s", i ? " " : "", quote ? "'" : "", argv[i],
                  quote ? "'" : "");
  }
  gc_int_debug (g, "launch: %s", line);
}

/* -v: each setting of guestcell.conf(5) in force and where it came
 * from (the program may have changed some since: then it says so). */
static void
debug_settings (gc_h *g)
{
  const struct gc_settings *s = &g->settings;
  bool changed[GC_SETTINGS] = {
    [GC_SETTING_ACCEL] = !g->accel != !s->accel ||
      (g->accel && strcmp (g->accel, s->accel) != 0),
    [GC_SETTING_MEMSIZE] = g->memsize != s->memsize,
    [GC_SETTING_CACHEDIR] = !g->cachedir != !s->cachedir ||
      (g->cachedir && strcmp (g->cachedir, s->cachedir) != 0),
    [GC_SETTING_LAUNCH_TIMEOUT] = g->launch_timeout != s->launch_timeout,
    [GC_SETTING_SNAPSHOT] = g->snapshot != s->snapshot,
  };

  if (!g->verbose)
    return;
  for (enum gc_setting i = 0; i < GC_SETTINGS; ++i) {
    CLEANUP_FREE char *v = gc_setting_value (s, i);
    gc_int_debug (g, "config: %s = %s (%s)", gc_setting_name (i),
                  v ? v : "?", changed[i] ? "changed by the program"
                  : s->source[i] ? s->source[i] : "?");
  }
}

/* Read the daemon's hello word. 0, or -1 with an error (the appliance
 * then stopped). */
static int
read_hello (gc_h *g, int64_t deadline)
{
  unsigned char hello[4];
  size_t got = 0;

  while (got < sizeof hello) {
    ssize_t n;

    if (wait_fd (g, g->sock, POLLIN, deadline, "launch") == -1)
      return -1;
    n = read (g->sock, hello + got, sizeof hello - got);
    if (n == -1 && (errno == EINTR || errno == EAGAIN))
      continue;
    if (n <= 0) {
      const char *line;
      int status;
      int64_t until = gc_int_now_us () + 2000000;

      /* The appliance is going down: let qemu exit, to say how. */
      while (!qemu_exited (g, &status) && gc_int_now_us () < until) {
        struct pollfd pfd = { .fd = g->console_fd, .events = POLLIN };
        if (poll (&pfd, 1, g->console_fd >= 0 ? 100 : 10) > 0)
          drain_console (g);
      }
      if (g->qemu_pid == 0) {
        qemu_died_error (g, "launch: the appliance stopped before its daemon "
                         "said hello", status);
        fail (g);
        return -1;
      }
      line = console_reason (g);
      gc_int_error_errno (g, EIO, "launch: the appliance closed the channel "
                          "before its daemon said hello%s%s",
                          line ? "; its console said: " : "",
                          line ? line : "");
      fail (g);
      return -1;
    }
    got += n;
  }
  if (((uint32_t) hello[0] << 24 | hello[1] << 16 | hello[2] << 8 | hello[3])
      != GC_HELLO) {
    gc_int_error_errno (g, EPROTO, "launch: the appliance sent %02x%02x%02x%02x"
                        " instead of the hello word (daemon and library "
                        "do not match?)", hello[0], hello[1], hello[2],
                        hello[3]);
    fail (g);
    return -1;
  }
  return 0;
}

/* A restored appliance: load the saved state through QMP, resume it,
 * then its first call gives it fresh entropy and the clock, and makes
 * it find the run's disks.  0, or -1 with an error (appliance stopped). */
static int
restore (gc_h *g, int qmp, int64_t deadline)
{
  unsigned char seed[64];
  struct timespec now;
  size_t got = 0;
  char incoming[128];
  int r;

  snprintf (incoming, sizeof incoming, "{\"execute\":\"migrate-incoming\","
            "\"arguments\":{\"uri\":\"fd:%d\"}}", GC_QEMU_STATE_FD);
  if (gc_int_qmp_start (g, qmp, deadline) == -1 ||
      gc_int_qmp (g, qmp, "{\"execute\":\"migrate-set-capabilities\","
                  "\"arguments\":{\"capabilities\":[{\"capability\":"
                  "\"x-ignore-shared\",\"state\":true}]}}", deadline,
                  NULL) == -1 ||
      gc_int_qmp (g, qmp, incoming, deadline, NULL) == -1 ||
      gc_int_qmp_wait_migration (g, qmp, deadline) == -1 ||
      gc_int_qmp (g, qmp, "{\"execute\":\"cont\"}", deadline, NULL) == -1)
    goto fail;

  /* The host's entropy, not a pseudo-random generator of ours. */
  while (got < sizeof seed) {
    ssize_t n = getrandom (seed + got, sizeof seed - got, 0);
    if (n == -1 && errno == EINTR)
      continue;
    if (n <= 0) {
      gc_int_perror (g, "launch: getrandom");
      goto fail;
    }
    got += n;
  }
  clock_gettime (CLOCK_REALTIME, &now);
  g->state = GC_STATE_READY;
  g->call_deadline = deadline;
  r = gc_internal_restored (g, (const char *) seed, sizeof seed,
                            now.tv_sec, now.tv_nsec, g->verbose);
  g->call_deadline = 0;
  explicit_bzero (seed, sizeof seed);
  if (r == -1) {
    /* gc_int_call stopped the appliance if the channel failed. */
    fail (g);
    return -1;
  }
  return 0;

 fail:
  fail (g);
  return -1;
}

/* See internal.h. */
int
gc_int_boot (gc_h *g, const struct gc_appliance *ap, const char *accel,
             enum gc_int_boot mode, const struct gc_int_snapshot *snap,
             int *qmp_fd)
{
  int64_t t0, deadline;
  CLEANUP_FREE_STRINGS char **argv = NULL, **envp = NULL;
  CLEANUP_CLOSE int lsock = -1, state_fd = -1;
  int console[2] = { -1, -1 }, qmp[2] = { -1, -1 };
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  const char *tmp;
  char dir[PATH_MAX];
  pid_t pid;

  if (g->timings.t0 == 0)
    g->timings.t0 = gc_int_now_us ();
  t0 = g->timings.t0;
  g->state = GC_STATE_LAUNCHING;
  g->appliance_lost = false;
  g->qemu_exit_seen = false;

  /* The private directory and the socket qemu connects to. */
  tmp = getenv ("TMPDIR");
  snprintf (dir, sizeof dir, "%s/gc.XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (mkdtemp (dir) == NULL) {
    gc_int_perror (g, "launch: mkdtemp %s", dir);
    goto error;
  }
  g->tmpdir = strdup (dir);
  if (g->tmpdir == NULL) {
    rmdir (dir);
    gc_int_perror (g, "strdup");
    goto error;
  }
  if ((size_t) snprintf (addr.sun_path, sizeof addr.sun_path, "%s/sock",
                         dir) >= sizeof addr.sun_path) {
    gc_int_error_errno (g, ENAMETOOLONG, "launch: socket path in %s is too "
                        "long (set TMPDIR to a shorter directory)", dir);
    goto error;
  }
  lsock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (lsock == -1 ||
      bind (lsock, (struct sockaddr *) &addr, sizeof addr) == -1 ||
      listen (lsock, 1) == -1) {
    gc_int_perror (g, "launch: socket %s", addr.sun_path);
    goto error;
  }

  if (mode != GC_BOOT_COLD) {
    state_fd = open (snap->state, (mode == GC_BOOT_SAVE
                                   ? O_WRONLY | O_CREAT | O_TRUNC
                                   : O_RDONLY) | O_CLOEXEC, 0600);
    if (state_fd == -1) {
      gc_int_perror (g, "launch: %s", snap->state);
      goto error;
    }
    if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, qmp) == -1) {
      gc_int_perror (g, "launch: socketpair");
      goto error;
    }
  }

  argv = gc_int_qemu_argv (g, ap, accel, addr.sun_path, mode,
                           snap ? snap->ram : NULL);
  if (argv == NULL)
    goto error;
  envp = qemu_environment (g->tmpdir);
  if (envp == NULL) {
    gc_int_perror (g, "launch: qemu's environment");
    goto error;
  }
  debug_argv (g, argv);

  if (pipe2 (console, O_CLOEXEC) == -1) {
    gc_int_perror (g, "launch: pipe");
    goto error;
  }
  {
    pid_t parent = getpid ();
    pid = fork ();
    if (pid == 0)
      exec_qemu (argv, envp, console[1], parent, qmp[1], state_fd);
  }
  if (pid == -1) {
    gc_int_perror (g, "launch: fork");
    close (console[0]);
    close (console[1]);
    goto error;
  }
  g->qemu_pid = pid;
  close (console[1]);
  if (qmp[1] >= 0) {
    close (qmp[1]);
    qmp[1] = -1;
  }
  g->console_fd = console[0];
  fcntl (g->console_fd, F_SETFL, O_NONBLOCK);
  g->timings.qemu_started = gc_int_now_us () - t0;

  /* qemu connects as it starts; the daemon says hello when it is up.  A
   * restore that takes long is not worth waiting for: booting cold is
   * then the better bet. */
  deadline = gc_int_now_us () + (int64_t) g->launch_timeout * 1000000;
  if (mode == GC_BOOT_RESTORE && g->launch_timeout > 30)
    deadline = gc_int_now_us () + 30 * (int64_t) 1000000;
  if (mode == GC_BOOT_RESTORE) {
    /* qemu connects to the channel before it reads QMP. */
    fcntl (qmp[0], F_SETFL, O_NONBLOCK);
  }
  if (wait_fd (g, lsock, POLLIN, deadline, "launch") == -1)
    goto error_stopped;
  g->sock = accept4 (lsock, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (g->sock == -1) {
    gc_int_perror (g, "launch: accept");
    goto error;
  }
  close (TAKE_FD (lsock));
  unlink (addr.sun_path);
  g->timings.connected = gc_int_now_us () - t0;

  if (mode == GC_BOOT_RESTORE) {
    if (restore (g, qmp[0], deadline) == -1)
      goto error_stopped;
    close (qmp[0]);
    qmp[0] = -1;
  }
  else if (read_hello (g, deadline) == -1)
    goto error_stopped;
  g->timings.hello = gc_int_now_us () - t0;
  g->timings.restored = mode == GC_BOOT_RESTORE;
  if (qmp_fd) {
    fcntl (qmp[0], F_SETFL, O_NONBLOCK);
    *qmp_fd = qmp[0];
  }
  else if (qmp[0] >= 0)
    close (qmp[0]);
  g->state = GC_STATE_READY;
  return 0;

 error:
  fail (g);
 error_stopped:
  if (qmp[0] >= 0)
    close (qmp[0]);
  if (qmp[1] >= 0)
    close (qmp[1]);
  return -1;
}

/* Did qemu die of a signal someone sent it (SIGKILL, SIGTERM...), not
 * of its own failure (exit status, abort, crash)?  Then the launch
 * fails as a cold boot's would: that is no reason to boot cold, nor to
 * think the saved state bad. */
static bool
killed_from_outside (gc_h *g)
{
  int sig;

  if (!g->qemu_exit_seen || !WIFSIGNALED (g->qemu_exit_status))
    return false;
  sig = WTERMSIG (g->qemu_exit_status);
  return sig == SIGKILL || sig == SIGTERM || sig == SIGINT ||
    sig == SIGHUP || sig == SIGQUIT;
}

/* See guestcell.h. */
int
gc_launch (gc_h *g)
{
  struct gc_appliance ap = { .lock_fd = -1 };
  struct gc_int_snapshot snap = { NULL };
  const char *accel;
  int64_t t0 = gc_int_now_us ();

  if (g->state != GC_STATE_CONFIG) {
    gc_int_error_errno (g, EINVAL, "launch: the handle is not in the CONFIG "
                        "state (an appliance serves one launch)");
    return -1;
  }
  if (g->config_error) {
    gc_int_error_errno (g, EINVAL, "%s", g->config_error);
    return -1;
  }
  g->state = GC_STATE_LAUNCHING;
  memset (&g->timings, 0, sizeof g->timings);
  g->timings.t0 = t0;
  debug_settings (g);

  for (size_t i = 0; i < g->drives.len; ++i)
    if (strcmp (g->drives.ptr[i].format, "qcow2") == 0 &&
        gc_int_check_qcow2 (g, g->drives.ptr[i].filename,
                            g->drives.ptr[i].allowed_data_files, false) == -1)
      goto error;

  /* Before taking the appliance's lock: the KVM probe boots one. */
  accel = gc_int_choose_accel (g);
  g->accel_used = accel;
  if (gc_int_appliance_get (g, &ap) == -1)
    goto error;
  g->timings.appliance = gc_int_now_us () - t0;

  /* The saved state if there is one (or it can be made), else, or if
   * restoring it fails for any reason, the cold boot. */
  if (gc_int_snapshot_get (g, &ap, accel, &snap) == 1) {
    if (gc_int_boot (g, &ap, accel, GC_BOOT_RESTORE, &snap, NULL) == 0) {
      gc_int_snapshot_ok (&snap);
      goto ready;
    }
    if (g->cancelled || killed_from_outside (g))
      goto error;
    gc_int_debug (g, "launch: restoring the saved state failed after %.3f s "
                  "(%s): booting cold", (gc_int_now_us () - t0) / 1e6,
                  gc_last_error (g));
    free (g->last_error);
    g->last_error = NULL;
    g->last_errno = 0;
    gc_int_snapshot_discard (g, &ap, &snap);
  }
  if (gc_int_boot (g, &ap, accel, GC_BOOT_COLD, NULL, NULL) == -1)
    goto error;

 ready:
  /* qemu has the appliance's files open: other runs may replace them. */
  gc_int_appliance_release (&ap);
  gc_int_snapshot_free (&snap);
  g->state = GC_STATE_READY;
  gc_int_debug (g, "launch: %s%s, appliance %.3f s, qemu started %.3f s, "
                "connected %.3f s, %s %.3f s", accel,
                g->timings.restored ? " restored" : "",
                g->timings.appliance / 1e6, g->timings.qemu_started / 1e6,
                g->timings.connected / 1e6,
                g->timings.restored ? "ready" : "hello",
                g->timings.hello / 1e6);
  return 0;

 error:
  gc_int_appliance_release (&ap);
  gc_int_snapshot_free (&snap);
  fail (g);
  return -1;
}

/* See guestcell.h. */
int
gc_shutdown (gc_h *g)
{
  int r = 0;

  gc_int_warnings_summary (g);
  if (g->state == GC_STATE_CLOSED && g->appliance_lost && !g->cancelled) {
    /* Its error was reported when it happened; this one is for the
     * caller that checks gc_shutdown before calling its writes done. */
    gc_int_error_errno (g, EIO, "shutdown: the appliance had already "
                        "stopped: what was written may not be on the disk");
    r = -1;
  }
  bool writable = false;
  for (size_t i = 0; i < g->drives.len; ++i)
    writable |= !g->drives.ptr[i].readonly;
  if (g->state == GC_STATE_READY && !writable) {
    /* Every guest disk is read-only: what the appliance wrote went to
     * qemu's throw-away overlays in the private directory (removed
     * with it), so there is nothing to sync and nothing to lose.  qemu
     * is stopped at once; the orderly power-off (unmount, ACPI S5)
     * cost 0.05 s a run under TCG. */
    int64_t t0 = gc_int_now_us ();
    gc_int_stop_appliance (g, 0);
    gc_int_debug (g, "shutdown: %.3f s (read-only drives: qemu stopped, "
                  "no power-off)", (gc_int_now_us () - t0) / 1e6);
  }
  else if (g->state == GC_STATE_READY) {
    int64_t t0 = gc_int_now_us ();
    int64_t deadline = t0 + (int64_t) GC_SHUTDOWN_TIMEOUT * 1000000;
    int status = 0;

    if (gc_internal_shutdown (g) == -1)
      r = -1;
    /* The daemon has synced and unmounted; the appliance powers off. */
    while (g->qemu_pid > 0) {
      if (qemu_exited (g, &status)) {
        if (r == 0 && (!WIFEXITED (status) || WEXITSTATUS (status) != 0)) {
          drain_console (g);
          qemu_died_error (g, "shutdown", status);
          r = -1;
        }
        break;
      }
      int64_t now = gc_int_now_us ();
      struct pollfd pfd = { .fd = g->console_fd, .events = POLLIN };

      if (now >= deadline) {
        gc_int_error_errno (g, ETIMEDOUT, "shutdown: the appliance did not "
                            "power off in %d s: killed",
                            GC_SHUTDOWN_TIMEOUT);
        r = -1;
        break;
      }
      if (g->cancelled) {
        gc_int_error_errno (g, EINTR, "shutdown: cancelled before the "
                            "appliance powered off");
        r = -1;
        break;
      }
      /* The console's end of file says qemu is gone; poll meanwhile. */
      if (poll (&pfd, 1, g->console_fd >= 0 ? 100 : 10) > 0)
        drain_console (g);
    }
    gc_int_debug (g, "shutdown: %.3f s", (gc_int_now_us () - t0) / 1e6);
  }
  gc_int_stop_appliance (g, 0);
  g->state = GC_STATE_CLOSED;
  return r;
}

/* See guestcell.h.  Only sets a flag: async-signal-safe. */
void
gc_user_cancel (gc_h *g)
{
  if (g)
    g->cancelled = 1;
}
