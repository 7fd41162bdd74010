/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* LVM activation without an exec of lvm: an exec of lvm costs ~0.3 s
 * under TCG, most of a restored run's time on an LVM guest.  The daemon
 * reads each physical volume's label and current metadata text (checked
 * against lvm's own checksums), lvmmeta.c turns it into device-mapper
 * tables when every volume is plain, and this file loads them with the
 * device-mapper ioctls and makes the nodes lvm would make without udev
 * (/dev/mapper/VG-LV and the link /dev/VG/LV to it), with the same
 * device-mapper names and UUIDs, so that lvm sees them as its own
 * afterwards (vgchange -an, lvs).  Whenever the plan fails, nothing is
 * left behind and lvm_scan runs vgchange as before.
 */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <linux/dm-ioctl.h>

#include "daemon.h"
#include "gc-daemon-actions.h"
#include "lvmact.h"
#include "lvmmeta.h"

static uint64_t
le64 (const unsigned char *p)
{
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = v << 8 | p[i];
  return v;
}

static uint32_t
le32 (const unsigned char *p)
{
  return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t) p[3] << 24;
}

#define MDA_HEADER_SIZE 512

/* See lvmact.h. */
int
gc_d_pv_label (int fd, struct gc_d_pv_label *l)
{
  unsigned char buf[4 * 512];
  ssize_t n = pread (fd, buf, sizeof buf, 0);

  memset (l, 0, sizeof *l);
  for (ssize_t off = 0; off + 32 <= n; off += 512) {
    if (memcmp (buf + off, "LABELONE", 8) != 0 ||
        memcmp (buf + off + 24, "LVM2 001", 8) != 0)
      continue;
    /* The PV header (its offset from the label at byte 20): a 32-byte
     * UUID, the device size, then two lists of (offset, size) ended by
     * a zero offset: the data areas, then the metadata areas. */
    uint32_t ph = le32 (buf + off + 20);
    size_t p = off + ph;
    if (ph > sizeof buf || p + 40 > (size_t) n)
      return 0;
    memcpy (l->uuid, buf + p, 32);
    l->uuid[32] = '\0';
    p += 40;
    for (int list = 0; list < 2; ++list)
      for (; p + 16 <= (size_t) n; p += 16) {
        uint64_t o = le64 (buf + p), size = le64 (buf + p + 8);
        if (o == 0) {
          p += 16;
          break;
        }
        if (list == 1 && l->nmda < GC_D_PV_MAX_MDA) {
          l->mda_offset[l->nmda] = o;
          l->mda_size[l->nmda++] = size;
        }
      }
    return 0;
  }
  return -1;
}

/* Read metadata area i's header into h: 0, or -1 if it cannot be
 * read or lacks the magic (its checksum is the caller's to check). */
static int
read_mda_header (int fd, const struct gc_d_pv_label *l, size_t i,
                 unsigned char h[MDA_HEADER_SIZE])
{
  uint64_t start = l->mda_offset[i], size = l->mda_size[i];
  if (start > INT64_MAX - size ||
      pread (fd, h, MDA_HEADER_SIZE, start) != MDA_HEADER_SIZE ||
      memcmp (h + 4, " LVM2 x[5A%r0N*>", 16) != 0)
    return -1;
  return 0;
}

/* See lvmact.h.  Its header's checksum unchecked: a size only. */
int64_t
gc_d_pv_metadata_size (int fd, const struct gc_d_pv_label *l)
{
  int64_t best = 0;
  for (size_t i = 0; i < l->nmda; ++i) {
    unsigned char h[MDA_HEADER_SIZE];
    /* At 40, the current text's (offset, size, checksum, flags). */
    if (read_mda_header (fd, l, i, h) == 0 && le64 (h + 48) < INT64_MAX &&
        (int64_t) le64 (h + 48) > best)
      best = le64 (h + 48);
  }
  return best;
}

/* Append a copy of s; false on ENOMEM. */
static bool
append_copy (string_vector *v, const char *s)
{
  char *c = strdup (s);
  if (c == NULL || string_vector_append (v, c) == -1) {
    free (c);
    return false;
  }
  return true;
}

/* See lvmact.h. */
char **
gc_d_pv_candidates (void)
{
  string_vector v = EMPTY_VECTOR;
  bool ok = true;
  /* md arrays and opened LUKS volumes, then the disks and their
   * partitions. */
  for (int k = 0; k < 2 && ok; ++k) {
    CLEANUP_FREE_STRINGS char **more = k == 0 ? gc_d_md_arrays ()
      : gc_d_luks_mappings ();
    for (size_t j = 0; more && more[j] && ok; ++j)
      ok = append_copy (&v, more[j] + strlen ("/dev/"));
  }
  char *const *d = gc_d_guest_disks ();
  for (size_t i = 0; d[i] && ok; ++i) {
    ok = append_copy (&v, d[i]);
    CLEANUP_FREE_STRINGS char **parts = gc_d_disk_partitions (d[i]);
    for (size_t j = 0; parts && parts[j] && ok; ++j)
      ok = append_copy (&v, parts[j]);
  }
  char **r = ok ? gc_strings_from_vector (&v) : NULL;
  if (r == NULL)
    gc_string_vector_free (&v);
  return r;
}

/* See lvmact.h. */
int
gc_d_pv_metadata (int fd, const struct gc_d_pv_label *l, size_t max,
                  char **text, size_t *len)
{
  *text = NULL;
  *len = 0;
  for (size_t i = 0; i < l->nmda; ++i) {
    unsigned char h[MDA_HEADER_SIZE];
    uint64_t start = l->mda_offset[i], size = l->mda_size[i];
    if (read_mda_header (fd, l, i, h) == -1 ||
        gc_lvm_crc (GC_LVM_CRC_INITIAL, h + 4, sizeof h - 4) != le32 (h))
      return -1;
    /* The current text: (offset, size, checksum, flags) at 40; it may
     * wrap from the area's end to just after its header. */
    uint64_t o = le64 (h + 40), n = le64 (h + 48);
    uint32_t sum = le32 (h + 56), flags = le32 (h + 60);
    if (flags & 1)              /* this area is ignored */
      continue;
    if (n == 0)
      continue;
    if (n > max || size <= MDA_HEADER_SIZE || o < MDA_HEADER_SIZE ||
        o >= size || n > size - MDA_HEADER_SIZE)
      return -1;
    char *t = malloc (n + 1);
    if (t == NULL)
      return -1;
    uint64_t first = o + n > size ? size - o : n;
    if (pread (fd, t, first, start + o) != (ssize_t) first ||
        (first < n &&
         pread (fd, t + first, n - first, start + MDA_HEADER_SIZE)
         != (ssize_t) (n - first)) ||
        gc_lvm_crc (GC_LVM_CRC_INITIAL, t, n) != sum) {
      free (t);
      return -1;
    }
    t[n] = '\0';
    *text = t;
    *len = n;
    return 0;
  }
  return 0;
}

/* The physical volumes among the guest's devices (md arrays, opened
 * LUKS volumes, disks and partitions), their texts read; the count, or
 * -1 with *why.  Caller frees texts and devs. */
#define MAX_PVS 256
struct pvs {
  struct gc_lvm_pv pv[MAX_PVS];
  char dev[MAX_PVS][24];
  char *text[MAX_PVS];
  size_t n;
};

static int
add_pv (struct pvs *pvs, const char *name, size_t max, const char **why)
{
  char path[300];
  struct gc_d_pv_label l;
  struct stat st;

  snprintf (path, sizeof path, "/dev/%s", name);
  CLEANUP_CLOSE int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd == -1 || gc_d_pv_label (fd, &l) == -1)
    return 0;
  if (pvs->n == MAX_PVS) {
    *why = "too many physical volumes";
    return -1;
  }
  if (fstat (fd, &st) == -1 || !S_ISBLK (st.st_mode) ||
      gc_d_pv_metadata (fd, &l, max, &pvs->text[pvs->n],
                        &pvs->pv[pvs->n].len) == -1) {
    *why = "a metadata area that cannot be read or fails its checksum";
    return -1;
  }
  struct gc_lvm_pv *pv = &pvs->pv[pvs->n];
  memcpy (pv->uuid, l.uuid, sizeof pv->uuid);
  snprintf (pvs->dev[pvs->n], sizeof pvs->dev[0], "%u:%u",
            major (st.st_rdev), minor (st.st_rdev));
  pv->dev = pvs->dev[pvs->n];
  pv->text = pvs->text[pvs->n];
  pvs->n++;
  return 0;
}

static int
find_pvs (struct pvs *pvs, char *const *devs, size_t max, const char **why)
{
  pvs->n = 0;
  if (devs == NULL) {
    *why = "out of memory";
    return -1;
  }
  for (size_t i = 0; devs[i]; ++i)
    if (add_pv (pvs, devs[i], max, why) == -1)
      return -1;
  return 0;
}

static void
free_pvs (struct pvs *pvs)
{
  for (size_t i = 0; i < pvs->n; ++i)
    free (pvs->text[i]);
  pvs->n = 0;
}

/* One device-mapper ioctl on a buffer that starts with a struct
 * dm_ioctl of size bytes in all; -1 with errno. */
static int
dm_call (int ctl, unsigned long cmd, struct dm_ioctl *io, size_t size,
         const char *name)
{
  io->version[0] = DM_VERSION_MAJOR;
  io->version[1] = 0;
  io->version[2] = 0;
  io->data_size = size;
  io->data_start = sizeof *io;
  if (name)
    snprintf (io->name, sizeof io->name, "%s", name);
  return ioctl (ctl, cmd, io);
}

static void
dm_remove (int ctl, const char *name)
{
  struct dm_ioctl io;
  memset (&io, 0, sizeof io);
  dm_call (ctl, DM_DEV_REMOVE, &io, sizeof io, name);
}

/* Create, load and resume one LV; its device number in *dev.  -1 with
 * errno (the device removed again). */
static int
dm_activate (int ctl, const struct gc_lvm_lv *lv, dev_t *dev)
{
  struct dm_ioctl io;
  size_t size = sizeof io;

  memset (&io, 0, sizeof io);
  if (strlen (lv->dmname) >= sizeof io.name ||
      strlen (lv->dmuuid) >= sizeof io.uuid) {
    errno = ENAMETOOLONG;
    return -1;
  }
  snprintf (io.uuid, sizeof io.uuid, "%s", lv->dmuuid);
  if (dm_call (ctl, DM_DEV_CREATE, &io, sizeof io, lv->dmname) == -1)
    return -1;
  *dev = io.dev;

  for (size_t t = 0; t < lv->ntargets; ++t)
    size += sizeof (struct dm_target_spec) +
      ((strlen (lv->targets[t].params) + 1 + 7) & ~(size_t) 7);
  CLEANUP_FREE char *buf = calloc (1, size);
  if (buf == NULL)
    goto fail;
  struct dm_ioctl *load = (struct dm_ioctl *) buf;
  size_t at = sizeof *load;
  for (size_t t = 0; t < lv->ntargets; ++t) {
    struct dm_target_spec *spec = (struct dm_target_spec *) (buf + at);
    size_t plen = strlen (lv->targets[t].params) + 1;
    size_t next = sizeof *spec + ((plen + 7) & ~(size_t) 7);
    spec->sector_start = lv->targets[t].start;
    spec->length = lv->targets[t].len;
    snprintf (spec->target_type, sizeof spec->target_type, "%s",
              lv->targets[t].type);
    memcpy (buf + at + sizeof *spec, lv->targets[t].params, plen);
    spec->next = next;
    at += next;
  }
  load->target_count = lv->ntargets;
  load->flags = lv->readonly ? DM_READONLY_FLAG : 0;
  if (dm_call (ctl, DM_TABLE_LOAD, load, size, lv->dmname) == -1)
    goto fail;
  memset (&io, 0, sizeof io);
  if (dm_call (ctl, DM_DEV_SUSPEND, &io, sizeof io, lv->dmname) == -1)
    goto fail;                  /* no DM_SUSPEND_FLAG: resume */
  return 0;

 fail:;
  int e = errno;
  dm_remove (ctl, lv->dmname);
  errno = e;
  return -1;
}

/* /dev/mapper/NAME and /dev/VG/LV -> /dev/mapper/NAME; -1 with errno. */
static int
make_nodes (const struct gc_lvm_lv *lv, dev_t dev)
{
  char node[300], vgdir[300], link[600];
  snprintf (node, sizeof node, "/dev/mapper/%s", lv->dmname);
  snprintf (vgdir, sizeof vgdir, "/dev/%s", lv->vg);
  snprintf (link, sizeof link, "%s/%s", vgdir, lv->lv);
  if ((mknod (node, S_IFBLK | 0600, dev) == -1 && errno != EEXIST) ||
      (mkdir (vgdir, 0755) == -1 && errno != EEXIST) ||
      (symlink (node, link) == -1 && errno != EEXIST))
    return -1;
  return 0;
}

static void
remove_nodes (const struct gc_lvm_lv *lv)
{
  char path[600];
  snprintf (path, sizeof path, "/dev/%s/%s", lv->vg, lv->lv);
  unlink (path);
  snprintf (path, sizeof path, "/dev/%s", lv->vg);
  rmdir (path);
  snprintf (path, sizeof path, "/dev/mapper/%s", lv->dmname);
  unlink (path);
}

/* See lvmact.h. */
int
gc_d_lvm_activate_native (char *const *devs, size_t max, const char **why)
{
  struct pvs *pvs = calloc (1, sizeof *pvs);
  struct gc_lvm_plan plan;
  size_t done = 0;
  int ctl = -1, r = 0;

  *why = NULL;
  if (pvs == NULL) {
    *why = "out of memory";
    return 0;
  }
  if (find_pvs (pvs, devs, max, why) == -1 ||
      gc_lvm_plan (pvs->pv, pvs->n, &plan, why) == -1) {
    free_pvs (pvs);
    free (pvs);
    return 0;
  }
  gc_d_modprobe ("dm_mod");
  ctl = open ("/dev/mapper/control", O_RDWR | O_CLOEXEC);
  if (ctl == -1)
    *why = "no /dev/mapper/control";
  for (; ctl >= 0 && done < plan.nlvs; ++done) {
    dev_t dev;
    if (dm_activate (ctl, &plan.lvs[done], &dev) == -1) {
      gc_d_debug ("lvm_scan: %s: %m", plan.lvs[done].dmname);
      *why = "device-mapper refused a table";
      break;
    }
    if (make_nodes (&plan.lvs[done], dev) == -1) {
      gc_d_debug ("lvm_scan: the nodes of %s: %m", plan.lvs[done].dmname);
      *why = "the device nodes could not be made";
      remove_nodes (&plan.lvs[done]);
      dm_remove (ctl, plan.lvs[done].dmname);
      break;
    }
  }
  if (*why) {
    while (done-- > 0) {
      remove_nodes (&plan.lvs[done]);
      dm_remove (ctl, plan.lvs[done].dmname);
    }
  }
  else {
    gc_d_debug ("lvm_scan: %zu logical volumes of %zu volume groups "
                "activated without lvm", plan.nlvs, plan.nvgs);
    r = 1;
  }
  if (ctl >= 0)
    close (ctl);
  gc_lvm_plan_free (&plan);
  free_pvs (pvs);
  free (pvs);
  return r;
}

/* The tables of the active LVM volumes, one line each: "NAME UUID
 * ro|rw LINK START LEN TYPE PARAMS[; START LEN TYPE PARAMS...]" where
 * LINK is where /dev/VG/LV points to; sorted.  NULL after replying. */
static char **
lvm_tables (void)
{
  string_vector v = EMPTY_VECTOR;
  CLEANUP_CLOSE int ctl = open ("/dev/mapper/control", O_RDWR | O_CLOEXEC);
  DIR *dir = opendir ("/sys/block");
  struct dirent *d;

  if (ctl == -1 || dir == NULL) {
    reply_with_perror ("internal_test_lvm_tables: /dev/mapper/control");
    if (dir)
      closedir (dir);
    return NULL;
  }
  CLEANUP_FREE_STRINGS char **lvs = gc_d_active_lvs ();
  while ((d = readdir (dir)) != NULL) {
    char p[300];
    if (strncmp (d->d_name, "dm-", 3) != 0)
      continue;
    snprintf (p, sizeof p, "/sys/block/%s/dm/uuid", d->d_name);
    CLEANUP_FREE char *uuid = gc_read_whole_file (p, 4096, NULL);
    snprintf (p, sizeof p, "/sys/block/%s/dm/name", d->d_name);
    CLEANUP_FREE char *name = gc_read_whole_file (p, 4096, NULL);
    snprintf (p, sizeof p, "/sys/block/%s/ro", d->d_name);
    CLEANUP_FREE char *ro = gc_read_whole_file (p, 64, NULL);
    if (!uuid || !name || !ro || strncmp (uuid, "LVM-", 4) != 0)
      continue;
    uuid[strcspn (uuid, "\n")] = name[strcspn (name, "\n")] = '\0';

    size_t size = 64 * 1024;
    CLEANUP_FREE char *buf = calloc (1, size);
    struct dm_ioctl *io = (struct dm_ioctl *) buf;
    if (buf == NULL)
      goto oom;
    io->flags = DM_STATUS_TABLE_FLAG;
    if (dm_call (ctl, DM_TABLE_STATUS, io, size, name) == -1 ||
        (io->flags & DM_BUFFER_FULL_FLAG)) {
      reply_with_perror ("internal_test_lvm_tables: %s", name);
      closedir (dir);
      gc_string_vector_free (&v);
      return NULL;
    }
    /* Where /dev/VG/LV points (lvm's link, or ours). */
    char link[1300] = "-", target[600];
    ssize_t n;
    for (size_t i = 0; lvs && lvs[i]; ++i) {
      n = readlink (lvs[i], target, sizeof target - 1);
      if (n > 0) {
        target[n] = '\0';
        const char *base = strrchr (target, '/');
        if (base && strcmp (base + 1, name) == 0)
          snprintf (link, sizeof link, "%s->%s", lvs[i], target);
      }
    }
    char *line = NULL;
    if (asprintf (&line, "%s %s %s %s", name, uuid, ro[0] == '1' ? "ro" : "rw",
                  link) == -1)
      goto oom;
    size_t at = io->data_start;
    for (uint32_t t = 0; t < io->target_count; ++t) {
      struct dm_target_spec *spec = (struct dm_target_spec *) (buf + at);
      char *more = NULL;
      if (asprintf (&more, "%s%s %" PRIu64 " %" PRIu64 " %s %s", line,
                    t ? ";" : "", (uint64_t) spec->sector_start,
                    (uint64_t) spec->length, spec->target_type,
                    (char *) (spec + 1)) == -1) {
        free (line);
        goto oom;
      }
      free (line);
      line = more;
      at += spec->next;
    }
    if (string_vector_append (&v, line) == -1) {
      free (line);
      goto oom;
    }
  }
  closedir (dir);
  return gc_d_sorted_list (&v);

 oom:
  closedir (dir);
  reply_with_perror ("malloc");
  gc_string_vector_free (&v);
  return NULL;
}

/* See actions.py. */
char **
do_internal_test_lvm_tables (int with_lvm)
{
  char *off[] = { "vgchange", "-an", NULL };
  if (gc_d_lvm (NULL, off) == -1)
    return NULL;
  gc_d_blkid_forget ();
  if (with_lvm) {
    char *on[] = { "vgchange", "-ay", NULL };
    if (gc_d_lvm (NULL, on) == -1)
      return NULL;
  }
  else {
    const char *why;
    CLEANUP_FREE_STRINGS char **devs = gc_d_pv_candidates ();
    if (gc_d_lvm_activate_native (devs, 256 * 1024, &why) != 1) {
      reply_with_error ("internal_test_lvm_tables: not activated without "
                        "lvm: %s", why);
      return NULL;
    }
  }
  return lvm_tables ();
}
