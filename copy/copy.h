/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* What virt-copy-in and virt-copy-out share (copy/copy.c): the thread
 * on the other end of the pipe that carries the tree stream to or from
 * the core's FileIn/FileOut call, the progress bar, warnings, and
 * turning a failed call into one line. */

#ifndef GC_COPY_H
#define GC_COPY_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <popt.h>

#include "guestcell.h"
/* GC_CHUNK_MAX: the stream is handed out in whole protocol chunks. */
#include "gc_protocol.h"

/* Parse a copy tool's command line: its options, at least one -a and
 * at least one source then the destination (usage_args names them in
 * the usage line, need_two says what is missing).  Returns 0 with
 * *ctx_r (the caller frees it with poptFreeContext), *args_r and *n_r
 * (at least 2) set; -1 with the exit code in *code_r (anything to say
 * is printed). */
extern int copy_parse (int argc, char **argv, const struct poptOption *table,
                       const char *usage_args, const char *need_two,
                       poptContext *ctx_r, const char ***args_r, size_t *n_r,
                       int *code_r);

/* The stream's pipe: fds[0] to read, fds[1] to write, both O_CLOEXEC,
 * 1 MiB of buffer where the system allows it.  -1 after printing the
 * error. */
extern int copy_pipe (int fds[2]);

/* Start fn (arg) in a thread that never takes SIGINT, SIGTERM or
 * SIGHUP (they stay the main thread's, whose handler cancels the
 * handle's call).  -1 after printing the error. */
extern int copy_start_thread (pthread_t *t, void *(*fn) (void *), void *arg);

/* The progress bar: on stderr, only when it is a terminal, the
 * progress setting is true (guestcell.conf(5)), -v is not given and a
 * total is known (0: not yet); it appears after a second of copying and
 * is redrawn at most five times a second.  copy_progress_update may be
 * called from any one thread. */
struct copy_progress {
  bool on, shown;
  uint64_t total, done;
  struct timespec start, last;
};
extern void copy_progress_init (struct copy_progress *p, uint64_t total);
/* Whether a bar may be drawn at all (worth measuring the total). */
extern bool copy_progress_wanted (void);
extern void copy_progress_update (struct copy_progress *p, uint64_t done);
/* Erase the bar if it is drawn. */
extern void copy_progress_end (struct copy_progress *p);

/* A warning about one entry (from the stream or the local tree): the
 * first ten are printed, the rest counted; copy_warnings_done prints
 * how many were not shown.  Thread-safe. */
extern void copy_warning (const char *msg);
extern void copy_warnings_done (void);

/* Under -v, one line on how long the copy itself took on the host's
 * clock (the launch and shutdown left out) and its rate. */
extern void copy_report (const char *what, uint64_t bytes, double seconds);
/* The host's monotonic clock, in seconds. */
extern double copy_now (void);

/* Print the handle's last error for a failed action (with "ACTION: "
 * removed from the front, the user having asked for a copy, not an
 * action) and return the exit code (see gc_tool_handle_error). */
extern int copy_call_error (gc_h *g, const char *action);

#endif /* GC_COPY_H */
