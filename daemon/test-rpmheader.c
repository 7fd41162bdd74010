/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Unit test of the rpm header reader (daemon/rpmheader.c), no
 * appliance: headers made by the test guests' writer
 * (tests/make-rpmdb.c) read back field by field, then hand-made and
 * damaged headers (truncated at every length, offsets and counts out of
 * range, strings without NUL, wrong types, bad regions, random byte
 * flips), each of which must be refused or read without touching a
 * byte outside the blob.  Every blob is copied into a buffer of its
 * exact size, so valgrind sees any read past its end.
 */

#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpmheader.h"
#include "make-rpmdb.h"
#include "tap.h"

/* Parse a copy of blob in an exact-size buffer. */
static int
parse (const void *blob, size_t len, char *f[GC_RPMHDR_NFIELDS],
       const char **why)
{
  unsigned char *copy = malloc (len ? len : 1);
  if (copy == NULL)
    abort ();
  memcpy (copy, blob, len);
  int r = gc_rpmhdr_parse (copy, len, f, why);
  free (copy);
  return r;
}

static void
put32 (unsigned char *p, uint32_t v)
{
  p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

/* A hand-made blob: entries (tag, type, offset, count), then data. */
static unsigned char *
build (const uint32_t (*ents)[4], size_t n, const void *data, size_t dl,
       size_t *len)
{
  *len = 8 + n * 16 + dl;
  unsigned char *b = malloc (*len);
  if (b == NULL)
    abort ();
  put32 (b, n);
  put32 (b + 4, dl);
  for (size_t i = 0; i < n; ++i)
    for (int j = 0; j < 4; ++j)
      put32 (b + 8 + i * 16 + j * 4, ents[i][j]);
  memcpy (b + 8 + n * 16, data, dl);
  return b;
}

/* Expect a hand-made blob to be refused. */
static void
refused (const char *what, const uint32_t (*ents)[4], size_t n,
         const void *data, size_t dl)
{
  size_t len;
  unsigned char *b = build (ents, n, data, dl, &len);
  char *f[GC_RPMHDR_NFIELDS];
  const char *why = NULL;
  int r = parse (b, len, f, &why);
  CHECK (r == -1 && errno == EINVAL && why != NULL, "refused: %s (%s)",
         what, why ? why : "");
  if (r == 0)
    gc_rpmhdr_fields_free (f);
  free (b);
}

static const struct rpmdb_pkg bash = {
  .name = "bash", .epoch = NULL, .version = "5.2.26", .release = "1.fc39",
  .arch = "x86_64", .url = "https://www.gnu.org/software/bash",
  .sourcerpm = "bash-5.2.26-1.fc39.src.rpm",
  .summary = "The GNU Bourne Again shell",
  .description = "The GNU Bourne Again shell (Bash) is a shell.\n\nMore.",
};

static void
test_roundtrip (void)
{
  size_t len;
  char *f[GC_RPMHDR_NFIELDS];
  const char *why = NULL;
  unsigned char *b = rpmdb_header_encode (&bash, &len);
  CHECK (b != NULL, "encode bash");
  int r = parse (b, len, f, &why);
  CHECK (r == 0, "parse bash (%s)", why ? why : "ok");
  if (r == 0) {
    CHECK (strcmp (f[GC_RPMHDR_NAME], "bash") == 0, "name");
    CHECK (strcmp (f[GC_RPMHDR_EPOCH], "") == 0, "no epoch");
    CHECK (strcmp (f[GC_RPMHDR_VERSION], "5.2.26") == 0, "version");
    CHECK (strcmp (f[GC_RPMHDR_RELEASE], "1.fc39") == 0, "release");
    CHECK (strcmp (f[GC_RPMHDR_ARCH], "x86_64") == 0, "arch");
    CHECK (strcmp (f[GC_RPMHDR_URL], bash.url) == 0, "url");
    CHECK (strcmp (f[GC_RPMHDR_SOURCERPM], bash.sourcerpm) == 0, "sourcerpm");
    CHECK (strcmp (f[GC_RPMHDR_SUMMARY], bash.summary) == 0, "summary");
    CHECK (strcmp (f[GC_RPMHDR_DESCRIPTION], bash.description) == 0,
           "description");
    gc_rpmhdr_fields_free (f);
  }

  /* Every proper prefix and one byte more: refused, never read past. */
  int all = 1;
  for (size_t n = 0; n < len; ++n)
    if (parse (b, n, f, &why) != -1 || errno != EINVAL)
      all = 0;
  CHECK (all, "every truncation of %zu bytes refused", len);
  unsigned char *longer = calloc (1, len + 1);
  memcpy (longer, b, len);
  CHECK (parse (longer, len + 1, f, &why) == -1, "a trailing byte refused");
  free (longer);

  /* Random damage: either refused or read, and always within bounds. */
  srand (1);
  int ok = 0, bad = 0;
  for (int i = 0; i < 20000; ++i) {
    unsigned char *d = malloc (len);
    memcpy (d, b, len);
    int flips = 1 + rand () % 4;
    for (int j = 0; j < flips; ++j)
      d[rand () % len] ^= 1 << (rand () % 8);
    if (gc_rpmhdr_parse (d, len, f, &why) == 0) {
      ok++;
      gc_rpmhdr_fields_free (f);
    }
    else
      bad++;
    free (d);
  }
  CHECK (ok + bad == 20000, "20000 damaged headers: %d read, %d refused",
         ok, bad);
  free (b);

  /* An epoch, a missing field. */
  struct rpmdb_pkg p = {
    .name = "shadow-utils", .epoch = "2", .version = "4.14.0",
    .release = "2.fc39", .arch = "x86_64",
  };
  b = rpmdb_header_encode (&p, &len);
  r = parse (b, len, f, &why);
  CHECK (r == 0, "parse shadow-utils");
  if (r == 0) {
    CHECK (strcmp (f[GC_RPMHDR_EPOCH], "2") == 0, "epoch 2");
    CHECK (strcmp (f[GC_RPMHDR_URL], "") == 0, "no url");
    CHECK (strcmp (f[GC_RPMHDR_DESCRIPTION], "") == 0, "no description");
    gc_rpmhdr_fields_free (f);
  }
  free (b);

  p = (struct rpmdb_pkg) { .name = "big", .epoch = "4294967295" };
  b = rpmdb_header_encode (&p, &len);
  r = parse (b, len, f, &why);
  CHECK (r == 0 && strcmp (f[GC_RPMHDR_EPOCH], "4294967295") == 0,
         "largest epoch");
  if (r == 0)
    gc_rpmhdr_fields_free (f);
  free (b);

  p = (struct rpmdb_pkg) { .name = "x", .epoch = "-1" };
  CHECK (rpmdb_header_encode (&p, &len) == NULL && errno == EINVAL,
         "the writer refuses a bad epoch");
}

/* Hand-made headers without a region. */
static void
test_hand_made (void)
{
  size_t len;
  char *f[GC_RPMHDR_NFIELDS];
  const char *why = NULL;

  /* I18NSTRING summary with two strings; an unknown tag; a repeated
   * name; epoch aligned at 8. */
  static const char data[] =
    "foo\0"                     /* 0: name */
    "C sum\0fr sum\0"           /* 4: summary, 2 strings, to 16 */
    "\0\0\0"                    /* 17: padding */
    "\0\0\0\0"                  /* 20: epoch 0 */
    "bar\0";                    /* 24: a second name */
  const uint32_t e1[][4] = {
    { 1000, 6, 0, 1 }, { 1004, 9, 4, 2 }, { 1003, 4, 20, 1 },
    { 5000, 7, 0, 3 }, { 1000, 6, 24, 1 },
  };
  unsigned char *b = build (e1, 5, data, sizeof data - 1, &len);
  int r = parse (b, len, f, &why);
  CHECK (r == 0, "hand-made header without region (%s)", r ? why : "ok");
  if (r == 0) {
    CHECK (strcmp (f[GC_RPMHDR_NAME], "foo") == 0, "the first name counts");
    CHECK (strcmp (f[GC_RPMHDR_SUMMARY], "C sum") == 0,
           "the first of an I18N string");
    CHECK (strcmp (f[GC_RPMHDR_EPOCH], "0") == 0, "epoch 0 is kept");
    gc_rpmhdr_fields_free (f);
  }
  free (b);

  static const char d2[] = "foo\0bar";          /* 7 bytes, no final NUL */
  refused ("string without NUL",
           (const uint32_t[][4]) { { 1000, 6, 0, 1 }, { 1001, 6, 4, 1 } },
           2, d2, 7);
  refused ("offset at the end of the data",
           (const uint32_t[][4]) { { 1000, 6, 7, 1 } }, 1, d2, 7);
  refused ("offset past the data",
           (const uint32_t[][4]) { { 1000, 6, 1000, 1 } }, 1, d2, 7);
  refused ("negative offset",
           (const uint32_t[][4]) { { 1000, 6, 0xfffffff0, 1 } }, 1, d2, 7);
  refused ("string count 2",
           (const uint32_t[][4]) { { 1000, 6, 0, 2 } }, 1, d2, 7);
  refused ("count 0",
           (const uint32_t[][4]) { { 1000, 6, 0, 0 } }, 1, d2, 7);
  refused ("huge I18N count",
           (const uint32_t[][4]) { { 1000, 6, 0, 1 },
                                   { 1004, 9, 0, 0xffffffff } }, 2, d2, 7);
  refused ("name as an int32",
           (const uint32_t[][4]) { { 1000, 4, 0, 1 } }, 1, d2, 7);
  refused ("name as a string array",
           (const uint32_t[][4]) { { 1000, 8, 0, 1 } }, 1, d2, 7);
  refused ("epoch as a string",
           (const uint32_t[][4]) { { 1000, 6, 0, 1 }, { 1003, 6, 4, 1 } },
           2, d2, 7);
  static const char d3[12] = "foo\0\0\0\0\1\0\0\0\2";
  refused ("misaligned epoch",
           (const uint32_t[][4]) { { 1000, 6, 0, 1 }, { 1003, 4, 5, 1 } },
           2, d3, 12);
  refused ("epoch past the data",
           (const uint32_t[][4]) { { 1000, 6, 0, 1 }, { 1003, 4, 12, 1 } },
           2, d3, 12);
  refused ("epoch count past the data",
           (const uint32_t[][4]) { { 1000, 6, 0, 1 }, { 1003, 4, 8, 2 } },
           2, d3, 12);
  refused ("epoch count huge",
           (const uint32_t[][4]) { { 1000, 6, 0, 1 },
                                   { 1003, 4, 4, 0x40000000 } }, 2, d3, 12);
  refused ("no name",
           (const uint32_t[][4]) { { 1001, 6, 0, 1 } }, 1, d2, 7);
  refused ("empty name",
           (const uint32_t[][4]) { { 1000, 6, 3, 1 } }, 1, d2, 7);
  refused ("bad region type",
           (const uint32_t[][4]) { { 63, 6, 0, 16 }, { 1000, 6, 0, 1 } },
           2, d3, 12);
  refused ("bad region count",
           (const uint32_t[][4]) { { 63, 7, 0, 15 }, { 1000, 6, 0, 1 } },
           2, d3, 12);
  refused ("region trailer past the data",
           (const uint32_t[][4]) { { 63, 7, 0, 16 }, { 1000, 6, 0, 1 } },
           2, d3, 12);

  /* Preambles alone. */
  unsigned char pre[8];
  put32 (pre, 0); put32 (pre + 4, 0);
  CHECK (parse (pre, 8, f, &why) == -1, "no entries (%s)", why);
  put32 (pre, 0x10000); put32 (pre + 4, 0);
  CHECK (parse (pre, 8, f, &why) == -1, "too many entries (%s)", why);
  put32 (pre, 1); put32 (pre + 4, 0x1000000);
  CHECK (parse (pre, 8, f, &why) == -1, "data too large (%s)", why);
  put32 (pre, 0xffff); put32 (pre + 4, 0xffffff);
  CHECK (parse (pre, 8, f, &why) == -1, "largest sizes, no bytes (%s)", why);
  put32 (pre, 0xffffffff); put32 (pre + 4, 0xffffffff);
  CHECK (parse (pre, 8, f, &why) == -1, "all ones (%s)", why);
  CHECK (gc_rpmhdr_parse (NULL, 0, f, &why) == -1, "NULL blob");
  CHECK (gc_rpmhdr_parse ("abc", 3, f, NULL) == -1, "3 bytes, why NULL");
  int nulls = 1;
  for (int i = 0; i < GC_RPMHDR_NFIELDS; ++i)
    nulls &= f[i] == NULL;
  CHECK (nulls, "fields are NULL after an error");
}

int
main (void)
{
  test_roundtrip ();
  test_hand_made ();
  return tap_done ();
}
