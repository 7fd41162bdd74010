/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Where the appliance's own files are: the daemon, the init and the
 * package list.
 *
 * An installed program finds them relative to its own location
 * (/proc/self/exe), through the paths meson computed from bindir to
 * libexecdir/guestcell and datadir/guestcell: the installed tree then
 * works wherever it was put (a DESTDIR, a package's relocated bindir)
 * and carries no path into the build tree.  A program run from the
 * build tree finds the marker file meson writes at the build root
 * (GC_BUILD_MARKER) in its directory or up to two above, and uses the build
 * tree's files: the tests and quickstart.sh run uninstalled. */

#include <config.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* The directory of the running program, resolved (malloc'd), or NULL. */
static char *
program_dir (gc_h *g)
{
  char *exe = realpath ("/proc/self/exe", NULL);
  char *slash;

  if (exe == NULL) {
    gc_int_perror (g, "appliance: /proc/self/exe");
    return NULL;
  }
  slash = strrchr (exe, '/');
  if (slash == exe)
    slash[1] = '\0';
  else
    *slash = '\0';
  return exe;
}

/* The build root above dir, if dir is in a build tree (malloc'd), or
 * NULL. */
static char *
find_build_root (const char *dir)
{
  char path[PATH_MAX];

  snprintf (path, sizeof path, "%s", dir);
  for (int up = 0; up < 3; ++up) {
    char marker[PATH_MAX + 64];
    char *slash;

    snprintf (marker, sizeof marker, "%s/%s", path, GC_BUILD_MARKER);
    if (access (marker, F_OK) == 0)
      return strdup (path);
    slash = strrchr (path, '/');
    if (slash == NULL || slash == path)
      break;
    *slash = '\0';
  }
  return NULL;
}

/* See internal.h. */
int
gc_int_appliance_files (gc_h *g, struct gc_appliance_files *f)
{
  CLEANUP_FREE char *dir = program_dir (g), *build = NULL;
  int r;

  memset (f, 0, sizeof *f);
  if (dir == NULL)
    return -1;
  build = find_build_root (dir);
  if (build)
    r = asprintf (&f->daemon, "%s/daemon/guestcelld", build) == -1 ||
      asprintf (&f->init, "%s/appliance/gcinit", build) == -1 ||
      asprintf (&f->packages, "%s/appliance/packages", build) == -1;
  else
    r = asprintf (&f->daemon, "%s/%s/guestcelld", dir, GC_BIN_TO_LIBEXEC) == -1 ||
      asprintf (&f->init, "%s/%s/gcinit", dir, GC_BIN_TO_LIBEXEC) == -1 ||
      asprintf (&f->packages, "%s/%s/packages", dir, GC_BIN_TO_DATA) == -1;
  if (r) {
    gc_int_perror (g, "asprintf");
    gc_int_appliance_files_free (f);
    return -1;
  }
  return 0;
}

/* See internal.h. */
void
gc_int_appliance_files_free (struct gc_appliance_files *f)
{
  free (f->daemon);
  free (f->init);
  free (f->packages);
  f->daemon = f->init = f->packages = NULL;
}
