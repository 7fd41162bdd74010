/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Mounting a Linux guest the way it mounts itself: find the filesystems
 * that hold a root (an /etc/fstab and an OS release file), then mount a
 * root at / and the entries of its fstab under it, their specs (device
 * names in the guest's own naming, /dev/mapper names, UUID=, LABEL=)
 * resolved to our device names.
 *
 * The fstab parser, the spec resolution and the list of filesystems are
 * separate pieces with their own interfaces in internal.h: OS inspection
 * grows out of this file and reuses them.  Everything read from the
 * guest is untrusted: a line that makes no sense is skipped, a mount
 * point with ".." is refused.
 */

#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

/*----------------------------------------------------------------------
 * fstab parsing (no appliance).
 */

/* Decode the octal escapes fstab uses for blanks (\040 space, \011 tab,
 * \012 newline, \134 backslash) in place.  A backslash not followed by
 * three octal digits, or encoding NUL, stays as it is. */
static void
unescape_octal (char *s)
{
  char *w = s;

  while (*s) {
    if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3'
        && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
      int c = (s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0');
      if (c != 0) {
        *w++ = c;
        s += 4;
        continue;
      }
    }
    *w++ = *s++;
  }
  *w = '\0';
}

static void
entry_free (struct gc_int_fstab_entry *e)
{
  free (e->spec);
  free (e->mountpoint);
  free (e->vfstype);
  free (e->options);
}

/* See internal.h.  Frees the entries and the vector. */
void
gc_int_fstab_free (gc_int_fstab *fstab)
{
  for (size_t i = 0; i < fstab->len; ++i)
    entry_free (&fstab->ptr[i]);
  gc_int_fstab_reset (fstab);
}

/* Parse one line (NUL-terminated, modified).  0: an entry or nothing
 * (*e->spec NULL); -1 on ENOMEM. */
static int
parse_line (char *line, struct gc_int_fstab_entry *e)
{
  char *fields[4] = { NULL, NULL, NULL, NULL };
  size_t nf = 0;
  char *p = line;

  memset (e, 0, sizeof *e);
  while (*p == ' ' || *p == '\t')
    ++p;
  if (*p == '\0' || *p == '#')
    return 0;

  /* Up to 4 fields; freq and passno do not matter here. */
  while (*p && nf < 4) {
    fields[nf++] = p;
    while (*p && *p != ' ' && *p != '\t')
      ++p;
    if (*p)
      *p++ = '\0';
    while (*p == ' ' || *p == '\t')
      ++p;
  }
  if (nf < 3)
    return 0;                   /* garbage */

  for (size_t i = 0; i < nf; ++i)
    unescape_octal (fields[i]);
  e->spec = strdup (fields[0]);
  e->mountpoint = strdup (fields[1]);
  e->vfstype = strdup (fields[2]);
  e->options = strdup (nf > 3 ? fields[3] : "defaults");
  if (!e->spec || !e->mountpoint || !e->vfstype || !e->options) {
    entry_free (e);
    memset (e, 0, sizeof *e);
    return -1;
  }
  return 0;
}

/* See internal.h. */
int
gc_int_parse_fstab (const char *text, size_t len, gc_int_fstab *fstab)
{
  size_t start = 0;

  *fstab = (gc_int_fstab) EMPTY_VECTOR;
  while (start < len) {
    const char *nl = memchr (text + start, '\n', len - start);
    size_t end = nl ? (size_t) (nl - text) : len;
    size_t n = end - start;

    /* A line with a NUL byte in it is not text: skip it. */
    if (memchr (text + start, '\0', n) == NULL) {
      CLEANUP_FREE char *line = strndup (text + start, n);
      struct gc_int_fstab_entry e;

      if (line == NULL)
        goto enomem;
      if (n > 0 && line[n - 1] == '\r')
        line[n - 1] = '\0';
      if (parse_line (line, &e) == -1)
        goto enomem;
      if (e.spec && gc_int_fstab_append (fstab, e) == -1) {
        entry_free (&e);
        goto enomem;
      }
    }
    start = end + 1;
  }
  return 0;

 enomem:
  gc_int_fstab_free (fstab);
  errno = ENOMEM;
  return -1;
}

/* Has the comma-separated option list this option? */
static bool
has_option (const char *options, const char *opt)
{
  size_t n = strlen (opt);

  for (const char *p = options; p && *p; ) {
    const char *comma = strchr (p, ',');
    size_t len = comma ? (size_t) (comma - p) : strlen (p);
    if (len == n && strncmp (p, opt, n) == 0)
      return true;
    p = comma ? comma + 1 : NULL;
  }
  return false;
}

/* See internal.h. */
bool
gc_int_fstab_is_mountable (const struct gc_int_fstab_entry *e)
{
  static const char *const virtual_types[] = {
    "swap", "none", "ignore", "proc", "sysfs", "tmpfs", "ramfs", "devpts",
    "devtmpfs", "cgroup", "cgroup2", "securityfs", "debugfs", "tracefs",
    "efivarfs", "mqueue", "hugetlbfs", "configfs", "fusectl", "binfmt_misc",
    "pstore", "bpf", "autofs", "rpc_pipefs", "nfsd", "selinuxfs", "usbfs",
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "9p", "virtiofs",
    "sshfs", "davfs", "glusterfs", "ceph", "fuse", "overlay", "aufs",
    "unionfs", "bind", "rbind", NULL
  };

  if (e->mountpoint[0] != '/' || e->spec[0] == '\0'
      || strcmp (e->spec, "none") == 0)
    return false;
  for (size_t i = 0; virtual_types[i]; ++i)
    if (strcmp (e->vfstype, virtual_types[i]) == 0)
      return false;
  if (gc_str_prefix (e->vfstype, "fuse.") || gc_str_prefix (e->vfstype, "fuse3."))
    return false;
  if (has_option (e->options, "bind") || has_option (e->options, "rbind")
      || has_option (e->options, "loop"))
    return false;
  /* A network share written as host:/path or //host/share. */
  if (gc_str_prefix (e->spec, "//") || (e->spec[0] != '/' && strchr (e->spec, ':')
                                        && strchr (e->spec, '=') == NULL))
    return false;
  return true;
}

/* See internal.h. */
char *
gc_int_normalize_mountpoint (const char *mp)
{
  size_t n = strlen (mp);
  char *r, *w;

  if (mp[0] != '/')
    return NULL;
  r = malloc (n + 1);
  if (r == NULL)
    return NULL;
  w = r;
  for (const char *p = mp; *p; ) {
    while (*p == '/')
      ++p;
    if (*p == '\0')
      break;
    const char *end = strchrnul (p, '/');
    size_t len = end - p;
    if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.')) {
      free (r);
      errno = EINVAL;
      return NULL;
    }
    *w++ = '/';
    memcpy (w, p, len);
    w += len;
    p = end;
  }
  if (w == r)
    *w++ = '/';
  *w = '\0';
  return r;
}

/*----------------------------------------------------------------------
 * Spec resolution.
 */

/* See internal.h. */
char *
gc_int_guest_device_name (const char *spec)
{
  char *r;

  if (!gc_str_prefix (spec, "/dev/"))
    return NULL;
  const char *name = spec + 5;

  /* /dev/mapper/VG-LV, a '-' in either doubled. */
  if (gc_str_prefix (name, "mapper/")) {
    const char *dm = name + 7;
    size_t n = strlen (dm);
    char *vg = malloc (n + 1), *lv = malloc (n + 1);
    char *w;
    bool in_lv = false;

    if (vg == NULL || lv == NULL) {
      free (vg);
      free (lv);
      return NULL;
    }
    w = vg;
    for (const char *p = dm; *p; ++p) {
      if (*p == '/')
        goto bad;
      if (*p == '-' && p[1] == '-') {
        *w++ = '-';
        ++p;
      }
      else if (*p == '-' && !in_lv) {
        *w = '\0';
        w = lv;
        in_lv = true;
      }
      else
        *w++ = *p;
    }
    *w = '\0';
    if (!in_lv || vg[0] == '\0' || lv[0] == '\0'
        || strcmp (vg, ".") == 0 || strcmp (vg, "..") == 0
        || strcmp (lv, ".") == 0 || strcmp (lv, "..") == 0)
      goto bad;
    if (asprintf (&r, "/dev/%s/%s", vg, lv) == -1)
      r = NULL;
    free (vg);
    free (lv);
    return r;
  bad:
    free (vg);
    free (lv);
    return NULL;
  }

  /* /dev/sdXN, /dev/vdXN, /dev/hdXN, /dev/xvdXN. */
  static const char *const prefixes[] = { "sd", "vd", "hd", "xvd", NULL };
  for (size_t i = 0; prefixes[i]; ++i) {
    if (!gc_str_prefix (name, prefixes[i]))
      continue;
    const char *letters = name + strlen (prefixes[i]);
    size_t nl = 0, nd = 0;
    while (letters[nl] >= 'a' && letters[nl] <= 'z')
      ++nl;
    while (isdigit ((unsigned char) letters[nl + nd]))
      ++nd;
    if (nl == 0 || nl > 3 || letters[nl + nd] != '\0'
        || (nd > 0 && letters[nl] == '0'))
      continue;
    if (asprintf (&r, "/dev/sd%s", letters) == -1)
      return NULL;
    return r;
  }

  /* /dev/VG/LV: exactly two plain components. */
  const char *slash = strchr (name, '/');
  if (slash && slash != name && slash[1] && strchr (slash + 1, '/') == NULL
      && !gc_str_prefix (name, "disk/") && !gc_str_prefix (name, "./")
      && !gc_str_prefix (name, "../") && strcmp (slash + 1, ".") != 0
      && strcmp (slash + 1, "..") != 0)
    return strdup (spec);

  return NULL;
}

static void
fsinfo_free (struct gc_int_fsinfo *f)
{
  free (f->device);
  free (f->type);
  free (f->uuid);
  free (f->label);
}

/* See internal.h. */
void
gc_int_fslist_free (struct gc_int_fslist *l)
{
  for (size_t i = 0; i < l->fs.len; ++i)
    fsinfo_free (&l->fs.ptr[i]);
  gc_int_fsinfo_vector_reset (&l->fs);
  l->have_ids = false;
}

/* See internal.h. */
int
gc_int_fslist_get (gc_h *g, struct gc_int_fslist *l)
{
  char **pairs;
  size_t n, i;

  l->fs = (gc_int_fsinfo_vector) EMPTY_VECTOR;
  l->have_ids = false;
  pairs = gc_list_filesystems (g);
  if (pairs == NULL)
    return -1;
  n = gc_strings_len (pairs);
  /* The strings move into l; the array goes. */
  for (i = 0; i + 1 < n; i += 2) {
    struct gc_int_fsinfo f = { .device = pairs[i], .type = pairs[i + 1] };
    if (gc_int_fsinfo_vector_append (&l->fs, f) == -1) {
      gc_int_perror (g, "malloc");
      gc_strings_free (pairs + i);
      free (pairs);
      gc_int_fslist_free (l);
      return -1;
    }
  }
  if (i < n)
    free (pairs[i]);            /* an odd one out */
  free (pairs);
  return 0;
}

/* The UUID and label of every filesystem, once. */
static int
fslist_get_ids (gc_h *g, struct gc_int_fslist *l)
{
  if (l->have_ids)
    return 0;
  for (size_t i = 0; i < l->fs.len; ++i) {
    struct gc_int_fsinfo *f = &l->fs.ptr[i];
    if (f->uuid == NULL) {
      f->uuid = gc_vfs_uuid (g, f->device);
      if (f->uuid == NULL) {
        if (g->state != GC_STATE_READY)
          return -1;
        f->uuid = strdup ("");
      }
    }
    if (f->label == NULL) {
      f->label = gc_vfs_label (g, f->device);
      if (f->label == NULL) {
        if (g->state != GC_STATE_READY)
          return -1;
        f->label = strdup ("");
      }
    }
    if (f->uuid == NULL || f->label == NULL) {
      gc_int_perror (g, "strdup");
      return -1;
    }
  }
  l->have_ids = true;
  return 0;
}

/* A value of UUID="..." may be quoted. */
static char *
unquote (const char *s)
{
  size_t n = strlen (s);
  if (n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0])
    return strndup (s + 1, n - 2);
  return strdup (s);
}

static int
found (gc_h *g, const char *device, char **dev)
{
  *dev = strdup (device);
  if (*dev == NULL) {
    gc_int_perror (g, "strdup");
    return -1;
  }
  return GC_INT_SPEC_FOUND;
}

/* PARTUUID= (the partition table's UUID of a partition, any case) or
 * PARTLABEL= (its GPT name): asked of each partition holding a
 * filesystem.  -1 on error, else an enum gc_int_spec. */
static int
resolve_partition (gc_h *g, struct gc_int_fslist *l, const char *value,
                   bool by_uuid, char **dev)
{
  CLEANUP_FREE char *want = unquote (value);
  if (want == NULL) {
    gc_int_perror (g, "strdup");
    return -1;
  }
  if (want[0] == '\0')
    return GC_INT_SPEC_MISSING;
  for (size_t i = 0; i < l->fs.len; ++i) {
    const char *d = l->fs.ptr[i].device;
    if (!gc_str_prefix (d, "/dev/sd"))
      continue;                 /* an LV, not a partition */
    CLEANUP_FREE char *v = by_uuid ? gc_part_uuid (g, d) : gc_part_name (g, d);
    if (v == NULL) {
      if (g->state != GC_STATE_READY)
        return -1;
      continue;
    }
    if (by_uuid ? strcasecmp (v, want) == 0 : strcmp (v, want) == 0)
      return found (g, d, dev);
  }
  return GC_INT_SPEC_MISSING;
}

/* Was a LUKS volume left closed (no key)? */
static bool
luks_closed (gc_h *g)
{
  for (size_t i = 0; i < g->luks.len; ++i)
    if (g->luks.ptr[i].mapper == NULL)
      return true;
  return false;
}

static int resolve_spec (gc_h *g, struct gc_int_fslist *l, const char *spec,
                         char **dev, bool crypttab);

/* /dev/mapper/NAME of the mounted root's /etc/crypttab, on a volume we
 * opened: its mapping.  -1 on error, else an enum gc_int_spec. */
static int
resolve_crypttab_name (gc_h *g, struct gc_int_fslist *l, const char *name,
                       char **dev)
{
  size_t len;
  CLEANUP_FREE char *text =
    gc_int_read_guest_file (g, "/etc/crypttab", 1024 * 1024, &len);
  if (text == NULL)
    return g->state == GC_STATE_READY ? GC_INT_SPEC_MISSING : -1;
  gc_int_fstab tab = EMPTY_VECTOR;
  if (gc_int_parse_crypttab (text, len, &tab) == -1) {
    gc_int_perror (g, "parse crypttab");
    return -1;
  }
  int r = GC_INT_SPEC_MISSING;
  for (size_t i = 0; i < tab.len && r == GC_INT_SPEC_MISSING; ++i) {
    if (strcmp (tab.ptr[i].mountpoint, name) != 0)
      continue;
    CLEANUP_FREE char *source = NULL;
    r = resolve_spec (g, l, tab.ptr[i].spec, &source, false);
    if (r == GC_INT_SPEC_FOUND) {
      const char *mapper = gc_int_luks_mapper (g, source);
      r = mapper ? found (g, mapper, dev) : GC_INT_SPEC_MISSING;
    }
  }
  gc_int_fstab_free (&tab);
  return r;
}

/* See internal.h. */
int
gc_int_resolve_fstab_spec (gc_h *g, struct gc_int_fslist *l,
                           const char *spec, char **dev)
{
  return resolve_spec (g, l, spec, dev, true);
}

/* The same; crypttab: whether /dev/mapper/NAME may be a name of the
 * root's /etc/crypttab. */
static int
resolve_spec (gc_h *g, struct gc_int_fslist *l, const char *spec,
              char **dev, bool crypttab)
{
  const char *uuid = NULL, *label = NULL;

  *dev = NULL;
  if (gc_str_prefix (spec, "UUID="))
    uuid = spec + 5;
  else if (gc_str_prefix (spec, "/dev/disk/by-uuid/"))
    uuid = spec + 18;
  else if (gc_str_prefix (spec, "LABEL="))
    label = spec + 6;
  else if (gc_str_prefix (spec, "/dev/disk/by-label/"))
    label = spec + 19;
  else if (gc_str_prefix (spec, "PARTUUID="))
    return resolve_partition (g, l, spec + 9, true, dev);
  else if (gc_str_prefix (spec, "/dev/disk/by-partuuid/"))
    return resolve_partition (g, l, spec + 22, true, dev);
  else if (gc_str_prefix (spec, "PARTLABEL="))
    return resolve_partition (g, l, spec + 10, false, dev);
  else if (gc_str_prefix (spec, "/dev/disk/by-partlabel/"))
    return resolve_partition (g, l, spec + 23, false, dev);
  else if (gc_str_prefix (spec, "/dev/disk/"))
    return GC_INT_SPEC_UNSUPPORTED;

  if (uuid || label) {
    CLEANUP_FREE char *want = unquote (uuid ? uuid : label);
    if (want == NULL) {
      gc_int_perror (g, "strdup");
      return -1;
    }
    if (want[0] == '\0')
      return GC_INT_SPEC_MISSING;
    if (fslist_get_ids (g, l) == -1)
      return -1;
    for (size_t i = 0; i < l->fs.len; ++i) {
      const struct gc_int_fsinfo *f = &l->fs.ptr[i];
      if (uuid ? strcasecmp (f->uuid, want) == 0 : strcmp (f->label, want) == 0)
        return found (g, f->device, dev);
    }
    return GC_INT_SPEC_MISSING;
  }

  CLEANUP_FREE char *ours = gc_int_guest_device_name (spec);
  for (size_t i = 0; i < l->fs.len; ++i) {
    const char *d = l->fs.ptr[i].device;
    if ((ours && strcmp (d, ours) == 0) || strcmp (d, spec) == 0)
      return found (g, d, dev);
  }
  if (crypttab && g->luks.len > 0 && gc_str_prefix (spec, "/dev/mapper/"))
    return resolve_crypttab_name (g, l, spec + 12, dev);
  return GC_INT_SPEC_MISSING;
}

/*----------------------------------------------------------------------
 * Roots and mounting.
 */

/* Filesystem types that cannot hold a Linux root. */
static bool
cannot_be_root (const char *type)
{
  static const char *const types[] = {
    "", "unknown", "swap", "vfat", "msdos", "fat", "exfat", "ntfs", "ntfs3",
    "iso9660", "udf", "hfs", "hfsplus", "apfs", "LVM2_member",
    "crypto_LUKS", "linux_raid_member", "zfs_member", "BitLocker", NULL
  };
  for (size_t i = 0; types[i]; ++i)
    if (strcmp (type, types[i]) == 0)
      return true;
  return false;
}

static const char *const release_files[] = {
  "/etc/os-release", "/usr/lib/os-release", "/etc/debian_version",
  "/etc/redhat-release", "/etc/fedora-release", "/etc/system-release",
  "/etc/SuSE-release", "/etc/arch-release", "/etc/gentoo-release",
  "/etc/alpine-release", "/etc/slackware-version", "/etc/lsb-release",
  NULL
};

/* Is what is mounted at / a Linux root?  1 yes, 0 no, -1 the appliance
 * failed. */
static int
looks_like_root (gc_h *g)
{
  int r = gc_is_file (g, "/etc/fstab");
  if (r <= 0)
    return r == -1 && g->state != GC_STATE_READY ? -1 : 0;
  for (size_t i = 0; release_files[i]; ++i) {
    r = gc_is_file (g, release_files[i]);
    if (r == 1)
      return 1;
    if (r == -1 && g->state != GC_STATE_READY)
      return -1;
  }
  return 0;
}

/*----------------------------------------------------------------------
 * Container Linux and Flatcar: no /etc/fstab; the root on the GPT
 * partition named ROOT, /usr on one of two partitions named USR-A and
 * USR-B (the active one and the other one that updates fill), found by
 * those names.
 */

static const char *const usr_partition_names[] = { "USR-A", "USR-B", NULL };

/* The GPT name of a partition of ours (/dev/sdXN), else NULL (an LV,
 * md array, or no name); *fatal set if the appliance failed. */
static char *
partition_name (gc_h *g, const char *dev, bool *fatal)
{
  if (!gc_str_prefix (dev, "/dev/sd"))
    return NULL;
  char *name = gc_part_name (g, dev);
  if (name == NULL && g->state != GC_STATE_READY)
    *fatal = true;
  return name;
}

/* Is what is mounted at / (from device) the root of a guest whose /usr
 * is a partition: no /etc/fstab, directories /etc and /usr, and either
 * the partition named ROOT or the update configuration of Container
 * Linux (/etc/coreos/update.conf, libguestfs's test) or of Flatcar
 * (/etc/flatcar/update.conf)?  1 yes, 0 no, -1 the appliance failed. */
static int
usr_partition_root (gc_h *g, const char *device)
{
  bool fatal = false;
  int r;
#define CHECK_R(call) \
  do { r = (call); if (r == -1 && g->state != GC_STATE_READY) return -1; } \
  while (0)
  CHECK_R (gc_is_file (g, "/etc/fstab"));
  if (r == 1)
    return 0;
  CHECK_R (gc_is_dir (g, "/etc"));
  if (r != 1)
    return 0;
  CHECK_R (gc_is_dir (g, "/usr"));
  if (r != 1)
    return 0;
  CLEANUP_FREE char *name = partition_name (g, device, &fatal);
  if (fatal)
    return -1;
  if (name && strcmp (name, "ROOT") == 0)
    return 1;
  CHECK_R (gc_is_file (g, "/etc/coreos/update.conf"));
  if (r == 1)
    return 1;
  CHECK_R (gc_is_file (g, "/etc/flatcar/update.conf"));
#undef CHECK_R
  return r == 1;
}

/* See internal.h. */
int
gc_int_usr_partition (gc_h *g, const char *root, char **usr)
{
  struct gc_int_fslist l;
  bool fatal = false;
  int best_major = -2, best_minor = -2, ret = -1;

  *usr = NULL;
  if (gc_mount (g, root, "/", NULL, NULL, 1) == -1)
    return g->state != GC_STATE_READY ? -1 : 0;
  int is = usr_partition_root (g, root);
  if (gc_umount_all (g) == -1 || is == -1)
    return -1;
  if (is == 0)
    return 0;
  if (gc_int_fslist_get (g, &l) == -1)
    return -1;
  for (size_t i = 0; i < l.fs.len; ++i) {
    const char *dev = l.fs.ptr[i].device;
    if (strcmp (dev, root) == 0)
      continue;
    CLEANUP_FREE char *name = partition_name (g, dev, &fatal);
    if (fatal)
      goto out;
    bool named = false;
    for (size_t j = 0; name && usr_partition_names[j]; ++j)
      if (strcmp (name, usr_partition_names[j]) == 0)
        named = true;
    if (!named)
      continue;
    /* Both may hold a system (after an update): the higher os-release
     * version is taken as the active one, as libguestfs does (the GPT
     * priority attributes that the boot loader reads are not). */
    if (gc_mount (g, dev, "/", NULL, NULL, 1) == -1) {
      if (g->state != GC_STATE_READY)
        goto out;
      gc_int_debug (g, "%s: /usr candidate %s (%s) does not mount: %s",
                    root, dev, name, gc_last_error (g));
      continue;
    }
    struct gc_int_osinfo o = { .major = -1, .minor = -1 };
    size_t len;
    CLEANUP_FREE char *t = NULL;
    int r = gc_is_file (g, "/lib/os-release");
    if (r == 1)
      t = gc_read_file (g, "/lib/os-release", &len);
    if (g->state != GC_STATE_READY)
      goto out;
    if (t && gc_int_parse_os_release (t, len, &o) == -1) {
      gc_int_perror (g, "%s: /lib/os-release", dev);
      gc_int_osinfo_free (&o);
      goto out;
    }
    gc_int_osinfo_free (&o);
    if (gc_umount_all (g) == -1)
      goto out;
    gc_int_debug (g, "%s: /usr candidate %s (%s): version %d.%d", root, dev,
                  name, o.major, o.minor);
    if (o.major > best_major || (o.major == best_major && o.minor > best_minor)) {
      free (*usr);
      if ((*usr = strdup (dev)) == NULL) {
        gc_int_perror (g, "strdup");
        goto out;
      }
      best_major = o.major;
      best_minor = o.minor;
    }
  }
  ret = *usr != NULL;
 out:
  if (ret == -1) {
    free (*usr);
    *usr = NULL;
  }
  gc_int_fslist_free (&l);
  return ret;
}

/* The filesystems holding a Linux root, in list_filesystems' order.
 * NULL on error; caller frees with gc_free_strings. */
char **
gc_find_linux_roots (gc_h *g)
{
  return gc_find_roots (g, NULL);
}

/* Append a copy of s; -1 on ENOMEM (error set). */
static int
append_copy (gc_h *g, string_vector *v, const char *s)
{
  char *c = strdup (s);
  if (c == NULL || string_vector_append (v, c) == -1) {
    free (c);
    gc_int_perror (g, "malloc");
    return -1;
  }
  return 0;
}

/* See guestcell.h. */
int
gc_scan_volumes (gc_h *g)
{
  /* A partition table that points past the disk's end or overlaps: a
   * warning each (the kernel truncates such partitions, and what can
   * be read of them still is). */
  CLEANUP_FREE_STRINGS char **problems = gc_part_check (g);
  if (problems == NULL)
    return -1;
  for (size_t i = 0; problems[i]; ++i)
    gc_int_warning (g, "%s", problems[i]);
  /* Each does nothing (no exec) unless the disks hold its members. */
  if (gc_md_assemble (g) == -1)
    return -1;
  /* LUKS on partitions and md, then LVM (maybe on those), then LUKS on
   * LVM, and LVM again if that opened any. */
  int opened = gc_int_open_luks (g);
  for (int pass = 0; pass < 2 && opened != -1; ++pass) {
    if (pass == 1 && (opened = gc_int_open_luks (g)) <= 0)
      break;
    CLEANUP_FREE_STRINGS char **lvm = gc_lvm_scan (g, 1);
    if (lvm == NULL)
      return -1;
    for (size_t i = 0; lvm[i]; ++i)
      gc_int_warning (g, "%s", lvm[i]);
  }
  return opened == -1 ? -1 : 0;
}

/* See guestcell.h. */
char **
gc_find_roots (gc_h *g, char ***windows)
{
  struct gc_int_fslist l;
  string_vector roots = EMPTY_VECTOR, wroots = EMPTY_VECTOR;
  char **r;

  if (gc_scan_volumes (g) == -1)
    return NULL;
  if (gc_int_fslist_get (g, &l) == -1)
    return NULL;

  for (size_t i = 0; i < l.fs.len; ++i) {
    const struct gc_int_fsinfo *f = &l.fs.ptr[i];
    /* Windows lives on NTFS, which cannot hold a Linux root. */
    bool ntfs = strcmp (f->type, "ntfs") == 0;
    if (ntfs ? windows == NULL : cannot_be_root (f->type))
      continue;
    if (gc_mount (g, f->device, "/", NULL, NULL, 1) == -1) {
      if (g->state != GC_STATE_READY)
        goto error;
      gc_int_debug (g, "find_linux_roots: %s (%s) does not mount: %s",
                    f->device, f->type, gc_last_error (g));
      continue;
    }
    int is_root = ntfs ? 0 : looks_like_root (g), is_windows = 0;
    if (is_root == 0 && !ntfs)
      is_root = usr_partition_root (g, f->device);
    CLEANUP_FREE char *sysroot = NULL;
    if (ntfs)
      is_windows = gc_int_windows_systemroot (g, &sysroot);
    if (gc_umount_all (g) == -1 || is_root == -1 || is_windows == -1)
      goto error;
    if ((is_root && append_copy (g, &roots, f->device) == -1)
        || (is_windows && append_copy (g, &wroots, f->device) == -1))
      goto error;
    /* The device was its default subvolume; a root may be in another. */
    if (strcmp (f->type, "btrfs") == 0
        && gc_int_btrfs_find_roots (g, f->device, looks_like_root,
                                    &roots) == -1)
      goto error;
  }
  gc_int_fslist_free (&l);
  r = gc_strings_from_vector (&roots);
  if (r == NULL) {
    gc_int_perror (g, "malloc");
    gc_string_vector_free (&roots);
    gc_string_vector_free (&wroots);
    return NULL;
  }
  if (windows) {
    *windows = gc_strings_from_vector (&wroots);
    if (*windows == NULL) {
      gc_int_perror (g, "malloc");
      gc_strings_free (r);
      gc_string_vector_free (&wroots);
      return NULL;
    }
  }
  return r;

 error:
  gc_int_fslist_free (&l);
  gc_string_vector_free (&roots);
  gc_string_vector_free (&wroots);
  return NULL;
}

/* What mount_linux_root mounts: one fstab entry, resolved. */
struct to_mount {
  char *device;
  char *mountpoint;             /* normalised */
  size_t depth;
  size_t order;                 /* in the fstab */
};

static int
compare_depth (const void *a, const void *b)
{
  const struct to_mount *x = a, *y = b;
  if (x->depth != y->depth)
    return x->depth < y->depth ? -1 : 1;
  return x->order < y->order ? -1 : x->order > y->order;
}

/* The disk letter of one of our partition names (/dev/sdb2 -> 'b'), or
 * 0 if it is not /dev/sdLN with one letter. */
static char
disk_letter (const char *dev)
{
  if (dev && gc_str_prefix (dev, "/dev/sd") && dev[7] >= 'a' && dev[7] <= 'z'
      && dev[8] >= '1' && dev[8] <= '9')
    return dev[7];
  return 0;
}

/* See internal.h. */
int
gc_int_fstab_disk_shift (gc_h *g, const gc_int_fstab *fstab,
                         const char *root)
{
  for (size_t i = 0; i < fstab->len; ++i) {
    CLEANUP_FREE char *mp =
      gc_int_normalize_mountpoint (fstab->ptr[i].mountpoint);
    CLEANUP_FREE char *ours = gc_int_guest_device_name (fstab->ptr[i].spec);
    if (mp && strcmp (mp, "/") == 0 && disk_letter (ours)
        && disk_letter (root)) {
      int shift = disk_letter (root) - disk_letter (ours);
      if (shift)
        gc_int_debug (g, "%s: the guest's disk names are shifted by %d",
                      root, shift);
      return shift;
    }
  }
  return 0;
}

/* See internal.h. */
char *
gc_int_shift_spec (const char *spec, int shift)
{
  CLEANUP_FREE char *ours = gc_int_guest_device_name (spec);
  char l = disk_letter (ours);
  if (shift == 0 || l == 0 || l + shift < 'a' || l + shift > 'z')
    return strdup (spec);
  ours[7] = (char) (l + shift);
  return TAKE_PTR (ours);
}

static size_t
path_depth (const char *path)
{
  size_t n = 0;
  if (strcmp (path, "/") == 0)
    return 0;
  for (const char *p = path; *p; ++p)
    if (*p == '/')
      ++n;
  return n;
}

/* Resolve and order the fstab's entries (the root's own entry
 * excluded).  -1 on error; entries that cannot be resolved are
 * skipped with a warning. */
static int
plan_mounts (gc_h *g, const char *root, const gc_int_fstab *fstab,
             struct to_mount **list, size_t *n)
{
  struct gc_int_fslist l;

  *list = NULL;
  *n = 0;
  if (gc_int_fslist_get (g, &l) == -1)
    return -1;
  int shift = gc_int_fstab_disk_shift (g, fstab, root);

  for (size_t i = 0; i < fstab->len; ++i) {
    const struct gc_int_fstab_entry *e = &fstab->ptr[i];
    char *dev;

    if (!gc_int_fstab_is_mountable (e))
      continue;
    CLEANUP_FREE char *mp = gc_int_normalize_mountpoint (e->mountpoint);
    if (mp == NULL) {
      gc_int_warning (g, "%s: /etc/fstab: mount point %s is not a plain "
                      "absolute path: skipped", root, e->mountpoint);
      continue;
    }
    if (strcmp (mp, "/") == 0)
      continue;                 /* the root, mounted already */
    CLEANUP_FREE char *spec = gc_int_shift_spec (e->spec, shift);
    if (spec == NULL) {
      gc_int_perror (g, "strdup");
      goto error;
    }
    switch (gc_int_resolve_fstab_spec (g, &l, spec, &dev)) {
    case -1:
      goto error;
    case GC_INT_SPEC_UNSUPPORTED:
      gc_int_warning (g, "%s: /etc/fstab: %s on %s: this kind of device "
                      "name is not supported: skipped", root, e->spec, mp);
      continue;
    case GC_INT_SPEC_MISSING:
      /* A noauto entry (a CD-ROM, a USB disk) is not part of the guest
       * as it boots: its absence is normal. */
      if (has_option (e->options, "noauto"))
        gc_int_debug (g, "%s: /etc/fstab: %s on %s (noauto): no such "
                      "device: skipped", root, e->spec, mp);
      else if (gc_str_prefix (e->spec, "/dev/mapper/") && luks_closed (g))
        gc_int_warning (g, "%s: /etc/fstab: %s on %s: not found, maybe on "
                        "the encrypted volume left closed: skipped", root,
                        e->spec, mp);
      else
        gc_int_warning (g, "%s: /etc/fstab: %s on %s: no such device in "
                        "the guest: skipped", root, e->spec, mp);
      continue;
    }
    if (gc_int_btrfs_fstab_mountable (g, &l, e, &dev) == -1) {
      free (dev);
      goto error;
    }
    struct to_mount *nl = realloc (*list, (*n + 1) * sizeof **list);
    if (nl == NULL) {
      free (dev);
      gc_int_perror (g, "realloc");
      goto error;
    }
    *list = nl;
    size_t depth = path_depth (mp);
    (*list)[*n] = (struct to_mount) {
      .device = dev, .mountpoint = TAKE_PTR (mp), .depth = depth, .order = i,
    };
    ++*n;
  }
  gc_int_fslist_free (&l);
  qsort (*list, *n, sizeof **list, compare_depth);
  return 0;

 error:
  gc_int_fslist_free (&l);
  for (size_t i = 0; i < *n; ++i) {
    free ((*list)[i].device);
    free ((*list)[i].mountpoint);
  }
  free (*list);
  *list = NULL;
  *n = 0;
  return -1;
}

/* A root without /etc/fstab (mounted at /) whose /usr is a partition:
 * mount that at /usr.  1 done, 0 not such a root (the root is still
 * mounted), -1 on error. */
static int
mount_usr_partition (gc_h *g, const char *root, int readonly)
{
  CLEANUP_FREE char *usr = NULL;
  if (gc_umount_all (g) == -1)
    return -1;
  int r = gc_int_usr_partition (g, root, &usr);
  if (r == -1 || gc_mount (g, root, "/", NULL, NULL, readonly) == -1)
    return -1;
  if (r == 0)
    return 0;
  gc_int_debug (g, "%s: no /etc/fstab: /usr is the partition %s", root, usr);
  if (gc_mount (g, usr, "/usr", NULL, NULL, readonly) == -1) {
    if (g->state != GC_STATE_READY)
      return -1;
    gc_int_warning (g, "%s: /usr on %s: %s: only the root is mounted", root,
                    usr, gc_last_error (g));
  }
  return 1;
}

/* Mount root at / and the entries of its /etc/fstab.  -1 if the root
 * does not mount or the appliance failed; an entry that cannot be
 * mounted is a warning. */
int
gc_mount_linux_root (gc_h *g, const char *root, int readonly)
{
  CLEANUP_FREE char *text = NULL;
  size_t len;
  gc_int_fstab fstab;
  struct to_mount *list;
  size_t n;
  int ret = -1;

  if (gc_mount_mountable (g, root, "/", NULL, NULL, readonly) == -1)
    return -1;

  text = gc_read_file (g, "/etc/fstab", &len);
  if (text == NULL) {
    if (g->state != GC_STATE_READY)
      return -1;
    CLEANUP_FREE char *why = strdup (gc_last_error (g));
    int r = mount_usr_partition (g, root, readonly);
    if (r != 0)
      return r == 1 ? 0 : -1;
    gc_int_warning (g, "%s: %s: only the root is mounted", root,
                    why ? why : "/etc/fstab");
    return 0;
  }
  if (gc_int_parse_fstab (text, len, &fstab) == -1) {
    gc_int_perror (g, "%s: /etc/fstab", root);
    return -1;
  }
  if (plan_mounts (g, root, &fstab, &list, &n) == -1)
    goto out;

  for (size_t i = 0; i < n; ++i) {
    const struct to_mount *m = &list[i];
    bool dup = false;

    for (size_t j = 0; j < i; ++j)
      if (strcmp (list[j].mountpoint, m->mountpoint) == 0)
        dup = true;
    if (dup) {
      gc_int_warning (g, "%s: /etc/fstab: %s is mounted twice: the second "
                      "entry (%s) is skipped", root, m->mountpoint,
                      m->device);
      continue;
    }
    int r = gc_is_dir (g, m->mountpoint);
    if (r != 1) {
      if (r == -1 && g->state != GC_STATE_READY)
        goto out_list;
      gc_int_warning (g, "%s: /etc/fstab: mount point %s (for %s) does not "
                      "exist in the guest: skipped", root, m->mountpoint,
                      m->device);
      continue;
    }
    if (gc_mount_mountable (g, m->device, m->mountpoint, NULL, NULL,
                            readonly) == -1) {
      if (g->state != GC_STATE_READY)
        goto out_list;
      gc_int_warning (g, "%s: /etc/fstab: %s on %s: %s: skipped", root,
                      m->device, m->mountpoint, gc_last_error (g));
      continue;
    }
  }
  ret = 0;

 out_list:
  for (size_t i = 0; i < n; ++i) {
    free (list[i].device);
    free (list[i].mountpoint);
  }
  free (list);
 out:
  gc_int_fstab_free (&fstab);
  return ret;
}
