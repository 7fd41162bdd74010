/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* check-fs [--parts] [--format FMT] IMAGE... [-- DEVICE...]: is every
 * filesystem of a guest consistent, as far as its own checker can tell?
 * For the tests of the tools that write (a crash in the middle of
 * virt-edit or virt-copy-in, what virt-resize made).  With --parts the
 * partition table of each image is checked first by independent tools
 * (part_verify: sgdisk -v for GPT, sfdisk --verify): "/dev/sdX table:
 * valid" or "NOT VALID" and their output.
 *
 * One appliance, the images read-only (behind the throwaway overlay, so
 * nothing here changes them).  LVM and md are activated; then each
 * filesystem (or only the DEVICEs named) is mounted and unmounted once,
 * so that a journal or log left by a crash is replayed as the guest
 * itself would replay it at boot, and is checked with fs_check
 * (e2fsck -fn, xfs_repair -n, btrfs check --readonly, ntfsfix -n,
 * fsck.fat -n).  Prints one line per filesystem, "DEVICE TYPE: clean"
 * or "DEVICE TYPE: NOT CLEAN (status N)" followed by the checker's
 * output; exits 0 if all are clean, 1 if one is not or on an error.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guestcell.h"

static int
check_one (gc_h *g, const char *dev, const char *type)
{
  if (strcmp (type, "swap") != 0 && strcmp (type, "crypto_LUKS") != 0 &&
      strcmp (type, "LVM2_member") != 0 &&
      strcmp (type, "linux_raid_member") != 0) {
    /* Replay a journal into the overlay, as the guest's boot would. */
    if (gc_mount (g, dev, "/", NULL, NULL, 1) == 0)
      gc_umount_all (g);
    else
      printf ("%s %s: cannot be mounted (%s); checked as it is\n", dev,
              type, gc_last_error (g));
  }
  char **r = gc_fs_check (g, dev);
  if (r == NULL) {
    printf ("%s %s: NOT CHECKED: %s\n", dev, type, gc_last_error (g));
    return 1;
  }
  int bad = strcmp (r[0], "0") != 0;
  if (bad)
    printf ("%s %s: NOT CLEAN (status %s)\n%s\n", dev, type, r[0], r[1]);
  else
    printf ("%s %s: clean\n", dev, type);
  gc_free_strings (r);
  return bad;
}

int
main (int argc, char **argv)
{
  const char *format = NULL;
  int i = 1, parts = 0;

  if (i < argc && strcmp (argv[i], "--parts") == 0) {
    parts = 1;
    ++i;
  }
  if (i + 1 < argc && strcmp (argv[i], "--format") == 0) {
    format = argv[i + 1];
    i += 2;
  }
  if (i >= argc || strcmp (argv[i], "--") == 0) {
    fprintf (stderr,
             "usage: check-fs [--parts] [--format FMT] IMAGE... "
             "[-- DEVICE...]\n");
    return 1;
  }

  gc_h *g = gc_create ();
  if (g == NULL) {
    perror ("gc_create");
    return 1;
  }
  int failed = 0;
  for (; i < argc && strcmp (argv[i], "--") != 0; ++i) {
    struct gc_drive_opts o = { .format = format, .readonly = 1 };
    if (gc_add_drive (g, argv[i], &o) == -1)
      goto error;
  }
  char **only = i < argc ? &argv[i + 1] : NULL;

  if (gc_launch (g) == -1)
    goto error;
  if (parts) {
    char **disks = gc_list_devices (g);
    if (disks == NULL)
      goto error;
    for (size_t j = 0; disks[j]; ++j) {
      char **r = gc_part_verify (g, disks[j]);
      if (r == NULL) {
        printf ("%s table: NOT CHECKED: %s\n", disks[j], gc_last_error (g));
        failed = 1;
        continue;
      }
      if (strcmp (r[0], "0") == 0)
        printf ("%s table: valid\n", disks[j]);
      else {
        printf ("%s table: NOT VALID\n%s\n", disks[j], r[1]);
        failed = 1;
      }
      gc_free_strings (r);
    }
    gc_free_strings (disks);
  }
  if (gc_scan_volumes (g) == -1)
    goto error;
  char **fs = gc_list_filesystems (g);
  if (fs == NULL)
    goto error;
  size_t checked = 0;
  for (size_t j = 0; fs[j] && fs[j + 1]; j += 2) {
    int wanted = only == NULL;
    for (size_t k = 0; only && only[k]; ++k)
      wanted |= strcmp (only[k], fs[j]) == 0;
    if (!wanted || strcmp (fs[j + 1], "unknown") == 0)
      continue;
    failed |= check_one (g, fs[j], fs[j + 1]);
    checked++;
  }
  gc_free_strings (fs);
  if (only && checked == 0) {
    printf ("none of the devices named holds a filesystem\n");
    failed = 1;
  }
  if (gc_shutdown (g) == -1)
    goto error;
  gc_close (g);
  return failed;

 error:
  fprintf (stderr, "check-fs: %s\n", gc_last_error (g));
  gc_close (g);
  return 1;
}
