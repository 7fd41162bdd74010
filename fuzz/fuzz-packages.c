/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Fuzz target: the package databases parsed on the host (dpkg status,
 * apk installed, a pacman desc file).  The first byte chooses the
 * parser; every application found must have a name. */

#include <config.h>

#include <stdlib.h>

#include "fuzz.h"
#include "internal.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static int (*const parsers[]) (const char *, size_t, gc_int_app_vector *) = {
    gc_int_parse_dpkg_status, gc_int_parse_apk_installed,
    gc_int_parse_pacman_desc,
  };
  gc_int_app_vector apps = EMPTY_VECTOR;

  if (size < 1)
    return 0;
  parsers[data[0] % 3] ((const char *) data + 1, size - 1, &apps);
  for (size_t i = 0; i < apps.len; ++i)
    if (apps.ptr[i].name == NULL || apps.ptr[i].name[0] == '\0')
      abort ();
  gc_int_apps_free (&apps);
  return 0;
}
