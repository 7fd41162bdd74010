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
#include <sys/stat.h>

#include "daemon.h"
#include "gc-daemon-actions.h"

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
  fprintf (f,
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

/* Names of VGs and LVs: what lvm accepts, and never an option. */
static bool
valid_lvm_name (const char *s)
{
  if (!*s || *s == '-' || strlen (s) > 127 || strcmp (s, ".") == 0 ||
      strcmp (s, "..") == 0)
    return false;
  for (; *s; ++s)
    if (!isalnum ((unsigned char) *s) && !strchr ("+_.-", *s))
      return false;
  return true;
}

static int
compare_strings (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* True if the device (an appliance name like "vda2") carries an LVM
 * physical volume label: "LABELONE" at the start of one of its first four
 * sectors, with the type "LVM2 001" at offset 24. */
static bool
has_pv_label (const char *name)
{
  char path[64], buf[4 * 512];
  snprintf (path, sizeof path, "/dev/%s", name);
  CLEANUP_CLOSE int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd == -1)
    return false;
  ssize_t n = pread (fd, buf, sizeof buf, 0);
  for (ssize_t off = 0; off + 32 <= n; off += 512)
    if (memcmp (buf + off, "LABELONE", 8) == 0 &&
        memcmp (buf + off + 24, "LVM2 001", 8) == 0)
      return true;
  return false;
}

/* True if any guest disk, partition or running md array is an LVM
 * physical volume.  Running lvm costs most of a second under TCG, so
 * guests without LVM skip it. */
static bool
any_pv (void)
{
  CLEANUP_FREE_STRINGS char **md = gc_d_md_arrays ();
  for (size_t j = 0; md && md[j]; ++j)
    if (has_pv_label (md[j] + strlen ("/dev/")))
      return true;
  char *const *d = gc_d_guest_disks ();
  for (size_t i = 0; d[i]; ++i) {
    if (has_pv_label (d[i]))
      return true;
    CLEANUP_FREE_STRINGS char **parts = gc_d_disk_partitions (d[i]);
    for (size_t j = 0; parts && parts[j]; ++j)
      if (has_pv_label (parts[j]))
        return true;
  }
  return false;
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

/* 0, or -1 after replying. */
int
do_lvm_scan (int activate)
{
  if (!any_pv ()) {
    gc_d_debug ("lvm_scan: no LVM physical volume: lvm not run");
    return 0;
  }
  if (activate) {
    char *args[] = { "vgchange", "-ay", NULL };
    gc_d_blkid_forget ();       /* devices come and go */
    if (run_lvm (NULL, args) == -1)
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
  char *args[] = { "vgscan", NULL };
  return run_lvm (NULL, args);
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
  if (v.len > 0)
    qsort (v.ptr, v.len, sizeof (char *), compare_strings);
  char **r = gc_strings_from_vector (&v);
  if (r == NULL) {
    reply_with_perror ("malloc");
    gc_string_vector_free (&v);
  }
  return r;
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
  if (!valid_lvm_name (vgname)) {
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
  if (!valid_lvm_name (lvname) || !valid_lvm_name (vgname)) {
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
