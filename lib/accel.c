/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Choosing the accelerator: KVM only when a real boot proves it works.
 *
 * Under nested virtualisation /dev/kvm can open fine and qemu still
 * abort or hang, so the test is an actual appliance boot with KVM and a
 * short deadline (a fresh handle, no drives).  The answer is cached in
 * the cache directory, keyed by the qemu binary and the kernel, so the
 * probe is paid once.  On any doubt: TCG. */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "internal.h"

#define PROBE_TIMEOUT 8         /* seconds: KVM boots in well under 1 s */

static void
hash_path (uint64_t *h, const char *path)
{
  struct stat st;
  char buf[PATH_MAX + 100];
  int len;

  if (stat (path, &st) == -1)
    memset (&st, 0, sizeof st);
  len = snprintf (buf, sizeof buf, "%s:%ju:%jd:%jd.%ld;", path,
                  (uintmax_t) st.st_ino, (intmax_t) st.st_size,
                  (intmax_t) st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
  for (int i = 0; i < len && i < (int) sizeof buf; ++i) {
    *h ^= (unsigned char) buf[i];
    *h *= 0x100000001b3ULL;
  }
}

/* The cache file of the probe's answer for this qemu and kernel. */
static char *
cache_file (gc_h *g)
{
  CLEANUP_FREE char *cachedir = gc_int_cachedir (g);
  const char *qemu = g->qemu ? g->qemu : "qemu-system-x86_64";
  uint64_t h = 0xcbf29ce484222325ULL;
  char *ret;

  if (cachedir == NULL)
    return NULL;
  if (strchr (qemu, '/'))
    hash_path (&h, qemu);
  else {
    CLEANUP_FREE char *full = gc_int_which (qemu);
    if (full)
      hash_path (&h, full);
  }
  /* The kernel: the one appliance.c picks is the newest in /boot;
   * /boot's own mtime changes when one is added or removed. */
  hash_path (&h, "/boot");
  {
    char rel[256] = "";
    int fd = open ("/proc/sys/kernel/osrelease", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      ssize_t n = read (fd, rel, sizeof rel - 1);
      rel[n > 0 ? n : 0] = '\0';
      close (fd);
    }
    for (char *p = rel; *p; ++p) {
      h ^= (unsigned char) *p;
      h *= 0x100000001b3ULL;
    }
  }
  if (asprintf (&ret, "%s/accel-%016" PRIx64, cachedir, h) == -1)
    return NULL;
  return ret;
}

/* Boot an appliance with KVM; true if the daemon said hello. */
static bool
probe_kvm (gc_h *g)
{
  gc_h *p = gc_create ();
  bool ok;
  int64_t t0 = gc_int_now_us ();

  if (p == NULL)
    return false;
  ok = gc_set_accel (p, "kvm") == 0 &&
    (g->qemu == NULL || gc_set_qemu (p, g->qemu) == 0) &&
    (g->cachedir == NULL || gc_set_cachedir (p, g->cachedir) == 0) &&
    gc_set_launch_timeout (p, PROBE_TIMEOUT) == 0 &&
    gc_set_verbose (p, 0) == 0 &&
    gc_launch (p) == 0;
  if (ok)
    ok = gc_shutdown (p) == 0;
  else
    gc_int_debug (g, "accel: KVM probe failed after %.1f s: %s",
                  (gc_int_now_us () - t0) / 1e6,
                  gc_last_error (p) ? gc_last_error (p) : "?");
  gc_close (p);
  return ok;
}

/* See internal.h. */
const char *
gc_int_choose_accel (gc_h *g)
{
  CLEANUP_FREE char *file = NULL;
  CLEANUP_FREE char *cached = NULL;
  const char *answer;
  int fd;

  if (g->accel && (strcmp (g->accel, "kvm") == 0 ||
                   strcmp (g->accel, "tcg") == 0)) {
    gc_int_debug (g, "accel: %s (as asked)", g->accel);
    return strcmp (g->accel, "kvm") == 0 ? "kvm" : "tcg";
  }

  fd = open ("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd == -1) {
    gc_int_debug (g, "accel: tcg (/dev/kvm: %s)", strerror (errno));
    return "tcg";
  }
  close (fd);

  file = cache_file (g);
  if (file && (cached = gc_read_whole_file (file, 64, NULL)) != NULL) {
    answer = gc_str_prefix (cached, "kvm") ? "kvm" : "tcg";
    gc_int_debug (g, "accel: %s (cached result of a KVM test boot: %s)",
                  answer, file);
    return answer;
  }

  answer = probe_kvm (g) ? "kvm" : "tcg";
  gc_int_debug (g, "accel: %s (a test boot with KVM %s)", answer,
                strcmp (answer, "kvm") == 0 ? "worked" : "failed");
  if (file) {
    char tmp[PATH_MAX];
    snprintf (tmp, sizeof tmp, "%s.%d", file, (int) getpid ());
    fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) {
      int w = gc_write_all (fd, answer, 3);
      if (close (fd) == 0 && w == 0)
        rename (tmp, file);
      else
        unlink (tmp);
    }
  }
  return answer;
}
