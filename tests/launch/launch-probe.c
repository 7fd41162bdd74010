/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* launch-probe [-v] [--urandom N] [--clock SCRATCH.img] [IMAGE...]:
 * launches one appliance with the images as read-only raw drives and
 * prints what the tests of the fast launch compare, one "key: value"
 * line each:
 *   launch: restored | cold      (how the appliance came up)
 *   seconds: S                   (gc_launch's wall time)
 *   devices: N                   (list_devices: the run's drives seen)
 *   urandom: HEX                 (N bytes of the appliance's /dev/urandom)
 *   clock: D                     (with --clock: a directory made on a
 *                                 fresh ext4 on the writable scratch
 *                                 image has an mtime D seconds from the
 *                                 host's clock)
 * Exit 0 if all of it worked, 1 with the error on stderr if not. */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "guestcell.h"
#include "probe.h"
#include "internal.h"           /* timings.restored */

#define die(g, what) probe_die (g, "launch-probe", what)

int
main (int argc, char **argv)
{
  gc_h *g = gc_create ();
  int urandom = 0;
  const char *scratch = NULL;
  struct timespec t0, t1;

  if (g == NULL) {
    perror ("gc_create");
    return 1;
  }
  for (int i = 1; i < argc; ++i) {
    if (strcmp (argv[i], "-v") == 0) {
      probe_verbose (g);
    }
    else if (strcmp (argv[i], "--urandom") == 0 && i + 1 < argc)
      urandom = atoi (argv[++i]);
    else if (strcmp (argv[i], "--clock") == 0 && i + 1 < argc)
      scratch = argv[++i];
    else {
      struct gc_drive_opts o = { .format = "raw", .readonly = 1 };
      if (gc_add_drive (g, argv[i], &o) == -1)
        die (g, argv[i]);
    }
  }
  if (scratch) {
    struct gc_drive_opts o = { .format = "raw", .readonly = 0 };
    if (gc_add_drive (g, scratch, &o) == -1)
      die (g, scratch);
  }

  clock_gettime (CLOCK_MONOTONIC, &t0);
  if (gc_launch (g) == -1)
    die (g, "launch");
  clock_gettime (CLOCK_MONOTONIC, &t1);
  printf ("launch: %s\n", g->timings.restored ? "restored" : "cold");
  printf ("seconds: %.3f\n",
          (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);

  {
    char **devs = gc_list_devices (g);
    size_t n = 0;
    if (devs == NULL)
      die (g, "list_devices");
    while (devs[n])
      free (devs[n++]);
    free (devs);
    printf ("devices: %zu\n", n);
  }
  if (urandom > 0) {
    size_t len;
    unsigned char *r = (unsigned char *) gc_internal_test_urandom (g, urandom,
                                                                   &len);
    if (r == NULL)
      die (g, "internal_test_urandom");
    printf ("urandom: ");
    for (size_t i = 0; i < len; ++i)
      printf ("%02x", r[i]);
    printf ("\n");
    free (r);
  }
  if (scratch) {
    char **devs = gc_list_devices (g);
    const char *dev;
    struct gc_stat *st;
    size_t n = 0;

    if (devs == NULL)
      die (g, "list_devices");
    while (devs[n])
      ++n;
    dev = devs[n - 1];          /* the scratch image, added last */
    if (gc_mkfs (g, "ext4", dev, NULL, NULL) == -1)
      die (g, "mkfs");
    if (gc_mount (g, dev, "/", NULL, NULL, 0) == -1)
      die (g, "mount");
    if (gc_mkdir_p (g, "/probe") == -1)
      die (g, "mkdir_p");
    st = gc_stat (g, "/probe");
    if (st == NULL)
      die (g, "stat");
    printf ("clock: %lld\n", (long long) (st->mtime - time (NULL)));
    free (st);
    for (size_t i = 0; devs[i]; ++i)
      free (devs[i]);
    free (devs);
  }
  if (gc_shutdown (g) == -1)
    die (g, "shutdown");
  gc_close (g);
  return 0;
}
