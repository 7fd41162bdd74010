/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* part_check: what is wrong with the guest disks' partition tables, as
 * the tables themselves say (libblkid reads the entries; the kernel
 * silently truncates a partition that ends past the disk): entries past
 * the end of the disk and partitions that overlap.  Extended partitions
 * are containers of the logical ones, not checked against them. */

#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <blkid.h>

#include "daemon.h"
#include "gc-daemon-actions.h"

struct part {
  int n;
  int64_t start, end;           /* in 512-byte sectors, end exclusive */
};

static int
compare_start (const void *a, const void *b)
{
  const struct part *x = a, *y = b;
  return x->start < y->start ? -1 : x->start > y->start;
}

/* Append the problems of one disk (user name udisk) to v.  -1 on
 * ENOMEM. */
static int
check_disk (const char *dev, const char *udisk, string_vector *v)
{
  blkid_probe pr = blkid_new_probe_from_filename (dev);
  blkid_partlist pl;
  struct part *parts = NULL;
  size_t np = 0;
  int nparts, ret = 0;
  int64_t sectors;

  if (pr == NULL)
    return 0;
  blkid_probe_enable_superblocks (pr, 0);
  blkid_probe_enable_partitions (pr, 1);
  pl = blkid_probe_get_partitions (pr);
  sectors = blkid_probe_get_size (pr) / 512;
  nparts = pl ? blkid_partlist_numof_partitions (pl) : 0;
  if (nparts > 0 && (parts = calloc (nparts, sizeof *parts)) == NULL)
    ret = -1;
  for (int i = 0; ret == 0 && i < nparts && i < 4096; ++i) {
    blkid_partition p = blkid_partlist_get_partition (pl, i);
    int64_t start = blkid_partition_get_start (p);
    int64_t size = blkid_partition_get_size (p);
    int n = blkid_partition_get_partno (p);
    char *s = NULL;

    if (start < 0 || size < 0)
      continue;
    if (start + size > sectors &&
        asprintf (&s, "%s: partition %d (sectors %" PRIi64 " to %" PRIi64
                  ") ends past the end of the disk (%" PRIi64 " sectors)",
                  udisk, n, start, start + size - 1, sectors) == -1)
      ret = -1;
    if (s && string_vector_append (v, s) == -1) {
      free (s);
      ret = -1;
    }
    if (!blkid_partition_is_extended (p))
      parts[np++] = (struct part) { n, start, start + size };
  }
  if (np > 1)
    qsort (parts, np, sizeof *parts, compare_start);
  for (size_t i = 1; ret == 0 && i < np; ++i) {
    char *s = NULL;
    if (parts[i].start >= parts[i - 1].end)
      continue;
    if (asprintf (&s, "%s: partitions %d and %d overlap (sectors %" PRIi64
                  " to %" PRIi64 ")", udisk, parts[i - 1].n, parts[i].n,
                  parts[i].start,
                  (parts[i].end < parts[i - 1].end ? parts[i].end
                   : parts[i - 1].end) - 1) == -1 ||
        string_vector_append (v, s) == -1) {
      free (s);
      ret = -1;
    }
  }
  free (parts);
  blkid_free_probe (pr);
  return ret;
}

/* The problems found, one string each (caller frees); NULL after
 * replying. */
char **
do_part_check (void)
{
  char *const *disks = gc_d_guest_disks ();
  string_vector v = EMPTY_VECTOR;
  char **r;

  for (size_t i = 0; disks && disks[i]; ++i) {
    char dev[64];
    snprintf (dev, sizeof dev, "/dev/%s", disks[i]);
    CLEANUP_FREE char *udisk = gc_d_device_to_user (dev);
    if (check_disk (dev, udisk ? udisk : dev, &v) == -1) {
      gc_string_vector_free (&v);
      reply_with_perror ("part_check");
      return NULL;
    }
  }
  r = gc_strings_from_vector (&v);
  if (r == NULL) {
    gc_string_vector_free (&v);
    reply_with_perror ("part_check");
  }
  return r;
}
