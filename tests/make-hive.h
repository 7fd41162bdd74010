/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* make-hive: a Windows registry hive file built from a text in a subset
 * of the .reg format, for the test guests (see make-hive.c).
 */

#ifndef GC_TESTS_MAKE_HIVE_H
#define GC_TESTS_MAKE_HIVE_H

#include <stddef.h>

/* Build the hive the text describes.  where ("recipe:line") prefixes
 * the error messages, which are printed on stderr.  On success returns
 * 0 and sets *out (malloc'd, the caller frees) and *out_len to the
 * hive file's bytes; -1 on error. */
extern int make_hive (const char *text, size_t len, const char *name,
                      const char *where, char **out, size_t *out_len);

#endif /* GC_TESTS_MAKE_HIVE_H */
