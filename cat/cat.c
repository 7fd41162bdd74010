/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* virt-cat: print files of a disk image on stdout.
 *
 * The drives are added read-only, the guest is mounted the way it mounts
 * itself (or by -m), and each FILE is streamed byte for byte to stdout
 * by the appliance (gc_download), so binary, large and sparse files come
 * out exact and the tool's memory stays flat whatever their size.
 */

#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "options.h"
#include "strutils.h"

static struct poptOption options[] = {
  { NULL, '\0', POPT_ARG_INCLUDE_TABLE, gc_common_options, 0,
    "Options:", NULL },
  POPT_TABLEEND
};

/* Stream one guest file to stdout.  Returns 0, or an exit code after
 * printing the error; *fatal_r is set when going on with the next file
 * is pointless (the appliance is gone, stdout is closed, a signal). */
static int
cat_one (gc_h *g, const char *path, int *fatal_r)
{
  CLEANUP_FREE char *real = NULL;
  if (gc_tool_windows_root) {
    real = gc_tool_windows_path (g, path, fatal_r);
    if (real == NULL)
      return GC_EXIT_ERROR;
  }
  else if (path[0] != '/') {
    gc_tool_error ("%s: the path must be absolute (start with '/')", path);
    return GC_EXIT_ERROR;
  }
  if (gc_download (g, real ? real : path, STDOUT_FILENO) == 0)
    return GC_EXIT_OK;
  return gc_tool_file_error (g, path, "download", fatal_r);
}

static int
run (int argc, char **argv)
{
  poptContext ctx = NULL;
  int code;
  if (gc_options_parse (argc, argv, options, "FILE...", &ctx, &code) == -1)
    return code;
  const char **files = poptGetArgs (ctx);
  if (gc_opts.drives.len == 0) {
    poptFreeContext (ctx);
    return gc_tool_usage_error ("no disk image given: use -a IMAGE");
  }
  if (files == NULL || files[0] == NULL) {
    poptFreeContext (ctx);
    return gc_tool_usage_error ("no file to print: name at least one FILE");
  }

  CLEANUP_GC_HANDLE gc_h *g = gc_tool_create_handle ();
  if (g == NULL)
    code = GC_EXIT_ERROR;
  else if (gc_tool_add_drives (g, true) == -1)
    code = GC_EXIT_ERROR;
  else if (gc_tool_launch (g) == -1)
    code = GC_EXIT_LAUNCH;
  else if ((code = gc_tool_mount (g, true)) == GC_EXIT_OK) {
    int fatal = 0;
    for (size_t i = 0; files[i] && !fatal; ++i)
      if (cat_one (g, files[i], &fatal) != GC_EXIT_OK)
        code = GC_EXIT_ERROR;
    if (!fatal && gc_shutdown (g) == -1 && code == GC_EXIT_OK)
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
