/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* For the virt-df tests: statvfs of every mountable filesystem of one
 * guest, through the core directly (not through virt-df), one line each:
 *   DEVICE frsize blocks bfree bavail files ffree
 * so the test can check virt-df's numbers against an independent path.
 *
 *   test-statvfs IMAGE...
 */

#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guestcell.h"

static int
run (int argc, char **argv)
{
  gc_h *g = gc_create ();
  struct gc_drive_opts opts = { .format = "raw", .readonly = 1 };
  char **fs = NULL;
  int r = 1;

  if (g == NULL) {
    perror ("gc_create");
    return 1;
  }
  for (int i = 1; i < argc; ++i)
    if (gc_add_drive (g, argv[i], &opts) == -1)
      goto out;
  if (gc_launch (g) == -1 || gc_scan_volumes (g) == -1 ||
      (fs = gc_list_filesystems (g)) == NULL)
    goto out;
  for (size_t i = 0; fs[i] && fs[i + 1]; i += 2) {
    struct gc_statvfs *st;
    if (strcmp (fs[i + 1], "swap") == 0)
      continue;
    if (gc_mount (g, fs[i], "/", NULL, NULL, 1) == -1)
      goto out;
    if ((st = gc_statvfs (g, "/")) == NULL)
      goto out;
    printf ("%s %" PRIi64 " %" PRIi64 " %" PRIi64 " %" PRIi64 " %" PRIi64
            " %" PRIi64 "\n", fs[i], st->frsize, st->blocks, st->bfree,
            st->bavail, st->files, st->ffree);
    free (st);
    if (gc_umount_all (g) == -1)
      goto out;
  }
  if (gc_shutdown (g) == -1)
    goto out;
  r = 0;
 out:
  if (r)
    fprintf (stderr, "test-statvfs: %s\n", gc_last_error (g));
  gc_free_strings (fs);
  gc_close (g);
  return r;
}

int
main (int argc, char **argv)
{
  if (argc < 2) {
    fprintf (stderr, "usage: test-statvfs IMAGE...\n");
    return 2;
  }
  return run (argc, argv);
}
