/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Mounting the guest's filesystems under the guest's root with mount(2)
 * (options parsed into MS_* flags and a data string), making one
 * writable (remount_rw), unmounting them all, sync and
 * internal_shutdown.
 */

#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <linux/fs.h>

#include "daemon.h"
#include "gc-daemon-actions.h"

static const struct {
  const char *name;
  unsigned long set, clear;
} mount_flags[] = {
  { "ro", MS_RDONLY, 0 },
  { "rw", 0, MS_RDONLY },
  { "nosuid", MS_NOSUID, 0 },
  { "suid", 0, MS_NOSUID },
  { "nodev", MS_NODEV, 0 },
  { "dev", 0, MS_NODEV },
  { "noexec", MS_NOEXEC, 0 },
  { "exec", 0, MS_NOEXEC },
  { "sync", MS_SYNCHRONOUS, 0 },
  { "async", 0, MS_SYNCHRONOUS },
  { "dirsync", MS_DIRSYNC, 0 },
  { "noatime", MS_NOATIME, 0 },
  { "atime", 0, MS_NOATIME },
  { "nodiratime", MS_NODIRATIME, 0 },
  { "diratime", 0, MS_NODIRATIME },
  { "relatime", MS_RELATIME, 0 },
  { "norelatime", 0, MS_RELATIME },
  { "strictatime", MS_STRICTATIME, 0 },
  { "lazytime", MS_LAZYTIME, 0 },
  { "nolazytime", 0, MS_LAZYTIME },
  { "silent", MS_SILENT, 0 },
  { "loud", 0, MS_SILENT },
  { "defaults", 0, 0 },
};

/* Split options into flags and the data string (malloc'd).  -1 on
 * ENOMEM. */
static int
parse_options (const char *options, unsigned long *flags, char **data)
{
  CLEANUP_FREE char *copy = strdup (options ? options : "");
  char *d = calloc (1, strlen (options ? options : "") + 1);
  if (copy == NULL || d == NULL) {
    free (d);
    return -1;
  }
  char *save = NULL;
  for (char *o = strtok_r (copy, ",", &save); o;
       o = strtok_r (NULL, ",", &save)) {
    size_t i;
    for (i = 0; i < sizeof mount_flags / sizeof mount_flags[0]; ++i)
      if (strcmp (o, mount_flags[i].name) == 0)
        break;
    if (i < sizeof mount_flags / sizeof mount_flags[0]) {
      *flags |= mount_flags[i].set;
      *flags &= ~mount_flags[i].clear;
      continue;
    }
    if (*d)
      strcat (d, ",");
    strcat (d, o);
  }
  *data = d;
  return 0;
}

/* The value of option key= in data, malloc'd, or NULL. */
static char *
option_value (const char *data, const char *key)
{
  size_t n = strlen (key);
  for (const char *p = data; p && *p; ) {
    if (strncmp (p, key, n) == 0 && p[n] == '=')
      return strndup (p + n + 1, strcspn (p + n + 1, ","));
    p = strchr (p, ',');
    if (p)
      ++p;
  }
  return NULL;
}

static bool
fs_known (const char *fstype)
{
  CLEANUP_FREE char *fss = gc_read_whole_file ("/proc/filesystems",
                                               1 << 20, NULL);
  if (fss == NULL)
    return false;
  size_t n = strlen (fstype);
  for (char *l = fss; l && *l; ) {
    char *tab = strchr (l, '\t');
    char *nl = strchr (l, '\n');
    if (tab && (!nl || tab < nl) && strncmp (tab + 1, fstype, n) == 0 &&
        (tab[1 + n] == '\n' || tab[1 + n] == '\0'))
      return true;
    l = nl ? nl + 1 : NULL;
  }
  return false;
}

/* Load what a filesystem type needs before it is first mounted. */
static void
load_modules (const char *fstype, const char *data)
{
  if (!fs_known (fstype))
    gc_d_modprobe (fstype);
  if (strcmp (fstype, "vfat") == 0 || strcmp (fstype, "msdos") == 0) {
    CLEANUP_FREE char *cp = option_value (data, "codepage");
    CLEANUP_FREE char *io = option_value (data, "iocharset");
    char mod[128];
    snprintf (mod, sizeof mod, "nls_cp%s", cp ? cp : "437");
    gc_d_modprobe (mod);
    snprintf (mod, sizeof mod, "nls_%s", io ? io : "iso8859-1");
    gc_d_modprobe (mod);
  }
}

/* NTFS: the kernel has no driver, ntfs-3g (FUSE) mounts it and stays
 * in the background serving the mount until it is unmounted.  Options
 * are passed through to ntfs-3g.  0, or -1 after replying. */
static int
mount_ntfs (const char *device, const char *udev, const char *mountpoint,
            const char *target, const char *options, int readonly)
{
  CLEANUP_FREE char *opts = NULL, *err = NULL, *mp = NULL;
  int ro = readonly;

  /* An explicit "ro" among the options counts as well. */
  for (const char *p = options; p && *p; ) {
    size_t l = strcspn (p, ",");
    if (l == 2 && strncmp (p, "ro", 2) == 0)
      ro = 1;
    p += l + (p[l] == ',');
  }
  if (gc_d_modprobe ("fuse") == -1) {
    reply_with_error ("mount: %s: cannot load the fuse module", udev);
    return -1;
  }
  /* ntfs-3g is another process: give it the real path, not our fd. */
  if (strcmp (mountpoint, "/") == 0)
    mp = strdup (gc_d_sysroot);
  else {
    int fd;
    if (sscanf (target, "/proc/self/fd/%d", &fd) != 1)
      fd = -1;
    mp = fd >= 0 ? gc_d_fd_path (fd) : NULL;
  }
  if (mp == NULL ||
      asprintf (&opts, "%s%s%s", ro ? "ro" : "rw",
                options && *options ? "," : "", options ? options : "") == -1) {
    reply_with_perror ("mount: %s", udev);
    return -1;
  }
  /* ntfs-3g forks into the background once the mount is made. */
  int st = command (NULL, &err, "ntfs-3g", "-o", opts, device, mp, NULL);
  if (st != 0) {
    if (st == -1) {
      reply_with_perror ("mount: %s on %s: ntfs-3g", udev, mountpoint);
      return -1;
    }
    reply_tool_failure (err, "mount: %s on %s (ntfs): ntfs-3g failed", udev,
                        mountpoint);
    return -1;
  }
  return 0;
}

/* Read-only mounts make their device read-only (mount_ro_devices). */
static bool ro_devices;

/* 0. */
int
do_mount_ro_devices (int enable)
{
  ro_devices = enable;
  return 0;
}

/* Set or clear a device's read-only flag (BLKROSET).  0, or -1 with
 * errno. */
static int
set_device_ro (const char *device, int ro)
{
  CLEANUP_CLOSE int fd = open (device, O_RDONLY | O_CLOEXEC);
  if (fd == -1 || ioctl (fd, BLKROSET, &ro) == -1)
    return -1;
  return 0;
}

/* 0, or -1 after replying. */
int
do_mount (const char *device, const char *mountpoint, const char *options,
          const char *fstype, int readonly)
{
  CLEANUP_FREE char *user = gc_d_device_to_user (device);
  CLEANUP_FREE char *type = NULL, *data = NULL;
  CLEANUP_CLOSE int mpfd = -1;
  char target[64];
  const char *udev = user ? user : device;
  unsigned long flags = 0;

  if (mountpoint[0] != '/') {
    reply_with_error_errno (EINVAL, "mount: %s: the mount point must be "
                            "an absolute path", mountpoint);
    return -1;
  }

  if (fstype == NULL) {
    type = gc_d_blkid_tag (device, "TYPE");
    if (type == NULL)
      return -1;
    if (type[0] == '\0') {
      reply_with_error_errno (EINVAL, "mount: %s: no filesystem recognised",
                              udev);
      return -1;
    }
  }
  else if ((type = strdup (fstype)) == NULL) {
    reply_with_perror ("malloc");
    return -1;
  }
  if (strcmp (type, "swap") == 0 || strcmp (type, "LVM2_member") == 0) {
    reply_with_error_errno (EINVAL, "mount: %s: holds %s, not a mountable "
                            "filesystem", udev, type);
    return -1;
  }

  if (parse_options (options, &flags, &data) == -1) {
    reply_with_perror ("malloc");
    return -1;
  }
  if (readonly)
    flags |= MS_RDONLY;

  if (strcmp (mountpoint, "/") == 0)
    snprintf (target, sizeof target, "%s", gc_d_sysroot);
  else {
    mpfd = gc_d_open_guest (mountpoint, O_PATH | O_DIRECTORY, 0);
    if (mpfd == -1) {
      reply_with_perror ("mount: %s: mount point %s", udev, mountpoint);
      return -1;
    }
    snprintf (target, sizeof target, "/proc/self/fd/%d", mpfd);
  }

  /* Best effort for a read-only mount (a device that refuses, an md
   * array in use, is still mounted read-only); a writable one needs
   * its device writable. */
  bool ro = (flags & MS_RDONLY) != 0;
  if (ro_devices && set_device_ro (device, ro) == -1) {
    if (!ro) {
      reply_with_perror ("mount: %s: cannot make the device writable",
                         udev);
      return -1;
    }
    gc_d_debug ("mount: %s: cannot make the device read-only: %m", udev);
  }

  if (strcmp (type, "ntfs") == 0 || strcmp (type, "ntfs-3g") == 0)
    return mount_ntfs (device, udev, mountpoint, target, options, readonly);

  load_modules (type, data);

  const char *target_path = strcmp (mountpoint, "/") == 0 ? gc_d_sysroot
    : target;
  int r = mount (device, target_path, type, flags, data);
  if (r == -1 && ro_devices && ro && (errno == EROFS || errno == EACCES)) {
    /* Its journal needs replaying, which writes: as the guest would. */
    gc_d_debug ("mount: %s: replaying its journal, the device writable",
                udev);
    if (set_device_ro (device, 0) == 0)
      r = mount (device, target_path, type, flags, data);
  }
  if (r == -1) {
    reply_with_perror ("mount: %s on %s (%s)", udev, mountpoint, type);
    return -1;
  }
  return 0;
}

/* Unescape mountinfo's octal escapes (\040) in place. */
static void
unoctal (char *s)
{
  char *w = s;
  for (; *s; ++s) {
    if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
        s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
      *w++ = (s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0');
      s += 3;
    }
    else
      *w++ = *s;
  }
  *w = '\0';
}

/* After unmounting FUSE filesystems: wait (at most 10 s) until their
 * ntfs-3g processes, which flush and close the device when unmounted,
 * have exited (or are zombies of init), so nothing is left running. */
static void
wait_fuse_daemons (void)
{
  for (int tries = 0; tries < 1000; ++tries) {
    bool running = false;
    DIR *d = opendir ("/proc");
    if (d == NULL)
      return;
    struct dirent *e;
    while (!running && (e = readdir (d)) != NULL) {
      char path[300], stat[512];
      if (e->d_name[0] < '1' || e->d_name[0] > '9')
        continue;
      snprintf (path, sizeof path, "/proc/%s/stat", e->d_name);
      CLEANUP_CLOSE int fd = open (path, O_RDONLY | O_CLOEXEC);
      ssize_t r = fd == -1 ? -1 : read (fd, stat, sizeof stat - 1);
      if (r <= 0)
        continue;
      stat[r] = '\0';
      /* pid (comm) state ... */
      char *rp = strrchr (stat, ')');
      if (strstr (stat, "(ntfs-3g)") && rp && rp[1] == ' ' && rp[2] != 'Z')
        running = true;
    }
    closedir (d);
    if (!running) {
      gc_d_debug ("umount_all: no ntfs-3g left (waited %d ms)", tries * 10);
      return;
    }
    usleep (10000);
  }
  fprintf (stderr, "guestcelld: ntfs-3g still running after unmounting\n");
}

/* See daemon.h.  Unmounts in the reverse of mountinfo's order, which is
 * deepest (and most recent) first.  With reply_errors false, errors are
 * only logged and 0 is returned. */
int
gc_d_umount_all (bool reply_errors)
{
  gc_d_hive_close ();
  CLEANUP_FREE char *info = gc_read_whole_file ("/proc/self/mountinfo",
                                                16 << 20, NULL);
  if (info == NULL) {
    if (reply_errors)
      reply_with_perror ("umount_all: /proc/self/mountinfo");
    return reply_errors ? -1 : 0;
  }
  string_vector v = EMPTY_VECTOR;
  size_t n = strlen (gc_d_sysroot);
  int fuse_mounts = 0;
  char *save = NULL;
  for (char *l = strtok_r (info, "\n", &save); l;
       l = strtok_r (NULL, "\n", &save)) {
    /* id parent maj:min root mountpoint ... */
    char *f = l;
    for (int i = 0; i < 4 && f; ++i) {
      f = strchr (f, ' ');
      if (f)
        ++f;
    }
    if (f == NULL)
      continue;
    f[strcspn (f, " ")] = '\0';
    /* ... mountpoint options - fstype: ntfs-3g mounts are fuseblk. */
    bool fuse = strstr (f + strlen (f) + 1, " - fuse") != NULL;
    unoctal (f);
    if (strncmp (f, gc_d_sysroot, n) == 0 && (f[n] == '\0' || f[n] == '/')) {
      string_vector_append (&v, f);
      fuse_mounts += fuse;
    }
  }
  int ret = 0;
  for (size_t i = v.len; i-- > 0; ) {
    gc_d_debug ("umount %s", v.ptr[i]);
    if (umount2 (v.ptr[i], 0) == -1 && errno != EINVAL && errno != ENOENT) {
      CLEANUP_FREE char *g = gc_d_guest_path (v.ptr[i]);
      fprintf (stderr, "guestcelld: umount %s: %m\n", v.ptr[i]);
      /* The first failure is the reply; the others are still tried, so
       * that as much as possible is unmounted cleanly. */
      if (reply_errors && ret == 0)
        reply_with_perror ("umount_all: %s", g ? g : v.ptr[i]);
      ret = reply_errors ? -1 : 0;
    }
  }
  free (v.ptr);                 /* strings point into info */
  if (fuse_mounts > 0)
    wait_fuse_daemons ();
  return ret;
}

/* 0, or -1 after replying. */
int
do_umount_all (void)
{
  return gc_d_umount_all (true);
}

/* The mount an fd is on: its mount id, from /proc/self/fdinfo.  -1 if
 * unknown. */
static int
mount_id_of (int fd)
{
  char path[64];
  snprintf (path, sizeof path, "/proc/self/fdinfo/%d", fd);
  CLEANUP_FREE char *info = gc_read_whole_file (path, 65536, NULL);
  const char *p = info ? strstr (info, "mnt_id:") : NULL;
  return p ? atoi (p + 7) : -1;
}

/* One line of /proc/self/mountinfo, split (in place). */
struct mount_line {
  char *mountpoint;             /* in the appliance, unescaped */
  char *options;                /* per-mount: "ro,relatime" */
  char *fstype;
  char *source;                 /* unescaped */
};

/* Find the line of mount id in info (changed in place).  0, or -1. */
static int
find_mount (char *info, int id, struct mount_line *m)
{
  char *save = NULL;
  for (char *l = strtok_r (info, "\n", &save); l;
       l = strtok_r (NULL, "\n", &save)) {
    if (atoi (l) != id)
      continue;
    char *f[6], *w, *save2 = NULL;
    int n = 0;
    for (w = strtok_r (l, " ", &save2); w && n < 6;
         w = n < 6 ? strtok_r (NULL, " ", &save2) : NULL)
      f[n++] = w;
    /* Optional fields up to "-", then fstype and source. */
    while ((w = strtok_r (NULL, " ", &save2)) && strcmp (w, "-") != 0)
      ;
    m->fstype = w ? strtok_r (NULL, " ", &save2) : NULL;
    m->source = m->fstype ? strtok_r (NULL, " ", &save2) : NULL;
    if (n < 6 || m->source == NULL)
      return -1;
    m->mountpoint = f[4];
    m->options = f[5];
    unoctal (m->mountpoint);
    unoctal (m->source);
    return 0;
  }
  return -1;
}

/* ntfs-3g cannot remount read-write: unmount, mount again.  0, or -1
 * after replying. */
static int
remount_fuse (const char *path, const struct mount_line *m)
{
  CLEANUP_FREE char *gmp = gc_d_guest_path (m->mountpoint);
  CLEANUP_FREE char *udev = gc_d_device_to_user (m->source);
  if (gmp == NULL) {
    reply_with_error ("remount_rw: %s: not on a guest filesystem", path);
    return -1;
  }
  if (strcmp (m->fstype, "fuseblk") != 0) {
    reply_with_error_errno (EROFS, "remount_rw: %s: a read-only %s mount "
                            "cannot be made writable", path, m->fstype);
    return -1;
  }
  gc_d_hive_close ();            /* it would keep the mount busy */
  if (umount2 (m->mountpoint, 0) == -1) {
    reply_with_perror ("remount_rw: %s: unmounting %s", path, gmp);
    return -1;
  }
  if (set_device_ro (m->source, 0) == -1 && errno != ENOENT) {
    reply_with_perror ("remount_rw: %s: making %s writable", path,
                       udev ? udev : m->source);
    return -1;
  }
  wait_fuse_daemons ();
  char target[64] = "";
  CLEANUP_CLOSE int mpfd = -1;
  if (strcmp (gmp, "/") != 0) {
    mpfd = gc_d_open_guest (gmp, O_PATH | O_DIRECTORY, 0);
    if (mpfd == -1) {
      reply_with_perror ("remount_rw: %s: mount point %s", path, gmp);
      return -1;
    }
    snprintf (target, sizeof target, "/proc/self/fd/%d", mpfd);
  }
  return mount_ntfs (m->source, udev ? udev : m->source, gmp, target, NULL,
                     0);
}

/* 0, or -1 after replying. */
int
do_remount_rw (const char *path)
{
  int fd = gc_d_open_guest (path, O_PATH, 0);
  if (fd == -1) {
    reply_with_perror ("remount_rw: %s", path);
    return -1;
  }
  int id = mount_id_of (fd);
  close (fd);                   /* it would keep an NTFS mount busy */
  CLEANUP_FREE char *info = gc_read_whole_file ("/proc/self/mountinfo",
                                                16 << 20, NULL);
  struct mount_line m;
  if (id < 0 || info == NULL || find_mount (info, id, &m) == -1) {
    reply_with_error ("remount_rw: %s: its mount was not found", path);
    return -1;
  }
  size_t n = strlen (gc_d_sysroot);
  if (strncmp (m.mountpoint, gc_d_sysroot, n) != 0 ||
      (m.mountpoint[n] != '\0' && m.mountpoint[n] != '/')) {
    reply_with_error ("remount_rw: %s: not on a guest filesystem", path);
    return -1;
  }
  /* Per-mount options: "ro" or "rw" first, then the flags to keep. */
  unsigned long flags = MS_REMOUNT;
  bool ro = false;
  char *save = NULL;
  for (char *o = strtok_r (m.options, ",", &save); o;
       o = strtok_r (NULL, ",", &save)) {
    if (strcmp (o, "ro") == 0)
      ro = true;
    else if (strcmp (o, "nosuid") == 0)
      flags |= MS_NOSUID;
    else if (strcmp (o, "nodev") == 0)
      flags |= MS_NODEV;
    else if (strcmp (o, "noexec") == 0)
      flags |= MS_NOEXEC;
  }
  if (!ro)
    return 0;
  gc_d_debug ("remount_rw: %s (%s on %s)", m.mountpoint, m.fstype, m.source);
  if (strncmp (m.fstype, "fuse", 4) == 0)
    return remount_fuse (path, &m);
  /* A device mount_ro_devices made read-only; not a device (tmpfs):
   * nothing to do. */
  if (set_device_ro (m.source, 0) == -1 && errno != ENOENT &&
      errno != ENOTTY) {
    CLEANUP_FREE char *udev = gc_d_device_to_user (m.source);
    reply_with_perror ("remount_rw: %s: making %s writable", path,
                       udev ? udev : m.source);
    return -1;
  }
  if (mount (NULL, m.mountpoint, NULL, flags, NULL) == -1) {
    CLEANUP_FREE char *gmp = gc_d_guest_path (m.mountpoint);
    reply_with_perror ("remount_rw: %s: remounting %s (%s) read-write", path,
                       gmp ? gmp : m.mountpoint, m.fstype);
    return -1;
  }
  return 0;
}

/* 0. */
int
do_sync (void)
{
  sync ();
  return 0;
}

/* Unmounts (errors logged), syncs; the main loop ends after the reply.
 * 0. */
int
do_internal_shutdown (void)
{
  /* An unmount that fails is the reply (the caller must not call its
   * writes done), but the appliance still syncs and powers off. */
  int r = gc_d_umount_all (true);
  sync ();
  gc_d_exit_after_reply = true;
  return r;
}
