/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* The reader of one rpm header blob, as rpm stores it in its database
 * (the Packages table of rpmdb.sqlite): no magic, a big-endian 32-bit
 * index count and data length, the index entries (16 bytes each: tag,
 * type, offset, count) and the data store.  A pure function: no I/O,
 * bounded by the blob's length, safe on any input (the blob comes from
 * an untrusted guest).
 */

#ifndef GC_RPMHEADER_H
#define GC_RPMHEADER_H

#include <stddef.h>

/* The fields read, in this order (the order of the rpm_packages
 * action's flattened list). */
enum {
  GC_RPMHDR_NAME, GC_RPMHDR_EPOCH, GC_RPMHDR_VERSION, GC_RPMHDR_RELEASE,
  GC_RPMHDR_ARCH, GC_RPMHDR_URL, GC_RPMHDR_SOURCERPM, GC_RPMHDR_SUMMARY,
  GC_RPMHDR_DESCRIPTION,
  GC_RPMHDR_NFIELDS
};

/* The limits rpm itself puts on a header (lib/header.c hdrchkTags,
 * hdrchkData): at most 65535 index entries and 16 MiB of data. */
#define GC_RPMHDR_MAX_ENTRIES 0xffff
#define GC_RPMHDR_MAX_DATA    0xffffff

/* Read one header blob of len bytes.  On success returns 0 and sets
 * fields[0..GC_RPMHDR_NFIELDS-1] to malloc'd strings ("" for a field
 * the header lacks; the epoch in decimal), which the caller frees.  A
 * malformed header returns -1 with errno EINVAL and *why (if why is not
 * NULL) set to a static message saying what is wrong; out of memory
 * returns -1 with errno ENOMEM.  On error fields are all NULL. */
extern int gc_rpmhdr_parse (const void *blob, size_t len,
                            char *fields[GC_RPMHDR_NFIELDS],
                            const char **why);

/* Free the fields filled by gc_rpmhdr_parse and set them to NULL. */
extern void gc_rpmhdr_fields_free (char *fields[GC_RPMHDR_NFIELDS]);

#endif /* GC_RPMHEADER_H */
