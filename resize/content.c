/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* virt-resize's second launch: OUTDISK alone (so LVM sees one copy of
 * each volume group), its table signed, its contents copied.  Each
 * partition that grew has its content grown by its own tool in the
 * appliance (resize_content: e2fsck -f and resize2fs, xfs_growfs,
 * btrfs filesystem resize, ntfsresize, mkswap, pvresize), then each
 * --LV-expand volume takes its volume group's free space and its
 * content grows the same way.
 */

#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "options.h"
#include "strutils.h"
#include "resize.h"

/* See resize.h. */
bool
rz_needs_second_launch (const struct rz_layout *l)
{
  for (size_t i = 0; i < l->nparts; ++i)
    if (l->parts[i].method)
      return true;
  return rz_opts.lvs.len > 0;
}

/* Grow the content of a device with resize_content; -1 after printing
 * the error. */
static int
grow (gc_h *g, const char *device, const char *expected)
{
  rz_message ("Growing the content of %s (%s)", device, expected);
  CLEANUP_FREE char *method = gc_resize_content (g, device,
                                                 rz_opts.ntfsresize_force);
  if (method == NULL) {
    const char *msg = gc_last_error (g);
    if (gc_get_state (g) != GC_STATE_READY || gc_tool_interrupted () ||
        msg == NULL)
      rz_handle_error (g);
    else {
      /* The daemon names its action: the user asked for a resize. */
      if (gc_str_prefix (msg, "resize_content: "))
        msg += strlen ("resize_content: ");
      rz_error ("growing %s%s", msg,
                strstr (msg, "scheduled for check") ?
                " (--ntfsresize-force grows it anyway: Windows then checks "
                "it at its next boot)" : "");
    }
    return -1;
  }
  if (strcmp (method, expected) != 0)
    rz_warning ("%s: its content was grown with %s, not %s as planned",
                device, method[0] ? method : "nothing", expected);
  return 0;
}

/* See resize.h. */
int
rz_grow_contents (struct rz_layout *l, const char *out, const char *out_fmt)
{
  CLEANUP_GC_HANDLE gc_h *g = gc_tool_create_handle ();
  if (g == NULL)
    return GC_EXIT_ERROR;
  rz_watch_handle (g);
  struct gc_drive_opts o = { .format = out_fmt, .readonly = 0 };
  if (gc_add_drive (g, out, &o) == -1)
    return rz_handle_error (g);
  rz_message ("Launching the appliance to grow the contents");
  if (gc_launch (g) == -1) {
    rz_handle_error (g);
    return GC_EXIT_LAUNCH;
  }

  for (size_t i = 0; i < l->nparts; ++i) {
    const struct rz_part *p = &l->parts[i];
    if (p->method && grow (g, rz_outname (p->new_num), p->method) == -1)
      return GC_EXIT_ERROR;
  }

  if (rz_opts.lvs.len > 0) {
    CLEANUP_FREE_STRINGS char **w = gc_lvm_scan (g, 1);
    if (w == NULL)
      return rz_handle_error (g);
    for (size_t i = 0; w[i]; ++i)
      rz_warning ("%s", w[i]);
  }
  for (size_t i = 0; i < rz_opts.lvs.len; ++i) {
    const struct rz_lv *lv = &rz_opts.lvs.ptr[i];
    rz_message ("Growing %s over the free space of its volume group",
                lv->name);
    int r = gc_resize_lv_expand (g, lv->name);
    if (r == -1)
      return rz_handle_error (g);
    if (r == 0) {
      rz_warning ("%s: its volume group has no free space: it keeps its "
                  "size", lv->name);
      continue;
    }
    if (lv->method && grow (g, lv->name, lv->method) == -1)
      return GC_EXIT_ERROR;
  }

  if (gc_shutdown (g) == -1) {
    const char *msg = gc_last_error (g);
    if (!gc_tool_interrupted ())
      rz_error ("%s", msg && msg[0] ? msg : "the appliance did not stop "
                "cleanly");
    return GC_EXIT_ERROR;
  }
  return GC_EXIT_OK;
}
