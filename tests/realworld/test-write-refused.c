/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* test-write-refused IMAGE: IMAGE is held open for writing by another
 * process (a running VM).  Adding it read-only must work with one
 * warning event naming it; adding it for writing must fail with EBUSY
 * and an error naming it, before any appliance starts.  Prints one line
 * per check; exit 0 if all pass. */

#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guestcell.h"

static int warnings;
static char warning[1024];

static void
on_event (gc_h *g, void *opaque, uint64_t event, const char *buf,
          size_t len, const uint64_t *array, size_t array_len)
{
  ++warnings;
  snprintf (warning, sizeof warning, "%.*s", (int) len, buf);
}

int
main (int argc, char **argv)
{
  int failed = 0;

  if (argc != 2) {
    fprintf (stderr, "usage: test-write-refused IMAGE\n");
    return 2;
  }

  gc_h *g = gc_create ();
  if (g == NULL) {
    perror ("gc_create");
    return 1;
  }
  gc_set_event_callback (g, on_event, GC_EVENT_WARNING, NULL);
  struct gc_drive_opts ro = { .format = "raw", .readonly = 1 };
  if (gc_add_drive (g, argv[1], &ro) == -1) {
    printf ("FAIL: read-only: %s\n", gc_last_error (g));
    failed = 1;
  }
  else if (warnings != 1 || strstr (warning, argv[1]) == NULL ||
           strstr (warning, "in use by another process") == NULL) {
    printf ("FAIL: read-only: %d warnings, the last: %s\n", warnings,
            warning);
    failed = 1;
  }
  else
    printf ("ok: read-only: added, one warning: %s\n", warning);
  gc_close (g);

  g = gc_create ();
  if (g == NULL) {
    perror ("gc_create");
    return 1;
  }
  struct gc_drive_opts rw = { .format = "raw" };
  if (gc_add_drive (g, argv[1], &rw) == 0) {
    printf ("FAIL: read-write: added\n");
    failed = 1;
  }
  else if (gc_last_errno (g) != EBUSY ||
           strstr (gc_last_error (g), argv[1]) == NULL) {
    printf ("FAIL: read-write: errno %d: %s\n", gc_last_errno (g),
            gc_last_error (g));
    failed = 1;
  }
  else
    printf ("ok: read-write: refused: %s\n", gc_last_error (g));
  gc_close (g);
  return failed;
}
