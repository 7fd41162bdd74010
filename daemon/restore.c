/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* The fast launch, the appliance's side: an appliance restored from the
 * saved state (lib/snapshot.c) is a copy of one that booted once with no
 * guest disk and whose daemon then waited for its next call.  Every run
 * resumes that same RAM, so its kernel's random state, its clock and
 * this daemon's flags are the saved ones; internal_restored, the core's
 * first call, makes them the run's own before any guest disk is looked
 * at, then finds the run's disks: qemu attached them to slots of the
 * PCI root bus that were empty when the state was saved, and a rescan
 * probes them (virtio_blk and the partition scan run inside the write
 * to /sys/bus/pci/rescan, and devtmpfs makes the nodes before it
 * returns).
 *
 * internal_presave, before the state is saved, loads what most runs
 * load anyway (modules, the lvm binary's pages): paid once there,
 * instead of in every run.  internal_test_urandom lets the tests
 * compare the random bytes of two restored runs. */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/random.h>

#include "daemon.h"
#include "gc-daemon-actions.h"

#define SEED_MAX 512            /* bytes */

static int
write_string (const char *path, const char *s)
{
  CLEANUP_CLOSE int fd = open (path, O_WRONLY | O_CLOEXEC);
  size_t len = strlen (s);

  if (fd == -1)
    return -1;
  return write (fd, s, len) == (ssize_t) len ? 0 : -1;
}

/* The seed into the input pool, credited (it comes from the host's
 * getrandom), then a reseed of the CRNG from that pool: what every
 * reader of /dev/urandom and getrandom gets from then on is derived
 * from the seed as well as from the saved state. */
static int
reseed (const char *seed, size_t len)
{
  struct {
    struct rand_pool_info info;
    char buf[SEED_MAX];
  } r;
  CLEANUP_CLOSE int fd = open ("/dev/urandom", O_WRONLY | O_CLOEXEC);

  if (fd == -1) {
    reply_with_perror ("internal_restored: /dev/urandom");
    return -1;
  }
  memset (&r, 0, sizeof r);
  r.info.entropy_count = len * 8;
  r.info.buf_size = len;
  memcpy (r.info.buf, seed, len);
  if (ioctl (fd, RNDADDENTROPY, &r.info) == -1) {
    reply_with_perror ("internal_restored: RNDADDENTROPY");
    return -1;
  }
  if (ioctl (fd, RNDRESEEDCRNG) == -1) {
    reply_with_perror ("internal_restored: RNDRESEEDCRNG");
    return -1;
  }
  return 0;
}

int
do_internal_restored (const char *seed, size_t seed_size, int64_t sec,
                      int nsec, int verbose_flag)
{
  struct timespec ts = { .tv_sec = sec, .tv_nsec = nsec };
  struct timespec t0, t1;

  if (seed_size < 32 || seed_size > SEED_MAX) {
    reply_with_error_errno (EINVAL, "internal_restored: the seed must be "
                            "32 to %d bytes, not %zu", SEED_MAX, seed_size);
    return -1;
  }
  if (reseed (seed, seed_size) == -1)
    return -1;
  /* The saved clock is the one of the boot that made the state. */
  if (sec > 0 && nsec >= 0 && nsec < 1000000000 &&
      clock_settime (CLOCK_REALTIME, &ts) == -1)
    fprintf (stderr, "guestcelld: setting the clock: %m\n");
  if (verbose_flag) {
    verbose = true;
    /* The state was saved with "quiet": the kernel's messages too. */
    write_string ("/proc/sys/kernel/printk", "7");
  }

  /* Only now the disks. */
  clock_gettime (CLOCK_MONOTONIC, &t0);
  if (write_string ("/sys/bus/pci/rescan", "1") == -1) {
    reply_with_perror ("internal_restored: /sys/bus/pci/rescan");
    return -1;
  }
  clock_gettime (CLOCK_MONOTONIC, &t1);
  gc_d_forget_disks ();
  gc_d_blkid_forget ();
  gc_d_debug ("restored: reseeded, clock set, PCI rescan %.3f s",
              (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
  gc_d_guest_disks ();           /* lists them under -v */
  return 0;
}

char *
do_internal_test_urandom (int count, size_t *size_r)
{
  CLEANUP_CLOSE int fd = -1;
  char *buf;
  size_t got = 0;

  if (count < 1 || count > 4096) {
    reply_with_error_errno (EINVAL, "internal_test_urandom: count %d is "
                            "not 1 to 4096", count);
    return NULL;
  }
  fd = open ("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd == -1) {
    reply_with_perror ("internal_test_urandom: /dev/urandom");
    return NULL;
  }
  buf = malloc (count);
  if (buf == NULL) {
    reply_with_perror ("malloc");
    return NULL;
  }
  while (got < (size_t) count) {
    ssize_t n = read (fd, buf + got, count - got);
    if (n == -1 && errno == EINTR)
      continue;
    if (n <= 0) {
      free (buf);
      reply_with_perror ("internal_test_urandom: read");
      return NULL;
    }
    got += n;
  }
  *size_r = got;
  return buf;
}

/* Loaded in the saved state: what lvm_scan, md_assemble, luks_open and
 * mount would load on first need (each one costs 30-250 ms of a run
 * under TCG, nothing once it is in the state). */
static const char *const presave_modules[] = {
  "dm_mod", "dm_snapshot", "dm_crypt", "algif_skcipher", "xts", "ecb",
  "cbc", "md_mod", "fuse", "xfs", "btrfs", "vfat", "nls_cp437",
  "nls_iso8859-1", NULL
};

int
do_internal_presave (void)
{
  CLEANUP_FREE char *out = NULL, *err = NULL;

  for (size_t i = 0; presave_modules[i]; ++i)
    if (gc_d_modprobe (presave_modules[i]) == -1)
      gc_d_debug ("presave: %s not loaded", presave_modules[i]);
  /* lvm and its 21 libraries into the page cache. */
  if (command (&out, &err, "lvm", "version", NULL) != 0)
    gc_d_debug ("presave: lvm version failed: %s", err ? err : "");
  return 0;
}
