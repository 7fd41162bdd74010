/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* btrfs subvolumes in mounting and inspection.
 *
 * A subvolume is named as libguestfs names it, btrfsvol:DEVICE/PATH
 * (btrfsvol:/dev/sda3/root, btrfsvol:/dev/sda2/@/home), PATH from the
 * top level of the filesystem; the device alone stands for its default
 * subvolume, which is what mounting it without subvol= gives.  This
 * file parses and mounts those names, fetches and checks the list of
 * subvolumes (the appliance's reply is the guest's data: untrusted),
 * finds the subvolumes holding a root, and turns fstab entries with
 * subvol= or subvolid= into such names.
 */

#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define PREFIX "btrfsvol:"
#define TOP_LEVEL_ID 5          /* BTRFS_FS_TREE_OBJECTID */

/* Is a subvolume path (from the top level, no leading '/') one we can
 * name and mount: not empty, no empty, "." or ".." component, no comma
 * (it would end the subvol= option) and no control character? */
static bool
valid_subvol_path (const char *p)
{
  size_t n = strlen (p);
  if (n == 0 || n > 4096)
    return false;
  for (const char *c = p; *c; ++c)
    if (*c == ',' || iscntrl ((unsigned char) *c))
      return false;
  for (const char *c = p; *c; ) {
    size_t l = strcspn (c, "/");
    if (l == 0 || (l == 1 && c[0] == '.')
        || (l == 2 && c[0] == '.' && c[1] == '.'))
      return false;
    c += l;
    if (*c == '/' && *++c == '\0')
      return false;             /* a trailing slash */
  }
  return true;
}

/* See internal.h. */
int
gc_int_btrfsvol_parse (const char *mountable, char **device, char **subvol)
{
  if (device)
    *device = NULL;
  if (subvol)
    *subvol = NULL;
  if (!gc_str_prefix (mountable, PREFIX))
    return 0;
  const char *d = mountable + strlen (PREFIX);
  if (!gc_str_prefix (d, "/dev/")) {
    errno = EINVAL;
    return -1;
  }
  /* /dev/sdXN and /dev/mdN are one component after /dev/, LVM volumes
   * (/dev/VG/LV) and named md arrays (/dev/md/NAME) two. */
  const char *p = d + 5;
  size_t l = strcspn (p, "/");
  bool one = (gc_str_prefix (p, "sd") || gc_str_prefix (p, "md"))
    && strspn (p + 2, "abcdefghijklmnopqrstuvwxyz0123456789") == l - 2
    && l > 2;
  if (!one && p[l] == '/')
    l += 1 + strcspn (p + l + 1, "/");
  if (p[l] != '/' || !valid_subvol_path (p + l + 1)) {
    errno = EINVAL;
    return -1;
  }
  if (device && (*device = strndup (d, p + l - d)) == NULL)
    return -1;
  if (subvol && (*subvol = strdup (p + l + 1)) == NULL) {
    if (device) {
      free (*device);
      *device = NULL;
    }
    return -1;
  }
  return 1;
}

/* See guestcell.h. */
int
gc_mount_mountable (gc_h *g, const char *mountable, const char *mountpoint,
                    const char *options, const char *fstype, int readonly)
{
  CLEANUP_FREE char *dev = NULL, *subvol = NULL, *opts = NULL;
  int r = gc_int_btrfsvol_parse (mountable, &dev, &subvol);
  if (r == -1) {
    if (errno == EINVAL)
      gc_int_error_errno (g, EINVAL, "%s: not a valid btrfsvol:DEVICE/"
                          "SUBVOLUME name", mountable);
    else
      gc_int_perror (g, "malloc");
    return -1;
  }
  if (r == 0)
    return gc_mount (g, mountable, mountpoint, options, fstype, readonly);
  if (asprintf (&opts, "subvol=%s%s%s", subvol, options && *options ? ","
                : "", options ? options : "") == -1) {
    gc_int_perror (g, "asprintf");
    return -1;
  }
  return gc_mount (g, dev, mountpoint, opts, fstype ? fstype : "btrfs",
                   readonly);
}

/* See internal.h. */
void
gc_int_btrfs_subvols_free (gc_int_btrfs_subvols *v)
{
  for (size_t i = 0; i < v->len; ++i)
    free (v->ptr[i].path);
  gc_int_btrfs_subvols_reset (v);
}

/* Parse the flags word of btrfs_subvolume_list.  false if it has a word
 * we do not know. */
static bool
parse_flags (const char *s, struct gc_int_btrfs_subvol *sv)
{
  for (const char *p = s; *p; ) {
    size_t l = strcspn (p, ",");
    if (l == 7 && strncmp (p, "default", 7) == 0)
      sv->is_default = true;
    else if (l == 8 && strncmp (p, "readonly", 8) == 0)
      sv->readonly = true;
    else if (l == 8 && strncmp (p, "snapshot", 8) == 0)
      sv->snapshot = true;
    else
      return false;
    p += l + (p[l] == ',');
  }
  return true;
}

/* See internal.h. */
int
gc_int_btrfs_subvolumes (gc_h *g, const char *device,
                         gc_int_btrfs_subvols *v)
{
  *v = (gc_int_btrfs_subvols) EMPTY_VECTOR;
  CLEANUP_FREE_STRINGS char **l = gc_btrfs_subvolume_list (g, device);
  if (l == NULL)
    return -1;
  size_t n = gc_strings_len (l);
  if (n % 3 != 0 || n / 3 > GC_INT_BTRFS_MAX_SUBVOLUMES) {
    gc_int_error (g, "btrfs_subvolume_list: %s: the appliance sent %zu "
                  "strings, not triples of at most %d subvolumes", device,
                  n, GC_INT_BTRFS_MAX_SUBVOLUMES);
    return -1;
  }
  bool have_default = false;
  for (size_t i = 0; i < n; i += 3) {
    struct gc_int_btrfs_subvol sv = { 0 };
    char *end;
    errno = 0;
    uintmax_t id = isdigit ((unsigned char) l[i][0])
      ? strtoumax (l[i], &end, 10) : 0;
    if (errno || id < 256 || *end
        || !parse_flags (l[i + 1], &sv)
        || (sv.is_default && have_default)) {
      gc_int_error (g, "btrfs_subvolume_list: %s: bad entry from the "
                    "appliance (%s, %s)", device, l[i], l[i + 1]);
      gc_int_btrfs_subvols_free (v);
      return -1;
    }
    have_default |= sv.is_default;
    if (!valid_subvol_path (l[i + 2])) {
      /* The guest's own name: it is what it is.  Left out. */
      gc_int_debug (g, "%s: btrfs subvolume %ju: a path we cannot use: "
                    "skipped", device, id);
      continue;
    }
    sv.id = (uint64_t) id;
    sv.path = strdup (l[i + 2]);
    if (sv.path == NULL || gc_int_btrfs_subvols_append (v, sv) == -1) {
      free (sv.path);
      gc_int_perror (g, "malloc");
      gc_int_btrfs_subvols_free (v);
      return -1;
    }
  }
  return 0;
}

/* See internal.h. */
char *
gc_int_btrfsvol_name (const char *device, const char *subvol)
{
  char *r;
  if (asprintf (&r, PREFIX "%s/%s", device, subvol) == -1)
    return NULL;
  return r;
}

/* Is the path one of snapper's snapshots, .snapshots/N/snapshot at the
 * end? */
static bool
snapper_path (const char *p)
{
  const char *s = strstr (p, ".snapshots/");
  for (; s; s = strstr (s + 1, ".snapshots/")) {
    if (s != p && s[-1] != '/')
      continue;
    const char *d = s + 11;
    size_t nd = strspn (d, "0123456789");
    if (nd > 0 && strcmp (d + nd, "/snapshot") == 0)
      return true;
  }
  return false;
}

/* See internal.h. */
int
gc_int_btrfs_find_roots (gc_h *g, const char *device,
                         int (*is_root) (gc_h *), string_vector *roots)
{
  gc_int_btrfs_subvols v;
  if (gc_int_btrfs_subvolumes (g, device, &v) == -1) {
    if (g->state != GC_STATE_READY)
      return -1;
    /* A damaged filesystem: its default subvolume was looked at. */
    gc_int_debug (g, "find_roots: %s: the subvolumes cannot be listed: %s",
                  device, gc_last_error (g));
    return 0;
  }
  int ret = -1;
  for (size_t i = 0; i < v.len; ++i) {
    const struct gc_int_btrfs_subvol *s = &v.ptr[i];
    if (s->is_default)
      continue;                 /* that is the device itself */
    if (s->snapshot || snapper_path (s->path)) {
      gc_int_debug (g, "find_roots: %s: subvolume %s is a snapshot: not "
                    "looked at", device, s->path);
      continue;
    }
    CLEANUP_FREE char *name = gc_int_btrfsvol_name (device, s->path);
    if (name == NULL) {
      gc_int_perror (g, "asprintf");
      goto out;
    }
    if (gc_mount_mountable (g, name, "/", NULL, NULL, 1) == -1) {
      if (g->state != GC_STATE_READY)
        goto out;
      gc_int_debug (g, "find_roots: %s does not mount: %s", name,
                    gc_last_error (g));
      continue;
    }
    int r = is_root (g);
    if (gc_umount_all (g) == -1 || r == -1)
      goto out;
    if (r == 1) {
      if (string_vector_append (roots, name) == -1) {
        gc_int_perror (g, "malloc");
        goto out;
      }
      name = NULL;
    }
  }
  ret = 0;
 out:
  gc_int_btrfs_subvols_free (&v);
  return ret;
}

/* The value of option key= in a comma-separated list (the last one, as
 * mount(8) would take it), malloc'd; NULL if absent (or ENOMEM: errno
 * then tells). */
static char *
option_value (const char *options, const char *key)
{
  size_t n = strlen (key);
  char *r = NULL;
  errno = 0;
  for (const char *p = options; p && *p; ) {
    size_t l = strcspn (p, ",");
    if (l > n && strncmp (p, key, n) == 0 && p[n] == '=') {
      free (r);
      r = strndup (p + n + 1, l - n - 1);
      if (r == NULL)
        return NULL;
    }
    p += l + (p[l] == ',');
  }
  return r;
}

/* See internal.h. */
int
gc_int_btrfs_fstab_mountable (gc_h *g, const struct gc_int_fslist *l,
                              const struct gc_int_fstab_entry *e,
                              char **dev)
{
  bool btrfs = strcmp (e->vfstype, "btrfs") == 0;
  for (size_t i = 0; !btrfs && i < l->fs.len; ++i)
    if (strcmp (l->fs.ptr[i].device, *dev) == 0)
      btrfs = strcmp (l->fs.ptr[i].type, "btrfs") == 0;
  if (!btrfs || gc_str_prefix (*dev, PREFIX))
    return 0;

  CLEANUP_FREE char *subvol = NULL, *idstr = NULL, *path = NULL;
  subvol = option_value (e->options, "subvol");
  if (subvol == NULL && errno == ENOMEM)
    goto enomem;
  if (subvol == NULL)
    idstr = option_value (e->options, "subvolid");
  if (subvol == NULL && idstr == NULL) {
    if (errno == ENOMEM)
      goto enomem;
    return 0;                   /* the default subvolume: the device */
  }

  if (subvol) {
    /* subvol=/@/home and subvol=@/home are the same: from the top. */
    const char *s = subvol + strspn (subvol, "/");
    path = strdup (s);
    if (path == NULL)
      goto enomem;
    size_t n = strlen (path);
    while (n > 0 && path[n - 1] == '/')
      path[--n] = '\0';
  }
  else {
    char *end;
    errno = 0;
    uintmax_t id = strtoumax (idstr, &end, 10);
    if (errno || *end || idstr[0] == '\0') {
      gc_int_debug (g, "/etc/fstab: %s on %s: subvolid=%s is not a "
                    "number: the default subvolume is used", e->spec,
                    e->mountpoint, idstr);
      return 0;
    }
    gc_int_btrfs_subvols v;
    if (id != TOP_LEVEL_ID) {
      if (gc_int_btrfs_subvolumes (g, *dev, &v) == -1)
        return -1;
      for (size_t i = 0; i < v.len && path == NULL; ++i)
        if (v.ptr[i].id == id && (path = strdup (v.ptr[i].path)) == NULL) {
          gc_int_btrfs_subvols_free (&v);
          goto enomem;
        }
      gc_int_btrfs_subvols_free (&v);
      if (path == NULL) {
        gc_int_debug (g, "/etc/fstab: %s on %s: no subvolume %ju on %s: "
                      "the default subvolume is used", e->spec,
                      e->mountpoint, id, *dev);
        return 0;
      }
    }
    else if ((path = strdup ("")) == NULL)
      goto enomem;
  }
  if (path[0] == '\0') {
    /* The top level has no btrfsvol: name; the device stands for it
     * (right when it is the default subvolume, as it is unless a
     * default was set). */
    gc_int_debug (g, "/etc/fstab: %s on %s: the top level of %s",
                  e->spec, e->mountpoint, *dev);
    return 0;
  }
  if (!valid_subvol_path (path)) {
    gc_int_debug (g, "/etc/fstab: %s on %s: subvolume %s: not a usable "
                  "path: the default subvolume is used", e->spec,
                  e->mountpoint, path);
    return 0;
  }
  char *name = gc_int_btrfsvol_name (*dev, path);
  if (name == NULL)
    goto enomem;
  free (*dev);
  *dev = name;
  return 0;

 enomem:
  gc_int_perror (g, "malloc");
  return -1;
}
