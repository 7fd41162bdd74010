/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* The C unit tests' checks, printed TAP-style ("ok N - what", "not ok N
 * - (file:line: condition) what"); tap_done () prints the count and
 * returns main's exit status. */

#ifndef GC_TAP_H
#define GC_TAP_H

#include <stdio.h>

static int n_checks, n_failed;

#define CHECK(cond, ...)                                        \
  do {                                                          \
    ++n_checks;                                                 \
    if (cond)                                                   \
      printf ("ok %d - ", n_checks);                            \
    else {                                                      \
      ++n_failed;                                               \
      printf ("not ok %d - (%s:%d: %s) ", n_checks, __FILE__,   \
              __LINE__, #cond);                                 \
    }                                                           \
    printf (__VA_ARGS__);                                       \
    printf ("\n");                                              \
    fflush (stdout);                                            \
  } while (0)

static inline int
tap_done (void)
{
  printf ("# %d checks, %d failed\n", n_checks, n_failed);
  return n_failed ? 1 : 0;
}

#endif /* GC_TAP_H */
