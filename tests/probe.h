/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* What the tests' probe programs (tests/launch/launch-probe.c,
 * tests/lvm/lvm-probe.c) share: dying with the handle's error, and -v
 * (the library's and the appliance's messages on stderr). */

#ifndef GC_TESTS_PROBE_H
#define GC_TESTS_PROBE_H

#include <stdio.h>
#include <stdlib.h>

#include "guestcell.h"

static inline void
probe_die (gc_h *g, const char *prog, const char *what)
{
  fprintf (stderr, "%s: %s: %s\n", prog, what, gc_last_error (g));
  exit (1);
}

static void
probe_print_event (gc_h *g, void *opaque, uint64_t event, const char *buf,
                   size_t len, const uint64_t *array, size_t array_len)
{
  fprintf (stderr, "%.*s%s", (int) len, buf,
           len && buf[len - 1] == '\n' ? "" : "\n");
}

static inline void
probe_verbose (gc_h *g)
{
  gc_set_verbose (g, 1);
  gc_set_event_callback (g, probe_print_event,
                         GC_EVENT_LIBRARY | GC_EVENT_APPLIANCE |
                         GC_EVENT_WARNING, NULL);
}

#endif
