/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Filesystems: probing with libblkid (low-level probing, no cache, in
 * process), vfs_type/label/uuid,
 * list_filesystems and mkfs.
 */

#include <config.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <blkid.h>

#include "daemon.h"
#include "gc-daemon-actions.h"

/* One device's blkid result: "KEY=value" strings. */
struct probe {
  char *dev;
  string_vector tags;
};

static const char *
probe_get (const struct probe *p, const char *tag)
{
  size_t n = strlen (tag);
  for (size_t i = 0; i < p->tags.len; ++i)
    if (strncmp (p->tags.ptr[i], tag, n) == 0 && p->tags.ptr[i][n] == '=')
      return p->tags.ptr[i] + n + 1;
  return NULL;
}

static void
probes_free (struct probe *p, size_t n)
{
  for (size_t i = 0; i < n; ++i) {
    free (p[i].dev);
    gc_string_vector_free (&p[i].tags);
  }
  free (p);
}

/* Probe one device with libblkid's low-level probing (superblocks:
 * TYPE, LABEL, UUID...; partition tables: PTTYPE).  1 if it has a
 * signature (p filled), 0 if none, 2 if it cannot be read, -1 on ENOMEM.
 * In-process: an exec of blkid costs ~0.1 s in a TCG appliance. */
static int
probe_uncached (const char *dev, struct probe *p)
{
  blkid_probe pr = blkid_new_probe_from_filename (dev);
  if (pr == NULL) {
    gc_d_debug ("blkid: %s: %m", dev);
    return 2;
  }
  blkid_probe_enable_superblocks (pr, 1);
  blkid_probe_set_superblocks_flags (pr, BLKID_SUBLKS_LABEL |
                                     BLKID_SUBLKS_UUID | BLKID_SUBLKS_TYPE);
  blkid_probe_enable_partitions (pr, 1);
  int rc = blkid_do_safeprobe (pr);
  int r = 0;
  if (rc == 0) {
    int n = blkid_probe_numof_values (pr);
    r = 1;
    for (int i = 0; i < n; ++i) {
      const char *name, *data;
      size_t len;
      char *s;
      if (blkid_probe_get_value (pr, i, &name, &data, &len) != 0)
        continue;
      if (asprintf (&s, "%s=%s", name, data) == -1 ||
          string_vector_append (&p->tags, s) == -1) {
        free (s);
        r = -1;
        break;
      }
    }
    if (r == 1 && (p->dev = strdup (dev)) == NULL)
      r = -1;
  }
  else if (rc == -2)
    gc_d_debug ("blkid: %s: ambivalent result (several signatures)", dev);
  blkid_free_probe (pr);
  return r;
}

/* Probing reads scattered sectors, each read a round trip through the
 * emulated disk: 30-50 ms a device under TCG, and inspection asks for
 * the type, label and UUID of every filesystem, some twice.  Results
 * (found or not) are kept until an action that writes runs. */
struct cached {
  char *dev;
  int found;
  string_vector tags;
};
DEFINE_VECTOR_TYPE (cached_vector, struct cached);
static cached_vector cache;

/* See daemon.h. */
void
gc_d_blkid_forget (void)
{
  for (size_t i = 0; i < cache.len; ++i) {
    free (cache.ptr[i].dev);
    gc_string_vector_free (&cache.ptr[i].tags);
  }
  cached_vector_reset (&cache);
}

/* Append copies of src's strings to dst; -1 on ENOMEM. */
static int
copy_tags (string_vector *dst, const string_vector *src)
{
  for (size_t i = 0; i < src->len; ++i) {
    char *s = strdup (src->ptr[i]);
    if (s == NULL || string_vector_append (dst, s) == -1) {
      free (s);
      return -1;
    }
  }
  return 0;
}

/* probe_uncached, through the cache. */
static int
probe_one (const char *dev, struct probe *p)
{
  for (size_t i = 0; i < cache.len; ++i) {
    const struct cached *c = &cache.ptr[i];
    if (strcmp (c->dev, dev) != 0)
      continue;
    if (!c->found)
      return 0;
    if (copy_tags (&p->tags, &c->tags) == -1 ||
        (p->dev = strdup (dev)) == NULL)
      return -1;
    return 1;
  }

  int r = probe_uncached (dev, p);
  if (r == 2)
    return 0;                   /* not cached: it may appear later */
  if (r >= 0) {
    struct cached c = { .dev = strdup (dev), .found = r == 1 };
    if (c.dev == NULL || copy_tags (&c.tags, &p->tags) == -1 ||
        cached_vector_append (&cache, c) == -1) {
      /* Not cached: only slower next time. */
      free (c.dev);
      gc_string_vector_free (&c.tags);
    }
  }
  return r;
}

/* Probe the devices (appliance names); *n_r results (devices without
 * any signature are absent).  NULL after replying. */
static struct probe *
probe_devices (char *const *devs, size_t *n_r)
{
  size_t ndev = gc_strings_len (devs);
  *n_r = 0;
  struct probe *r = calloc (ndev + 1, sizeof *r);
  if (r == NULL) {
    reply_with_perror ("malloc");
    return NULL;
  }
  size_t n = 0;
  for (size_t i = 0; i < ndev; ++i) {
    switch (probe_one (devs[i], &r[n])) {
    case 1:
      ++n;
      break;
    case 0:
      gc_string_vector_free (&r[n].tags);
      break;
    default:
      probes_free (r, n + 1);
      reply_with_perror ("malloc");
      return NULL;
    }
  }
  *n_r = n;
  return r;
}

/* See daemon.h. */
char *
gc_d_blkid_tag (const char *device, const char *tag)
{
  char *devs[] = { (char *) device, NULL };
  size_t n;
  struct probe *p = probe_devices (devs, &n);
  if (p == NULL)
    return NULL;
  const char *v = n > 0 ? probe_get (&p[0], tag) : NULL;
  char *r = strdup (v ? v : "");
  probes_free (p, n);
  if (r == NULL)
    reply_with_perror ("malloc");
  return r;
}

/* The TYPE (caller frees); NULL after replying. */
char *
do_vfs_type (const char *device)
{
  return gc_d_blkid_tag (device, "TYPE");
}

/* The LABEL (caller frees); NULL after replying. */
char *
do_vfs_label (const char *device)
{
  return gc_d_blkid_tag (device, "LABEL");
}

/* The UUID (caller frees); NULL after replying. */
char *
do_vfs_uuid (const char *device)
{
  return gc_d_blkid_tag (device, "UUID");
}

/* A partition's entry in its disk's table (PART_ENTRY_UUID, _NAME,
 * _OFFSET...), "" if none: malloc'd, NULL after replying.  A probe of
 * its own, uncached: entry details make blkid read the whole disk's
 * table for each partition, which the probing of every launch
 * (list_filesystems) does not need; only drive letters and PARTUUID=
 * or PARTLABEL= ask. */
static char *
part_entry_tag (const char *partition, const char *tag)
{
  blkid_probe pr = blkid_new_probe_from_filename (partition);
  if (pr == NULL) {
    reply_with_perror ("%s: %s", gc_d_action (), partition);
    return NULL;
  }
  blkid_probe_enable_superblocks (pr, 0);
  blkid_probe_enable_partitions (pr, 1);
  blkid_probe_set_partitions_flags (pr, BLKID_PARTS_ENTRY_DETAILS);
  const char *v = NULL;
  if (blkid_do_safeprobe (pr) == 0)
    blkid_probe_lookup_value (pr, tag, &v, NULL);
  char *r = strdup (v ? v : "");
  blkid_free_probe (pr);
  if (r == NULL)
    reply_with_perror ("malloc");
  return r;
}

/* PART_ENTRY_UUID (caller frees); NULL after replying. */
char *
do_part_uuid (const char *partition)
{
  return part_entry_tag (partition, "PART_ENTRY_UUID");
}

/* PART_ENTRY_NAME (caller frees); NULL after replying. */
char *
do_part_name (const char *partition)
{
  return part_entry_tag (partition, "PART_ENTRY_NAME");
}

/* PART_ENTRY_OFFSET in bytes; -1 after replying. */
int64_t
do_part_offset (const char *partition)
{
  CLEANUP_FREE char *s = part_entry_tag (partition, "PART_ENTRY_OFFSET");
  if (s == NULL)
    return -1;
  char *end;
  errno = 0;
  long long sectors = strtoll (s, &end, 10);
  if (*s == '\0' || *end != '\0' || errno || sectors < 0
      || sectors > INT64_MAX / 512) {
    reply_with_error_errno (EINVAL, "part_offset: %s: not a partition",
                            partition);
    return -1;
  }
  return sectors * 512;
}

/* Append "/dev/NAME"; -1 after replying. */
static int
append_dev (string_vector *v, const char *name)
{
  char *s;
  if (asprintf (&s, "/dev/%s", name) == -1)
    s = NULL;
  if (s == NULL || string_vector_append (v, s) == -1) {
    free (s);
    reply_with_perror ("malloc");
    return -1;
  }
  return 0;
}

/* Append the guest's partitions, and the disks without any, as
 * appliance paths; -1 after replying. */
static int
disk_candidates (string_vector *cand)
{
  char *const *disks = gc_d_guest_disks ();
  for (size_t i = 0; disks[i]; ++i) {
    CLEANUP_FREE_STRINGS char **parts = gc_d_disk_partitions (disks[i]);
    if (parts == NULL) {
      reply_with_perror ("%s: /sys/block/%s", gc_d_action (), disks[i]);
      return -1;
    }
    if (parts[0] == NULL && append_dev (cand, disks[i]) == -1)
      return -1;
    for (size_t j = 0; parts[j]; ++j)
      if (append_dev (cand, parts[j]) == -1)
        return -1;
  }
  return 0;
}

/* See daemon.h. */
int
gc_d_disks_have_type (const char *type)
{
  string_vector cand = EMPTY_VECTOR;
  if (disk_candidates (&cand) == -1)
    return -1;
  if (string_vector_append (&cand, NULL) == -1) {
    gc_string_vector_free (&cand);
    reply_with_perror ("malloc");
    return -1;
  }
  size_t np;
  struct probe *p = probe_devices (cand.ptr, &np);
  gc_string_vector_free (&cand);
  if (p == NULL)
    return -1;
  int r = 0;
  for (size_t i = 0; i < np && r == 0; ++i) {
    const char *t = probe_get (&p[i], "TYPE");
    r = t && strcmp (t, type) == 0;
  }
  probes_free (p, np);
  return r;
}

/* Pairs of /dev/sdXN or /dev/VG/LV and a filesystem type (caller
 * frees); NULL after replying. */
char **
do_list_filesystems (void)
{
  string_vector cand = EMPTY_VECTOR;
  char **r = NULL;
  struct probe *p = NULL;
  size_t np = 0;

  if (disk_candidates (&cand) == -1)
    goto out;
  /* Then md arrays (once assembled), LVs (which may be on them), the
   * LUKS volumes opened (under or over LVM). */
  for (int k = 0; k < 3; ++k) {
    CLEANUP_FREE_STRINGS char **more = k == 0 ? gc_d_md_arrays ()
      : k == 1 ? gc_d_active_lvs () : gc_d_luks_mappings ();
    if (more == NULL)
      goto enomem;
    for (size_t j = 0; more[j]; ++j) {
      char *s = strdup (more[j]);
      if (s == NULL || string_vector_append (&cand, s) == -1)
        goto enomem;
    }
  }
  if (string_vector_append (&cand, NULL) == -1)
    goto enomem;
  cand.len--;

  p = probe_devices (cand.ptr, &np);
  if (p == NULL)
    goto out;

  string_vector v = EMPTY_VECTOR;
  for (size_t i = 0; i < cand.len; ++i) {
    const struct probe *pr = NULL;
    for (size_t j = 0; j < np; ++j)
      if (p[j].dev && strcmp (p[j].dev, cand.ptr[i]) == 0)
        pr = &p[j];
    const char *type = pr ? probe_get (pr, "TYPE") : NULL;
    if (type == NULL || strcmp (type, "LVM2_member") == 0 ||
        probe_get (pr, "PTTYPE") != NULL)
      continue;
    char *dev = gc_d_device_to_user (cand.ptr[i]);
    char *t = strdup (type);
    if (dev == NULL || t == NULL ||
        string_vector_append (&v, dev) == -1) {
      free (dev);
      free (t);
      gc_string_vector_free (&v);
      goto enomem;
    }
    if (string_vector_append (&v, t) == -1) {
      free (t);
      gc_string_vector_free (&v);
      goto enomem;
    }
  }
  r = gc_strings_from_vector (&v);
  if (r == NULL) {
    gc_string_vector_free (&v);
    goto enomem;
  }
  goto out;

 enomem:
  reply_with_perror ("malloc");
 out:
  if (p)
    probes_free (p, np);
  gc_string_vector_free (&cand);
  return r;
}

/* Runs a mkfs-like command; -1 after replying with its stderr. */
static int
run_mkfs (const char *fstype, const char *device, char *const *argv)
{
  CLEANUP_FREE char *err = NULL;
  CLEANUP_FREE char *user = gc_d_device_to_user (device);
  int st = commandv (NULL, &err, argv);
  if (st == -1) {
    reply_with_perror ("mkfs: %s: %s", user ? user : device, argv[0]);
    return -1;
  }
  if (st != 0) {
    /* Keep the reason, not the usage text some tools print after it. */
    char *usage = err ? strcasestr (err, "\nusage:") : NULL;
    if (usage)
      *usage = '\0';
    reply_tool_failure (err, "mkfs: %s on %s: %s failed", fstype,
                        user ? user : device, argv[0]);
    return -1;
  }
  return 0;
}

/* NTFS with ntfs-3g's tools: a quick mkntfs (no zeroing), then the
 * volume serial (uuid: 16 hex digits, dashes ignored) set with
 * ntfslabel, since mkntfs always picks a random one.  0, or -1 after
 * replying. */
static int
mkfs_ntfs (const char *device, const char *label, const char *uuid)
{
  char serial[32], opt[64];
  if (uuid) {
    size_t j = 0;
    for (const char *p = uuid; *p && j < 17; ++p)
      if (*p != '-')
        serial[j++] = *p;
    serial[j] = '\0';
    if (j != 16 || strspn (serial, "0123456789abcdefABCDEF") != 16) {
      reply_with_error_errno (EINVAL, "mkfs: ntfs: %s: the UUID (volume "
                              "serial) must be 16 hex digits", uuid);
      return -1;
    }
  }
  const char *mk[] = { "mkntfs", "-Q", "-F", "-q", NULL, NULL, NULL, NULL };
  size_t n = 4;
  if (label) {
    mk[n++] = "-L";
    mk[n++] = label;
  }
  mk[n] = device;
  if (run_mkfs ("ntfs", device, (char *const *) mk) == -1)
    return -1;
  if (uuid) {
    snprintf (opt, sizeof opt, "--new-serial=%s", serial);
    const char *nl[] = { "ntfslabel", "-q", opt, device, NULL };
    if (run_mkfs ("ntfs", device, (char *const *) nl) == -1)
      return -1;
  }
  return 0;
}

/* 0, or -1 after replying. */
int
do_mkfs (const char *fstype, const char *device, const char *label,
         const char *uuid)
{
  const char *argv[16];
  size_t n = 0;
  char volid[16], muuid[64];

  if (strcmp (fstype, "ext2") == 0 || strcmp (fstype, "ext3") == 0 ||
      strcmp (fstype, "ext4") == 0) {
    argv[n++] = "mke2fs";
    argv[n++] = "-q";
    argv[n++] = "-F";
    argv[n++] = "-t";
    argv[n++] = fstype;
    if (label) {
      argv[n++] = "-L";
      argv[n++] = label;
    }
    if (uuid) {
      argv[n++] = "-U";
      argv[n++] = uuid;
    }
  }
  else if (strcmp (fstype, "xfs") == 0) {
    argv[n++] = "mkfs.xfs";
    argv[n++] = "-q";
    argv[n++] = "-f";
    if (label) {
      argv[n++] = "-L";
      argv[n++] = label;
    }
    if (uuid) {
      snprintf (muuid, sizeof muuid, "uuid=%s", uuid);
      argv[n++] = "-m";
      argv[n++] = muuid;
    }
  }
  else if (strcmp (fstype, "vfat") == 0 || strcmp (fstype, "fat") == 0) {
    fstype = "vfat";
    argv[n++] = "mkfs.vfat";
    if (label) {
      argv[n++] = "-n";
      argv[n++] = label;
    }
    if (uuid) {
      /* XXXX-XXXX -> XXXXXXXX */
      size_t j = 0;
      for (const char *p = uuid; *p && j < 9; ++p)
        if (*p != '-')
          volid[j++] = *p;
      volid[j] = '\0';
      if (j != 8 || strspn (volid, "0123456789abcdefABCDEF") != 8) {
        reply_with_error_errno (EINVAL, "mkfs: vfat: %s: the UUID must "
                                "look like XXXX-XXXX (hex digits)", uuid);
        return -1;
      }
      argv[n++] = "-i";
      argv[n++] = volid;
    }
  }
  else if (strcmp (fstype, "swap") == 0 || strcmp (fstype, "btrfs") == 0) {
    /* The same options for both: -f, -L LABEL, -U UUID. */
    bool swap = strcmp (fstype, "swap") == 0;
    argv[n++] = swap ? "mkswap" : "mkfs.btrfs";
    if (!swap)
      argv[n++] = "-q";
    argv[n++] = "-f";
    if (label) {
      argv[n++] = "-L";
      argv[n++] = label;
    }
    if (uuid) {
      argv[n++] = "-U";
      argv[n++] = uuid;
    }
  }
  else if (strcmp (fstype, "ntfs") == 0)
    return mkfs_ntfs (device, label, uuid);
  else {
    reply_with_error_errno (EINVAL, "mkfs: %s: unsupported filesystem type "
                            "(ext2, ext3, ext4, xfs, btrfs, vfat, swap or ntfs)",
                            fstype);
    return -1;
  }
  argv[n++] = device;
  argv[n] = NULL;
  return run_mkfs (fstype, device, (char *const *) argv);
}
