/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Encrypted and RAID volumes, made by the real tools (cryptsetup,
 * mdadm) so that test guests hold what a real system would:
 * luks_format, md_create, md_stop_all, md_assemble and md_list; and
 * the opening of a guest's LUKS volumes with the user's keys
 * (luks_open).
 *
 * The passphrase never appears on a command line: it is written to a
 * 0600 file under /run (a tmpfs inside the appliance) that cryptsetup
 * reads with --key-file and that is removed right after.
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

#include "daemon.h"
#include "gc-daemon-actions.h"

/* Reply with a tool's failure: its stderr with the user's device names. */
static void
reply_tool_error (const char *tool, int st, char *err)
{
  if (st == -1)
    reply_with_perror ("%s: %s", gc_d_action (), tool);
  else
    reply_tool_failure (err, "%s: %s failed", gc_d_action (), tool);
}

/* A UUID argument: hex digits and '-' only (so never an option), or
 * ':' for mdadm's form.  Replies and returns false if not. */
static bool
check_uuid (const char *uuid, const char *seps)
{
  size_t n = strlen (uuid);
  bool ok = n >= 32 && n <= 40;
  for (const char *p = uuid; ok && *p; ++p)
    if (!isxdigit ((unsigned char) *p) && !strchr (seps, *p))
      ok = false;
  if (!ok)
    reply_with_error_errno (EINVAL, "%s: '%s': not a UUID", gc_d_action (),
                            uuid);
  return ok;
}

/* Write the key to a new 0600 file; its path in *path (caller frees and
 * unlinks).  -1 after replying. */
static int
write_key_file (const char *key, char **path)
{
  *path = strdup ("/run/gc-luks-key-XXXXXX");
  if (*path == NULL) {
    reply_with_perror ("malloc");
    return -1;
  }
  int fd = mkostemp (*path, O_CLOEXEC);  /* mode 0600 */
  if (fd == -1) {
    reply_with_perror ("%s: %s", gc_d_action (), *path);
    free (*path);
    *path = NULL;
    return -1;
  }
  if (gc_write_all (fd, key, strlen (key)) == -1 || close (fd) == -1) {
    int e = errno;
    unlink (*path);
    errno = e;
    reply_with_perror ("%s: %s", gc_d_action (), *path);
    free (*path);
    *path = NULL;
    return -1;
  }
  return 0;
}

/* 0, or -1 after replying. */
int
do_luks_format (const char *device, const char *key, const char *uuid)
{
  if (*key == '\0') {
    reply_with_error_errno (EINVAL, "%s: empty passphrase", gc_d_action ());
    return -1;
  }
  if (uuid && *uuid && !check_uuid (uuid, "-"))
    return -1;

  /* cryptsetup encrypts the keyslot through the kernel's crypto API
   * (AF_ALG, aes-xts-plain64), so no device-mapper is needed; without
   * these it would fall back to a dm-crypt mapping. */
  static const char *const modules[] = {
    "algif_skcipher", "xts", "ecb", NULL
  };
  for (size_t i = 0; modules[i]; ++i)
    if (gc_d_modprobe (modules[i]) == -1)
      gc_d_debug ("%s: modprobe %s failed", gc_d_action (), modules[i]);

  CLEANUP_FREE char *keyfile = NULL;
  if (write_key_file (key, &keyfile) == -1)
    return -1;

  const char *argv[32];
  size_t n = 0;
  argv[n++] = "cryptsetup";
  argv[n++] = "luksFormat";
  argv[n++] = "--batch-mode";
  argv[n++] = "--disable-locks";
  argv[n++] = "--type";
  argv[n++] = "luks2";
  /* Test guests: argon2 would take memory and seconds under TCG. */
  argv[n++] = "--pbkdf";
  argv[n++] = "pbkdf2";
  argv[n++] = "--pbkdf-force-iterations";
  argv[n++] = "1000";
  argv[n++] = "--key-file";
  argv[n++] = keyfile;
  if (uuid && *uuid) {
    argv[n++] = "--uuid";
    argv[n++] = uuid;
  }
  argv[n++] = "--";
  argv[n++] = device;
  argv[n] = NULL;

  CLEANUP_FREE char *err = NULL;
  int st = commandv (NULL, &err, (char *const *) argv);
  unlink (keyfile);
  if (st != 0) {
    reply_tool_error ("cryptsetup luksFormat", st, err);
    return -1;
  }
  return 0;
}

/* A LUKS mapping's name: "luks-" and the volume's UUID, checked to be
 * hex digits and '-' (blkid reads it from the guest's header). */
#define LUKS_PREFIX "luks-"

/* The mapping's /dev/mapper path (caller frees); NULL after replying. */
char *
do_luks_open (const char *device, const char *key, int readonly)
{
  CLEANUP_FREE char *type = gc_d_blkid_tag (device, "TYPE");
  if (type == NULL)
    return NULL;
  if (strcmp (type, "crypto_LUKS") != 0) {
    CLEANUP_FREE char *user = gc_d_device_to_user (device);
    reply_with_error_errno (EINVAL, "%s: %s: not a LUKS volume",
                            gc_d_action (), user ? user : device);
    return NULL;
  }
  CLEANUP_FREE char *uuid = gc_d_blkid_tag (device, "UUID");
  if (uuid == NULL || !check_uuid (uuid, "-"))
    return NULL;
  char *mapper;
  if (asprintf (&mapper, "/dev/mapper/" LUKS_PREFIX "%s", uuid) == -1) {
    reply_with_perror ("malloc");
    return NULL;
  }
  if (access (mapper, F_OK) == 0)
    return mapper;              /* opened already (the same UUID twice) */

  static const char *const modules[] = {
    "dm_crypt", "xts", "ecb", "cbc", "aesni_intel", "aes_generic", NULL
  };
  for (size_t i = 0; modules[i]; ++i)
    if (gc_d_modprobe (modules[i]) == -1)
      gc_d_debug ("%s: modprobe %s failed", gc_d_action (), modules[i]);

  CLEANUP_FREE char *keyfile = NULL;
  if (write_key_file (key, &keyfile) == -1) {
    free (mapper);
    return NULL;
  }
  const char *argv[16];
  size_t n = 0;
  argv[n++] = "cryptsetup";
  argv[n++] = "open";
  argv[n++] = "--type";
  argv[n++] = "luks";
  argv[n++] = "--disable-locks";
  argv[n++] = "--key-file";
  argv[n++] = keyfile;
  if (readonly)
    argv[n++] = "--readonly";
  argv[n++] = "--";
  argv[n++] = device;
  argv[n++] = mapper + strlen ("/dev/mapper/");
  argv[n] = NULL;
  /* No udev here: libdevmapper makes the /dev/mapper node itself. */
  setenv ("DM_DISABLE_UDEV", "1", 1);
  CLEANUP_FREE char *err = NULL;
  int st = commandv (NULL, &err, (char *const *) argv);
  unlink (keyfile);
  if (st == 2) {                /* cryptsetup: no key slot opens */
    CLEANUP_FREE char *user = gc_d_device_to_user (device);
    reply_with_error_errno (EACCES, "%s: wrong key for the encrypted volume "
                            "(LUKS UUID %s)", user ? user : device, uuid);
    free (mapper);
    return NULL;
  }
  if (st != 0) {
    reply_tool_error ("cryptsetup open", st, err);
    free (mapper);
    return NULL;
  }
  return mapper;
}

/* See daemon.h. */
char **
gc_d_luks_mappings (void)
{
  string_vector v = EMPTY_VECTOR;
  DIR *dir = opendir ("/dev/mapper");
  if (dir) {
    struct dirent *e;
    while ((e = readdir (dir)) != NULL) {
      char *name;
      if (strncmp (e->d_name, LUKS_PREFIX, strlen (LUKS_PREFIX)) != 0)
        continue;
      if (asprintf (&name, "/dev/mapper/%s", e->d_name) == -1 ||
          string_vector_append (&v, name) == -1) {
        closedir (dir);
        gc_string_vector_free (&v);
        return NULL;
      }
    }
    closedir (dir);
  }
  return gc_strings_from_vector (&v);
}

/* An md array name: what mdadm puts under /dev/md/ (n characters of
 * s), never an option. */
static bool
valid_md_name (const char *s, size_t n)
{
  if (n == 0 || *s == '-' || (n == 1 && *s == '.') ||
      (n == 2 && s[0] == '.' && s[1] == '.'))
    return false;
  for (size_t i = 0; i < n; ++i)
    if (!isalnum ((unsigned char) s[i]) && !strchr ("_.-", s[i]))
      return false;
  return true;
}

/* 0, or -1 after replying. */
int
do_md_create (const char *name, char *const *devices, const char *level,
              const char *uuid)
{
  size_t ndev = gc_strings_len (devices);
  /* "HOST:NAME" stores that name in the superblock as it is (as mdadm
   * does on a host called HOST); a plain NAME is stored as "any:NAME"
   * (no home host).  The device is /dev/md/NAME either way. */
  const char *colon = strchr (name, ':');
  const char *base = colon ? colon + 1 : name;

  if (strlen (name) > 32 ||
      (colon && !valid_md_name (name, colon - name)) ||
      !valid_md_name (base, strlen (base))) {
    reply_with_error_errno (EINVAL, "%s: '%s': not a valid array name",
                            gc_d_action (), name);
    return -1;
  }
  if (strcmp (level, "raid1") != 0) {
    reply_with_error_errno (ENOTSUP, "%s: level '%s' not supported "
                            "(only raid1)", gc_d_action (), level);
    return -1;
  }
  if (ndev < 2 || ndev > 16) {
    reply_with_error_errno (EINVAL, "%s: %zu devices (2 to 16 needed)",
                            gc_d_action (), ndev);
    return -1;
  }
  if (uuid && *uuid && !check_uuid (uuid, "-:"))
    return -1;

  if (gc_d_modprobe ("md_mod") == -1 || gc_d_modprobe (level) == -1) {
    reply_with_error ("%s: could not load the md and %s kernel modules",
                      gc_d_action (), level);
    return -1;
  }

  CLEANUP_FREE char *mddev = NULL, *levelopt = NULL, *nopt = NULL,
    *uuidopt = NULL, *nameopt = NULL;
  if (asprintf (&mddev, "/dev/md/%s", base) == -1 ||
      asprintf (&nameopt, "--name=%s", name) == -1 ||
      asprintf (&levelopt, "--level=%s", level) == -1 ||
      asprintf (&nopt, "--raid-devices=%zu", ndev) == -1 ||
      (uuid && *uuid && asprintf (&uuidopt, "--uuid=%s", uuid) == -1)) {
    reply_with_perror ("malloc");
    return -1;
  }

  const char *argv[48];
  size_t n = 0;
  argv[n++] = "mdadm";
  argv[n++] = "--create";
  argv[n++] = mddev;
  argv[n++] = "--run";
  argv[n++] = "--metadata=1.2";
  argv[n++] = levelopt;
  argv[n++] = nopt;
  argv[n++] = "--assume-clean";
  /* Bitmaps are written on every change: a test guest needs none. */
  argv[n++] = "--bitmap=none";
  argv[n++] = "--homehost=any";
  argv[n++] = nameopt;
  if (uuidopt)
    argv[n++] = uuidopt;
  for (size_t i = 0; i < ndev; ++i)
    argv[n++] = devices[i];
  argv[n] = NULL;

  CLEANUP_FREE char *err = NULL;
  int st = commandv (NULL, &err, (char *const *) argv);
  if (st != 0) {
    reply_tool_error ("mdadm --create", st, err);
    return -1;
  }
  if (access (mddev, F_OK) != 0) {
    reply_with_perror ("%s: %s", gc_d_action (), mddev);
    return -1;
  }
  return 0;
}

/* 0, or -1 after replying. */
int
do_md_stop_all (void)
{
  if (access ("/sys/module/md_mod", F_OK) != 0)
    return 0;                   /* no array can be running */
  CLEANUP_FREE char *err = NULL;
  int st = command (NULL, &err, "mdadm", "--stop", "--scan", NULL);
  if (st != 0) {
    reply_tool_error ("mdadm --stop --scan", st, err);
    return -1;
  }
  return 0;
}

/* 0, or -1 after replying.  Nothing is done unless a guest disk or
 * partition is an md member.  mdadm reads a configuration that names
 * only the guest's disks and their partitions (never the appliance's)
 * and accepts every array whatever its home host. */
int
do_md_assemble (void)
{
  static const char conf[] = "/run/gc-mdadm.conf";
  char *const *d = gc_d_guest_disks ();

  /* mdadm and its module cost most of a second under TCG: only when
   * blkid saw a member (the probe is cached for list_filesystems). */
  int have = gc_d_disks_have_type ("linux_raid_member");
  if (have == -1)
    return -1;
  if (have == 0) {
    gc_d_debug ("md_assemble: no md member: mdadm not run");
    return 0;
  }

  CLEANUP_FCLOSE FILE *f = fopen (conf, "we");
  if (f == NULL) {
    reply_with_perror ("%s: %s", gc_d_action (), conf);
    return -1;
  }
  fputs ("DEVICE", f);
  for (size_t i = 0; d[i]; ++i)
    fprintf (f, " /dev/%s /dev/%s[0-9]*", d[i], d[i]);
  fputs ("\nHOMEHOST <ignore>\nAUTO +all\n", f);
  if (fflush (f) == EOF || ferror (f)) {
    reply_with_perror ("%s: %s", gc_d_action (), conf);
    return -1;
  }

  if (gc_d_modprobe ("md_mod") == -1) {
    reply_with_error ("%s: could not load the md kernel module",
                      gc_d_action ());
    return -1;
  }
  /* The arrays are writable (their writes go to the overlays of
   * read-only drives, so that a dirty journal on one is replayed), but
   * an array left unclean by a crash must not resync: that would write
   * a copy of the whole array into the overlay, on the host's disk.  The
   * slowest resync md allows (1 KiB/s) bounds it to nothing. */
  static const char *const limits[] = {
    "/proc/sys/dev/raid/speed_limit_min", "/proc/sys/dev/raid/speed_limit_max",
  };
  for (size_t i = 0; i < 2; ++i) {
    CLEANUP_CLOSE int lfd = open (limits[i], O_WRONLY | O_CLOEXEC);
    if (lfd == -1 || write (lfd, "1\n", 2) != 2)
      gc_d_debug ("%s: %s: %m", gc_d_action (), limits[i]);
  }
  CLEANUP_FREE char *err = NULL;
  int st = command (NULL, &err, "mdadm", "--assemble", "--scan",
                    "--no-degraded", "--config", conf, NULL);
  /* Status 1 also means "no array found": not an error here. */
  if (st != 0 && st != 1) {
    reply_tool_error ("mdadm --assemble --scan", st, err);
    return -1;
  }
  return 0;
}

/* See daemon.h. */
char **
gc_d_md_arrays (void)
{
  string_vector v = EMPTY_VECTOR;
  DIR *dir = opendir ("/sys/block");
  if (dir) {
    struct dirent *e;
    while ((e = readdir (dir)) != NULL) {
      if (strncmp (e->d_name, "md", 2) != 0 ||
          strspn (e->d_name + 2, "0123456789") != strlen (e->d_name + 2) ||
          e->d_name[2] == '\0')
        continue;
      /* A running array has a size; a stopped one may linger. */
      char path[300];
      snprintf (path, sizeof path, "/sys/block/%s/md/array_state", e->d_name);
      CLEANUP_FREE char *state = gc_read_whole_file (path, 4096, NULL);
      if (state == NULL || strncmp (state, "clear", 5) == 0 ||
          strncmp (state, "inactive", 8) == 0)
        continue;
      char *name = NULL;
      /* The /dev/md/ link mdadm made (without udev) pointing at it. */
      DIR *links = opendir ("/dev/md");
      if (links) {
        struct dirent *l;
        while (name == NULL && (l = readdir (links)) != NULL) {
          char lpath[600], target[300];
          if (l->d_name[0] == '.')
            continue;
          snprintf (lpath, sizeof lpath, "/dev/md/%s", l->d_name);
          ssize_t n = readlink (lpath, target, sizeof target - 1);
          if (n <= 0)
            continue;
          target[n] = '\0';
          const char *base = strrchr (target, '/');
          base = base ? base + 1 : target;
          if (strcmp (base, e->d_name) == 0 &&
              asprintf (&name, "/dev/md/%s", l->d_name) == -1)
            name = NULL;
        }
        closedir (links);
      }
      if (name == NULL && asprintf (&name, "/dev/%s", e->d_name) == -1)
        name = NULL;
      if (name == NULL || string_vector_append (&v, name) == -1) {
        free (name);
        closedir (dir);
        gc_string_vector_free (&v);
        return NULL;
      }
    }
    closedir (dir);
  }
  char **r = gc_strings_from_vector (&v);
  if (r == NULL)
    gc_string_vector_free (&v);
  return r;
}

/* The caller frees the list; NULL after replying. */
char **
do_md_list (void)
{
  char **r = gc_d_md_arrays ();
  if (r == NULL)
    reply_with_perror ("malloc");
  return r;
}
