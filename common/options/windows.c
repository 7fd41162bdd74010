/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Windows paths for the tools: "C:\Windows\win.ini", "c:/windows/WIN.INI"
 * or "/Windows/win.ini" in a Windows guest that gc_tool_mount mounted.
 * The drive letter is looked up in the guest's registry (once), its
 * drive mounted at "/" in place of the one there (read-write for a tool
 * that writes), and the path matched
 * case-insensitively, as Windows does.  See options.h. */

#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "options.h"

/* The guest's drive letters (pairs of letter and device, from the
 * registry, read once) and the device mounted at "/" now (NULL: the
 * Windows root that gc_tool_mount mounted). */
static char **drives;
static char *mounted;

/* See options.h. */
void
gc_tool_windows_free (void)
{
  gc_free_strings (drives);
  drives = NULL;
  free (mounted);
  mounted = NULL;
}

/* See options.h. */
char *
gc_tool_windows_path (gc_h *g, const char *path, int *fatal_r)
{
  const char *rest = path;
  char letter = 0;
  if (isalpha ((unsigned char) path[0]) && path[1] == ':') {
    letter = toupper ((unsigned char) path[0]);
    rest = path + 2;
  }
  else if (path[0] != '/' && path[0] != '\\') {
    gc_tool_error ("%s: the path must be absolute (start with '/')", path);
    return NULL;
  }
  CLEANUP_FREE char *unix_path = malloc (strlen (rest) + 2);
  if (unix_path == NULL || (mounted == NULL &&
                            (mounted = strdup (gc_tool_windows_root)) == NULL)) {
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
        || gc_mount (g, mounted, "/", NULL, NULL,
                     gc_tool_mounted_readonly) == -1)
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
