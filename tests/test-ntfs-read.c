/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* test-ntfs-read WINDOWS.img: the core's own actions on the NTFS
 * windows guest, without inspection.  Launches a read-only handle,
 * mounts /dev/sda2 at / with no filesystem type (blkid finds ntfs,
 * ntfs-3g mounts it), reads the hosts file, checks vfs_type, vfs_uuid
 * and vfs_label, mounts /dev/sda1 below the root (over /Windows) and
 * lists it, unmounts everything and shuts down.  Prints the mount
 * times; exits 0 if every check passed, 1 otherwise.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "guestcell.h"

static const char expected_hosts[] =
  "# Copyright (c) 1993-2009 Microsoft Corp.\r\n"
  "#\r\n"
  "# This is a sample HOSTS file used by Microsoft TCP/IP for Windows.\r\n"
  "#\r\n"
  "# localhost name resolution is handled within DNS itself.\r\n"
  "#\t127.0.0.1       localhost\r\n"
  "#\t::1             localhost\r\n"
  "10.0.2.2\tgateway.guestcell.test\r\n";

static int failures;

static void
check_str (const char *what, const char *got, const char *want)
{
  if (got == NULL || strcmp (got, want) != 0) {
    fprintf (stderr, "test-ntfs-read: %s: got \"%s\", expected \"%s\"\n",
             what, got ? got : "(error)", want);
    failures++;
  }
  else
    printf ("ok: %s is \"%s\"\n", what, want);
}

static double
now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Exits 1 after printing the handle's error. */
static void
die (gc_h *g, const char *what)
{
  fprintf (stderr, "test-ntfs-read: %s: %s\n", what, gc_last_error (g));
  gc_close (g);
  exit (EXIT_FAILURE);
}

int
main (int argc, char **argv)
{
  if (argc != 2) {
    fprintf (stderr, "usage: test-ntfs-read WINDOWS.img\n");
    return EXIT_FAILURE;
  }
  gc_h *g = gc_create ();
  if (g == NULL) {
    perror ("gc_create");
    return EXIT_FAILURE;
  }
  struct gc_drive_opts o = { .format = "raw", .readonly = 1 };
  if (gc_add_drive (g, argv[1], &o) == -1)
    die (g, "add_drive");
  double t0 = now ();
  if (gc_launch (g) == -1)
    die (g, "launch");
  double t1 = now ();
  if (gc_mount (g, "/dev/sda2", "/", NULL, NULL, 1) == -1)
    die (g, "mount /dev/sda2 /");
  double t2 = now ();
  printf ("launch %.2f s, ntfs mount of /dev/sda2 %.2f s\n", t1 - t0, t2 - t1);

  size_t size;
  char *hosts = gc_read_file (g, "/Windows/System32/drivers/etc/hosts", &size);
  if (hosts == NULL)
    die (g, "read_file hosts");
  if (size != sizeof expected_hosts - 1 ||
      memcmp (hosts, expected_hosts, size) != 0) {
    fprintf (stderr, "test-ntfs-read: hosts: unexpected contents "
             "(%zu bytes):\n%.*s\n", size, (int) size, hosts);
    failures++;
  }
  else
    printf ("ok: hosts read back (%zu bytes, CRLF line ends)\n", size);
  free (hosts);

  char *s = gc_vfs_type (g, "/dev/sda2");
  check_str ("vfs_type /dev/sda2", s, "ntfs");
  free (s);
  s = gc_vfs_uuid (g, "/dev/sda2");
  check_str ("vfs_uuid /dev/sda2", s, "2C9B8A7F6E5D4C3B");
  free (s);
  s = gc_vfs_label (g, "/dev/sda1");
  check_str ("vfs_label /dev/sda1", s, "System Reserved");
  free (s);

  /* A second ntfs-3g mount, below the first one. */
  double t3 = now ();
  if (gc_mount (g, "/dev/sda1", "/Windows", NULL, "ntfs", 1) == -1)
    die (g, "mount /dev/sda1 /Windows");
  printf ("ntfs mount of /dev/sda1 below it %.2f s\n", now () - t3);
  int r = gc_is_file (g, "/Windows/bootmgr");
  if (r != 1) {
    fprintf (stderr, "test-ntfs-read: /dev/sda1 at /Windows: no bootmgr "
             "(%d)\n", r);
    failures++;
  }
  else
    printf ("ok: /dev/sda1 mounted below /\n");

  if (gc_umount_all (g) == -1)
    die (g, "umount_all");
  r = gc_is_file (g, "/Windows/bootmgr");
  if (r == 1) {
    fprintf (stderr, "test-ntfs-read: still mounted after umount_all\n");
    failures++;
  }
  if (gc_shutdown (g) == -1)
    die (g, "shutdown");
  gc_close (g);
  if (failures) {
    fprintf (stderr, "test-ntfs-read: %d check(s) failed\n", failures);
    return EXIT_FAILURE;
  }
  printf ("ok: all NTFS checks passed\n");
  return EXIT_SUCCESS;
}
