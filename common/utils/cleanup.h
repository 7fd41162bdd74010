/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Scope-bound cleanup: a variable declared with one of these is freed
 * (closed, unlinked...) when it goes out of scope.  Initialise it; hand
 * ownership out with TAKE_PTR or TAKE_FD.  Cleanups do not run on exit(),
 * so main() stays thin. */

#ifndef GC_CLEANUP_H
#define GC_CLEANUP_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <errno.h>

static inline void
gc_cleanup_free (void *ptr)
{
  free (*(void **) ptr);
}

static inline void
gc_cleanup_fclose (void *ptr)
{
  FILE *f = *(FILE **) ptr;
  if (f)
    fclose (f);
}

static inline void
gc_cleanup_close (void *ptr)
{
  int fd = *(int *) ptr;
  if (fd >= 0) {
    int saved = errno;
    close (fd);
    errno = saved;
  }
}

static inline void
gc_cleanup_free_strings (void *ptr)
{
  char **list = *(char ***) ptr;
  if (list) {
    for (size_t i = 0; list[i]; ++i)
      free (list[i]);
    free (list);
  }
}

#define CLEANUP_FREE __attribute__ ((cleanup (gc_cleanup_free)))
#define CLEANUP_FCLOSE __attribute__ ((cleanup (gc_cleanup_fclose)))
#define CLEANUP_CLOSE __attribute__ ((cleanup (gc_cleanup_close)))
#define CLEANUP_FREE_STRINGS __attribute__ ((cleanup (gc_cleanup_free_strings)))

/* Take the value out of a cleanup variable, leaving NULL (or -1). */
#define TAKE_PTR(p) ({ __typeof__ (p) _p = (p); (p) = NULL; _p; })
#define TAKE_FD(fd) ({ int _fd = (fd); (fd) = -1; _fd; })

#endif /* GC_CLEANUP_H */
