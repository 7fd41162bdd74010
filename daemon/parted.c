/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Partitioning with parted in script mode.  Without udev nobody waits
 * for the kernel's new partition nodes: after each change we wait
 * (bounded) until devtmpfs has them all.
 */

#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "gc-daemon-actions.h"

static int
run_parted (const char *device, char *const *argv)
{
  CLEANUP_FREE char *err = NULL, *out = NULL;
  CLEANUP_FREE char *user = gc_d_device_to_user (device);
  int st = commandv (&out, &err, argv);
  if (st == -1) {
    reply_with_perror ("%s: %s: parted", gc_d_action (), user ? user : device);
    return -1;
  }
  if (st != 0) {
    /* parted writes some of its errors on stdout. */
    if ((err == NULL || *err == '\0') && out) {
      free (err);
      err = out;
      out = NULL;
    }
    /* Drop the noise of libparted's calls to udevadm, absent here. */
    char *p;
    while (err && (p = strstr (err, "sh: 1: udevadm: not found\n")) != NULL)
      memmove (p, p + 26, strlen (p + 26) + 1);
    size_t n = err ? strlen (err) : 0;
    while (n > 0 && isspace ((unsigned char) err[n - 1]))
      err[--n] = '\0';
    CLEANUP_FREE char *msg = err ? gc_d_names_to_user (err) : NULL;
    reply_with_error ("%s: %s: parted failed: %s", gc_d_action (),
                      user ? user : device,
                      msg && *msg ? msg : "no error message");
    return -1;
  }
  gc_d_wait_partitions (device);
  return 0;
}

/* Partitions are made on whole disks only. */
static int
check_whole_disk (const char *device)
{
  char *const *d = gc_d_guest_disks ();
  for (size_t i = 0; d[i]; ++i)
    if (strncmp (device, "/dev/", 5) == 0 && strcmp (device + 5, d[i]) == 0)
      return 0;
  CLEANUP_FREE char *user = gc_d_device_to_user (device);
  reply_with_error_errno (EINVAL, "%s: %s: not a whole disk", gc_d_action (),
                          user ? user : device);
  return -1;
}

/* 0, or -1 after replying. */
int
do_part_init (const char *device, const char *parttype)
{
  const char *label;
  if (strcmp (parttype, "msdos") == 0 || strcmp (parttype, "mbr") == 0)
    label = "msdos";
  else if (strcmp (parttype, "gpt") == 0 || strcmp (parttype, "efi") == 0)
    label = "gpt";
  else {
    reply_with_error_errno (EINVAL, "part_init: %s: unknown partition table "
                            "type (msdos or gpt)", parttype);
    return -1;
  }
  if (check_whole_disk (device) == -1)
    return -1;
  char *argv[] = { "parted", "-s", "--", (char *) device, "mklabel",
                   (char *) label, NULL };
  return run_parted (device, argv);
}

/* 0, or -1 after replying. */
int
do_part_add (const char *device, const char *prlogex, int64_t startsect,
             int64_t endsect)
{
  char start[32], end[32];

  if (check_whole_disk (device) == -1)
    return -1;
  if (startsect < 0 || endsect < -1 || (endsect >= 0 && endsect < startsect)) {
    reply_with_error_errno (EINVAL, "part_add: invalid sectors %" PRIi64
                            " to %" PRIi64, startsect, endsect);
    return -1;
  }
  if (strcmp (prlogex, "primary") != 0 && strcmp (prlogex, "logical") != 0 &&
      strcmp (prlogex, "extended") != 0 && strcmp (prlogex, "p") != 0 &&
      strcmp (prlogex, "l") != 0 && strcmp (prlogex, "e") != 0) {
    reply_with_error_errno (EINVAL, "part_add: %s: must be primary, logical "
                            "or extended", prlogex);
    return -1;
  }
  if (strcmp (prlogex, "p") == 0)
    prlogex = "primary";
  else if (strcmp (prlogex, "l") == 0)
    prlogex = "logical";
  else if (strcmp (prlogex, "e") == 0)
    prlogex = "extended";

  snprintf (start, sizeof start, "%" PRIi64 "s", startsect);
  if (endsect == -1)
    snprintf (end, sizeof end, "100%%");
  else
    snprintf (end, sizeof end, "%" PRIi64 "s", endsect);
  /* For gpt, parted takes a partition name in that place. */
  char *argv[] = { "parted", "-s", "--", (char *) device, "mkpart",
                   (char *) prlogex, start, end, NULL };
  return run_parted (device, argv);
}
