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

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "options.h"

static struct poptOption options[] = {
  { NULL, '\0', POPT_ARG_INCLUDE_TABLE, gc_common_options, 0,
    "Options:", NULL },
  POPT_TABLEEND
};

/* Errors about the path itself, worth "PATH: strerror" and nothing
 * more. */
static int
is_path_errno (int e)
{
  switch (e) {
  case ENOENT: case ENOTDIR: case EISDIR: case EACCES: case ELOOP:
  case ENAMETOOLONG: case EPERM:
    return 1;
  default:
    return 0;
  }
}

/* A Windows guest: its drive letters (pairs of letter and device, from
 * the registry, read once) and the device mounted at "/" now. */
static char **drives;
static char *mounted;

/* Is the path a Windows one: "C:\...", "c:/...", or with backslashes? */
static bool
is_windows_path (const char *path)
{
  return (isalpha ((unsigned char) path[0]) && path[1] == ':')
    || strchr (path, '\\') != NULL;
}

/* Turn a path of the mounted Windows guest into the real guest path
 * (mounting the drive it names), matching case-insensitively as Windows
 * does.  NULL after printing the error; *fatal_r as for cat_one. */
static char *
windows_path (gc_h *g, const char *path, int *fatal_r)
{
  const char *rest = path;
  char letter = 0;
  if (isalpha ((unsigned char) path[0]) && path[1] == ':') {
    letter = toupper ((unsigned char) path[0]);
    rest = path + 2;
  }
  CLEANUP_FREE char *unix_path = malloc (strlen (rest) + 2);
  if (unix_path == NULL) {
    gc_tool_error ("out of memory");
    *fatal_r = 1;
    return NULL;
  }
  unix_path[0] = '/';
  strcpy (unix_path + (rest[0] == '/' || rest[0] == '\\' ? 0 : 1), rest);
  for (char *p = unix_path; *p; ++p)
    if (*p == '\\')
      *p = '/';

  /* A path without a letter is on the systemroot's drive. */
  const char *dev = gc_tool_windows_root;
  if (letter) {
    if (drives == NULL && (drives = gc_windows_drives (g, mounted)) == NULL)
      goto appliance_error;
    dev = NULL;
    for (size_t i = 0; drives[i] && drives[i + 1]; i += 2)
      if (drives[i][0] == letter)
        dev = drives[i + 1];
    /* No letters in the registry: the systemroot's drive is C:. */
    if (dev == NULL && drives[0] == NULL && letter == 'C')
      dev = gc_tool_windows_root;
    if (dev == NULL) {
      gc_tool_error ("%s: the guest has no drive %c:", path, letter);
      return NULL;
    }
  }
  if (strcmp (dev, mounted) != 0) {
    char *copy = strdup (dev);
    if (copy == NULL) {
      gc_tool_error ("out of memory");
      *fatal_r = 1;
      return NULL;
    }
    free (mounted);
    mounted = copy;
    if (gc_umount_all (g) == -1
        || gc_mount (g, mounted, "/", NULL, NULL, 1) == -1)
      goto appliance_error;
  }
  char *real = gc_case_sensitive_path (g, unix_path);
  if (real)
    return real;
  if (gc_last_errno (g) == ENOENT && gc_get_state (g) == GC_STATE_READY) {
    gc_tool_error ("%s: %s", path, strerror (ENOENT));
    return NULL;
  }
 appliance_error:
  *fatal_r = gc_get_state (g) != GC_STATE_READY;
  gc_tool_handle_error (g);
  return NULL;
}

/* Stream one guest file to stdout.  Returns 0, or an exit code after
 * printing the error; *fatal_r is set when going on with the next file
 * is pointless (the appliance is gone, stdout is closed, a signal). */
static int
cat_one (gc_h *g, const char *path, int *fatal_r)
{
  CLEANUP_FREE char *real = NULL;
  if (gc_tool_windows_root && (is_windows_path (path) || path[0] == '/')) {
    if (mounted == NULL && (mounted = strdup (gc_tool_windows_root)) == NULL) {
      gc_tool_error ("out of memory");
      *fatal_r = 1;
      return GC_EXIT_ERROR;
    }
    real = windows_path (g, path, fatal_r);
    if (real == NULL)
      return GC_EXIT_ERROR;
  }
  else if (path[0] != '/') {
    gc_tool_error ("%s: the path must be absolute (start with '/')", path);
    return GC_EXIT_ERROR;
  }
  if (gc_download (g, real ? real : path, STDOUT_FILENO) == 0)
    return GC_EXIT_OK;

  int e = gc_last_errno (g);
  if (gc_get_state (g) != GC_STATE_READY || e == EINTR || e == EPIPE ||
      gc_tool_stdout_broken ()) {
    *fatal_r = 1;
    return gc_tool_handle_error (g);
  }
  if (is_path_errno (e))
    gc_tool_error ("%s: %s", path, strerror (e));
  else {
    const char *msg = gc_last_error (g);
    if (msg && strstr (msg, path))
      gc_tool_error ("%s", msg);
    else
      gc_tool_error ("%s: %s", path, msg && msg[0] ? msg : strerror (e));
  }
  return GC_EXIT_ERROR;
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
  gc_free_strings (drives);
  free (mounted);
  return code;
}

int
main (int argc, char **argv)
{
  int code = run (argc, argv);
  gc_options_free ();
  return gc_tool_exit_status (code);
}
