/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Fuzz target: os-release, the older release files, hostnames and
 * version strings.  The first byte chooses the file. */

#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "internal.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const char *const names[] = {
    "redhat-release", "debian_version", "SuSE-release", "lsb-release",
    "alpine-release", "arch-release", "gentoo-release",
  };
  const char *text = (const char *) data + 1;
  size_t len = size ? size - 1 : 0;
  struct gc_int_osinfo o = { .major = -1, .minor = -1 };
  unsigned which;

  if (size < 1)
    return 0;
  which = data[0] % 10;
  if (which == 0)
    gc_int_parse_os_release (text, len, &o);
  else if (which <= 7)
    gc_int_parse_release_file (names[which - 1], text, len, &o);
  else if (which == 8) {
    free (gc_int_parse_hostname (text, len));
    free (gc_int_parse_sysconfig_hostname (text, len));
  }
  else {
    char *s = strndup (text, len);
    int major, minor;
    if (s)
      gc_int_parse_version (s, &major, &minor);
    free (s);
  }
  if (o.distro && gc_int_inspect_distro (o.distro) != o.distro)
    abort ();                   /* a distro not from the table */
  gc_int_osinfo_free (&o);
  return 0;
}
