/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* The strings of an inspection are the guest's: package names and
 * descriptions, hostnames, labels, registry values, device names made
 * from LVM, md and btrfs names.  Before gc_inspect hands them out,
 * each is made safe by utf8.h's one rule, so no tool can write invalid
 * XML or JSON, or a terminal escape, from them. */

#include <config.h>

#include "internal.h"
#include "utf8.h"

/* See internal.h. */
int
gc_int_inspection_make_safe (struct gc_inspection *insp)
{
  int r = 0;

#define SAFE(s) (r |= gc_utf8_make_safe (&(s)))
  for (size_t i = 0; i < insp->nr_oses; ++i) {
    struct gc_inspect_os *os = &insp->oses[i];
    SAFE (os->root);
    SAFE (os->product_name);
    SAFE (os->product_variant);
    SAFE (os->build_id);
    SAFE (os->windows_systemroot);
    SAFE (os->windows_current_control_set);
    SAFE (os->arch);
    SAFE (os->hostname);
    for (size_t j = 0; j < os->nr_mountpoints; ++j) {
      SAFE (os->mountpoints[j].mountpoint);
      SAFE (os->mountpoints[j].device);
    }
    for (size_t j = 0; j < os->nr_filesystems; ++j) {
      SAFE (os->filesystems[j].device);
      SAFE (os->filesystems[j].type);
      SAFE (os->filesystems[j].label);
      SAFE (os->filesystems[j].uuid);
    }
    for (size_t j = 0; j < os->nr_drive_mappings; ++j) {
      SAFE (os->drive_mappings[j].name);
      SAFE (os->drive_mappings[j].device);
    }
    for (size_t j = 0; j < os->nr_applications; ++j) {
      struct gc_inspect_app *a = &os->applications[j];
      SAFE (a->name);
      SAFE (a->version);
      SAFE (a->release);
      SAFE (a->arch);
      SAFE (a->url);
      SAFE (a->source_package);
      SAFE (a->summary);
      SAFE (a->description);
      SAFE (a->display_name);
      SAFE (a->publisher);
      SAFE (a->install_path);
    }
  }
#undef SAFE
  return r ? -1 : 0;
}
