/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* What virt-copy-in and virt-copy-out share: see copy.h. */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "options.h"
#include "strutils.h"
#include "copy.h"

/* See copy.h. */
int
copy_pipe (int fds[2])
{
  if (pipe2 (fds, O_CLOEXEC) == -1) {
    gc_tool_error ("pipe: %s", strerror (errno));
    return -1;
  }
  /* Fewer, fuller reads: one protocol chunk is 128 KiB. */
  fcntl (fds[1], F_SETPIPE_SZ, 1 << 20);
  return 0;
}

/* See copy.h. */
int
copy_start_thread (pthread_t *t, void *(*fn) (void *), void *arg)
{
  sigset_t set, old;
  sigemptyset (&set);
  sigaddset (&set, SIGINT);
  sigaddset (&set, SIGTERM);
  sigaddset (&set, SIGHUP);
  pthread_sigmask (SIG_BLOCK, &set, &old);
  int e = pthread_create (t, NULL, fn, arg);
  pthread_sigmask (SIG_SETMASK, &old, NULL);
  if (e != 0) {
    gc_tool_error ("pthread_create: %s", strerror (e));
    return -1;
  }
  return 0;
}

/*----------------------------------------------------------------------
 * The progress bar.
 */

#define BAR_WIDTH 30

static double
since (const struct timespec *t)
{
  struct timespec now;
  clock_gettime (CLOCK_MONOTONIC, &now);
  return (now.tv_sec - t->tv_sec) + (now.tv_nsec - t->tv_nsec) / 1e9;
}

/* See copy.h. */
bool
copy_progress_wanted (void)
{
  return isatty (STDERR_FILENO) && !gc_opts.verbose && !gc_opts.trace;
}

/* See copy.h. */
void
copy_progress_init (struct copy_progress *p, uint64_t total)
{
  memset (p, 0, sizeof *p);
  p->on = copy_progress_wanted ();
  p->total = total;
  clock_gettime (CLOCK_MONOTONIC, &p->start);
  p->last = p->start;
}

static void
human (uint64_t n, char *buf, size_t size)
{
  const char *unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
  double v = n;
  int i = 0;
  while (v >= 1024 && i < 4) {
    v /= 1024;
    ++i;
  }
  snprintf (buf, size, i ? "%.1f %s" : "%.0f %s", v, unit[i]);
}

/* See copy.h. */
void
copy_progress_update (struct copy_progress *p, uint64_t done)
{
  if (!p->on || p->total == 0)
    return;
  p->done = done;
  double elapsed = since (&p->start);
  if (elapsed < 1 || since (&p->last) < 0.2)
    return;
  clock_gettime (CLOCK_MONOTONIC, &p->last);
  if (done > p->total)
    done = p->total;
  int pct = p->total ? (int) (done * 100 / p->total) : 100;
  int fill = pct * BAR_WIDTH / 100;
  char bar[BAR_WIDTH + 1], d[32], t[32], eta[32] = "";
  memset (bar, '#', fill);
  memset (bar + fill, '-', BAR_WIDTH - fill);
  bar[BAR_WIDTH] = '\0';
  human (done, d, sizeof d);
  human (p->total, t, sizeof t);
  if (done > 0 && done < p->total) {
    double left = elapsed * (p->total - done) / done;
    snprintf (eta, sizeof eta, ", %02d:%02d left", (int) left / 60,
              (int) left % 60);
  }
  fprintf (stderr, "\r%3d%% [%s] %s of %s%s   ", pct, bar, d, t, eta);
  fflush (stderr);
  p->shown = true;
}

/* See copy.h. */
void
copy_progress_end (struct copy_progress *p)
{
  if (!p->shown)
    return;
  fprintf (stderr, "\r%*s\r", BAR_WIDTH + 60, "");
  fflush (stderr);
  p->shown = false;
}

/*----------------------------------------------------------------------
 * Warnings.
 */

#define WARNINGS_SHOWN 10

static pthread_mutex_t warn_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned warnings;

/* See copy.h. */
void
copy_warning (const char *msg)
{
  pthread_mutex_lock (&warn_lock);
  if (++warnings <= WARNINGS_SHOWN)
    gc_tool_warning ("%s", msg);
  pthread_mutex_unlock (&warn_lock);
}

/* See copy.h. */
void
copy_warnings_done (void)
{
  pthread_mutex_lock (&warn_lock);
  if (warnings > WARNINGS_SHOWN)
    gc_tool_warning ("%u more warnings like these were not shown",
                     warnings - WARNINGS_SHOWN);
  pthread_mutex_unlock (&warn_lock);
}

/* See copy.h. */
int
copy_call_error (gc_h *g, const char *action)
{
  const char *msg = gc_last_error (g);
  size_t n = strlen (action);
  if (gc_get_state (g) != GC_STATE_READY || msg == NULL ||
      strncmp (msg, action, n) != 0 || strncmp (msg + n, ": ", 2) != 0)
    return gc_tool_handle_error (g);
  if (gc_last_errno (g) == EINTR)
    return gc_tool_handle_error (g);
  gc_tool_error ("%s", msg + n + 2);
  return GC_EXIT_ERROR;
}
