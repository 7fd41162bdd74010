/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* LVM without udev on a read-only root: lvm runs with a configuration
 * of ours on tmpfs (LVM_SYSTEM_DIR) that turns off udev synchronisation
 * and rules (so lvm makes the /dev/VG/LV nodes itself), backups and
 * archives, the devices file, lvmetad/lvmpolld/dmeventd, and that only
 * lets lvm see the guest's disks (never the appliance's own).
 */

#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <sys/stat.h>

#include "daemon.h"
#include "gc-daemon-actions.h"
#include "lvmact.h"
#include "lvmmeta.h"

#define LVM_DIR "/run/gc/lvm"

static bool lvm_ready;

/* Write our lvm.conf once; -1 after replying. */
static int
setup_lvm (void)
{
  if (lvm_ready)
    return 0;
  gc_d_modprobe ("dm_mod");
  if (gc_make_dirs (LVM_DIR, 0755) == -1 ||
      gc_make_dirs ("/run/lock/lvm", 0755) == -1 ||
      gc_make_dirs ("/run/lvm", 0755) == -1) {
    reply_with_perror ("%s: making lvm's directories", gc_d_action ());
    return -1;
  }

  CLEANUP_FCLOSE FILE *f = fopen (LVM_DIR "/lvm.conf", "we");
  if (f == NULL) {
    reply_with_perror ("%s: %s/lvm.conf", gc_d_action (), LVM_DIR);
    return -1;
  }
  fprintf (f,
           "devices {\n"
           "  dir = \"/dev\"\n"
           "  obtain_device_list_from_udev = 0\n"
           "  external_device_info_source = \"none\"\n"
           "  use_devicesfile = 0\n"
           "  multipath_component_detection = 0\n"
           "  fw_raid_component_detection = 0\n"
           "  scan_lvs = 0\n"
           "  global_filter = [ ");
  char *const *d = gc_d_guest_disks ();
  for (size_t i = 0; d[i]; ++i)
    fprintf (f, "\"a|^/dev/%s[0-9]*$|\", ", d[i]);
  /* LVM on LUKS: the volumes luks_open opened. */
  fprintf (f,
           "\"a|^/dev/mapper/luks-[-0-9a-f]*$|\", "
           "\"r|.*|\" ]\n"
           "}\n"
           "activation {\n"
           "  udev_sync = 0\n"
           "  udev_rules = 0\n"
           "  verify_udev_operations = 0\n"
           "  monitoring = 0\n"
           "}\n"
           "global {\n"
           "  locking_dir = \"/run/lock/lvm\"\n"
           "  use_lvmlockd = 0\n"
           "  use_lvmpolld = 0\n"
           "  event_activation = 0\n"
           "}\n"
           "backup {\n"
           "  backup = 0\n"
           "  archive = 0\n"
           "}\n");
  if (fflush (f) == EOF || ferror (f)) {
    reply_with_perror ("%s: %s/lvm.conf", gc_d_action (), LVM_DIR);
    return -1;
  }
  setenv ("LVM_SYSTEM_DIR", LVM_DIR, 1);
  lvm_ready = true;
  return 0;
}

static void
chomp (char *s)
{
  size_t n = s ? strlen (s) : 0;
  while (n > 0 && isspace ((unsigned char) s[n - 1]))
    s[--n] = '\0';
}

/* Run lvm with arguments (NULL-terminated); *out if out is not NULL
 * (caller frees).  -1 after replying with lvm's message. */
static int
run_lvm (char **out, char *const *args)
{
  const char *argv[64];
  size_t n = 0;
  argv[n++] = "lvm";
  for (size_t i = 0; args[i] && n < 63; ++i)
    argv[n++] = args[i];
  argv[n] = NULL;

  if (setup_lvm () == -1)
    return -1;
  CLEANUP_FREE char *err = NULL;
  int st = commandv (out, &err, (char *const *) argv);
  if (st == -1) {
    reply_with_perror ("%s: lvm", gc_d_action ());
    return -1;
  }
  if (st != 0) {
    reply_tool_failure (err, "%s: lvm %s failed", gc_d_action (), args[0]);
    if (out) {
      free (*out);
      *out = NULL;
    }
    return -1;
  }
  return 0;
}

static int
compare_strings (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* See daemon.h. */
char **
gc_d_sorted_list (string_vector *v)
{
  if (v->len > 1)
    qsort (v->ptr, v->len, sizeof (char *), compare_strings);
  char **r = gc_strings_from_vector (v);
  if (r == NULL) {
    reply_with_perror ("%s: malloc", gc_d_action ());
    gc_string_vector_free (v);
  }
  return r;
}

/* If the device (an appliance name like "vda2") carries an LVM physical
 * volume label: the size of the largest current metadata text of its
 * metadata areas (0 if none is readable), else -1. */
static int64_t
pv_metadata_size (const char *name)
{
  char path[128];
  struct gc_d_pv_label l;
  snprintf (path, sizeof path, "/dev/%s", name);
  CLEANUP_CLOSE int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd == -1 || gc_d_pv_label (fd, &l) == -1)
    return -1;
  return gc_d_pv_metadata_size (fd, &l);
}

/* The largest LVM metadata text of the devices (gc_d_pv_candidates:
 * guest disks, partitions, running md arrays, opened LUKS volumes), or
 * -1 if none is an LVM physical volume (or devs is NULL: ENOMEM).
 * Running lvm costs most of a second under TCG, so guests without LVM
 * skip it. */
static int64_t
largest_pv_metadata (char *const *devs)
{
  int64_t best = -1, m;
  for (size_t i = 0; devs && devs[i]; ++i)
    if ((m = pv_metadata_size (devs[i])) > best)
      best = m;
  return best;
}

/* The number of active LVM logical volumes device-mapper knows. */
static size_t
count_dm_lvs (void)
{
  size_t n = 0;
  DIR *dir = opendir ("/sys/block");
  if (dir == NULL)
    return 0;
  struct dirent *d;
  while ((d = readdir (dir)) != NULL) {
    char path[300];
    if (strncmp (d->d_name, "dm-", 3) != 0)
      continue;
    snprintf (path, sizeof path, "/sys/block/%s/dm/uuid", d->d_name);
    CLEANUP_FREE char *uuid = gc_read_whole_file (path, 4096, NULL);
    if (uuid && strncmp (uuid, "LVM-", 4) == 0 &&
        strcspn (uuid, "\n") == 4 + 64)
      ++n;
  }
  closedir (dir);
  return n;
}

/* Activate with vgchange, then make the nodes lvm missed; -1 after
 * replying.  vgs: the volume groups, NULL for all. */
static int
activate (char *const *vgs)
{
  const char *args[64] = { "vgchange", "-ay" };
  size_t n = 2;
  for (size_t i = 0; vgs && vgs[i] && n < 63; ++i)
    args[n++] = vgs[i];
  args[n] = NULL;
  gc_d_blkid_forget ();         /* devices come and go */
  if (run_lvm (NULL, (char *const *) args) == -1)
    return -1;
  /* lvm makes the /dev/VG/LV nodes itself without udev: if one is
   * missing (gc_d_active_lvs lists only those with their node), ask
   * again. */
  CLEANUP_FREE_STRINGS char **lvs = gc_d_active_lvs ();
  if (lvs && gc_strings_len (lvs) != count_dm_lvs ()) {
    gc_d_debug ("lvm_scan: LV nodes missing after activation");
    char *margs[] = { "vgmknodes", NULL };
    if (run_lvm (NULL, margs) == -1)
      return -1;
  }
  return 0;
}

/* Metadata this large (a few hundred bytes per LV) may describe more
 * LVs than a run activates: then lvm is asked how many each VG has. */
#define BIG_METADATA (256 * 1024)

/* The most LVs lvm_scan activates in all (see actions.py). */
#define GC_LV_ACTIVATE_MAX 1000

/* The list of msgs, or NULL after replying. */
static char **
messages (string_vector *msgs)
{
  char **r = gc_strings_from_vector (msgs);
  if (r == NULL) {
    reply_with_perror ("malloc");
    gc_string_vector_free (msgs);
  }
  return r;
}

/* The warnings (caller frees), or NULL after replying. */
char **
do_lvm_scan (int want_activate)
{
  string_vector msgs = EMPTY_VECTOR, vgs = EMPTY_VECTOR;
  /* Listed once: the size check and the activation read the same. */
  CLEANUP_FREE_STRINGS char **devs = gc_d_pv_candidates ();
  int64_t meta = largest_pv_metadata (devs);
  if (meta < 0) {
    gc_d_debug ("lvm_scan: no LVM physical volume: lvm not run");
    return messages (&msgs);
  }
  if (!want_activate) {
    char *args[] = { "vgscan", NULL };
    return run_lvm (NULL, args) == -1 ? NULL : messages (&msgs);
  }
  if (meta < BIG_METADATA) {
    const char *why = "volumes are active already (a second scan)";
    /* blkid's cached probes stay true: activating only adds devices
     * (lvm's path, which may change more, forgets them in activate). */
    if (count_dm_lvs () == 0 &&
        gc_d_lvm_activate_native (devs, BIG_METADATA, &why) == 1)
      return messages (&msgs);
    gc_d_debug ("lvm_scan: lvm activates: %s", why);
    return activate (NULL) == -1 ? NULL : messages (&msgs);
  }

  /* Each LV is a device-mapper device (the kernel's memory, and a few
   * ms each under TCG): a VG with thousands is activated only as far
   * as GC_LV_ACTIVATE_MAX LVs in all, whole VGs, smallest first. */
  gc_d_debug ("lvm_scan: %" PRIi64 " bytes of LVM metadata: counting",
              meta);
  CLEANUP_FREE char *out = NULL;
  char *args[] = { "vgs", "--noheadings", "--separator", "/",
                   "-o", "lv_count,vg_name", "--sort", "lv_count", NULL };
  if (run_lvm (&out, args) == -1)
    return NULL;
  long total = 0;
  char *save = NULL;
  for (char *l = strtok_r (out, "\n", &save); l;
       l = strtok_r (NULL, "\n", &save)) {
    char *name;
    long count = strtol (l, &name, 10);
    if (*name != '/' || !gc_lvm_valid_name (++name))
      continue;
    chomp (name);
    char *m = NULL;
    if (total + count <= GC_LV_ACTIVATE_MAX && vgs.len < 60) {
      total += count;
      if (string_vector_append (&vgs, name) == -1)
        goto oom;
    }
    else if (asprintf (&m, "LVM volume group %s has %ld logical volumes, "
                       "more than the %d a run activates: its volumes are "
                       "left out", name, count, GC_LV_ACTIVATE_MAX) == -1 ||
             string_vector_append (&msgs, m) == -1) {
      free (m);
      goto oom;
    }
  }
  if (vgs.len > 0) {
    if (string_vector_append (&vgs, NULL) == -1)
      goto oom;
    if (activate (vgs.ptr) == -1) {
      free (vgs.ptr);
      gc_string_vector_free (&msgs);
      return NULL;
    }
  }
  free (vgs.ptr);               /* names point into out */
  return messages (&msgs);

 oom:
  reply_with_perror ("malloc");
  free (vgs.ptr);
  gc_string_vector_free (&msgs);
  return NULL;
}

/* /dev/VG/LV sorted (caller frees); NULL after replying. */
char **
do_lvs (void)
{
  CLEANUP_FREE char *out = NULL;
  char *args[] = { "lvs", "--noheadings", "-o", "vg_name,lv_name",
                   "--separator", "/", "-S", "lv_role=public", NULL };
  if (run_lvm (&out, args) == -1)
    return NULL;

  string_vector v = EMPTY_VECTOR;
  char *save = NULL;
  for (char *l = strtok_r (out, "\n", &save); l;
       l = strtok_r (NULL, "\n", &save)) {
    l += strspn (l, " \t");
    chomp (l);
    if (!*l)
      continue;
    char *s;
    if (asprintf (&s, "/dev/%s", l) == -1 ||
        string_vector_append (&v, s) == -1) {
      reply_with_perror ("malloc");
      gc_string_vector_free (&v);
      return NULL;
    }
  }
  return gc_d_sorted_list (&v);
}

/* 0, or -1 after replying. */
int
do_pvcreate (const char *device)
{
  char *args[] = { "pvcreate", "-ff", "-y", (char *) device, NULL };
  return run_lvm (NULL, args);
}

/* 0, or -1 after replying. */
int
do_vgcreate (const char *vgname, char *const *pvs)
{
  if (!gc_lvm_valid_name (vgname)) {
    reply_with_error_errno (EINVAL, "vgcreate: %s: invalid volume group "
                            "name", vgname);
    return -1;
  }
  size_t n = gc_strings_len (pvs);
  if (n == 0 || n > 50) {
    reply_with_error_errno (EINVAL, "vgcreate: %s: give 1 to 50 physical "
                            "volumes", vgname);
    return -1;
  }
  char *args[64];
  size_t a = 0;
  args[a++] = "vgcreate";
  args[a++] = (char *) vgname;
  for (size_t i = 0; i < n; ++i)
    args[a++] = pvs[i];
  args[a] = NULL;
  return run_lvm (NULL, args);
}

/* 0, or -1 after replying. */
int
do_lvcreate (const char *lvname, const char *vgname, int mbytes)
{
  char size[32];
  if (!gc_lvm_valid_name (lvname) || !gc_lvm_valid_name (vgname)) {
    reply_with_error_errno (EINVAL, "lvcreate: %s/%s: invalid name",
                            vgname, lvname);
    return -1;
  }
  if (mbytes < 0) {
    reply_with_error_errno (EINVAL, "lvcreate: %s/%s: negative size",
                            vgname, lvname);
    return -1;
  }
  if (mbytes > 0) {
    snprintf (size, sizeof size, "%dm", mbytes);
    char *args[] = { "lvcreate", "-y", "-L", size, "-n", (char *) lvname,
                     (char *) vgname, NULL };
    return run_lvm (NULL, args);
  }
  char *args[] = { "lvcreate", "-y", "-l", "100%FREE", "-n", (char *) lvname,
                   (char *) vgname, NULL };
  return run_lvm (NULL, args);
}

/* An LVM id: 32 characters of [A-Za-z0-9] as 6-4-4-4-4-4-6, made from
 * n (unique per LV, not random: a test guest is reproducible). */
static void
make_lvm_id (char *buf, unsigned long n)
{
  static const char set[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  static const int groups[] = { 6, 4, 4, 4, 4, 4, 6 };
  unsigned long long x = 0x9e3779b97f4a7c15ULL * (n + 1);
  char *p = buf;
  for (size_t g = 0; g < sizeof groups / sizeof groups[0]; ++g) {
    if (g > 0)
      *p++ = '-';
    for (int i = 0; i < groups[g]; ++i) {
      x ^= x >> 29;
      x *= 0xbf58476d1ce4e5b9ULL;
      *p++ = set[(x >> 33) % 62];
    }
  }
  *p = '\0';
}

/* 0, or -1 after replying.  See actions.py: one vgcfgrestore writes
 * the metadata of every LV at once (lvcreate would rewrite the whole,
 * growing, metadata once per LV). */
int
do_internal_lvm_many (const char *device, const char *vgname, int count)
{
  static const char cfg[] = LVM_DIR "/many.vg";
  if (!gc_lvm_valid_name (vgname) || count < 1 || count > 100000) {
    reply_with_error_errno (EINVAL, "internal_lvm_many: %s: a valid "
                            "name and 1 to 100000 volumes", vgname);
    return -1;
  }
  char *pv[] = { "pvcreate", "-ff", "-y", "--metadatasize", "32m",
                 (char *) device, NULL };
  char *vg[] = { "vgcreate", "-s", "64k", (char *) vgname, (char *) device,
                 NULL };
  char *lv[] = { "lvcreate", "-y", "-l", "1", "-n", "lv00000",
                 (char *) vgname, NULL };
  char *backup[] = { "vgcfgbackup", "-f", (char *) cfg, (char *) vgname,
                     NULL };
  if (run_lvm (NULL, pv) == -1 || run_lvm (NULL, vg) == -1 ||
      run_lvm (NULL, lv) == -1 || run_lvm (NULL, backup) == -1)
    return -1;

  /* The backup has "logical_volumes {" then lv00000 on extent 0 of
   * pv0: the others go right after that line, one extent each. */
  CLEANUP_FREE char *text = gc_read_whole_file (cfg, 64 << 20, NULL);
  if (text == NULL) {
    reply_with_perror ("internal_lvm_many: %s", cfg);
    return -1;
  }
  char *at = strstr (text, "logical_volumes {\n");
  if (at == NULL) {
    reply_with_error ("internal_lvm_many: no logical_volumes in %s", cfg);
    return -1;
  }
  at += strlen ("logical_volumes {\n");
  CLEANUP_FCLOSE FILE *f = fopen (cfg, "we");
  if (f == NULL) {
    reply_with_perror ("internal_lvm_many: %s", cfg);
    return -1;
  }
  fwrite (text, 1, at - text, f);
  for (int i = 1; i < count; ++i) {
    char id[40];
    make_lvm_id (id, i);
    fprintf (f,
             "lv%05d {\n"
             "id = \"%s\"\n"
             "status = [\"READ\", \"WRITE\", \"VISIBLE\"]\n"
             "flags = []\n"
             "segment_count = 1\n"
             "segment1 {\n"
             "start_extent = 0\n"
             "extent_count = 1\n"
             "type = \"striped\"\n"
             "stripe_count = 1\n"
             "stripes = [\n\"pv0\", %d\n]\n"
             "}\n"
             "}\n", i, id, i);
  }
  fputs (at, f);
  if (fflush (f) == EOF || ferror (f)) {
    reply_with_perror ("internal_lvm_many: %s", cfg);
    return -1;
  }
  char *off[] = { "vgchange", "-an", (char *) vgname, NULL };
  char *restore[] = { "vgcfgrestore", "-f", (char *) cfg, (char *) vgname,
                      NULL };
  int r = run_lvm (NULL, off);
  if (r == 0)
    r = run_lvm (NULL, restore);
  unlink (cfg);
  return r;
}

/* See daemon.h. */
int
gc_d_lvm (char **out, char *const *args)
{
  return run_lvm (out, args);
}

/* See actions.py. */
char *
do_internal_test_lvm (char *const *words)
{
  char *out = NULL;
  for (size_t i = 0; words[i]; ++i)
    if (strncmp (words[i], "/dev/", 5) == 0) {
      reply_with_error_errno (EINVAL, "internal_test_lvm: %s: no device "
                              "names", words[i]);
      return NULL;
    }
  if (run_lvm (&out, words) == -1)
    return NULL;
  return out ? out : strdup ("");
}
