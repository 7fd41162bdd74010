/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* lvm-probe [-v] [--ro IMAGE | --rw IMAGE]... STEP...: launches one
 * appliance with the images as raw drives, then runs the steps in order:
 *   --vgcreate VG DEV[,DEV...]  pvcreate each device, vgcreate VG on them
 *   --lvm "WORD..."             lvm with these words (no device names)
 *   --mkfs DEV                  an ext4 on DEV
 *   --tables                    the device-mapper tables of the LVM
 *                               volumes activated without lvm, one
 *                               "native: LINE" each (or one
 *                               "native-refused: WHY"), then activated
 *                               by lvm's vgchange, one "lvm: LINE" each
 * Exit 0 if all of it worked, 1 with the error on stderr if not. */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guestcell.h"
#include "probe.h"

#define die(g, what) probe_die (g, "lvm-probe", what)

/* s split at sep into a NULL-terminated list (s is changed). */
static char **
split (char *s, const char *sep)
{
  size_t n = 0;
  char **v = calloc (strlen (s) + 2, sizeof *v), *save = NULL;
  if (v == NULL)
    abort ();
  for (char *w = strtok_r (s, sep, &save); w; w = strtok_r (NULL, sep, &save))
    v[n++] = w;
  return v;
}

int
main (int argc, char **argv)
{
  gc_h *g = gc_create ();
  int first_step = argc;

  if (g == NULL) {
    perror ("gc_create");
    return 1;
  }
  for (int i = 1; i < argc; ++i) {
    if (strcmp (argv[i], "-v") == 0) {
      probe_verbose (g);
    }
    else if ((strcmp (argv[i], "--ro") == 0 ||
              strcmp (argv[i], "--rw") == 0) && i + 1 < argc) {
      struct gc_drive_opts o = { .format = "raw",
                                 .readonly = argv[i][3] == 'o' };
      if (gc_add_drive (g, argv[i + 1], &o) == -1)
        die (g, argv[i + 1]);
      ++i;
    }
    else {
      first_step = i;
      break;
    }
  }
  if (gc_launch (g) == -1)
    die (g, "launch");

  for (int i = first_step; i < argc; ++i) {
    if (strcmp (argv[i], "--vgcreate") == 0 && i + 2 < argc) {
      char **pvs = split (argv[i + 2], ",");
      for (size_t k = 0; pvs[k]; ++k)
        if (gc_pvcreate (g, pvs[k]) == -1)
          die (g, pvs[k]);
      if (gc_vgcreate (g, argv[i + 1], pvs) == -1)
        die (g, argv[i + 1]);
      free (pvs);
      i += 2;
    }
    else if (strcmp (argv[i], "--lvm") == 0 && i + 1 < argc) {
      char **words = split (argv[++i], " ");
      char *out = gc_internal_test_lvm (g, words);
      if (out == NULL)
        die (g, "lvm");
      free (out);
      free (words);
    }
    else if (strcmp (argv[i], "--mkfs") == 0 && i + 1 < argc) {
      if (gc_mkfs (g, "ext4", argv[i + 1], NULL, NULL) == -1)
        die (g, argv[i + 1]);
      ++i;
    }
    else if (strcmp (argv[i], "--tables") == 0) {
      char **t = gc_internal_test_lvm_tables (g, 0);
      if (t == NULL)
        printf ("native-refused: %s\n", gc_last_error (g));
      for (size_t k = 0; t && t[k]; ++k)
        printf ("native: %s\n", t[k]);
      gc_free_strings (t);
      t = gc_internal_test_lvm_tables (g, 1);
      if (t == NULL)
        die (g, "internal_test_lvm_tables with lvm");
      for (size_t k = 0; t[k]; ++k)
        printf ("lvm: %s\n", t[k]);
      gc_free_strings (t);
    }
    else {
      fprintf (stderr, "lvm-probe: unknown step %s\n", argv[i]);
      return 1;
    }
  }
  if (gc_shutdown (g) == -1)
    die (g, "shutdown");
  gc_close (g);
  return 0;
}
