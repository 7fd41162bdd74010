/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Fuzz target: the tree stream reader (common/utils/treestream-read.c
 * and treestream-extract.c), what virt-copy-out runs on the host over
 * bytes a hostile guest controls.  The input is extracted below a fresh
 * directory box/dest of a private sandbox that also holds a file
 * outside it; afterwards the sandbox must hold exactly box, box/dest
 * and that file, unchanged: an extraction that wrote, linked or renamed
 * anything outside its target aborts.  The first byte sets the reader's
 * flags (chown, devices, setuid; never durable: sync() per input would
 * make the fuzzer crawl), the second how the stream is split (pieces of
 * 1 to 256 bytes), so every state boundary is crossed. */

#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "treestream.h"

static char sandbox[] = "/tmp/fuzz-treestream.XXXXXX";
static char box[64], dest[96], outside[96];
static struct stat outside_st;
static bool ready;

static int
make_writable (const char *path, const struct stat *st, int type,
               struct FTW *ftw)
{
  if (type == FTW_D || type == FTW_DNR)
    chmod (path, 0700);
  return 0;
}

static int
remove_one (const char *path, const struct stat *st, int type,
            struct FTW *ftw)
{
  if (remove (path) == -1)
    abort ();
  return 0;
}

static void
cleanup (void)
{
  unlink (outside);
  rmdir (box);
  rmdir (sandbox);
}

static void
setup (void)
{
  ready = true;
  if (mkdtemp (sandbox) == NULL)
    abort ();
  snprintf (box, sizeof box, "%s/box", sandbox);
  snprintf (dest, sizeof dest, "%s/dest", box);
  snprintf (outside, sizeof outside, "%s/outside", sandbox);
  int fd = open (outside, O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd == -1 || write (fd, "outside\n", 8) != 8 || close (fd) == -1 ||
      mkdir (box, 0755) == -1 || stat (outside, &outside_st) == -1)
    abort ();
  atexit (cleanup);
}

/* The names in a directory, and nothing else than the expected ones. */
static void
expect_only (const char *dir, const char *a, const char *b)
{
  DIR *d = opendir (dir);
  struct dirent *e;
  if (d == NULL)
    abort ();
  while ((e = readdir (d)) != NULL) {
    if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0 ||
        strcmp (e->d_name, a) == 0 || (b && strcmp (e->d_name, b) == 0))
      continue;
    fprintf (stderr, "fuzz-treestream: %s/%s appeared outside the target\n",
             dir, e->d_name);
    abort ();
  }
  closedir (d);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (!ready)
    setup ();
  if (size < 2)
    return 0;
  unsigned flags = 0;
  if (data[0] & 1)
    flags |= GC_TREE_R_CHOWN;
  if (data[0] & 2)
    flags |= GC_TREE_R_DEVICES;
  if (data[0] & 4)
    flags |= GC_TREE_R_SETUID;
  size_t piece = data[1] + 1;
  data += 2;
  size -= 2;

  if (mkdir (dest, 0755) == -1)
    abort ();
  int rootfd = open (dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct gc_tree_reader *r = gc_tree_reader_new (rootfd, flags);
  if (rootfd == -1 || r == NULL)
    abort ();
  for (size_t pos = 0; pos < size; pos += piece)
    if (gc_tree_reader_feed (r, data + pos, size - pos < piece ? size - pos
                             : piece) == -1)
      break;
  int ret = gc_tree_reader_finish (r);
  if (ret == -1 && gc_tree_reader_error (r) == NULL)
    abort ();                   /* an error must say what */
  gc_tree_reader_free (r);
  close (rootfd);

  expect_only (sandbox, "box", "outside");
  expect_only (box, "dest", NULL);
  struct stat st;
  char buf[16];
  int fd = open (outside, O_RDONLY | O_NOFOLLOW);
  if (fd == -1 || fstat (fd, &st) == -1 || read (fd, buf, sizeof buf) != 8 ||
      memcmp (buf, "outside\n", 8) != 0 || st.st_ino != outside_st.st_ino ||
      st.st_mtim.tv_sec != outside_st.st_mtim.tv_sec ||
      st.st_mtim.tv_nsec != outside_st.st_mtim.tv_nsec ||
      st.st_nlink != 1)
    abort ();
  close (fd);

  nftw (dest, make_writable, 16, FTW_PHYS);
  if (nftw (dest, remove_one, 16, FTW_PHYS | FTW_DEPTH) == -1)
    abort ();
  return 0;
}
