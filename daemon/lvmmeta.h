/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* LVM activation without lvm: from the metadata text of the physical
 * volumes, the device-mapper tables of every logical volume, for the
 * volume groups whose volumes are all plain (linear or striped, visible,
 * nothing lvm would do more than map extents).  Anything else (a
 * snapshot, thin or RAID volume, a missing or duplicate PV, an exported
 * or foreign VG, metadata copies that disagree) makes the plan fail with
 * a reason, and lvm itself activates.  No I/O: daemon/lvm.c reads the
 * PVs and loads the tables; test-lvmmeta.c tests this on the host. */

#ifndef GC_LVMMETA_H
#define GC_LVMMETA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One physical volume as its label says. */
struct gc_lvm_pv {
  char uuid[33];                /* the 32 characters, no dashes */
  const char *dev;              /* "MAJOR:MINOR" for the tables */
  const char *text;             /* current metadata text, or NULL */
  size_t len;
};

struct gc_lvm_target {
  uint64_t start, len;          /* 512-byte sectors */
  const char *type;             /* "linear" or "striped" */
  char *params;
};

struct gc_lvm_lv {
  char *vg, *lv;                /* names */
  char *dmname;                 /* VG-LV, each '-' of both doubled */
  char *dmuuid;                 /* LVM-<VG id><LV id>, no dashes */
  bool readonly;
  size_t ntargets;
  struct gc_lvm_target *targets;
};

struct gc_lvm_plan {
  size_t nlvs;
  struct gc_lvm_lv *lvs;
  size_t nvgs;
};

/* The plan for every VG of the PVs: 0, or -1 with *why (a static
 * string: the reason lvm must do it) and nothing to free. */
extern int gc_lvm_plan (const struct gc_lvm_pv *pvs, size_t npvs,
                        struct gc_lvm_plan *plan, const char **why);
extern void gc_lvm_plan_free (struct gc_lvm_plan *plan);

/* LVM's checksum of metadata (a CRC-32 without final inversion, seeded
 * with 0xf597a6cf; chain it by passing the last result as initial). */
#define GC_LVM_CRC_INITIAL 0xf597a6cfU
extern uint32_t gc_lvm_crc (uint32_t initial, const void *buf, size_t len);

/* A VG or LV name lvm accepts (and never an option). */
extern bool gc_lvm_valid_name (const char *s);

#endif
