/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* JSON Lines, the --jsonl output of virt-df and virt-inspector: one
 * JSON record a line on stdout, each naming its image, so that the
 * outputs of many runs (GNU parallel over a fleet of images, on
 * several hosts) concatenate into one stream that any JSON parser
 * reads line by line, whatever order the runs finished in.  A run
 * that fails still says so in the stream, with a failure record. */

#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "utf8.h"
#include "options.h"

/* The image's file name as a record shows it.  A file name is bytes:
 * it is shown by the rule of every guest string, so that jansson
 * (which wants UTF-8) takes it and no control character reaches a
 * terminal.  malloc'd; NULL with errno ENOMEM. */
static char *
image_name (const struct gc_opt_drive *drive)
{
  return gc_utf8_safe_line (drive->filename, strlen (drive->filename));
}

int
gc_tool_jsonl_image (json_t *record, const struct gc_opt_drive *drive)
{
  CLEANUP_FREE char *name = image_name (drive);
  if (name == NULL ||
      json_object_set_new (record, "image", json_string (name)) == -1) {
    errno = ENOMEM;
    return -1;
  }
  return 0;
}

int
gc_tool_jsonl_print (json_t *record)
{
  /* Compact: jansson escapes every line break inside the strings, so
   * the record is one line.  Reals (virt-df's percentages, with one
   * decimal) in their short form. */
  char *line = record ?
    json_dumps (record, JSON_COMPACT | JSON_REAL_PRECISION (6)) : NULL;
  json_decref (record);
  if (line == NULL) {
    errno = ENOMEM;
    return -1;
  }
  /* One write per record, so that whoever reads the lines of several
   * runs (parallel --line-buffer) never gets half of one. */
  int r = printf ("%s\n", line) < 0 || fflush (stdout) == EOF ? -1 : 0;
  free (line);
  return r;
}

void
gc_tool_jsonl_failure (const struct gc_opt_drive *drive, const char *message,
                       int code)
{
  /* Not after a signal, nor for a reader that has gone. */
  if (gc_tool_interrupted () || gc_tool_stdout_broken ())
    return;
  char fallback[64];
  if (message == NULL) {
    snprintf (fallback, sizeof fallback, "failed with exit status %d", code);
    message = fallback;
  }
  CLEANUP_FREE char *name = image_name (drive);
  /* A failure to write is stdout's error, which the tool checks at its
   * end. */
  if (name == NULL ||
      (gc_tool_jsonl_print (json_pack ("{s:s, s:s, s:i}", "image", name,
                                       "error", message,
                                       "exit_status", code)) == -1 &&
       errno == ENOMEM))
    gc_tool_error ("out of memory");
}
