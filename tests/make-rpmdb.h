/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* A writer of rpm databases for the test guests: rpm header blobs as
 * rpm stores them in its database, and an rpmdb.sqlite laid out as rpm
 * 4.16 and later make it (a Packages table of header blobs, plus the
 * index tables).  Used by make-guest's "rpmdb" command and by the
 * header reader's unit test (daemon/test-rpmheader.c).
 */

#ifndef GC_MAKE_RPMDB_H
#define GC_MAKE_RPMDB_H

#include <stddef.h>

/* One package.  NULL fields are left out of the header; epoch is a
 * decimal string or NULL. */
struct rpmdb_pkg {
  const char *name, *epoch, *version, *release, *arch, *url, *sourcerpm,
    *summary, *description;
};

/* Encode a header blob (no magic: index count, data length, index,
 * data store) with a HEADERIMMUTABLE region covering every entry and
 * an I18N table of "C".  Returns the malloc'd blob and sets *len;
 * NULL with errno on error (ENOMEM, EINVAL for a bad epoch). */
extern unsigned char *rpmdb_header_encode (const struct rpmdb_pkg *p,
                                           size_t *len);

/* Write a new rpm sqlite database at path (which must not exist) from
 * the text of stanzas: "Key: value" lines (Name, Epoch, Version,
 * Release, Arch, URL, SourceRPM, Summary, Description), packages
 * separated by blank lines; a line starting with a space continues the
 * previous field on a new line (" ." is an empty line).  Returns 0, or
 * -1 after printing an error on stderr (prefixed by where). */
extern int rpmdb_write (const char *where, const char *text, size_t len,
                        const char *path);

/* rpmdb_write into a temporary file, whose bytes are returned in
 * *bytes (malloc'd, the caller frees) and *blen.  Returns 0, or -1
 * after printing an error. */
extern int rpmdb_make (const char *where, const char *text, size_t len,
                       char **bytes, size_t *blen);

#endif /* GC_MAKE_RPMDB_H */
