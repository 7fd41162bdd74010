/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* replay-TARGET DIR|FILE...: run one fuzz target's entry point on each
 * file (every file of each directory), as libFuzzer would, without
 * libFuzzer: the unit tests replay the corpus and the reproducers of
 * past crashes with it.  Prints the count; a crash fails the test. */

#include <config.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "strutils.h"

static int
one (const char *path, size_t *n)
{
  size_t len;
  char *buf = gc_read_whole_file (path, 64 << 20, &len);
  if (buf == NULL) {
    perror (path);
    return -1;
  }
  LLVMFuzzerTestOneInput ((const uint8_t *) buf, len);
  free (buf);
  ++*n;
  return 0;
}

int
main (int argc, char **argv)
{
  size_t n = 0;

  for (int i = 1; i < argc; ++i) {
    struct stat st;
    if (stat (argv[i], &st) == -1) {
      perror (argv[i]);
      return 1;
    }
    if (!S_ISDIR (st.st_mode)) {
      if (one (argv[i], &n) == -1)
        return 1;
      continue;
    }
    DIR *d = opendir (argv[i]);
    if (d == NULL) {
      perror (argv[i]);
      return 1;
    }
    struct dirent *e;
    while ((e = readdir (d)) != NULL) {
      char path[4096];
      if (e->d_name[0] == '.')
        continue;
      snprintf (path, sizeof path, "%s/%s", argv[i], e->d_name);
      if (one (path, &n) == -1) {
        closedir (d);
        return 1;
      }
    }
    closedir (d);
  }
  printf ("%zu inputs replayed\n", n);
  return n > 0 ? 0 : 1;
}
