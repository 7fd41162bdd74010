/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Errors recorded on the handle.  The core never prints: each failure
 * path records one message and errno here, and the tool decides what to
 * show. */

#include <config.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void
set_error (gc_h *g, int errnum, char *msg)
{
  free (g->last_error);
  g->last_error = msg;
  g->last_errno = errnum;
  gc_int_debug (g, "error: %s", msg ? msg : "(out of memory)");
}

/* Record an error: the message, and errnum (0 if none). */
void
gc_int_error_errno (gc_h *g, int errnum, const char *fs, ...)
{
  va_list args;
  char *msg;

  va_start (args, fs);
  if (vasprintf (&msg, fs, args) == -1)
    msg = NULL;
  va_end (args);
  set_error (g, errnum, msg);
  errno = errnum;
}

/* Record an error with ": strerror (errno)" appended; errno is kept. */
void
gc_int_perror (gc_h *g, const char *fs, ...)
{
  int errnum = errno;
  va_list args;
  char *msg, *full;

  va_start (args, fs);
  if (vasprintf (&msg, fs, args) == -1)
    msg = NULL;
  va_end (args);
  if (msg == NULL || asprintf (&full, "%s: %s", msg, strerror (errnum)) == -1)
    full = NULL;
  free (msg);
  set_error (g, errnum, full);
  errno = errnum;
}

/* The last error's message; "" if none.  Owned by the handle. */
const char *
gc_last_error (gc_h *g)
{
  if (g->last_error)
    return g->last_error;
  return g->last_errno ? strerror (g->last_errno) : "";
}

int
gc_last_errno (gc_h *g)
{
  return g->last_errno;
}
