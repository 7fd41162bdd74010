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
copy_parse (int argc, char **argv, const struct poptOption *table,
            const char *usage_args, const char *need_two,
            poptContext *ctx_r, const char ***args_r, size_t *n_r,
            int *code_r)
{
  poptContext ctx = NULL;
  if (gc_options_parse (argc, argv, table, usage_args, &ctx, code_r) == -1)
    return -1;
  const char **args = poptGetArgs (ctx);
  size_t n = 0;
  while (args && args[n])
    ++n;
  if (gc_opts.drives.len == 0)
    *code_r = gc_tool_usage_error ("no disk image given: use -a IMAGE");
  else if (n < 2)
    *code_r = gc_tool_usage_error ("%s", need_two);
  else {
    *ctx_r = ctx;
    *args_r = args;
    *n_r = n;
    return 0;
  }
  poptFreeContext (ctx);
  return -1;
}

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
 * The progress bar, and warnings, which erase it first (they may come
 * from another thread: one lock for both).
 */

#define BAR_WIDTH 30

static pthread_mutex_t stderr_lock = PTHREAD_MUTEX_INITIALIZER;
static struct copy_progress *bar;    /* the one drawn, if any */

/* Erase the bar's line (the lock held). */
static void
erase_bar (void)
{
  if (bar == NULL || !bar->shown)
    return;
  fprintf (stderr, "\r%*s\r", BAR_WIDTH + 60, "");
  fflush (stderr);
  bar->shown = false;
}

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
  return gc_opts.settings.progress && isatty (STDERR_FILENO) &&
    !gc_opts.verbose && !gc_opts.trace;
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
  pthread_mutex_lock (&stderr_lock);
  bar = p;
  int pct = p->total ? (int) (done * 100 / p->total) : 100;
  int fill = pct * BAR_WIDTH / 100;
  char line[BAR_WIDTH + 1], d[32], t[32], eta[32] = "";
  memset (line, '#', fill);
  memset (line + fill, '-', BAR_WIDTH - fill);
  line[BAR_WIDTH] = '\0';
  human (done, d, sizeof d);
  human (p->total, t, sizeof t);
  if (done > 0 && done < p->total) {
    double left = elapsed * (p->total - done) / done;
    snprintf (eta, sizeof eta, ", %02d:%02d left", (int) left / 60,
              (int) left % 60);
  }
  fprintf (stderr, "\r%3d%% [%s] %s of %s%s   ", pct, line, d, t, eta);
  fflush (stderr);
  p->shown = true;
  pthread_mutex_unlock (&stderr_lock);
}

/* See copy.h. */
void
copy_progress_end (struct copy_progress *p)
{
  pthread_mutex_lock (&stderr_lock);
  if (bar == p) {
    erase_bar ();
    bar = NULL;
  }
  pthread_mutex_unlock (&stderr_lock);
}

#define WARNINGS_SHOWN 10

static unsigned warnings;

/* See copy.h. */
void
copy_warning (const char *msg)
{
  pthread_mutex_lock (&stderr_lock);
  if (++warnings <= WARNINGS_SHOWN) {
    erase_bar ();
    gc_tool_warning ("%s", msg);
  }
  pthread_mutex_unlock (&stderr_lock);
}

/* See copy.h. */
void
copy_warnings_done (void)
{
  pthread_mutex_lock (&stderr_lock);
  if (warnings > WARNINGS_SHOWN)
    gc_tool_warning ("%u more warnings like these were not shown",
                     warnings - WARNINGS_SHOWN);
  pthread_mutex_unlock (&stderr_lock);
}

/* See copy.h. */
double
copy_now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* See copy.h. */
void
copy_report (const char *what, uint64_t bytes, double seconds)
{
  if (!gc_opts.verbose)
    return;
  fprintf (stderr, "%s: %s: %ju bytes of file data in %.2f s (%.1f MB/s)\n",
           gc_opts.program_name, what, (uintmax_t) bytes, seconds,
           seconds > 0 ? bytes / seconds / 1e6 : 0);
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
