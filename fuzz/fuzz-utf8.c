/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Fuzz target: utf8.h's rule.  Whatever the bytes, the safe copy is
 * safe, a safe string is its own copy, and the one-line copy holds no
 * newline or tab. */

#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "utf8.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *s = strndup ((const char *) data, size);
  char *c, *l;

  if (s == NULL)
    return 0;
  c = gc_utf8_safe_copy (s);
  l = gc_utf8_safe_line ((const char *) data, size);
  if (c == NULL || l == NULL || !gc_utf8_is_safe (c) ||
      !gc_utf8_is_safe (l) || strpbrk (l, "\n\t") ||
      (gc_utf8_is_safe (s) && strcmp (s, c) != 0))
    abort ();
  free (s);
  free (c);
  free (l);
  return 0;
}
