/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Encrypted volumes: the guest's LUKS volumes are opened with the keys
 * the tool's callback gives (from --key, stdin or a prompt), before and
 * after LVM activation, so that LVM on LUKS and LUKS on LVM both open.
 * The key goes to the appliance in one luks_open call (never traced)
 * and is wiped from the core's memory after it.  A volume without a key
 * is left out with a warning; a wrong key is an error naming the
 * device.
 */

#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* See guestcell.h. */
int
gc_set_key_callback (gc_h *g, gc_key_cb cb, void *opaque)
{
  if (g->state != GC_STATE_CONFIG) {
    gc_int_error_errno (g, EBUSY, "set_key_callback: the handle is launched");
    return -1;
  }
  g->key_cb = cb;
  g->key_opaque = opaque;
  return 0;
}

/* Whether the volume was tried already. */
static bool
tried (gc_h *g, const char *device)
{
  for (size_t i = 0; i < g->luks.len; ++i)
    if (strcmp (g->luks.ptr[i].device, device) == 0)
      return true;
  return false;
}

/* Are all drives read-only?  Then so are the opened volumes. */
static bool
all_readonly (gc_h *g)
{
  for (size_t i = 0; i < g->drives.len; ++i)
    if (!g->drives.ptr[i].readonly)
      return false;
  return true;
}

/* Open one volume (its key from the callback).  1 if opened, 0 if left
 * out, -1 on error. */
static int
open_one (gc_h *g, const char *device)
{
  struct gc_int_luks v = { .device = strdup (device) };
  if (v.device == NULL || gc_int_luks_vector_append (&g->luks, v) == -1) {
    free (v.device);
    gc_int_perror (g, "malloc");
    return -1;
  }
  struct gc_int_luks *l = &g->luks.ptr[g->luks.len - 1];
  CLEANUP_FREE char *uuid = gc_vfs_uuid (g, device);
  if (uuid == NULL)
    return -1;
  char *key = g->key_cb ? g->key_cb (g, g->key_opaque, device, uuid) : NULL;
  if (key == NULL) {
    gc_int_warning (g, "%s is encrypted (LUKS UUID %s) and no key was "
                    "given for it: what it holds is left out", device, uuid);
    return 0;
  }
  l->mapper = gc_luks_open (g, device, key, all_readonly (g));
  explicit_bzero (key, strlen (key));
  free (key);
  if (l->mapper == NULL)
    return -1;
  gc_int_debug (g, "luks: %s opened as %s", device, l->mapper);
  return 1;
}

/* See internal.h. */
int
gc_int_open_luks (gc_h *g)
{
  struct gc_int_fslist fl;
  if (gc_int_fslist_get (g, &fl) == -1)
    return -1;
  int opened = 0;
  for (size_t i = 0; i < fl.fs.len; ++i) {
    const struct gc_int_fsinfo *f = &fl.fs.ptr[i];
    if (strcmp (f->type, "crypto_LUKS") != 0 || tried (g, f->device))
      continue;
    int r = open_one (g, f->device);
    if (r == -1) {
      gc_int_fslist_free (&fl);
      return -1;
    }
    opened += r;
  }
  gc_int_fslist_free (&fl);
  return opened;
}

/* See internal.h. */
const char *
gc_int_luks_mapper (gc_h *g, const char *device)
{
  for (size_t i = 0; i < g->luks.len; ++i)
    if (strcmp (g->luks.ptr[i].device, device) == 0)
      return g->luks.ptr[i].mapper;
  return NULL;
}

/* See internal.h. */
void
gc_int_luks_free (gc_h *g)
{
  for (size_t i = 0; i < g->luks.len; ++i) {
    free (g->luks.ptr[i].device);
    free (g->luks.ptr[i].mapper);
  }
  free (g->luks.ptr);
  g->luks = (gc_int_luks_vector) EMPTY_VECTOR;
}
