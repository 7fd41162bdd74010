/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Partitioning with parted in script mode.  Without udev nobody waits
 * for the kernel's new partition nodes: after each change we wait
 * (bounded) until devtmpfs has them all.
 */

#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    reply_tool_failure (err, "%s: %s: parted failed", gc_d_action (),
                        user ? user : device);
    return -1;
  }
  gc_d_wait_partitions (device);
  return 0;
}

/* See daemon.h.  Partitions are made on whole disks only. */
int
gc_d_check_whole_disk (const char *device)
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
  if (gc_d_check_whole_disk (device) == -1)
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

  if (gc_d_check_whole_disk (device) == -1)
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

/* Set the MBR disk signature (4 bytes, little-endian, at offset 440)
 * of a whole disk that has an MBR (0x55 0xaa at 510); parted picks a
 * random one.  0, or -1 after replying. */
int
do_mbr_set_id (const char *device, int64_t id)
{
  CLEANUP_FREE char *user = gc_d_device_to_user (device);
  const char *udev = user ? user : device;
  unsigned char mbr[512];

  if (gc_d_check_whole_disk (device) == -1)
    return -1;
  if (id < 0 || id > 0xffffffffLL) {
    reply_with_error_errno (EINVAL, "mbr_set_id: %" PRIi64 ": the disk "
                            "signature is a 32-bit number", id);
    return -1;
  }
  CLEANUP_CLOSE int fd = open (device, O_RDWR | O_CLOEXEC);
  if (fd == -1) {
    reply_with_perror ("mbr_set_id: %s", udev);
    return -1;
  }
  ssize_t r = pread (fd, mbr, sizeof mbr, 0);
  if (r == -1) {
    reply_with_perror ("mbr_set_id: %s: read", udev);
    return -1;
  }
  if (r != (ssize_t) sizeof mbr || mbr[510] != 0x55 || mbr[511] != 0xaa) {
    reply_with_error_errno (EINVAL, "mbr_set_id: %s: no MBR partition "
                            "table", udev);
    return -1;
  }
  for (int i = 0; i < 4; ++i)
    mbr[440 + i] = (unsigned char) (id >> (8 * i));
  if (pwrite (fd, mbr + 440, 4, 440) != 4 || fsync (fd) == -1) {
    reply_with_perror ("mbr_set_id: %s: write", udev);
    return -1;
  }
  return 0;
}

/* Change one byte (at offset field) of primary partition partnum's
 * entry in the MBR of a whole disk: the type or the boot flag.  0, or
 * -1 after replying. */
static int
mbr_entry_set (const char *device, int partnum, size_t field, int value)
{
  CLEANUP_FREE char *user = gc_d_device_to_user (device);
  const char *udev = user ? user : device;
  unsigned char mbr[512];

  if (gc_d_check_whole_disk (device) == -1)
    return -1;
  if (partnum < 1 || partnum > 4) {
    reply_with_error_errno (EINVAL, "%s: %s: partition %d: only primary "
                            "partitions (1-4) have an MBR entry",
                            gc_d_action (), udev, partnum);
    return -1;
  }
  CLEANUP_CLOSE int fd = open (device, O_RDWR | O_CLOEXEC);
  if (fd == -1) {
    reply_with_perror ("%s: %s", gc_d_action (), udev);
    return -1;
  }
  ssize_t r = pread (fd, mbr, sizeof mbr, 0);
  if (r == -1) {
    reply_with_perror ("%s: %s: read", gc_d_action (), udev);
    return -1;
  }
  unsigned char *e = mbr + 446 + 16 * (partnum - 1);
  if (r != (ssize_t) sizeof mbr || mbr[510] != 0x55 || mbr[511] != 0xaa ||
      mbr[446 + 4] == 0xee) {
    reply_with_error_errno (EINVAL, "%s: %s: no MBR partition table",
                            gc_d_action (), udev);
    return -1;
  }
  if (e[4] == 0) {
    reply_with_error_errno (ENOENT, "%s: %s: no partition %d",
                            gc_d_action (), udev, partnum);
    return -1;
  }
  e[field] = (unsigned char) value;
  if (pwrite (fd, e + field, 1, e + field - mbr) != 1 || fsync (fd) == -1) {
    reply_with_perror ("%s: %s: write", gc_d_action (), udev);
    return -1;
  }
  return 0;
}

/* 0, or -1 after replying. */
int
do_part_set_mbr_id (const char *device, int partnum, int idbyte)
{
  if (idbyte < 1 || idbyte > 0xff) {
    reply_with_error_errno (EINVAL, "part_set_mbr_id: %d: the type is a "
                            "byte, 1 to 0xff", idbyte);
    return -1;
  }
  return mbr_entry_set (device, partnum, 4, idbyte);
}

/* 0, or -1 after replying. */
int
do_part_set_bootable (const char *device, int partnum, int bootable)
{
  return mbr_entry_set (device, partnum, 0, bootable ? 0x80 : 0x00);
}

/* Name partition partnum of a GPT disk (parted's "name"): printable
 * ASCII without blanks or quotes, so that parted's own word splitting
 * of script arguments cannot change it; GPT holds 36 UTF-16 units.
 * 0, or -1 after replying. */
int
do_part_set_name (const char *device, int partnum, const char *name)
{
  size_t n = strlen (name);
  if (n == 0 || n > 36 || strcspn (name, " \t'\"\\") != n) {
    reply_with_error_errno (EINVAL, "part_set_name: \"%s\": a name is 1 to "
                            "36 characters without blanks or quotes", name);
    return -1;
  }
  for (size_t i = 0; i < n; ++i)
    if (!isprint ((unsigned char) name[i]) || (unsigned char) name[i] > 0x7e) {
      reply_with_error_errno (EINVAL, "part_set_name: the name must be "
                              "printable ASCII");
      return -1;
    }
  if (gc_d_check_whole_disk (device) == -1)
    return -1;
  if (partnum < 1 || partnum > 128) {
    reply_with_error_errno (EINVAL, "part_set_name: %d: no such partition "
                            "number", partnum);
    return -1;
  }
  char num[16];
  snprintf (num, sizeof num, "%d", partnum);
  char *argv[] = { "parted", "-s", "--", (char *) device, "name", num,
                   (char *) name, NULL };
  return run_parted (device, argv);
}
