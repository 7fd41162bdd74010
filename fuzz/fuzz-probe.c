/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Fuzz target: the image-format probe and the qcow2 header checks (the
 * header, its extensions, the backing and data file names), on the
 * bytes as the first 4 KiB of an image file (a memfd, sized by the
 * input's first 4 bytes to exercise the size checks). */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "fuzz.h"
#include "internal.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static gc_h *g;
  char path[64];
  uint32_t extra;
  int fd;

  if (size < 4)
    return 0;
  if (g == NULL && (g = gc_create ()) == NULL)
    abort ();
  memcpy (&extra, data, 4);
  fd = memfd_create ("fuzz-probe", MFD_CLOEXEC);
  if (fd == -1)
    abort ();
  if (write (fd, data + 4, size - 4) != (ssize_t) (size - 4) ||
      ftruncate (fd, (off_t) (size - 4) + (extra & 0xffffff)) == -1)
    abort ();
  snprintf (path, sizeof path, "/proc/self/fd/%d", fd);
  free (gc_int_probe_format (g, path, false));
  free (gc_int_probe_format (g, path, true));
  (void) gc_int_check_qcow2 (g, path, NULL, false);
  close (fd);
  return 0;
}
