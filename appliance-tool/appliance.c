/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* guestcell-appliance: the appliance cache, seen and tended.
 *
 * --status says where the cache is, how big it is, which appliance the
 * host's kernel and packages call for now and whether it is built, and
 * what else the cache holds; --build builds the current appliance (which
 * removes those it replaces); --clean removes every appliance.  Several actions run in the order clean, build, status.
 */

#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cleanup.h"
#include "options.h"
#include "strutils.h"

static int want_status, want_build, want_clean;

static struct poptOption options[] = {
  { "status", '\0', POPT_ARG_NONE, &want_status, 0,
    "Say where the cache is, its size, and which appliance is current", NULL },
  { "build", '\0', POPT_ARG_NONE, &want_build, 0,
    "Build the current appliance if needed (removing those it replaces)",
    NULL },
  { "clean", '\0', POPT_ARG_NONE, &want_clean, 0,
    "Remove every appliance (the next run builds one again)", NULL },
  { NULL, '\0', POPT_ARG_INCLUDE_TABLE, gc_basic_options, 0,
    "Options:", NULL },
  POPT_TABLEEND
};

/* Disk use of a tree, each inode once (the kernels are hard links). */
struct inode { dev_t dev; ino_t ino; };
DEFINE_VECTOR_TYPE (inode_vector, struct inode);
static inode_vector seen;
static unsigned long long tree_bytes;

static int
add_use (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  if (st->st_nlink > 1) {
    struct inode i = { st->st_dev, st->st_ino };
    for (size_t k = 0; k < seen.len; ++k)
      if (seen.ptr[k].dev == i.dev && seen.ptr[k].ino == i.ino)
        return 0;
    if (inode_vector_append (&seen, i) == -1)
      return -1;
  }
  tree_bytes += (unsigned long long) st->st_blocks * 512;
  return 0;
}

/* MB allocated under path (inodes already counted in seen are skipped). */
static double
disk_use_mb (const char *path)
{
  tree_bytes = 0;
  nftw (path, add_use, 16, FTW_PHYS);
  return tree_bytes / 1e6;
}

static int
print_status (gc_h *g)
{
  CLEANUP_FREE char *cachedir = gc_appliance_cachedir (g);
  CLEANUP_FREE char *current = NULL, *kver = NULL;
  struct dirent **names = NULL;
  struct stat st;
  int n;

  if (cachedir == NULL)
    return gc_tool_handle_error (g);
  current = gc_appliance_current (g, &kver);
  if (current == NULL)
    return gc_tool_handle_error (g);

  printf ("cache directory: %s\n", cachedir);
  printf ("kernel: %s (/boot/vmlinuz-%s)\n", kver, kver);
  seen.len = 0;
  printf ("cache size: %.0f MB\n", disk_use_mb (cachedir));
  seen.len = 0;
  if (stat (current, &st) == 0)
    printf ("current appliance: %s (built, %.0f MB)\n", current,
            disk_use_mb (current));
  else
    printf ("current appliance: %s (not built: the next run or --build "
            "builds it)\n", current);

  n = scandir (cachedir, &names, NULL, alphasort);
  for (int i = 0; i < n; ++i) {
    CLEANUP_FREE char *path = NULL;
    if ((gc_str_prefix (names[i]->d_name, "appliance-") ||
         gc_str_prefix (names[i]->d_name, "build-")) &&
        asprintf (&path, "%s/%s", cachedir, names[i]->d_name) != -1 &&
        strcmp (path, current) != 0)
      printf ("other: %s (%.0f MB)\n", path, disk_use_mb (path));
    free (names[i]);
  }
  free (names);
  inode_vector_reset (&seen);
  return GC_EXIT_OK;
}

static int
run (int argc, char **argv)
{
  poptContext ctx = NULL;
  int code = GC_EXIT_OK;
  const char **rest;

  if (gc_options_parse (argc, argv, options, "--status|--build|--clean",
                        &ctx, &code) == -1)
    return code;
  rest = poptGetArgs (ctx);
  if (rest && rest[0]) {
    code = gc_tool_usage_error ("%s: unexpected argument", rest[0]);
    poptFreeContext (ctx);
    return code;
  }
  poptFreeContext (ctx);
  if (!want_status && !want_build && !want_clean)
    return gc_tool_usage_error ("nothing to do: give --status, --build or "
                                "--clean");

  CLEANUP_GC_HANDLE gc_h *g = gc_tool_create_handle ();
  if (g == NULL)
    return GC_EXIT_ERROR;
  if (want_clean) {
    int removed = gc_appliance_clean (g);
    if (removed == -1)
      return gc_tool_handle_error (g);
    printf ("removed %d cache entr%s\n", removed, removed == 1 ? "y" : "ies");
  }
  if (want_build) {
    struct timespec t0, t1;
    clock_gettime (CLOCK_MONOTONIC, &t0);
    if (gc_appliance_build (g) == -1)
      return gc_tool_handle_error (g);
    clock_gettime (CLOCK_MONOTONIC, &t1);
    printf ("appliance ready in %.1f s\n",
            (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
  }
  if (want_status)
    code = print_status (g);
  return code;
}

int
main (int argc, char **argv)
{
  int code = run (argc, argv);
  gc_options_free ();
  return gc_tool_exit_status (code);
}
