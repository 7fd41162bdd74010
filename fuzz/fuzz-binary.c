/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Fuzz target: the bytes of guest binaries read on the host (an ELF
 * header, a PE header: the architecture) and registry MountedDevices
 * values (hex text). */

#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "internal.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  uint32_t off;
  char want[64], *hex;
  uint64_t offset;

  (void) gc_int_elf_arch ((const char *) data, size);
  (void) gc_int_pe_arch ((const char *) data, size, &off);
  hex = strndup ((const char *) data, size);
  if (hex) {
    (void) gc_int_parse_drive_mapping (hex, want, sizeof want, &offset);
    free (hex);
  }
  return 0;
}
