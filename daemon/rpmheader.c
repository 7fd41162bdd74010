/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* The reader of one rpm header blob (see rpmheader.h for the layout).
 * Every offset, count and length read from the blob is checked against
 * the blob's own size before it is used; a header that does not hold
 * together is refused whole, with a short reason, never half read.
 * Only the entries of the tags we want are looked at; the others are
 * skipped without being checked (we never touch their data).
 */

#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpmheader.h"

/* Entry types (rpm's rpmTagType). */
enum {
  TYPE_INT32 = 4, TYPE_STRING = 6, TYPE_BIN = 7, TYPE_I18NSTRING = 9,
};

/* Region tags: the first entry of a header may be one, pointing at a
 * 16-byte trailer in the data store. */
enum {
  TAG_HEADERIMAGE = 61, TAG_HEADERSIGNATURES = 62, TAG_HEADERIMMUTABLE = 63,
};
#define ENTRY_SIZE 16

static const struct {
  uint32_t tag;
  int field;
} wanted[] = {
  { 1000, GC_RPMHDR_NAME }, { 1001, GC_RPMHDR_VERSION },
  { 1002, GC_RPMHDR_RELEASE }, { 1003, GC_RPMHDR_EPOCH },
  { 1004, GC_RPMHDR_SUMMARY }, { 1005, GC_RPMHDR_DESCRIPTION },
  { 1020, GC_RPMHDR_URL }, { 1022, GC_RPMHDR_ARCH },
  { 1044, GC_RPMHDR_SOURCERPM },
};

static uint32_t
be32 (const unsigned char *p)
{
  return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 |
    (uint32_t) p[2] << 8 | (uint32_t) p[3];
}

static int
field_of (uint32_t tag)
{
  for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; ++i)
    if (wanted[i].tag == tag)
      return wanted[i].field;
  return -1;
}

/* See rpmheader.h. */
void
gc_rpmhdr_fields_free (char *fields[GC_RPMHDR_NFIELDS])
{
  for (int i = 0; i < GC_RPMHDR_NFIELDS; ++i) {
    free (fields[i]);
    fields[i] = NULL;
  }
}

/* See rpmheader.h. */
int
gc_rpmhdr_parse (const void *blob, size_t len,
                 char *fields[GC_RPMHDR_NFIELDS], const char **why)
{
  const unsigned char *b = blob;
  /* What was found for each field: a string (pointer and length) or
   * the epoch. */
  const unsigned char *str[GC_RPMHDR_NFIELDS] = { NULL };
  size_t str_len[GC_RPMHDR_NFIELDS] = { 0 };
  int have_epoch = 0;
  uint32_t epoch = 0;
  const char *msg;

  for (int i = 0; i < GC_RPMHDR_NFIELDS; ++i)
    fields[i] = NULL;

#define BAD(m) do { msg = (m); goto bad; } while (0)
  if (blob == NULL || len < 8)
    BAD ("shorter than its 8-byte preamble");
  uint32_t il = be32 (b), dl = be32 (b + 4);
  if (il == 0)
    BAD ("no index entries");
  if (il > GC_RPMHDR_MAX_ENTRIES)
    BAD ("too many index entries");
  if (dl > GC_RPMHDR_MAX_DATA)
    BAD ("data store too large");
  /* Bounded above, so no overflow: at most 8 + 1 MiB + 16 MiB. */
  size_t expect = 8 + (size_t) il * ENTRY_SIZE + dl;
  if (len < expect)
    BAD ("truncated: shorter than its index and data store");
  if (len > expect)
    BAD ("longer than its index and data store");
  const unsigned char *index = b + 8;
  const unsigned char *data = index + (size_t) il * ENTRY_SIZE;

  /* The region entry, if any, must at least point inside the data. */
  uint32_t tag0 = be32 (index);
  if (tag0 == TAG_HEADERIMAGE || tag0 == TAG_HEADERSIGNATURES ||
      tag0 == TAG_HEADERIMMUTABLE) {
    uint32_t type = be32 (index + 4), off = be32 (index + 8);
    uint32_t count = be32 (index + 12);
    if (type != TYPE_BIN || count != ENTRY_SIZE || dl < ENTRY_SIZE ||
        off > dl - ENTRY_SIZE)
      BAD ("bad region entry");
  }

  for (uint32_t i = 0; i < il; ++i) {
    const unsigned char *e = index + (size_t) i * ENTRY_SIZE;
    int f = field_of (be32 (e));
    if (f == -1)
      continue;
    uint32_t type = be32 (e + 4), off = be32 (e + 8), count = be32 (e + 12);
    if (str[f] != NULL || (f == GC_RPMHDR_EPOCH && have_epoch))
      continue;                 /* a repeated tag: the first one counts */
    /* off is the unsigned view of rpm's int32 offset: a negative one is
     * a huge one here, and refused by this test. */
    if (off >= dl)
      BAD ("an entry's offset is past the data store");
    if (count == 0)
      BAD ("an entry has no values");
    if (f == GC_RPMHDR_EPOCH) {
      if (type != TYPE_INT32)
        BAD ("the epoch is not an int32");
      if (off % 4 != 0)
        BAD ("the epoch is misaligned");
      if (count > (dl - off) / 4)
        BAD ("the epoch's count runs past the data store");
      epoch = be32 (data + off);
      have_epoch = 1;
      continue;
    }
    if (type != TYPE_STRING && type != TYPE_I18NSTRING)
      BAD ("a string field is not a string");
    if (type == TYPE_STRING && count != 1)
      BAD ("a string entry has a count other than 1");
    /* Each string takes one byte at least: a count larger than the
     * rest of the data store cannot be right. */
    if (count > dl - off)
      BAD ("a string entry's count runs past the data store");
    const unsigned char *nul = memchr (data + off, '\0', dl - off);
    if (nul == NULL)
      BAD ("a string has no terminating NUL in the data store");
    /* I18NSTRING: the first string is the "C" locale's, the one
     * rpm -q shows by default. */
    str[f] = data + off;
    str_len[f] = nul - (data + off);
  }
  if (str[GC_RPMHDR_NAME] == NULL || str_len[GC_RPMHDR_NAME] == 0)
    BAD ("no name");
#undef BAD

  for (int i = 0; i < GC_RPMHDR_NFIELDS; ++i) {
    if (i == GC_RPMHDR_EPOCH) {
      char buf[16] = "";
      if (have_epoch)
        snprintf (buf, sizeof buf, "%" PRIu32, epoch);
      fields[i] = strdup (buf);
    }
    else
      fields[i] = str[i] ? strndup ((const char *) str[i], str_len[i])
        : strdup ("");
    if (fields[i] == NULL) {
      gc_rpmhdr_fields_free (fields);
      errno = ENOMEM;
      return -1;
    }
  }
  return 0;

 bad:
  if (why)
    *why = msg;
  errno = EINVAL;
  return -1;
}
