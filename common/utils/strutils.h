/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Small string helpers shared by the core, the tools and the daemon. */

#ifndef GC_STRUTILS_H
#define GC_STRUTILS_H

#include <stddef.h>
#include <stdbool.h>

#include "vector.h"

/* Free a NULL-terminated list of strings.  NULL is fine. */
extern void gc_strings_free (char **list);
/* Number of strings in a NULL-terminated list. */
extern size_t gc_strings_len (char *const *list);
/* A copy of a NULL-terminated list of strings (NULL for NULL); NULL
 * with errno ENOMEM on error.  The caller frees with gc_strings_free. */
extern char **gc_strings_copy (char *const *list);
/* Turn a string_vector into a NULL-terminated list (appends the NULL);
 * NULL on ENOMEM, in which case the vector is left as it was. */
extern char **gc_strings_from_vector (string_vector *v);
/* Free every string in the vector and the vector itself. */
extern void gc_string_vector_free (string_vector *v);

static inline bool
gc_str_prefix (const char *s, const char *prefix)
{
  for (; *prefix; ++s, ++prefix)
    if (*s != *prefix)
      return false;
  return true;
}

/* Read a whole file (up to max bytes) into a NUL-terminated buffer;
 * NULL with errno set on error (EFBIG if larger than max). */
extern char *gc_read_whole_file (const char *path, size_t max, size_t *len_r);
/* mkdir -p: make a directory and its missing parents with the mode;
 * -1 with errno. */
extern int gc_make_dirs (const char *path, unsigned mode);
/* Write all of buf to fd, retrying short writes and EINTR; -1 on error. */
extern int gc_write_all (int fd, const void *buf, size_t len);
/* Copy the whole of the file open as from (from its start, whatever its
 * position) to to (at its position); 0, or -1 with errno. */
extern int gc_copy_all (int from, int to);

#endif /* GC_STRUTILS_H */
