/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* guest-stat [-a IMAGE]... [-m ...] PATH...: what the tests of the tools
 * that write check in the guest afterwards, one line per PATH, from one
 * read-only launch (the image is not changed):
 *
 *   PATH TYPE MODE UID:GID ino=N nlink=N size=N mtime=N [-> TARGET]
 *        [NAME=0xHEX]...
 *
 * TYPE is reg, dir, lnk, chr, blk, fifo or sock; MODE the permission
 * bits in octal (setuid, setgid and sticky included); the attributes
 * (getxattrs, sorted) are those of what the path leads to, left out for
 * a link, whose target follows "->".  For a directory, "ls=" and its
 * names, comma-separated, end the line.  A path that does not exist is
 * "PATH missing".  Exit 0, or 1 on an error of the appliance (printed).
 */

#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "options.h"

static struct poptOption options[] = {
  { NULL, '\0', POPT_ARG_INCLUDE_TABLE, gc_common_options, 0,
    "Options:", NULL },
  POPT_TABLEEND
};

static const char *
type_name (int64_t mode)
{
  switch (mode & S_IFMT) {
  case S_IFREG: return "reg";
  case S_IFDIR: return "dir";
  case S_IFLNK: return "lnk";
  case S_IFCHR: return "chr";
  case S_IFBLK: return "blk";
  case S_IFIFO: return "fifo";
  case S_IFSOCK: return "sock";
  default: return "?";
  }
}

/* The rest of a line: a link's target, the attributes, a directory's
 * names.  -1 after an error of the appliance. */
static int
stat_rest (gc_h *g, const char *path, const struct gc_stat *st)
{
  if (S_ISLNK (st->mode)) {
    CLEANUP_FREE char *target = gc_readlink (g, path);
    if (target == NULL)
      return -1;
    printf (" -> %s", target);
    return 0;
  }
  CLEANUP_FREE_STRINGS char **xattrs = gc_getxattrs (g, path);
  if (xattrs == NULL)
    return -1;
  for (size_t i = 0; xattrs[i] && xattrs[i + 1]; i += 2)
    printf (" %s=%s", xattrs[i], xattrs[i + 1]);
  if (S_ISDIR (st->mode)) {
    CLEANUP_FREE_STRINGS char **names = gc_ls (g, path);
    if (names == NULL)
      return -1;
    printf (" ls=");
    for (size_t i = 0; names[i]; ++i)
      printf ("%s%s", i ? "," : "", names[i]);
  }
  return 0;
}

/* One line; -1 after an error of the appliance (printed). */
static int
stat_one (gc_h *g, const char *path)
{
  CLEANUP_FREE struct gc_stat *st = gc_lstat (g, path);
  if (st == NULL) {
    if (gc_last_errno (g) == ENOENT && gc_get_state (g) == GC_STATE_READY) {
      printf ("%s missing\n", path);
      return 0;
    }
    fprintf (stderr, "guest-stat: %s: %s\n", path, gc_last_error (g));
    return -1;
  }
  printf ("%s %s %04o %jd:%jd ino=%jd nlink=%jd size=%jd mtime=%jd", path,
          type_name (st->mode), (unsigned) (st->mode & 07777),
          (intmax_t) st->uid, (intmax_t) st->gid, (intmax_t) st->ino,
          (intmax_t) st->nlink, (intmax_t) st->size, (intmax_t) st->mtime);
  int r = stat_rest (g, path, st);
  printf ("\n");
  if (r == -1)
    fprintf (stderr, "guest-stat: %s: %s\n", path, gc_last_error (g));
  return r;
}

static int
run (int argc, char **argv)
{
  poptContext ctx = NULL;
  int code = GC_EXIT_OK;
  if (gc_options_parse (argc, argv, options, "PATH...", &ctx, &code) == -1)
    return code;
  const char **paths = poptGetArgs (ctx);
  if (gc_opts.drives.len == 0 || paths == NULL) {
    poptFreeContext (ctx);
    return gc_tool_usage_error ("usage: guest-stat -a IMAGE [-m ...] PATH...");
  }
  CLEANUP_GC_HANDLE gc_h *g = gc_tool_create_handle ();
  if (g == NULL || gc_tool_add_drives (g, true) == -1)
    code = GC_EXIT_ERROR;
  else if (gc_tool_launch (g) == -1)
    code = GC_EXIT_LAUNCH;
  else if ((code = gc_tool_mount (g, true)) == GC_EXIT_OK) {
    for (size_t i = 0; paths[i] && code == GC_EXIT_OK; ++i)
      if (stat_one (g, paths[i]) == -1)
        code = GC_EXIT_ERROR;
    if (code == GC_EXIT_OK && gc_shutdown (g) == -1)
      code = gc_tool_handle_error (g);
  }
  poptFreeContext (ctx);
  return code;
}

int
main (int argc, char **argv)
{
  int code = run (argc, argv);
  gc_options_free ();
  return gc_tool_exit_status (code);
}
