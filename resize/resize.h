/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* What the files of virt-resize share.
 *
 *   main.c     the options and the run: two launches of the appliance
 *              around a copy on the host
 *   plan.c     the new layout, computed from INDISK's table and the
 *              options: no appliance, no I/O (unit-tested)
 *   copy.c     the bulk copy with qemu-img over raw views of both
 *              images, and signing or wiping OUTDISK's table (qemu-io)
 *   content.c  growing the contents in the second launch
 *   output.c   messages, the summary, the progress bar, --machine-readable
 */

#ifndef GC_RESIZE_H
#define GC_RESIZE_H

#include <stdbool.h>
#include <stdint.h>

#include "guestcell.h"
#include "vector.h"

#define SECTOR 512
/* A surplus smaller than this makes no extra partition. */
#define EXTRA_MIN (10 * 1024 * 1024)

enum rz_kind { RZ_PRIMARY, RZ_EXTENDED, RZ_LOGICAL };

/* What the options ask for a partition. */
enum rz_op {
  RZ_KEEP = 0,                  /* copied, its size kept */
  RZ_RESIZE,                    /* --resize / --resize-force */
  RZ_EXPAND,                    /* --expand */
  RZ_SHRINK,                    /* --shrink */
  RZ_DELETE,                    /* --delete */
  RZ_IGNORE,                    /* --ignore: allocated, not copied */
};

struct rz_part {
  /* INDISK, from resize_layout. */
  int num;
  enum rz_kind kind;
  uint64_t start, size;         /* bytes */
  char *type;                   /* "0x83" or a type GUID; "" for logical */
  char *flags;
  char *content;                /* blkid TYPE, "" if none */
  bool fixed;                   /* BIOS boot or EFI system: never moves */
  /* The options. */
  enum rz_op op;
  const char *resize_spec;      /* --resize PART=SPEC: the SPEC */
  bool force;                   /* --resize-force */
  int64_t needed;               /* bytes the content needs; -1: unknown */
  /* The plan. */
  uint64_t new_start, new_size; /* bytes */
  int new_num;                  /* 0: deleted */
  const char *method;           /* how its content grows; NULL: nothing */
};

struct rz_layout {
  bool gpt;
  uint64_t size;                /* INDISK's size */
  uint64_t boot_start;          /* where the boot loader area starts */
  uint64_t first_usable;
  uint64_t backup;              /* bytes of the backup GPT at the end */
  unsigned entries;             /* table entries (4 for dos) */
  struct rz_part *parts;        /* sorted by start */
  size_t nparts;
};

/* One --LV-expand. */
struct rz_lv {
  char *name;
  char *content;                /* its blkid TYPE */
  const char *method;           /* how its content grows, NULL: nothing */
};
DEFINE_VECTOR_TYPE (rz_lv_vector, struct rz_lv);

/* The command line, beyond the common options. */
struct rz_options {
  char *expand, *shrink;
  string_vector resize;         /* PART=SIZE, both --resize and --resize-force */
  string_vector resize_force;   /* the PARTs given with --resize-force */
  string_vector delete, ignore;
  rz_lv_vector lvs;
  char *align_first;            /* auto, never, always */
  int alignment;                /* sectors */
  bool no_copy_boot_loader, no_extra_partition, no_expand_content;
  bool no_sparse, ntfsresize_force, dry_run, quiet;
  char *format, *output_format;
  char *unknown_fs;             /* ignore, warn, error */
  char *machine_readable;       /* NULL: off; "": stdout; else FORMAT */
};
extern struct rz_options rz_opts;

/* The plan of the whole disk. */
struct rz_plan {
  uint64_t out_size;
  uint64_t usable_end;          /* the first byte no partition may use */
  uint64_t end;                 /* the end of the last partition */
  uint64_t needed;              /* the smallest OUTDISK that would do */
  int64_t surplus;              /* usable_end - end, before any extra */
  uint64_t extra_start, extra_size;     /* the extra partition; 0: none */
  int extra_num;
};

/* plan.c */
/* A SIZE of --resize (bytes, b K M G T suffixes, N%, +SIZE, -SIZE, +N%,
 * -N%) relative to old: the new size in *r.  -1 with a message in *why
 * (static). */
extern int rz_parse_size (const char *spec, uint64_t old, uint64_t *r,
                          const char **why);
/* "/dev/sda2", "sda2", "/dev/vda2"... as /dev/sda2; NULL (errno EINVAL)
 * if it is not a partition of the first disk.  Caller frees. */
extern char *rz_canonical_part (const char *name);
/* Conflicts between options that need no disk to be seen: -1 after
 * printing one line (usage error). */
extern int rz_check_options (void);
/* The layout from resize_layout's strings; -1 with errno.  The caller
 * frees with rz_layout_free. */
extern int rz_layout_parse (char **list, struct rz_layout *l);
extern void rz_layout_free (struct rz_layout *l);
/* Attach the options to the partitions: -1 after printing the error
 * (a PART that does not exist, a logical partition named...). */
extern int rz_apply_options (struct rz_layout *l);
/* The partitions whose content must be measured before planning (made
 * smaller): true for p. */
extern bool rz_needs_content_size (const struct rz_part *p);
/* Compute the plan for an OUTDISK of out_size bytes.  -1 after
 * printing the error (too small, a shrink that does not fit...). */
extern int rz_plan (struct rz_layout *l, uint64_t out_size,
                    struct rz_plan *plan);
/* How the content of a blkid TYPE grows: "resize2fs"..., NULL if
 * unknown. */
extern const char *rz_grow_method (const char *content);
/* The user's name of the partition on OUTDISK: "/dev/sda2". */
extern const char *rz_outname (int num);

/* copy.c */
/* Copy the boot loader area and every partition's bytes from INDISK to
 * OUTDISK at their new places with qemu-img, showing progress.  -1
 * after printing the error (or silently after a signal). */
extern int rz_copy (const struct rz_layout *l, const char *in,
                    const char *in_fmt, const char *out, const char *out_fmt);
/* Check GUESTCELL_RESIZE_RATE (the copy's speed limit); -1 after
 * printing the error. */
extern int rz_check_rate (void);
/* Write (sign true) or zero OUTDISK's table signatures with qemu-io,
 * then flush it.  -1 after printing the error. */
extern int rz_sign_table (const char *out, const char *out_fmt, bool gpt,
                          uint64_t out_size, bool sign);
/* The argument of qemu's --image-opts for an image (file or block
 * device) in a format, seen through a raw window [offset, +size) (size
 * 0: no window).  Caller frees; NULL on ENOMEM. */
extern char *rz_image_opts (const char *file, const char *fmt,
                            uint64_t offset, uint64_t size);

/* content.c */
/* The second launch: grow the contents of OUTDISK.  GC_EXIT_OK or an
 * exit code after printing the error. */
extern int rz_grow_contents (struct rz_layout *l, const char *out,
                             const char *out_fmt);
/* Whether the plan needs the second launch. */
extern bool rz_needs_second_launch (const struct rz_layout *l);

/* output.c */
extern void rz_output_init (void);
/* A timestamped line of progress ("[   1.2] Copying /dev/sda1"). */
extern void rz_message (const char *fs, ...)
  __attribute__ ((format (printf, 1, 2)));
/* A line of the summary. */
extern void rz_info (const char *fs, ...)
  __attribute__ ((format (printf, 1, 2)));
/* A warning (stderr), an error (stderr, "virt-resize: error: ..."). */
extern void rz_warning (const char *fs, ...)
  __attribute__ ((format (printf, 1, 2)));
extern void rz_error (const char *fs, ...)
  __attribute__ ((format (printf, 1, 2)));
/* The handle's last error through rz_error; returns the exit code. */
extern int rz_handle_error (gc_h *g);
/* The handle's warnings as --machine-readable JSON too. */
extern void rz_watch_handle (gc_h *g);
/* Progress of the copy: done of total bytes; done == total ends it. */
extern void rz_progress (uint64_t done, uint64_t total);
/* "1.5G", "512.0M", "4.0K", "100" (bytes). */
extern void rz_human (uint64_t bytes, char buf[32]);
/* The summary of the plan, before anything is written. */
extern void rz_print_summary (const struct rz_layout *l,
                              const struct rz_plan *plan, const char *in,
                              const char *out);
/* The capabilities, for --machine-readable alone. */
extern void rz_print_capabilities (void);
/* Open the channel --machine-readable=FORMAT names: -1 after printing
 * a usage error. */
extern int rz_machine_readable_open (void);
extern void rz_output_close (void);

#endif /* GC_RESIZE_H */
