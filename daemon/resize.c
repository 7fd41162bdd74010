/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* virt-resize's contents: how many bytes the content of a partition
 * needs (resize_fs_size, for the checks of a partition made smaller),
 * growing it to fill a bigger one with its own tool (resize_content),
 * growing an LV over its volume group's free space (resize_lv_expand),
 * and, for the tests, shrinking an ext filesystem (internal_resize2fs).
 */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <linux/fs.h>

#include "daemon.h"
#include "gc-daemon-actions.h"

/* Where xfs and btrfs are mounted to be grown. */
#define GROW_MNT "/run/gc/grow"

static bool
is_ext (const char *type)
{
  return strcmp (type, "ext2") == 0 || strcmp (type, "ext3") == 0 ||
    strcmp (type, "ext4") == 0;
}

/* The number after "key" at the start of a line of out (then blanks,
 * ':' or '=' before it); -1 if absent. */
static int64_t
field (const char *out, const char *key)
{
  size_t n = strlen (key);
  for (const char *l = out; l && *l; ) {
    if (strncmp (l, key, n) == 0) {
      const char *p = l + n;
      p += strspn (p, " \t:=");
      char *end;
      errno = 0;
      long long v = strtoll (p, &end, 10);
      if (errno == 0 && end != p && v >= 0)
        return v;
    }
    l = strchr (l, '\n');
    if (l)
      ++l;
  }
  return -1;
}

/* Run a tool that prints facts; its stdout in *out.  -1 after
 * replying. */
static int
facts (const char *udev, char **out, char *const *argv)
{
  CLEANUP_FREE char *err = NULL;
  int r = commandv (out, &err, argv);
  if (r == -1) {
    reply_with_perror ("%s: %s: %s", gc_d_action (), udev, argv[0]);
    return -1;
  }
  if (r != 0) {
    reply_tool_failure (err, "%s: %s: %s failed", gc_d_action (), udev,
                        argv[0]);
    free (*out);
    *out = NULL;
    return -1;
  }
  return 0;
}

static uint64_t
le (const unsigned char *p, int n)
{
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i)
    v = v << 8 | p[i];
  return v;
}

/* An NTFS volume: its sectors and the backup boot sector after them.
 * -1 if the boot sector is not NTFS's; -2 on an I/O error. */
static int64_t
ntfs_size (int fd)
{
  unsigned char b[512];
  if (pread (fd, b, sizeof b, 0) != (ssize_t) sizeof b)
    return -2;
  uint64_t bps = le (b + 0x0b, 2), total = le (b + 0x28, 8);
  if (memcmp (b + 3, "NTFS    ", 8) != 0 || bps < 256 || bps > 4096 ||
      total == 0 || total > (UINT64_C (1) << 50) / bps)
    return -1;
  return (total + 1) * bps;
}

/* An LVM physical volume: the device size its label records (what
 * pvcreate or pvresize saw), or the device's whole size if it records
 * none.  -1 if there is no LVM label; -2 on an I/O error. */
static int64_t
pv_size (int fd)
{
  unsigned char s[512];
  for (int i = 0; i < 4; ++i) {
    if (pread (fd, s, sizeof s, i * 512) != (ssize_t) sizeof s)
      return -2;
    if (memcmp (s, "LABELONE", 8) != 0 || le (s + 8, 8) != (uint64_t) i ||
        memcmp (s + 24, "LVM2 001", 8) != 0)
      continue;
    uint64_t off = le (s + 20, 4);
    if (off < 32 || off > sizeof s - 40)
      return -1;
    uint64_t size = le (s + off + 32, 8);
    if (size == 0) {
      if (ioctl (fd, BLKGETSIZE64, &size) == -1)
        return -2;
    }
    return size > INT64_MAX ? -1 : (int64_t) size;
  }
  return -1;
}

/* See protocol/actions.py.  -1 after replying. */
int64_t
do_resize_fs_size (const char *device)
{
  CLEANUP_FREE char *user = gc_d_device_to_user (device);
  const char *udev = user ? user : device;
  CLEANUP_FREE char *type = gc_d_blkid_tag (device, "TYPE");
  CLEANUP_FREE char *out = NULL;
  int64_t size = -1;

  if (type == NULL)
    return -1;
  if (strcmp (type, "swap") == 0)
    return 0;
  if (is_ext (type)) {
    char *argv[] = { "dumpe2fs", "-h", (char *) device, NULL };
    if (facts (udev, &out, argv) == -1)
      return -1;
    int64_t count = field (out, "Block count"), bs = field (out, "Block size");
    if (count >= 0 && bs > 0 && count <= INT64_MAX / bs)
      size = count * bs;
  }
  else if (strcmp (type, "xfs") == 0) {
    char *argv[] = { "xfs_db", "-r", "-c", "sb 0", "-c",
                     "print dblocks blocksize", (char *) device, NULL };
    if (facts (udev, &out, argv) == -1)
      return -1;
    int64_t count = field (out, "dblocks"), bs = field (out, "blocksize");
    if (count >= 0 && bs > 0 && count <= INT64_MAX / bs)
      size = count * bs;
  }
  else if (strcmp (type, "btrfs") == 0) {
    char *argv[] = { "btrfs", "inspect-internal", "dump-super",
                     (char *) device, NULL };
    if (facts (udev, &out, argv) == -1)
      return -1;
    size = field (out, "dev_item.total_bytes");
  }
  else if (strcmp (type, "ntfs") == 0 || strcmp (type, "LVM2_member") == 0) {
    CLEANUP_CLOSE int fd = open (device, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
      reply_with_perror ("resize_fs_size: %s", udev);
      return -1;
    }
    size = type[0] == 'n' ? ntfs_size (fd) : pv_size (fd);
    if (size == -2) {
      reply_with_perror ("resize_fs_size: %s: read", udev);
      return -1;
    }
  }
  else {
    reply_with_error_errno (ENOTSUP, "resize_fs_size: %s: %s%s: its size "
                            "is not known", udev, type[0] ? "content " : "",
                            type[0] ? type : "unknown content");
    return -1;
  }
  if (size < 0) {
    reply_with_error_errno (EINVAL, "resize_fs_size: %s: cannot read the "
                            "size of its %s", udev, type);
    return -1;
  }
  return size;
}

/* Run a tool that changes the content; -1 after replying with its
 * message. */
static int
change (const char *udev, char *const *argv)
{
  CLEANUP_FREE char *out = NULL, *err = NULL;
  int r = commandv (&out, &err, argv);
  if (r == -1) {
    reply_with_perror ("%s: %s: %s", gc_d_action (), udev, argv[0]);
    return -1;
  }
  if (r != 0) {
    /* Some (ntfsresize, xfs_growfs) say why on stdout. */
    if ((err == NULL || err[0] == '\0') && out) {
      free (err);
      err = TAKE_PTR (out);
    }
    reply_tool_failure (err, "%s: %s: %s failed", gc_d_action (), udev,
                        argv[0]);
    return -1;
  }
  return 0;
}

/* Mount a filesystem of the given type at GROW_MNT, run argv (which
 * names GROW_MNT) and unmount it.  -1 after replying. */
static int
grow_mounted (const char *device, const char *udev, const char *type,
              char *const *argv)
{
  if (gc_d_modprobe (type) == -1)
    gc_d_debug ("modprobe %s failed; trying to mount anyway", type);
  if (gc_make_dirs (GROW_MNT, 0755) == -1) {
    reply_with_perror ("%s: %s", gc_d_action (), GROW_MNT);
    return -1;
  }
  if (mount (device, GROW_MNT, type, 0, NULL) == -1) {
    reply_with_perror ("%s: %s: mounting the %s filesystem to grow it",
                       gc_d_action (), udev, type);
    return -1;
  }
  int r = change (udev, argv);
  if (umount2 (GROW_MNT, 0) == -1 && r == 0) {
    reply_with_perror ("%s: %s: unmounting it", gc_d_action (), udev);
    return -1;
  }
  return r;
}

/* See protocol/actions.py.  NULL after replying. */
char *
do_resize_content (const char *device, int ntfsforce)
{
  CLEANUP_FREE char *user = gc_d_device_to_user (device);
  const char *udev = user ? user : device;
  CLEANUP_FREE char *type = gc_d_blkid_tag (device, "TYPE");
  const char *method = "";
  char *dev = (char *) device;

  if (type == NULL)
    return NULL;
  if (is_ext (type)) {
    CLEANUP_FREE char *out = NULL, *err = NULL;
    char *fsck[] = { "e2fsck", "-f", "-p", dev, NULL };
    int r = commandv (&out, &err, fsck);
    /* 1 and 2: problems found and repaired (on the copy). */
    if (r == -1 || r >= 4) {
      if (r == -1)
        reply_with_perror ("resize_content: %s: e2fsck", udev);
      else
        reply_tool_failure (err && err[0] ? err : out,
                            "resize_content: %s: e2fsck found problems it "
                            "cannot repair by itself (check the guest's "
                            "filesystem first)", udev);
      return NULL;
    }
    char *argv[] = { "resize2fs", dev, NULL };
    if (change (udev, argv) == -1)
      return NULL;
    method = "resize2fs";
  }
  else if (strcmp (type, "xfs") == 0) {
    char *argv[] = { "xfs_growfs", "-d", GROW_MNT, NULL };
    if (grow_mounted (device, udev, "xfs", argv) == -1)
      return NULL;
    method = "xfs_growfs";
  }
  else if (strcmp (type, "btrfs") == 0) {
    char *argv[] = { "btrfs", "filesystem", "resize", "max", GROW_MNT, NULL };
    if (grow_mounted (device, udev, "btrfs", argv) == -1)
      return NULL;
    method = "btrfs filesystem resize";
  }
  else if (strcmp (type, "ntfs") == 0) {
    char *argv[] = { "ntfsresize", "-P", dev, NULL, NULL };
    if (ntfsforce) {
      argv[2] = "--force";
      argv[3] = dev;
    }
    if (change (udev, argv) == -1)
      return NULL;
    method = "ntfsresize";
  }
  else if (strcmp (type, "swap") == 0) {
    CLEANUP_FREE char *uuid = gc_d_blkid_tag (device, "UUID");
    CLEANUP_FREE char *label = uuid ? gc_d_blkid_tag (device, "LABEL") : NULL;
    char *argv[8];
    size_t n = 0;
    if (label == NULL)
      return NULL;
    argv[n++] = "mkswap";
    if (uuid[0]) {
      argv[n++] = "-U";
      argv[n++] = uuid;
    }
    if (label[0]) {
      argv[n++] = "-L";
      argv[n++] = label;
    }
    argv[n++] = dev;
    argv[n] = NULL;
    if (change (udev, argv) == -1)
      return NULL;
    method = "mkswap";
  }
  else if (strcmp (type, "LVM2_member") == 0) {
    char *args[] = { "pvresize", dev, NULL };
    if (gc_d_lvm (NULL, args) == -1)
      return NULL;
    method = "pvresize";
  }
  char *r = strdup (method);
  if (r == NULL)
    reply_with_perror ("resize_content: malloc");
  return r;
}

/* See protocol/actions.py.  -1 after replying. */
int
do_resize_lv_expand (const char *lv)
{
  CLEANUP_FREE char *out = NULL;
  char *query[] = { "lvs", "--noheadings", "--nosuffix", "--units", "b",
                    "-o", "vg_free", (char *) lv, NULL };
  if (gc_d_lvm (&out, query) == -1)
    return -1;
  char *end;
  errno = 0;
  unsigned long long free_bytes = strtoull (out, &end, 10);
  if (errno || end == out) {
    reply_with_error_errno (EINVAL, "resize_lv_expand: %s: lvm said \"%s\" "
                            "for its volume group's free space", lv, out);
    return -1;
  }
  if (free_bytes == 0)
    return 0;
  char *grow[] = { "lvextend", "-l", "+100%FREE", (char *) lv, NULL };
  if (gc_d_lvm (NULL, grow) == -1)
    return -1;
  return 1;
}

/* See protocol/actions.py.  -1 after replying. */
int
do_internal_resize2fs (const char *device, int64_t size)
{
  CLEANUP_FREE char *user = gc_d_device_to_user (device);
  const char *udev = user ? user : device;
  char k[32];

  if (size <= 0 || size % 1024) {
    reply_with_error_errno (EINVAL, "internal_resize2fs: %" PRIi64 ": the "
                            "size must be a positive multiple of 1024", size);
    return -1;
  }
  CLEANUP_FREE char *out = NULL, *err = NULL;
  char *fsck[] = { "e2fsck", "-f", "-y", (char *) device, NULL };
  int r = commandv (&out, &err, fsck);
  if (r == -1 || r >= 4) {
    reply_tool_failure (err, "internal_resize2fs: %s: e2fsck failed", udev);
    return -1;
  }
  snprintf (k, sizeof k, "%" PRIi64 "K", size / 1024);
  char *argv[] = { "resize2fs", (char *) device, k, NULL };
  return change (udev, argv);
}
