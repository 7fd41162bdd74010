/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Devices: the guest's disks are the virtio-blk disks other than the
 * appliance's own root (virtio serial "gcappliance").  Users name the
 * Nth guest disk /dev/sdX whatever the appliance calls it, partitions
 * /dev/sdXN, and LVM volumes /dev/VG/LV; anything else is refused, so a
 * caller can never reach the appliance's disk.  Also list_devices,
 * list_partitions and blockdev_getsize64.
 */

#include <config.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <linux/fs.h>

#include "daemon.h"
#include "gc-daemon-actions.h"

#define APPLIANCE_SERIAL "gcappliance"

static char **disks;            /* "vdb", "vdc"... */

static int
compare_names (const void *a, const void *b)
{
  const char *x = *(char *const *) a, *y = *(char *const *) b;
  size_t lx = strlen (x), ly = strlen (y);
  if (lx != ly)
    return lx < ly ? -1 : 1;
  return strcmp (x, y);
}

static int
compare_names_plain (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static bool
is_appliance_disk (const char *name)
{
  CLEANUP_FREE char *path = NULL, *serial = NULL;
  if (asprintf (&path, "/sys/block/%s/serial", name) == -1)
    return true;
  serial = gc_read_whole_file (path, 4096, NULL);
  if (serial == NULL)
    return false;
  serial[strcspn (serial, "\n")] = '\0';
  return strcmp (serial, APPLIANCE_SERIAL) == 0;
}

/* See daemon.h.  Never NULL (an empty list if /sys/block is unreadable
 * or memory runs out). */
char *const *
gc_d_guest_disks (void)
{
  static char *empty[] = { NULL };
  if (disks)
    return disks;

  string_vector v = EMPTY_VECTOR;
  DIR *dir = opendir ("/sys/block");
  if (dir) {
    struct dirent *d;
    while ((d = readdir (dir)) != NULL) {
      if (strncmp (d->d_name, "vd", 2) != 0 || is_appliance_disk (d->d_name))
        continue;
      char *s = strdup (d->d_name);
      if (s == NULL || string_vector_append (&v, s) == -1) {
        free (s);
        break;
      }
    }
    closedir (dir);
  }
  if (v.len > 0)
    qsort (v.ptr, v.len, sizeof (char *), compare_names);
  disks = gc_strings_from_vector (&v);
  if (disks == NULL) {
    gc_string_vector_free (&v);
    return empty;
  }
  for (size_t i = 0; disks[i]; ++i)
    gc_d_debug ("guest disk %zu: %s", i, disks[i]);
  return disks;
}

/* See daemon.h. */
void
gc_d_forget_disks (void)
{
  if (disks) {
    gc_d_free_strings (disks);
    disks = NULL;
  }
}

/* "a".."z", "aa".. for index 0, 1... */
static void
index_to_letters (size_t i, char *buf)
{
  char tmp[16];
  size_t n = 0;
  ++i;
  while (i > 0 && n < sizeof tmp) {
    --i;
    tmp[n++] = 'a' + i % 26;
    i /= 26;
  }
  for (size_t j = 0; j < n; ++j)
    buf[j] = tmp[n - 1 - j];
  buf[n] = '\0';
}

/* The index of letters "a", "b"..."aa"; -1 if not letters. */
static long
letters_to_index (const char *s, size_t len)
{
  long r = 0;
  if (len == 0 || len > 4)
    return -1;
  for (size_t i = 0; i < len; ++i) {
    if (s[i] < 'a' || s[i] > 'z')
      return -1;
    r = r * 26 + (s[i] - 'a' + 1);
  }
  return r - 1;
}

static bool
partition_exists (const char *disk, const char *num)
{
  CLEANUP_FREE char *path = NULL;
  if (asprintf (&path, "/sys/block/%s/%s%s/partition", disk, disk, num) == -1)
    return false;
  return access (path, F_OK) == 0;
}

/* If dev is an active LVM logical volume: its major:minor is a
 * device-mapper device whose uuid starts with LVM-. */
static bool
is_lv (const char *dev)
{
  struct stat st;
  if (stat (dev, &st) == -1 || !S_ISBLK (st.st_mode))
    return false;
  CLEANUP_FREE char *path = NULL, *uuid = NULL;
  if (asprintf (&path, "/sys/dev/block/%u:%u/dm/uuid",
                major (st.st_rdev), minor (st.st_rdev)) == -1)
    return false;
  uuid = gc_read_whole_file (path, 4096, NULL);
  return uuid && strncmp (uuid, "LVM-", 4) == 0;
}

/* If dev is a running md array: /dev/mdN, or /dev/md/NAME (mdadm's
 * link), whose major:minor has an md directory in sysfs. */
static bool
is_md (const char *dev)
{
  const char *p = strncmp (dev, "/dev/md", 7) == 0 ? dev + 7 : NULL;
  if (p == NULL)
    return false;
  if (*p == '/') {
    if (!dev[8] || strchr (dev + 8, '/') || strcmp (dev + 8, ".") == 0 ||
        strcmp (dev + 8, "..") == 0)
      return false;
  }
  else if (!*p || strspn (p, "0123456789") != strlen (p))
    return false;
  struct stat st;
  if (stat (dev, &st) == -1 || !S_ISBLK (st.st_mode))
    return false;
  CLEANUP_FREE char *path = NULL;
  if (asprintf (&path, "/sys/dev/block/%u:%u/md",
                major (st.st_rdev), minor (st.st_rdev)) == -1)
    return false;
  return access (path, F_OK) == 0;
}

/* See daemon.h. */
char *
gc_d_device_from_user (const char *dev)
{
  if (is_md (dev)) {
    char *r = strdup (dev);
    if (r == NULL)
      reply_with_perror ("malloc");
    return r;
  }
  if (strncmp (dev, "/dev/md", 7) == 0 &&
      (dev[7] == '/' || isdigit ((unsigned char) dev[7]))) {
    reply_with_error_errno (ENOENT, "%s: %s: no such md array (is it "
                            "assembled?)", gc_d_action (), dev);
    return NULL;
  }

  char *const *d = gc_d_guest_disks ();
  char *r = NULL;

  if (strncmp (dev, "/dev/mapper/", 12) == 0) {
    CLEANUP_FREE_STRINGS char **luks = gc_d_luks_mappings ();
    for (size_t i = 0; luks && luks[i]; ++i)
      if (strcmp (luks[i], dev) == 0) {
        if ((r = strdup (dev)) == NULL)
          reply_with_perror ("malloc");
        return r;
      }
    reply_with_error_errno (ENOENT, "%s: %s: no such opened LUKS volume",
                            gc_d_action (), dev);
    return NULL;
  }
  if (strncmp (dev, "/dev/sd", 7) == 0) {
    const char *p = dev + 7;
    size_t nl = 0;
    while (p[nl] >= 'a' && p[nl] <= 'z')
      ++nl;
    const char *num = p + nl;
    long idx = letters_to_index (p, nl);
    bool num_ok = true;
    for (const char *q = num; *q; ++q)
      if (!isdigit ((unsigned char) *q))
        num_ok = false;
    if (*num == '0')
      num_ok = false;
    if (idx >= 0 && num_ok) {
      if ((size_t) idx >= gc_strings_len (d) ||
          (*num && !partition_exists (d[idx], num))) {
        reply_with_error_errno (ENOENT, "%s: %s: no such device",
                                gc_d_action (), dev);
        return NULL;
      }
      if (asprintf (&r, "/dev/%s%s", d[idx], num) == -1) {
        reply_with_perror ("malloc");
        return NULL;
      }
      return r;
    }
  }
  else if (strncmp (dev, "/dev/", 5) == 0) {
    const char *vg = dev + 5, *slash = strchr (vg, '/');
    if (slash && slash > vg && slash[1] && !strchr (slash + 1, '/') &&
        strncmp (vg, "mapper/", 7) != 0 && strncmp (vg, "../", 3) != 0 &&
        strncmp (vg, "./", 2) != 0 && strcmp (slash, "/..") != 0 &&
        strcmp (slash, "/.") != 0) {
      if (!is_lv (dev)) {
        reply_with_error_errno (ENOENT, "%s: %s: no such LVM logical volume "
                                "(are its volume groups activated?)",
                                gc_d_action (), dev);
        return NULL;
      }
      if ((r = strdup (dev)) == NULL)
        reply_with_perror ("malloc");
      return r;
    }
  }
  reply_with_error_errno (EINVAL, "%s: %s: not a device of the guest "
                          "(expected /dev/sdX, /dev/sdXN, /dev/VG/LV or "
                          "/dev/mapper/luks-UUID)",
                          gc_d_action (), dev);
  return NULL;
}

/* The LVM name of a device-mapper name "VG-LV" ("--" escapes '-'), as
 * /dev/VG/LV; NULL if it is not of that form. */
static char *
dm_name_to_lv (const char *name)
{
  size_t n = strlen (name);
  CLEANUP_FREE char *vg = malloc (n + 1), *lv = malloc (n + 1);
  if (vg == NULL || lv == NULL)
    return NULL;
  size_t i = 0, j = 0;
  for (; i < n; ++i) {
    if (name[i] == '-') {
      if (name[i + 1] == '-') {
        vg[j++] = '-';
        ++i;
        continue;
      }
      break;
    }
    vg[j++] = name[i];
  }
  vg[j] = '\0';
  if (i >= n || j == 0)
    return NULL;
  ++i;
  j = 0;
  for (; i < n; ++i) {
    if (name[i] == '-') {
      if (name[i + 1] != '-')
        return NULL;
      ++i;
    }
    lv[j++] = name[i];
  }
  lv[j] = '\0';
  if (j == 0)
    return NULL;
  char *r;
  if (asprintf (&r, "/dev/%s/%s", vg, lv) == -1)
    return NULL;
  return r;
}

/* See daemon.h. */
char *
gc_d_device_to_user (const char *dev)
{
  char *const *d = gc_d_guest_disks ();
  char *r = NULL;

  if (strncmp (dev, "/dev/", 5) == 0) {
    const char *name = dev + 5;
    for (size_t i = 0; d[i]; ++i) {
      size_t n = strlen (d[i]);
      if (strncmp (name, d[i], n) == 0 &&
          strspn (name + n, "0123456789") == strlen (name + n)) {
        char letters[16];
        index_to_letters (i, letters);
        if (asprintf (&r, "/dev/sd%s%s", letters, name + n) == -1)
          return NULL;
        return r;
      }
    }
    CLEANUP_FREE char *dmname = NULL;
    if (strncmp (name, "dm-", 3) == 0) {
      CLEANUP_FREE char *path = NULL;
      if (asprintf (&path, "/sys/block/%s/dm/name", name) == -1)
        return NULL;
      dmname = gc_read_whole_file (path, 4096, NULL);
      if (dmname)
        dmname[strcspn (dmname, "\n")] = '\0';
    }
    else if (strncmp (name, "mapper/", 7) == 0)
      dmname = strdup (name + 7);
    if (dmname && strncmp (dmname, "luks-", 5) == 0) {
      if (asprintf (&r, "/dev/mapper/%s", dmname) == -1)
        return NULL;
      return r;
    }
    if (dmname && (r = dm_name_to_lv (dmname)) != NULL)
      return r;
  }
  return strdup (dev);
}

/* /dev/sda, /dev/sdb... (caller frees); NULL after replying. */
char **
do_list_devices (void)
{
  char *const *d = gc_d_guest_disks ();
  size_t n = gc_strings_len (d);
  char **r = calloc (n + 1, sizeof (char *));
  if (r == NULL) {
    reply_with_perror ("malloc");
    return NULL;
  }
  for (size_t i = 0; i < n; ++i) {
    char letters[16];
    index_to_letters (i, letters);
    if (asprintf (&r[i], "/dev/sd%s", letters) == -1) {
      r[i] = NULL;
      gc_strings_free (r);
      reply_with_perror ("malloc");
      return NULL;
    }
  }
  return r;
}

static int
compare_partnum (const void *a, const void *b)
{
  return compare_names (a, b);
}

/* The appliance names of the partitions of disk ("vdb1"...), sorted;
 * NULL with errno. */
char **
gc_d_disk_partitions (const char *disk)
{
  CLEANUP_FREE char *path = NULL;
  string_vector v = EMPTY_VECTOR;
  if (asprintf (&path, "/sys/block/%s", disk) == -1)
    return NULL;
  DIR *dir = opendir (path);
  if (dir == NULL)
    return NULL;
  size_t n = strlen (disk);
  struct dirent *d;
  while ((d = readdir (dir)) != NULL) {
    if (strncmp (d->d_name, disk, n) != 0 || d->d_name[n] == '\0' ||
        strspn (d->d_name + n, "0123456789") != strlen (d->d_name + n))
      continue;
    char *s = strdup (d->d_name);
    if (s == NULL || string_vector_append (&v, s) == -1) {
      free (s);
      closedir (dir);
      gc_string_vector_free (&v);
      return NULL;
    }
  }
  closedir (dir);
  if (v.len > 0)
    qsort (v.ptr, v.len, sizeof (char *), compare_partnum);
  char **r = gc_strings_from_vector (&v);
  if (r == NULL)
    gc_string_vector_free (&v);
  return r;
}

/* /dev/sda1... of every guest disk (caller frees); NULL after replying. */
char **
do_list_partitions (void)
{
  char *const *d = gc_d_guest_disks ();
  string_vector v = EMPTY_VECTOR;

  for (size_t i = 0; d[i]; ++i) {
    CLEANUP_FREE_STRINGS char **parts = gc_d_disk_partitions (d[i]);
    if (parts == NULL) {
      reply_with_perror ("list_partitions: /sys/block/%s", d[i]);
      gc_string_vector_free (&v);
      return NULL;
    }
    for (size_t j = 0; parts[j]; ++j) {
      char letters[16], *s;
      index_to_letters (i, letters);
      if (asprintf (&s, "/dev/sd%s%s", letters,
                    parts[j] + strlen (d[i])) == -1 ||
          string_vector_append (&v, s) == -1) {
        reply_with_perror ("malloc");
        gc_string_vector_free (&v);
        return NULL;
      }
    }
  }
  char **r = gc_strings_from_vector (&v);
  if (r == NULL) {
    reply_with_perror ("malloc");
    gc_string_vector_free (&v);
  }
  return r;
}

/* See daemon.h. */
void
gc_d_wait_partitions (const char *disk)
{
  const char *name = strncmp (disk, "/dev/", 5) == 0 ? disk + 5 : disk;
  for (int i = 0; i < 500; ++i) {  /* 5 s */
    CLEANUP_FREE_STRINGS char **parts = gc_d_disk_partitions (name);
    bool all = parts != NULL;
    for (size_t j = 0; all && parts[j]; ++j) {
      char dev[300];
      snprintf (dev, sizeof dev, "/dev/%s", parts[j]);
      if (access (dev, F_OK) != 0)
        all = false;
    }
    if (all)
      return;
    usleep (10000);
  }
  gc_d_debug ("%s: partition nodes still missing after 5 s", disk);
}

/* The size in bytes; -1 after replying. */
int64_t
do_blockdev_getsize64 (const char *device)
{
  CLEANUP_CLOSE int fd = open (device, O_RDONLY | O_CLOEXEC);
  uint64_t size;
  CLEANUP_FREE char *user = gc_d_device_to_user (device);

  if (fd == -1 || ioctl (fd, BLKGETSIZE64, &size) == -1) {
    reply_with_perror ("blockdev_getsize64: %s", user ? user : device);
    return -1;
  }
  return (int64_t) size;
}

/* See daemon.h.  An LV's device-mapper uuid is "LVM-" and 64 characters
 * (VG and LV uuids); hidden parts (snapshot origins, thin pool data...)
 * carry a suffix and are skipped. */
char **
gc_d_active_lvs (void)
{
  string_vector v = EMPTY_VECTOR;
  DIR *dir = opendir ("/sys/block");
  if (dir) {
    struct dirent *d;
    while ((d = readdir (dir)) != NULL) {
      if (strncmp (d->d_name, "dm-", 3) != 0)
        continue;
      CLEANUP_FREE char *p1 = NULL, *p2 = NULL, *uuid = NULL, *name = NULL;
      if (asprintf (&p1, "/sys/block/%s/dm/uuid", d->d_name) == -1 ||
          asprintf (&p2, "/sys/block/%s/dm/name", d->d_name) == -1)
        continue;
      uuid = gc_read_whole_file (p1, 4096, NULL);
      name = gc_read_whole_file (p2, 4096, NULL);
      if (uuid == NULL || name == NULL)
        continue;
      uuid[strcspn (uuid, "\n")] = '\0';
      name[strcspn (name, "\n")] = '\0';
      if (strncmp (uuid, "LVM-", 4) != 0 || strlen (uuid) != 4 + 64)
        continue;
      char *lv = dm_name_to_lv (name);
      if (lv == NULL || access (lv, F_OK) != 0) {
        free (lv);
        continue;
      }
      if (string_vector_append (&v, lv) == -1) {
        free (lv);
        closedir (dir);
        gc_string_vector_free (&v);
        return NULL;
      }
    }
    closedir (dir);
  }
  if (v.len > 0)
    qsort (v.ptr, v.len, sizeof (char *), compare_names_plain);
  char **r = gc_strings_from_vector (&v);
  if (r == NULL)
    gc_string_vector_free (&v);
  return r;
}

/* See daemon.h. */
char *
gc_d_names_to_user (const char *msg)
{
  char *const *d = gc_d_guest_disks ();
  size_t len = strlen (msg);
  char *r = malloc (len + 1);     /* "/dev/vdX" -> "/dev/sdX": same length */
  if (r == NULL)
    return NULL;
  size_t w = 0;
  for (size_t i = 0; i < len; ) {
    bool done = false;
    if (strncmp (msg + i, "/dev/", 5) == 0) {
      for (size_t j = 0; d[j] && !done; ++j) {
        size_t n = strlen (d[j]);
        char letters[16];
        index_to_letters (j, letters);
        if (strncmp (msg + i + 5, d[j], n) == 0 &&
            !(msg[i + 5 + n] >= 'a' && msg[i + 5 + n] <= 'z') &&
            strlen (letters) + 2 == n) {
          memcpy (r + w, "/dev/sd", 7);
          memcpy (r + w + 7, letters, n - 2);
          w += 5 + n;
          i += 5 + n;
          done = true;
        }
      }
    }
    if (!done)
      r[w++] = msg[i++];
  }
  r[w] = '\0';
  return r;
}
