/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* fs_check: a filesystem's own read-only consistency check (e2fsck -fn,
 * xfs_repair -n, btrfs check --readonly, ntfsfix -n, fsck.fat -n), for
 * the tests that crash a writing tool and for virt-resize's checks of
 * what it made.  Nothing is repaired and nothing is written.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "gc-daemon-actions.h"

/* What the checker may say before its output is cut. */
#define CHECK_OUTPUT_MAX (64 * 1024)

/* The checker of a blkid TYPE, NULL-terminated argv with the device
 * last but one; NULL if the type has none. */
static const char *const *
checker (const char *type)
{
  static const char *const ext[] = { "e2fsck", "-f", "-n", NULL, NULL };
  static const char *const xfs[] = { "xfs_repair", "-n", NULL, NULL };
  static const char *const btrfs[] =
    { "btrfs", "check", "--readonly", NULL, NULL };
  static const char *const ntfs[] = { "ntfsfix", "-n", NULL, NULL };
  static const char *const vfat[] = { "fsck.fat", "-n", NULL, NULL };

  if (strcmp (type, "ext2") == 0 || strcmp (type, "ext3") == 0 ||
      strcmp (type, "ext4") == 0)
    return ext;
  if (strcmp (type, "xfs") == 0)
    return xfs;
  if (strcmp (type, "btrfs") == 0)
    return btrfs;
  if (strcmp (type, "ntfs") == 0)
    return ntfs;
  if (strcmp (type, "vfat") == 0)
    return vfat;
  return NULL;
}

/* [exit status of the checker, its stdout and stderr]; "0" and "" for
 * a swap area (nothing to check).  NULL after replying: no filesystem,
 * one without a checker, or a checker that could not run.  Caller
 * frees. */
char **
do_fs_check (const char *device)
{
  CLEANUP_FREE char *type = gc_d_blkid_tag (device, "TYPE");
  if (type == NULL)
    return NULL;
  if (strcmp (type, "swap") == 0)
    type[0] = '\0';
  const char *const *tmpl = type[0] ? checker (type) : NULL;
  if (type[0] && tmpl == NULL) {
    reply_with_error ("fs_check: %s: no checker for %s filesystems",
                      device, type);
    return NULL;
  }

  char status[16] = "0";
  CLEANUP_FREE char *out = NULL, *err = NULL;
  if (tmpl) {
    const char *argv[8];
    size_t n = 0;
    for (; tmpl[n]; ++n)
      argv[n] = tmpl[n];
    argv[n++] = device;
    argv[n] = NULL;
    int r = commandv (&out, &err, (char *const *) argv);
    if (r == -1) {
      reply_with_perror ("fs_check: %s", argv[0]);
      return NULL;
    }
    snprintf (status, sizeof status, "%d", r);
  }

  size_t lo = out ? strlen (out) : 0, le = err ? strlen (err) : 0;
  CLEANUP_FREE char *both = malloc (lo + le + 2);
  if (both == NULL) {
    reply_with_perror ("fs_check: malloc");
    return NULL;
  }
  snprintf (both, lo + le + 2, "%s%s%s", out ? out : "",
            lo && le && out[lo - 1] != '\n' ? "\n" : "", err ? err : "");
  if (strlen (both) > CHECK_OUTPUT_MAX)
    strcpy (both + CHECK_OUTPUT_MAX - 4, "...");
  CLEANUP_FREE char *user = gc_d_names_to_user (both);

  char **r = calloc (3, sizeof *r);
  if (r == NULL || (r[0] = strdup (status)) == NULL ||
      (r[1] = strdup (user ? user : both)) == NULL) {
    gc_d_free_strings (r);
    reply_with_perror ("fs_check: malloc");
    return NULL;
  }
  return r;
}
