/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Unit test of lib/btrfs.c's pieces that need no appliance: parsing
 * btrfsvol:DEVICE/SUBVOLUME names (good ones split where the device
 * ends, malformed ones refused), and fstab entries with subvol= turned
 * into those names against a list of filesystems filled in by hand.
 * Prints one line per check and a summary; exits 1 if any failed.
 */

#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guestcell.h"
#include "internal.h"
#include "tap.h"

static bool
streq (const char *a, const char *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return strcmp (a, b) == 0;
}

static void
test_parse (void)
{
  static const struct {
    const char *name, *device, *subvol;
  } good[] = {
    { "btrfsvol:/dev/sda3/root", "/dev/sda3", "root" },
    { "btrfsvol:/dev/sda2/@/.snapshots/1/snapshot", "/dev/sda2",
      "@/.snapshots/1/snapshot" },
    { "btrfsvol:/dev/sdb/@home", "/dev/sdb", "@home" },
    { "btrfsvol:/dev/md127/data", "/dev/md127", "data" },
    { "btrfsvol:/dev/md/raid/data", "/dev/md/raid", "data" },
    { "btrfsvol:/dev/vg0/root/@", "/dev/vg0/root", "@" },
    { "btrfsvol:/dev/fedora/root/a b", "/dev/fedora/root", "a b" },
  };
  for (size_t i = 0; i < sizeof good / sizeof good[0]; ++i) {
    char *d, *s;
    int r = gc_int_btrfsvol_parse (good[i].name, &d, &s);
    CHECK (r == 1 && streq (d, good[i].device) && streq (s, good[i].subvol),
           "%s: device %s, subvolume %s", good[i].name, d, s);
    free (d);
    free (s);
  }

  char *d = (char *) "x", *s = (char *) "x";
  CHECK (gc_int_btrfsvol_parse ("/dev/sda3", &d, &s) == 0 && !d && !s,
         "/dev/sda3: a plain device");

  static const char *const bad[] = {
    "btrfsvol:", "btrfsvol:/dev/sda3", "btrfsvol:/dev/sda3/",
    "btrfsvol:sda3/root", "btrfsvol:/dev/sda3//root",
    "btrfsvol:/dev/sda3/root/", "btrfsvol:/dev/sda3/../x",
    "btrfsvol:/dev/sda3/a/./b", "btrfsvol:/dev/sda3/a,device=/dev/sdb",
    "btrfsvol:/dev/sda3/a\tb", "btrfsvol:/dev/vg/lv", NULL
  };
  for (size_t i = 0; bad[i]; ++i) {
    errno = 0;
    CHECK (gc_int_btrfsvol_parse (bad[i], &d, &s) == -1 && errno == EINVAL
           && !d && !s, "refused: '%s'", bad[i]);
  }
}

static void
test_fstab (void)
{
  gc_h *g = gc_create ();
  struct gc_int_fslist l = { .fs = EMPTY_VECTOR };
  struct gc_int_fsinfo f[] = {
    { .device = strdup ("/dev/sda2"), .type = strdup ("btrfs") },
    { .device = strdup ("/dev/sda1"), .type = strdup ("ext4") },
  };
  for (size_t i = 0; i < 2; ++i)
    gc_int_fsinfo_vector_append (&l.fs, f[i]);

  static const struct {
    const char *dev, *type, *options, *want;
  } cases[] = {
    { "/dev/sda2", "btrfs", "subvol=root,compress=zstd:1",
      "btrfsvol:/dev/sda2/root" },
    { "/dev/sda2", "btrfs", "subvol=/@/home", "btrfsvol:/dev/sda2/@/home" },
    { "/dev/sda2", "btrfs", "subvol=@/var/", "btrfsvol:/dev/sda2/@/var" },
    { "/dev/sda2", "btrfs", "subvol=a,subvol=b", "btrfsvol:/dev/sda2/b" },
    /* The type from the filesystem list when the fstab says auto. */
    { "/dev/sda2", "auto", "subvol=root", "btrfsvol:/dev/sda2/root" },
    { "/dev/sda2", "btrfs", "defaults", "/dev/sda2" },
    { "/dev/sda2", "btrfs", "subvol=/", "/dev/sda2" },
    { "/dev/sda2", "btrfs", "subvol=../../x", "/dev/sda2" },
    { "/dev/sda2", "btrfs", "subvolid=x1", "/dev/sda2" },
    { "/dev/sda2", "btrfs", "subvolid=5", "/dev/sda2" },
    { "/dev/sda1", "ext4", "subvol=root", "/dev/sda1" },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    struct gc_int_fstab_entry e = {
      .spec = (char *) "UUID=x", .mountpoint = (char *) "/",
      .vfstype = (char *) cases[i].type, .options = (char *) cases[i].options,
    };
    char *dev = strdup (cases[i].dev);
    int r = gc_int_btrfs_fstab_mountable (g, &l, &e, &dev);
    CHECK (r == 0 && streq (dev, cases[i].want), "%s %s %s: %s",
           cases[i].dev, cases[i].type, cases[i].options, dev);
    free (dev);
  }
  gc_int_fslist_free (&l);
  gc_close (g);
}

int
main (void)
{
  test_parse ();
  test_fstab ();
  return tap_done ();
}
