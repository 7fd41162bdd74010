/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Unit test of lib/mountguest.c's pieces that need no appliance: the
 * fstab parser, the choice of mountable entries, mount point
 * normalisation, the guest's device names mapped to ours, and spec
 * resolution against a list of filesystems filled in by hand.  Prints
 * one line per check and a summary; exits 1 if any check failed.
 */

#include <config.h>

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

static const char fstab_text[] =
  "# /etc/fstab: static file system information.\n"
  "\n"
  "   # an indented comment\n"
  "UUID=1111-aaaa  /          ext4  errors=remount-ro 0 1\n"
  "/dev/vda1\t/boot\text4\tdefaults\t0\t2\n"
  "LABEL=My\\040Data /srv/my\\040data xfs defaults 0 0\n"
  "/dev/mapper/vg--sys-usr /usr ext4 defaults\n"
  "/dev/sys/var /var ext4\n"
  "proc /proc proc defaults 0 0\n"
  "tmpfs /tmp tmpfs size=1G 0 0\n"
  "/dev/vda5 none swap sw 0 0\n"
  "/srv/a /srv/b none bind 0 0\n"
  "server:/export /mnt/nfs nfs defaults 0 0\n"
  "garbage\n"
  "two fields\n"
  "/dev/sdb1 /home ext4 defaults 0 2\r\n"
  "UUID=\"CAFE-0001\" /boot/efi vfat umask=0077 0 1\n"
  "PARTUUID=0000-01 /data ext4 defaults 0 0\n"
  "/dev/xvdc /opt ext4 defaults 0 0\n"
  "/dev/vdb2 /../../etc ext4 defaults 0 0\n"
  "\\777 /x ext4\n"
  "/dev/sdz9 /nothere ext4 defaults 0 0\n"
  "nul\0byte /bad ext4\n"
  "/dev/vda3 /last ext4";

static void
test_parser (void)
{
  gc_int_fstab f;

  CHECK (gc_int_parse_fstab (fstab_text, sizeof fstab_text - 1, &f) == 0,
         "fstab parsed");
  for (size_t i = 0; i < f.len; ++i)
    printf ("# [%zu] '%s' '%s' '%s' '%s'\n", i, f.ptr[i].spec,
            f.ptr[i].mountpoint, f.ptr[i].vfstype, f.ptr[i].options);
  CHECK (f.len == 18, "18 entries (comments, blank, garbage, NUL lines "
         "skipped): %zu", f.len);
  if (f.len != 18)
    goto out;
  CHECK (streq (f.ptr[0].spec, "UUID=1111-aaaa")
         && streq (f.ptr[0].mountpoint, "/")
         && streq (f.ptr[0].options, "errors=remount-ro"), "first entry");
  CHECK (streq (f.ptr[1].spec, "/dev/vda1")
         && streq (f.ptr[1].mountpoint, "/boot"), "tabs separate fields");
  CHECK (streq (f.ptr[2].spec, "LABEL=My Data")
         && streq (f.ptr[2].mountpoint, "/srv/my data"),
         "\\040 decoded in spec and mount point");
  CHECK (streq (f.ptr[4].options, "defaults"), "missing options: defaults");
  CHECK (streq (f.ptr[10].spec, "/dev/sdb1")
         && streq (f.ptr[10].options, "defaults"),
         "CRLF line ending handled");
  CHECK (streq (f.ptr[15].spec, "\\777"), "bad octal escape left alone");
  CHECK (streq (f.ptr[17].mountpoint, "/last"),
         "last line without a newline");

  bool want[18] = {
    true, true, true, true, true, false, false, false, false, false,
    true, true, true, true, true, true, true, true,
  };
  bool all = true;
  for (size_t i = 0; i < 18; ++i)
    if (gc_int_fstab_is_mountable (&f.ptr[i]) != want[i]) {
      printf ("# mountable[%zu] wrong\n", i);
      all = false;
    }
  CHECK (all, "proc, tmpfs, swap, bind, nfs not mountable; the rest are");

 out:
  gc_int_fstab_free (&f);
  CHECK (gc_int_parse_fstab ("", 0, &f) == 0 && f.len == 0,
         "empty fstab");
  gc_int_fstab_free (&f);
}

static void
test_names (void)
{
  char *s;

#define NORM(in, out)                                                   \
  s = gc_int_normalize_mountpoint (in);                                 \
  CHECK (streq (s, out), "normalize %s -> %s (%s)", in, out ? out : "NULL", \
         s ? s : "NULL");                                               \
  free (s)
  NORM ("/", "/");
  NORM ("//", "/");
  NORM ("/usr//local/", "/usr/local");
  NORM ("/boot/efi", "/boot/efi");
  NORM ("/../etc", (char *) NULL);
  NORM ("/a/./b", (char *) NULL);
  NORM ("relative", (char *) NULL);
  NORM ("/a/..b", "/a/..b");

#define DEV(in, out)                                                    \
  s = gc_int_guest_device_name (in);                                    \
  CHECK (streq (s, out), "device %s -> %s (%s)", in, out ? out : "NULL", \
         s ? s : "NULL");                                               \
  free (s)
  DEV ("/dev/sda1", "/dev/sda1");
  DEV ("/dev/vdb2", "/dev/sdb2");
  DEV ("/dev/hda", "/dev/sda");
  DEV ("/dev/xvdc3", "/dev/sdc3");
  DEV ("/dev/vdaa12", "/dev/sdaa12");
  DEV ("/dev/vda01", (char *) NULL);
  DEV ("/dev/sda1x", (char *) NULL);
  DEV ("/dev/mapper/vg--sys-usr", "/dev/vg-sys/usr");
  DEV ("/dev/mapper/vg-lv--x", "/dev/vg/lv-x");
  DEV ("/dev/mapper/vgonly", (char *) NULL);
  DEV ("/dev/mapper/-lv", (char *) NULL);
  DEV ("/dev/mapper/vg-..", (char *) NULL);
  DEV ("/dev/sys/var", "/dev/sys/var");
  DEV ("/dev/disk/foo", (char *) NULL);
  DEV ("/dev/../etc", (char *) NULL);
  DEV ("/dev/a/b/c", (char *) NULL);
  DEV ("/home/x", (char *) NULL);
}

static void
add_fs (struct gc_int_fslist *l, const char *dev, const char *type,
        const char *uuid, const char *label)
{
  struct gc_int_fsinfo f = {
    strdup (dev), strdup (type), strdup (uuid), strdup (label)
  };
  if (gc_int_fsinfo_vector_append (&l->fs, f) == -1)
    exit (2);
}

static void
test_resolve (void)
{
  gc_h *g = gc_create ();
  struct gc_int_fslist l = { EMPTY_VECTOR, true };
  char *dev;
  int r;

  add_fs (&l, "/dev/sda1", "ext4", "aaaa-1111", "boot");
  add_fs (&l, "/dev/sda2", "vfat", "CAFE-0001", "");
  add_fs (&l, "/dev/sdb1", "ext4", "", "My Data");
  add_fs (&l, "/dev/vg-sys/usr", "ext4", "u", "");
  add_fs (&l, "/dev/sys/var", "xfs", "v", "");

#define RES(spec, want_r, want_dev)                                     \
  r = gc_int_resolve_fstab_spec (g, &l, spec, &dev);                    \
  CHECK (r == want_r && streq (dev, want_dev), "resolve %s -> %d %s (%d %s)", \
         spec, want_r, want_dev ? want_dev : "", r, dev ? dev : "");    \
  free (dev)
  RES ("UUID=AAAA-1111", GC_INT_SPEC_FOUND, "/dev/sda1");
  RES ("UUID=\"cafe-0001\"", GC_INT_SPEC_FOUND, "/dev/sda2");
  RES ("/dev/disk/by-uuid/aaaa-1111", GC_INT_SPEC_FOUND, "/dev/sda1");
  RES ("UUID=", GC_INT_SPEC_MISSING, (char *) NULL);
  RES ("UUID=dead", GC_INT_SPEC_MISSING, (char *) NULL);
  RES ("LABEL=My Data", GC_INT_SPEC_FOUND, "/dev/sdb1");
  RES ("LABEL=boot", GC_INT_SPEC_FOUND, "/dev/sda1");
  RES ("LABEL=BOOT", GC_INT_SPEC_MISSING, (char *) NULL);
  RES ("/dev/vda1", GC_INT_SPEC_FOUND, "/dev/sda1");
  RES ("/dev/vdb1", GC_INT_SPEC_FOUND, "/dev/sdb1");
  RES ("/dev/vdc1", GC_INT_SPEC_MISSING, (char *) NULL);
  RES ("/dev/mapper/vg--sys-usr", GC_INT_SPEC_FOUND, "/dev/vg-sys/usr");
  RES ("/dev/mapper/sys-var", GC_INT_SPEC_FOUND, "/dev/sys/var");
  RES ("/dev/sys/var", GC_INT_SPEC_FOUND, "/dev/sys/var");
  /* PARTUUID= and PARTLABEL= ask the appliance; empty ones do not. */
  RES ("PARTUUID=", GC_INT_SPEC_MISSING, (char *) NULL);
  RES ("PARTLABEL=\"\"", GC_INT_SPEC_MISSING, (char *) NULL);
  RES ("/dev/disk/by-id/ata-x", GC_INT_SPEC_UNSUPPORTED, (char *) NULL);
  RES ("/var/swapfile", GC_INT_SPEC_MISSING, (char *) NULL);

  gc_int_fslist_free (&l);
  gc_close (g);
}

int
main (void)
{
  test_parser ();
  test_names ();
  test_resolve ();
  return tap_done ();
}
