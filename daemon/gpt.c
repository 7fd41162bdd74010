/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* GPT details with sgdisk (the type and unique GUIDs, the attributes of
 * a partition, the disk GUID: what make-guest needs to build guests
 * whose tables virt-resize must keep), and part_verify: a partition
 * table checked by independent tools (sgdisk -v, sfdisk --verify), for
 * the tests of what virt-resize writes.
 */

#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "gc-daemon-actions.h"

/* 8-4-4-4-12 hex digits. */
static bool
valid_guid (const char *s)
{
  if (strlen (s) != 36)
    return false;
  for (int i = 0; i < 36; ++i)
    if (i == 8 || i == 13 || i == 18 || i == 23 ? s[i] != '-'
        : !isxdigit ((unsigned char) s[i]))
      return false;
  return true;
}

/* Run sgdisk with one option on a whole disk, then wait for the
 * kernel's partition nodes.  -1 after replying. */
static int
sgdisk (const char *device, const char *option)
{
  CLEANUP_FREE char *user = gc_d_device_to_user (device);
  CLEANUP_FREE char *out = NULL, *err = NULL;

  if (gc_d_check_whole_disk (device) == -1)
    return -1;
  int r = command (&out, &err, "sgdisk", option, device, NULL);
  if (r == -1) {
    reply_with_perror ("%s: sgdisk", gc_d_action ());
    return -1;
  }
  if (r != 0) {
    if ((err == NULL || err[0] == '\0') && out) {
      free (err);
      err = TAKE_PTR (out);
    }
    reply_tool_failure (err, "%s: %s: sgdisk %s failed", gc_d_action (),
                        user ? user : device, option);
    return -1;
  }
  gc_d_wait_partitions (device);
  return 0;
}

/* sgdisk --OPTION=N:GUID; -1 after replying. */
static int
set_part_guid (const char *device, const char *option, int partnum,
               const char *guid)
{
  char arg[80];
  if (!valid_guid (guid)) {
    reply_with_error_errno (EINVAL, "%s: \"%s\": not a GUID", gc_d_action (),
                            guid);
    return -1;
  }
  if (partnum < 1 || partnum > 128) {
    reply_with_error_errno (EINVAL, "%s: %d: no such partition number",
                            gc_d_action (), partnum);
    return -1;
  }
  snprintf (arg, sizeof arg, "--%s=%d:%s", option, partnum, guid);
  return sgdisk (device, arg);
}

/* 0, or -1 after replying. */
int
do_part_set_gpt_type (const char *device, int partnum, const char *guid)
{
  return set_part_guid (device, "typecode", partnum, guid);
}

/* 0, or -1 after replying. */
int
do_part_set_gpt_guid (const char *device, int partnum, const char *guid)
{
  return set_part_guid (device, "partition-guid", partnum, guid);
}

/* 0, or -1 after replying. */
int
do_part_set_gpt_attributes (const char *device, int partnum,
                            int64_t attributes)
{
  char arg[80];
  if (partnum < 1 || partnum > 128) {
    reply_with_error_errno (EINVAL, "part_set_gpt_attributes: %d: no such "
                            "partition number", partnum);
    return -1;
  }
  snprintf (arg, sizeof arg, "--attributes=%d:=:%016" PRIx64, partnum,
            (uint64_t) attributes);
  return sgdisk (device, arg);
}

/* 0, or -1 after replying. */
int
do_part_set_disk_guid (const char *device, const char *guid)
{
  char arg[80];
  if (!valid_guid (guid)) {
    reply_with_error_errno (EINVAL, "part_set_disk_guid: \"%s\": not a GUID",
                            guid);
    return -1;
  }
  snprintf (arg, sizeof arg, "--disk-guid=%s", guid);
  return sgdisk (device, arg);
}

/* Append a checker's verdict to *text and return whether it said the
 * table is fine (its exit status is 0 either way).  -1 after replying. */
static int
verify_with (const char *udev, string_vector *text, const char *ok,
             char *const *argv)
{
  CLEANUP_FREE char *out = NULL, *err = NULL;
  int r = commandv (&out, &err, argv);
  if (r == -1) {
    reply_with_perror ("part_verify: %s: %s", udev, argv[0]);
    return -1;
  }
  char *s;
  if (asprintf (&s, "%s: exit %d\n%s%s", argv[0], r, out ? out : "",
                err ? err : "") == -1 ||
      string_vector_append (text, s) == -1) {
    reply_with_perror ("part_verify: malloc");
    return -1;
  }
  return r == 0 && out && strstr (out, ok) != NULL;
}

/* See protocol/actions.py.  NULL after replying. */
char **
do_part_verify (const char *disk)
{
  CLEANUP_FREE char *user = gc_d_device_to_user (disk);
  const char *udev = user ? user : disk;
  string_vector text = EMPTY_VECTOR;
  CLEANUP_FREE char *all = NULL, *named = NULL, *pttype = NULL;
  size_t size = 0;
  int good = 1, r;

  if (gc_d_check_whole_disk (disk) == -1)
    return NULL;
  pttype = gc_d_blkid_tag (disk, "PTTYPE");
  if (pttype == NULL)
    return NULL;
  if (strcmp (pttype, "gpt") == 0) {
    char *argv[] = { "sgdisk", "-v", (char *) disk, NULL };
    if ((r = verify_with (udev, &text, "No problems found", argv)) == -1)
      goto error;
    good &= r;
  }
  char *argv[] = { "sfdisk", "--verify", (char *) disk, NULL };
  if ((r = verify_with (udev, &text, "No errors detected", argv)) == -1)
    goto error;
  good &= r;

  FILE *f = open_memstream (&all, &size);
  if (f == NULL)
    goto nomem;
  for (size_t i = 0; i < text.len; ++i)
    fputs (text.ptr[i], f);
  if (fclose (f) == EOF)
    goto nomem;
  named = gc_d_names_to_user (all);
  char **ret = calloc (3, sizeof *ret);
  if (ret == NULL || (ret[0] = strdup (good ? "0" : "1")) == NULL ||
      (ret[1] = strdup (named ? named : all)) == NULL) {
    gc_d_free_strings (ret);
    goto nomem;
  }
  gc_string_vector_free (&text);
  return ret;

 nomem:
  reply_with_perror ("part_verify: malloc");
 error:
  gc_string_vector_free (&text);
  return NULL;
}
