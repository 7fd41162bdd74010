/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Fuzz target: /etc/fstab and /etc/crypttab, and what is made of their
 * entries on the host (the mount point normalised, the device name
 * mapped to ours).  The first byte chooses fstab or crypttab. */

#include <config.h>

#include <stdbool.h>
#include <stdlib.h>

#include "fuzz.h"
#include "internal.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  gc_int_fstab tab = EMPTY_VECTOR;

  if (size < 1)
    return 0;
  bool crypttab = data[0] & 1;
  if (crypttab)
    gc_int_parse_crypttab ((const char *) data + 1, size - 1, &tab);
  else
    gc_int_parse_fstab ((const char *) data + 1, size - 1, &tab);
  for (size_t i = 0; i < tab.len; ++i) {
    const struct gc_int_fstab_entry *e = &tab.ptr[i];
    if (e->spec == NULL || e->mountpoint == NULL)
      abort ();
    free (gc_int_guest_device_name (e->spec));
    if (crypttab)
      continue;                 /* a mapper name and a device only */
    if (e->vfstype == NULL || e->options == NULL)
      abort ();
    free (gc_int_normalize_mountpoint (e->mountpoint));
    (void) gc_int_fstab_is_mountable (e);
  }
  gc_int_fstab_free (&tab);
  return 0;
}
