/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* LVM physical volumes read by the daemon, and activation without lvm
 * (daemon/lvmact.c). */

#ifndef GC_LVMACT_H
#define GC_LVMACT_H

#include <stddef.h>
#include <stdint.h>

#define GC_D_PV_MAX_MDA 4

/* A PV's label: its UUID (32 characters, no dashes) and its metadata
 * areas (byte offset and size on the device). */
struct gc_d_pv_label {
  char uuid[33];
  size_t nmda;
  uint64_t mda_offset[GC_D_PV_MAX_MDA], mda_size[GC_D_PV_MAX_MDA];
};

/* Read the label of the device open on fd into *l: 0, or -1 if it is
 * not an LVM physical volume ("LABELONE" and "LVM2 001" in one of its
 * first four sectors). */
extern int gc_d_pv_label (int fd, struct gc_d_pv_label *l);

/* The current metadata text of the first metadata area in use (*text
 * malloc'd and NUL-terminated, *len its size), or *text NULL if every
 * area is ignored or empty.  0, or -1 if an area's header or text fails
 * its checksum, is out of its area or is larger than max bytes. */
extern int gc_d_pv_metadata (int fd, const struct gc_d_pv_label *l,
                             size_t max, char **text, size_t *len);

/* The size of the largest current metadata text of the PV's areas
 * (0 if no header is readable): only a size, to decide how to
 * activate. */
extern int64_t gc_d_pv_metadata_size (int fd, const struct gc_d_pv_label *l);

/* The devices that may be LVM physical volumes (appliance names such
 * as "vdb2", md arrays and opened LUKS volumes first), or NULL on
 * ENOMEM.  Caller frees. */
extern char **gc_d_pv_candidates (void);

/* Activate every LVM volume group of the devices devs (those of
 * gc_d_pv_candidates; NULL: out of memory) without lvm: 1 if done; 0
 * with *why (static) if lvm must do it (nothing was left active).
 * Texts larger than max bytes are left to lvm. */
extern int gc_d_lvm_activate_native (char *const *devs, size_t max,
                                     const char **why);

#endif
