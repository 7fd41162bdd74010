/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Print every enumerated value of inspection (lib/inspect-enums.h, as
 * the core holds it) as "KIND VALUE" lines, KIND being the schema's
 * element: name, distro, package_format, package_management.  Used by
 * test-virt-inspector-enums.py to check the schema against the code.
 */

#include <config.h>

#include <stdio.h>

#include "internal.h"

static void
dump (const char *kind, const char *const *values)
{
  for (size_t i = 0; values[i]; ++i)
    printf ("%s %s\n", kind, values[i]);
}

int
main (void)
{
  dump ("name", gc_int_inspect_os_types);
  dump ("distro", gc_int_inspect_distros);
  dump ("package_format", gc_int_inspect_package_formats);
  dump ("package_management", gc_int_inspect_package_managements);
  return 0;
}
