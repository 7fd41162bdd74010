/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* virt-resize INDISK OUTDISK: a copy of a guest's disk on a bigger (or
 * smaller) disk, partitions moved and resized, their contents grown.
 * INDISK is never changed.
 *
 * The run:
 *   1. Launch with INDISK (read-only) and OUTDISK: read INDISK's table
 *      and what the plan needs (LVs, the sizes of contents made
 *      smaller), plan, print the summary (-n stops here), check OUTDISK
 *      is big enough, write OUTDISK's table inert (no signatures).
 *   2. On the host, copy each partition's bytes to its new place with
 *      qemu-img (copy.c), then sign the table.
 *   3. If a content grows or an LV is expanded: launch with OUTDISK
 *      alone and grow them (content.c).
 * If anything fails once OUTDISK has been written, its table signatures
 * are wiped and virt-resize says OUTDISK is incomplete: a disk left by
 * a failed or interrupted run never looks like a finished one.  Two
 * launches, not one: the copy must run while no appliance holds
 * OUTDISK, and LVM must not see INDISK's copy of each volume group when
 * it grows OUTDISK's.
 */

#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <time.h>

#include "cleanup.h"
#include "options.h"
#include "strutils.h"
#include "resize.h"

enum {
  OPT_EXPAND = 1, OPT_SHRINK, OPT_RESIZE, OPT_RESIZE_FORCE, OPT_DELETE,
  OPT_IGNORE, OPT_LV_EXPAND, OPT_ALIGN_FIRST, OPT_NO_COPY_BOOT_LOADER,
  OPT_NO_EXTRA_PARTITION, OPT_NO_EXPAND_CONTENT, OPT_NO_SPARSE,
  OPT_NTFSRESIZE_FORCE, OPT_FORMAT, OPT_OUTPUT_FORMAT, OPT_UNKNOWN_FS,
  OPT_DRY_RUN, OPT_QUIET, OPT_MACHINE_READABLE,
};

/* The first error the callback met, reported after parsing. */
static const char *option_error;

static void
set_string (char **field, const char *option, const char *arg)
{
  if (*field) {
    if (option_error == NULL)
      option_error = option;
    return;
  }
  *field = strdup (arg ? arg : "");
  if (*field == NULL)
    option_error = "out of memory";
}

static void
add_string (string_vector *v, const char *arg)
{
  char *s = strdup (arg);
  if (s == NULL || string_vector_append (v, s) == -1) {
    free (s);
    option_error = "out of memory";
  }
}

static void
callback (poptContext ctx, enum poptCallbackReason reason,
          const struct poptOption *opt, const char *arg, const void *data)
{
  if (reason != POPT_CALLBACK_REASON_OPTION)
    return;
  switch (opt->val) {
  case OPT_EXPAND: set_string (&rz_opts.expand, "--expand", arg); break;
  case OPT_SHRINK: set_string (&rz_opts.shrink, "--shrink", arg); break;
  case OPT_RESIZE: add_string (&rz_opts.resize, arg); break;
  case OPT_RESIZE_FORCE:
    add_string (&rz_opts.resize, arg);
    /* The very string, so plan.c can tell which were forced. */
    if (!option_error &&
        string_vector_append (&rz_opts.resize_force,
                              rz_opts.resize.ptr[rz_opts.resize.len - 1])
        == -1)
      option_error = "out of memory";
    break;
  case OPT_DELETE: add_string (&rz_opts.delete, arg); break;
  case OPT_IGNORE: add_string (&rz_opts.ignore, arg); break;
  case OPT_LV_EXPAND: {
    struct rz_lv lv = { .name = strdup (arg) };
    if (lv.name == NULL || rz_lv_vector_append (&rz_opts.lvs, lv) == -1) {
      free (lv.name);
      option_error = "out of memory";
    }
    break;
  }
  case OPT_ALIGN_FIRST:
    set_string (&rz_opts.align_first, "--align-first", arg);
    break;
  case OPT_NO_COPY_BOOT_LOADER: rz_opts.no_copy_boot_loader = true; break;
  case OPT_NO_EXTRA_PARTITION: rz_opts.no_extra_partition = true; break;
  case OPT_NO_EXPAND_CONTENT: rz_opts.no_expand_content = true; break;
  case OPT_NO_SPARSE: rz_opts.no_sparse = true; break;
  case OPT_NTFSRESIZE_FORCE: rz_opts.ntfsresize_force = true; break;
  case OPT_FORMAT: set_string (&rz_opts.format, "--format", arg); break;
  case OPT_OUTPUT_FORMAT:
    set_string (&rz_opts.output_format, "--output-format", arg);
    break;
  case OPT_UNKNOWN_FS:
    set_string (&rz_opts.unknown_fs, "--unknown-filesystems", arg);
    break;
  case OPT_DRY_RUN: rz_opts.dry_run = true; break;
  case OPT_QUIET: rz_opts.quiet = true; break;
  case OPT_MACHINE_READABLE:
    set_string (&rz_opts.machine_readable, "--machine-readable", arg);
    break;
  }
}

static struct poptOption resize_options[] = {
  { NULL, '\0', POPT_ARG_CALLBACK, (void *) callback, 0, NULL, NULL },
  { "expand", '\0', POPT_ARG_STRING, NULL, OPT_EXPAND,
    "Grow partition PART (and its content) over all the surplus", "PART" },
  { "shrink", '\0', POPT_ARG_STRING, NULL, OPT_SHRINK,
    "Shrink partition PART by the deficit (its content shrunk before)",
    "PART" },
  { "resize", '\0', POPT_ARG_STRING, NULL, OPT_RESIZE,
    "Give partition PART a new size: 10G, +1G, -200M, 90%, +10% "
    "(repeatable)", "PART=SIZE" },
  { "resize-force", '\0', POPT_ARG_STRING, NULL, OPT_RESIZE_FORCE,
    "--resize, even smaller than its content (repeatable)", "PART=SIZE" },
  { "delete", '\0', POPT_ARG_STRING, NULL, OPT_DELETE,
    "Leave partition PART out; the ones after it are renumbered "
    "(repeatable)", "PART" },
  { "ignore", '\0', POPT_ARG_STRING, NULL, OPT_IGNORE,
    "Make room for partition PART but do not copy it (repeatable)", "PART" },
  { "LV-expand", '\0', POPT_ARG_STRING, NULL, OPT_LV_EXPAND,
    "Grow logical volume LV (and its content) over its volume group's "
    "free space (repeatable)", "LV" },
  { "lv-expand", '\0', POPT_ARG_STRING, NULL, OPT_LV_EXPAND,
    "Same as --LV-expand", "LV" },
  { "align-first", '\0', POPT_ARG_STRING, NULL, OPT_ALIGN_FIRST,
    "Move the first partition to the alignment: auto (no), never, always",
    "auto|never|always" },
  { "alignment", '\0', POPT_ARG_INT, &rz_opts.alignment, 0,
    "Start partitions at multiples of N sectors (default 128)", "N" },
  { "no-copy-boot-loader", '\0', POPT_ARG_NONE, NULL,
    OPT_NO_COPY_BOOT_LOADER,
    "Do not copy the boot loader (the sectors before the first partition)",
    NULL },
  { "no-extra-partition", '\0', POPT_ARG_NONE, NULL, OPT_NO_EXTRA_PARTITION,
    "Leave a surplus unpartitioned", NULL },
  { "no-expand-content", '\0', POPT_ARG_NONE, NULL, OPT_NO_EXPAND_CONTENT,
    "Grow partitions and LVs, not their filesystems or PVs", NULL },
  { "no-sparse", '\0', POPT_ARG_NONE, NULL, OPT_NO_SPARSE,
    "Write every byte, zeros too (OUTDISK not known to be zero)", NULL },
  { "ntfsresize-force", '\0', POPT_ARG_NONE, NULL, OPT_NTFSRESIZE_FORCE,
    "Grow NTFS even if it is marked for a check (ntfsresize --force)",
    NULL },
  { "format", '\0', POPT_ARG_STRING, NULL, OPT_FORMAT,
    "The format of INDISK (raw, qcow2...); else probed safely", "FMT" },
  { "output-format", '\0', POPT_ARG_STRING, NULL, OPT_OUTPUT_FORMAT,
    "The format of OUTDISK (raw, qcow2...); else probed safely", "FMT" },
  { "unknown-filesystems", '\0', POPT_ARG_STRING, NULL, OPT_UNKNOWN_FS,
    "Content that cannot be grown: ignore, warn (default) or error",
    "ignore|warn|error" },
  { "dry-run", 'n', POPT_ARG_NONE, NULL, OPT_DRY_RUN,
    "Print the summary of the changes, change nothing", NULL },
  { "quiet", 'q', POPT_ARG_NONE, NULL, OPT_QUIET,
    "Print no summary and no progress, only errors and warnings", NULL },
  { "machine-readable", '\0', POPT_ARG_STRING | POPT_ARGFLAG_OPTIONAL, NULL,
    OPT_MACHINE_READABLE,
    "Alone: list the capabilities; with a job: progress as DONE/TOTAL lines "
    "and messages as JSON (on stdout, or FORMAT: file:NAME, stream:stderr, "
    "fd:N)", "FORMAT" },
  POPT_TABLEEND
};

static struct poptOption options[] = {
  { NULL, '\0', POPT_ARG_INCLUDE_TABLE, resize_options, 0,
    "Options:", NULL },
  { NULL, '\0', POPT_ARG_INCLUDE_TABLE, gc_basic_options, 0,
    "Common options:", NULL },
  POPT_TABLEEND
};

/* How far OUTDISK got: what a failure must undo and say. */
enum out_state { OUT_UNTOUCHED, OUT_WRITTEN, OUT_SIGNED };

/* An error from the first launch about INDISK: the daemon's message
 * without its action and our /dev/sda, naming the image instead. */
static int
indisk_error (gc_h *g, const char *in)
{
  const char *msg = gc_last_error (g);
  if (gc_get_state (g) == GC_STATE_READY && msg &&
      gc_str_prefix (msg, "resize_layout: /dev/sda: ")) {
    rz_error ("%s: %s", in, msg + strlen ("resize_layout: /dev/sda: "));
    return GC_EXIT_ERROR;
  }
  return rz_handle_error (g);
}

/* Find the LVs of --LV-expand on INDISK and what they hold.  -1 after
 * printing the error. */
static int
find_lvs (gc_h *g, const char *in)
{
  if (rz_opts.lvs.len == 0)
    return 0;
  CLEANUP_FREE_STRINGS char **w = gc_lvm_scan (g, 1);
  CLEANUP_FREE_STRINGS char **lvs = w ? gc_lvs (g) : NULL;
  if (lvs == NULL) {
    rz_handle_error (g);
    return -1;
  }
  for (size_t i = 0; i < rz_opts.lvs.len; ++i) {
    struct rz_lv *lv = &rz_opts.lvs.ptr[i];
    bool found = false;
    for (size_t j = 0; lvs[j]; ++j)
      found |= strcmp (lvs[j], lv->name) == 0;
    if (!found) {
      rz_error ("--LV-expand %s: %s has no such logical volume%s", lv->name,
                in, lvs[0] ? "" : " (it has none)");
      return -1;
    }
    lv->content = gc_vfs_type (g, lv->name);
    if (lv->content == NULL) {
      rz_handle_error (g);
      return -1;
    }
  }
  return 0;
}

/* The sizes of the contents of the partitions made smaller.  -1 after
 * printing the error. */
static int
measure_contents (gc_h *g, struct rz_layout *l)
{
  for (size_t i = 0; i < l->nparts; ++i) {
    struct rz_part *p = &l->parts[i];
    if (!rz_needs_content_size (p))
      continue;
    int64_t n = gc_resize_fs_size (g, rz_outname (p->num));
    if (n == -1 && gc_last_errno (g) != ENOTSUP) {
      rz_handle_error (g);
      return -1;
    }
    p->needed = n;
  }
  return 0;
}

/* OUT:SRC:START:SECTORS for resize_write_table; NULL on ENOMEM. */
static char **
table_items (const struct rz_layout *l, const struct rz_plan *plan)
{
  string_vector v = EMPTY_VECTOR;
  for (size_t i = 0; i <= l->nparts; ++i) {
    char *s;
    int r;
    if (i == l->nparts) {
      if (plan->extra_size == 0)
        break;
      r = asprintf (&s, "%d:0:%" PRIu64 ":%" PRIu64, plan->extra_num,
                    plan->extra_start / SECTOR, plan->extra_size / SECTOR);
    }
    else {
      const struct rz_part *p = &l->parts[i];
      if (p->kind == RZ_LOGICAL || p->new_num == 0)
        continue;
      r = asprintf (&s, "%d:%d:%" PRIu64 ":%" PRIu64, p->new_num, p->num,
                    p->new_start / SECTOR, p->new_size / SECTOR);
    }
    if (r == -1 || string_vector_append (&v, s) == -1) {
      if (r != -1)
        free (s);
      gc_string_vector_free (&v);
      return NULL;
    }
  }
  char **r = gc_strings_from_vector (&v);
  if (r == NULL)
    gc_string_vector_free (&v);
  return r;
}

/* The first launch: plan, and unless -n, write OUTDISK's table.
 * GC_EXIT_OK, or an exit code after printing the error; *state says
 * whether OUTDISK was written. */
static int
first_launch (const char *in, const char *out, struct rz_layout *l,
              struct rz_plan *plan, char **in_fmt, char **out_fmt,
              enum out_state *state)
{
  CLEANUP_GC_HANDLE gc_h *g = gc_tool_create_handle ();
  if (g == NULL)
    return GC_EXIT_ERROR;
  rz_watch_handle (g);
  struct gc_drive_opts io = { .format = rz_opts.format, .readonly = 1 };
  struct gc_drive_opts oo = { .format = rz_opts.output_format,
                              .readonly = rz_opts.dry_run };
  if (gc_add_drive (g, in, &io) == -1 || gc_add_drive (g, out, &oo) == -1)
    return rz_handle_error (g);
  *in_fmt = strdup (gc_drive_format (g, 0));
  *out_fmt = strdup (gc_drive_format (g, 1));
  if (*in_fmt == NULL || *out_fmt == NULL) {
    rz_error ("out of memory");
    return GC_EXIT_ERROR;
  }
  if (gc_launch (g) == -1) {
    rz_handle_error (g);
    return GC_EXIT_LAUNCH;
  }

  CLEANUP_FREE_STRINGS char **layout = gc_resize_layout (g, "/dev/sda");
  if (layout == NULL)
    return indisk_error (g, in);
  if (rz_layout_parse (layout, l) == -1) {
    rz_error ("%s: the appliance's description of its partition table "
              "is invalid", in);
    return GC_EXIT_ERROR;
  }
  int64_t out_size = gc_blockdev_getsize64 (g, "/dev/sdb");
  if (out_size == -1)
    return rz_handle_error (g);
  if (rz_apply_options (l) == -1 || find_lvs (g, in) == -1 ||
      measure_contents (g, l) == -1 || rz_plan (l, out_size, plan) == -1)
    return GC_EXIT_ERROR;
  rz_print_summary (l, plan, in, out);
  if (rz_opts.dry_run) {
    if (gc_shutdown (g) == -1)
      return rz_handle_error (g);
    return GC_EXIT_OK;
  }

  CLEANUP_FREE_STRINGS char **items = table_items (l, plan);
  if (items == NULL) {
    rz_error ("out of memory");
    return GC_EXIT_ERROR;
  }
  rz_message ("Writing the partition table of %s", out);
  *state = OUT_WRITTEN;
  CLEANUP_FREE_STRINGS char **w =
    gc_resize_write_table (g, "/dev/sda", "/dev/sdb", items,
                           !rz_opts.no_copy_boot_loader);
  if (w == NULL)
    return rz_handle_error (g);
  for (size_t i = 0; w[i]; ++i)
    rz_warning ("%s", w[i]);
  if (gc_shutdown (g) == -1) {
    if (!gc_tool_interrupted ())
      rz_error ("%s: the partition table may not be written",
                gc_last_error (g));
    return GC_EXIT_ERROR;
  }
  return GC_EXIT_OK;
}

static int
resize (const char *in, const char *out)
{
  struct rz_layout l = { 0 };
  struct rz_plan plan;
  CLEANUP_FREE char *in_fmt = NULL, *out_fmt = NULL;
  enum out_state state = OUT_UNTOUCHED;
  int code;

  rz_message ("Examining %s", in);
  code = first_launch (in, out, &l, &plan, &in_fmt, &out_fmt, &state);
  if (code != GC_EXIT_OK || rz_opts.dry_run)
    goto out;

  struct timespec t0, t1;
  clock_gettime (CLOCK_MONOTONIC, &t0);
  if (rz_copy (&l, in, in_fmt, out, out_fmt) == -1) {
    code = GC_EXIT_ERROR;
    goto out;
  }
  if (gc_tool_interrupted () ||
      rz_sign_table (out, out_fmt, l.gpt, plan.out_size, true) == -1) {
    state = OUT_SIGNED;         /* perhaps partly: wipe it */
    code = GC_EXIT_ERROR;
    goto out;
  }
  state = OUT_SIGNED;
  clock_gettime (CLOCK_MONOTONIC, &t1);
  rz_message ("Copied the partitions and flushed %s in %.1f s", out,
              (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
  if (rz_needs_second_launch (&l)) {
    code = rz_grow_contents (&l, out, out_fmt);
    if (code != GC_EXIT_OK)
      goto out;
  }
  if (gc_tool_interrupted ()) {
    code = GC_EXIT_ERROR;
    goto out;
  }
  rz_info ("Done: %s holds the resized disk.  Check that the guest boots "
           "and works from it before deleting %s.", out, in);

 out:
  if (code != GC_EXIT_OK && state != OUT_UNTOUCHED) {
    int wiped = state == OUT_SIGNED ?
      rz_sign_table (out, out_fmt, l.gpt, plan.out_size, false) : 0;
    rz_error ("%s is incomplete: %s; do not use it (%s is unchanged)", out,
              wiped == 0 ? "it has no valid partition table" :
              "its partition table could not be wiped either", in);
  }
  rz_layout_free (&l);
  return code;
}

static int
run (int argc, char **argv)
{
  poptContext ctx = NULL;
  int code;

  rz_output_init ();
  if (gc_options_parse (argc, argv, options, "INDISK OUTDISK", &ctx, &code)
      == -1)
    return code;
  const char **args = poptGetArgs (ctx);
  size_t nargs = 0;
  while (args && args[nargs])
    ++nargs;
  if (option_error) {
    poptFreeContext (ctx);
    if (option_error[0] == '-')
      return gc_tool_usage_error ("%s given twice: it takes one partition "
                                  "or value", option_error);
    gc_tool_error ("%s", option_error);
    return GC_EXIT_ERROR;
  }
  if (rz_opts.machine_readable && nargs == 0) {
    poptFreeContext (ctx);
    rz_print_capabilities ();
    return GC_EXIT_OK;
  }
  if (nargs != 2) {
    poptFreeContext (ctx);
    return gc_tool_usage_error ("expected two disk images: INDISK OUTDISK");
  }
  if (rz_opts.align_first == NULL)
    rz_opts.align_first = strdup ("auto");
  if (rz_opts.unknown_fs == NULL)
    rz_opts.unknown_fs = strdup ("warn");
  if (rz_opts.align_first == NULL || rz_opts.unknown_fs == NULL) {
    poptFreeContext (ctx);
    gc_tool_error ("out of memory");
    return GC_EXIT_ERROR;
  }
  CLEANUP_FREE char *in = strdup (args[0]), *out = strdup (args[1]);
  poptFreeContext (ctx);
  if (in == NULL || out == NULL) {
    gc_tool_error ("out of memory");
    return GC_EXIT_ERROR;
  }
  if (rz_check_options () == -1 || rz_machine_readable_open () == -1)
    return GC_EXIT_USAGE;
  if (rz_check_rate () == -1)
    return GC_EXIT_ERROR;

  struct stat si, so;
  if (stat (in, &si) == 0 && stat (out, &so) == 0 &&
      si.st_dev == so.st_dev && si.st_ino == so.st_ino)
    return gc_tool_usage_error ("INDISK and OUTDISK are the same file (%s): "
                                "virt-resize copies a disk to another one",
                                out);
  if (stat (out, &so) == -1) {
    rz_error ("%s: %s%s", out, strerror (errno), errno == ENOENT ?
              " (make OUTDISK first: truncate -s SIZE, or qemu-img create)"
              : "");
    return GC_EXIT_ERROR;
  }
  /* The core only warns about a running guest's disk read; a copy of
   * it would not be consistent. */
  if (gc_image_in_use (in, 1) == 1) {
    rz_error ("%s: the image is in use by another process (a running VM?): "
              "shut the guest down first, a copy of a running guest's disk "
              "is not consistent", in);
    return GC_EXIT_ERROR;
  }
  return resize (in, out);
}

static void
free_options (void)
{
  free (rz_opts.expand);
  free (rz_opts.shrink);
  gc_string_vector_free (&rz_opts.resize);
  free (rz_opts.resize_force.ptr);      /* its strings are in resize */
  gc_string_vector_free (&rz_opts.delete);
  gc_string_vector_free (&rz_opts.ignore);
  for (size_t i = 0; i < rz_opts.lvs.len; ++i) {
    free (rz_opts.lvs.ptr[i].name);
    free (rz_opts.lvs.ptr[i].content);
  }
  free (rz_opts.lvs.ptr);
  free (rz_opts.align_first);
  free (rz_opts.format);
  free (rz_opts.output_format);
  free (rz_opts.unknown_fs);
  free (rz_opts.machine_readable);
}

int
main (int argc, char **argv)
{
  int code = run (argc, argv);
  rz_output_close ();
  free_options ();
  gc_options_free ();
  return gc_tool_exit_status (code);
}
