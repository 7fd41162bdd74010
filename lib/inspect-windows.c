/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Windows inspection: the systemroot, then the registry (read by hivex
 * inside the appliance, daemon/hive.c): product, variant, version and
 * build from SOFTWARE, the current control set, the hostname and the
 * drive letters from SYSTEM, the installed applications from the
 * Uninstall keys (64- and 32-bit), and the architecture from the PE
 * header of cmd.exe.
 *
 * Windows names files case-insensitively and NTFS (through ntfs-3g)
 * does not, so every guest path here goes through gc_int_case_path.
 * A hive that is missing or corrupt leaves its facts out, with a debug
 * line; only a failed appliance is an error.
 */

#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

/*----------------------------------------------------------------------
 * Paths.
 */

/* True if the call failed because the appliance did, not the file. */
static bool
dead (gc_h *g)
{
  return g->state != GC_STATE_READY;
}

/* See internal.h. */
int
gc_int_case_path (gc_h *g, const char *path, char **real)
{
  *real = NULL;
  if (path[0] != '/') {
    gc_int_error_errno (g, EINVAL, "%s: not an absolute path", path);
    return -1;
  }
  /* Most paths have the case Windows gave them: one call, not one
   * directory listing per component (System32 holds thousands). */
  CLEANUP_FREE struct gc_stat *st = gc_lstat (g, path);
  if (st == NULL && dead (g))
    return -1;
  if (st && strstr (path, "/.") == NULL && strstr (path, "//") == NULL) {
    *real = strdup (path);
    if (*real == NULL) {
      gc_int_perror (g, "strdup");
      return -1;
    }
    return 1;
  }
  CLEANUP_FREE char *copy = strdup (path);
  char *r = strdup ("/");
  if (copy == NULL || r == NULL) {
    free (r);
    gc_int_perror (g, "strdup");
    return -1;
  }
  for (char *save = NULL, *part = strtok_r (copy, "/", &save); part;
       part = strtok_r (NULL, "/", &save)) {
    if (strcmp (part, ".") == 0)
      continue;
    if (strcmp (part, "..") == 0) {
      /* Windows has no ".." to climb out of anything: refuse it. */
      free (r);
      return 0;
    }
    char **names = gc_ls (g, r);
    if (names == NULL) {
      free (r);
      return dead (g) ? -1 : 0;
    }
    const char *match = NULL;
    for (size_t i = 0; names[i] && match == NULL; ++i)
      if (strcmp (names[i], part) == 0)
        match = names[i];
    for (size_t i = 0; names[i] && match == NULL; ++i)
      if (strcasecmp (names[i], part) == 0)
        match = names[i];
    char *next = NULL;
    if (match && asprintf (&next, "%s%s%s", r, strcmp (r, "/") ? "/" : "",
                           match) == -1)
      next = NULL;
    bool oom = match && next == NULL;
    gc_strings_free (names);
    free (r);
    if (oom) {
      gc_int_perror (g, "malloc");
      return -1;
    }
    if (next == NULL)
      return 0;
    r = next;
  }
  *real = r;
  return 1;
}

/* See internal.h. */
int
gc_int_windows_systemroot (gc_h *g, char **systemroot)
{
  static const char *const candidates[] = { "/Windows", "/WINNT", NULL };
  *systemroot = NULL;
  for (size_t i = 0; candidates[i]; ++i) {
    CLEANUP_FREE char *config = NULL;
    char path[64];
    snprintf (path, sizeof path, "%s/System32/config", candidates[i]);
    int r = gc_int_case_path (g, path, &config);
    if (r == -1)
      return -1;
    if (r == 0)
      continue;
    r = gc_is_dir (g, config);
    if (r == -1 && dead (g))
      return -1;
    if (r != 1)
      continue;
    /* The real name of the systemroot: config minus /System32/config. */
    char *end = strchr (config + 1, '/');
    *systemroot = strndup (config, end ? (size_t) (end - config)
                           : strlen (config));
    if (*systemroot == NULL) {
      gc_int_perror (g, "strdup");
      return -1;
    }
    return 1;
  }
  return 0;
}

/*----------------------------------------------------------------------
 * Parsers (no appliance).
 */

/* See internal.h. */
const char *
gc_int_pe_arch (const char *buf, size_t len, uint32_t *pe_offset)
{
  const unsigned char *b = (const unsigned char *) buf;
  if (len < 0x40 || b[0] != 'M' || b[1] != 'Z')
    return NULL;
  uint32_t off = b[0x3c] | b[0x3d] << 8 | b[0x3e] << 16
    | (uint32_t) b[0x3f] << 24;
  if (pe_offset)
    *pe_offset = off;
  if (off > len || len - off < 6)
    return NULL;
  if (memcmp (b + off, "PE\0\0", 4) != 0)
    return NULL;
  switch (b[off + 4] | b[off + 5] << 8) {
  case 0x014c: return "i386";
  case 0x8664: return "x86_64";
  case 0xaa64: return "aarch64";
  case 0x01c4: return "arm";
  case 0x0200: return "ia64";
  default: return NULL;
  }
}

static int
hexval (int c)
{
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Decode lowercase or uppercase hex into out (at most max bytes); the
 * number of bytes, or -1 if not hex or too long. */
static ssize_t
unhex (const char *hex, unsigned char *out, size_t max)
{
  size_t n = strlen (hex);
  if (n % 2 || n / 2 > max)
    return -1;
  for (size_t i = 0; i < n / 2; ++i) {
    int hi = hexval (hex[2 * i]), lo = hexval (hex[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return -1;
    out[i] = hi << 4 | lo;
  }
  return n / 2;
}

/* See internal.h. */
int
gc_int_parse_drive_mapping (const char *hex, char *want, size_t size,
                            uint64_t *offset)
{
  unsigned char d[64];
  ssize_t n = unhex (hex, d, sizeof d);
  if (n == 12) {
    /* MBR: the disk signature, then the partition's byte offset. */
    uint32_t sig = d[0] | d[1] << 8 | d[2] << 16 | (uint32_t) d[3] << 24;
    uint64_t off = 0;
    for (int i = 7; i >= 0; --i)
      off = off << 8 | d[4 + i];
    snprintf (want, size, "%08" PRIx32, sig);
    *offset = off;
    return 1;
  }
  if (n == 24 && memcmp (d, "DMIO:ID:", 8) == 0) {
    /* GPT: the partition's GUID, its first three fields little-endian. */
    const unsigned char *u = d + 8;
    snprintf (want, size,
              "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
              "%02x%02x%02x%02x%02x%02x",
              u[3], u[2], u[1], u[0], u[5], u[4], u[7], u[6],
              u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
    *offset = 0;
    return 2;
  }
  return 0;
}

/* A value of a hive_values list (triples) by name, case-insensitively;
 * its data, or NULL.  *type set if found. */
static const char *
value_of (char **vals, const char *name, int *type)
{
  for (size_t i = 0; vals && vals[i] && vals[i + 1] && vals[i + 2]; i += 3)
    if (strcasecmp (vals[i], name) == 0) {
      if (type)
        *type = atoi (vals[i + 1]);
      return vals[i + 2];
    }
  return NULL;
}

/* A string value (REG_SZ or REG_EXPAND_SZ), non-empty; or NULL. */
static const char *
string_of (char **vals, const char *name)
{
  int t;
  const char *v = value_of (vals, name, &t);
  return v && (t == 1 || t == 2) && *v ? v : NULL;
}

/* A REG_DWORD value, or -1. */
static long long
dword_of (char **vals, const char *name)
{
  int t;
  const char *v = value_of (vals, name, &t);
  if (v == NULL || t != 4)
    return -1;
  char *end;
  errno = 0;
  long long d = strtoll (v, &end, 10);
  return *v && *end == '\0' && errno == 0 && d >= 0 ? d : -1;
}

/*----------------------------------------------------------------------
 * The registry.
 */

struct hives {
  char *software;               /* real guest paths, or NULL */
  char *system;
};

/* hive_values of a key; NULL if the hive or key is not there (with a
 * debug line).  *fatal set if the appliance failed. */
static char **
reg_values (gc_h *g, const char *hive, const char *key, bool *fatal)
{
  if (hive == NULL)
    return NULL;
  char **v = gc_hive_values (g, hive, key);
  if (v == NULL) {
    if (dead (g))
      *fatal = true;
    else
      gc_int_debug (g, "inspect: %s: %s", hive, gc_last_error (g));
    return NULL;
  }
  size_t n = gc_strings_len (v);
  if (n % 3 != 0) {
    gc_int_debug (g, "inspect: %s: %s: a list of %zu strings, not triples",
                  hive, key, n);
    gc_strings_free (v);
    return NULL;
  }
  return v;
}

static int
dup_to (gc_h *g, char **field, const char *v)
{
  if (v == NULL)
    return 0;
  *field = strdup (v);
  if (*field == NULL) {
    gc_int_perror (g, "strdup");
    return -1;
  }
  return 0;
}

/* SOFTWARE\Microsoft\Windows NT\CurrentVersion. */
static int
inspect_current_version (gc_h *g, struct gc_inspect_os *os,
                         const struct hives *h, bool *fatal)
{
  CLEANUP_FREE_STRINGS char **v =
    reg_values (g, h->software, "Microsoft\\Windows NT\\CurrentVersion",
                fatal);
  if (v == NULL)
    return *fatal ? -1 : 0;
  if (dup_to (g, &os->product_name, string_of (v, "ProductName")) == -1
      || dup_to (g, &os->product_variant,
                 string_of (v, "InstallationType")) == -1)
    return -1;
  /* Windows 10 and later keep "6.3" in CurrentVersion for old programs
   * and the real numbers in two DWORDs. */
  long long major = dword_of (v, "CurrentMajorVersionNumber");
  long long minor = dword_of (v, "CurrentMinorVersionNumber");
  if (major >= 0 && major < 1000) {
    os->major_version = major;
    os->minor_version = minor >= 0 && minor < 1000 ? minor : 0;
  }
  else if (string_of (v, "CurrentVersion"))
    gc_int_parse_version (string_of (v, "CurrentVersion"),
                          &os->major_version, &os->minor_version);
  if (os->major_version == -1)
    gc_int_debug (g, "inspect: %s: no Windows version in the registry",
                  os->root);
  const char *build = string_of (v, "CurrentBuildNumber");
  if (build == NULL)
    build = string_of (v, "CurrentBuild");
  if (build && strspn (build, "0123456789") == strlen (build))
    return dup_to (g, &os->build_id, build);
  return 0;
}

/* SYSTEM: Select\Current, the hostname. */
static int
inspect_system (gc_h *g, struct gc_inspect_os *os, const struct hives *h,
                bool *fatal)
{
  CLEANUP_FREE_STRINGS char **sel = reg_values (g, h->system, "Select",
                                                fatal);
  if (sel == NULL)
    return *fatal ? -1 : 0;
  long long current = dword_of (sel, "Current");
  if (current < 1 || current > 999) {
    gc_int_debug (g, "inspect: %s: %s: no valid Select\\Current",
                  os->root, h->system);
    return 0;
  }
  if (asprintf (&os->windows_current_control_set, "ControlSet%03lld",
                current) == -1) {
    os->windows_current_control_set = NULL;
    gc_int_perror (g, "asprintf");
    return -1;
  }
  CLEANUP_FREE char *key = NULL;
  if (asprintf (&key, "%s\\Services\\Tcpip\\Parameters",
                os->windows_current_control_set) == -1) {
    gc_int_perror (g, "asprintf");
    return -1;
  }
  CLEANUP_FREE_STRINGS char **tcpip = reg_values (g, h->system, key, fatal);
  if (*fatal)
    return -1;
  const char *host = string_of (tcpip, "Hostname");
  if (host)
    return dup_to (g, &os->hostname, host);
  free (key);
  if (asprintf (&key, "%s\\Control\\ComputerName\\ComputerName",
                os->windows_current_control_set) == -1) {
    key = NULL;
    gc_int_perror (g, "asprintf");
    return -1;
  }
  CLEANUP_FREE_STRINGS char **cn = reg_values (g, h->system, key, fatal);
  if (*fatal)
    return -1;
  return dup_to (g, &os->hostname, string_of (cn, "ComputerName"));
}

static int
compare_drive (const void *a, const void *b)
{
  const struct gc_inspect_drive *x = a, *y = b;
  return strcmp (x->name, y->name);
}

/* The partition that a MountedDevices entry names, or NULL. */
static char *
partition_of (gc_h *g, struct gc_int_fslist *l, const char *want, int kind,
              uint64_t offset, bool *fatal)
{
  for (size_t i = 0; i < l->fs.len; ++i) {
    const char *dev = l->fs.ptr[i].device;
    if (strncmp (dev, "/dev/sd", 7) != 0)
      continue;                 /* not a partition (an LV) */
    CLEANUP_FREE char *pu = gc_part_uuid (g, dev);
    if (pu == NULL) {
      if (dead (g)) {
        *fatal = true;
        return NULL;
      }
      continue;
    }
    if (kind == 1) {
      /* MBR: "1234abcd-02" */
      if (strlen (pu) < 9 || strncasecmp (pu, want, 8) != 0 || pu[8] != '-')
        continue;
      int64_t off = gc_part_offset (g, dev);
      if (off == -1 && dead (g)) {
        *fatal = true;
        return NULL;
      }
      if (off < 0 || (uint64_t) off != offset)
        continue;
    }
    else if (strcasecmp (pu, want) != 0)
      continue;
    return strdup (dev);
  }
  return NULL;
}

/* SYSTEM\MountedDevices: "\DosDevices\C:" -> our partition. */
static int
inspect_drives (gc_h *g, struct gc_inspect_os *os, const struct hives *h,
                struct gc_int_fslist *l, bool *fatal)
{
  CLEANUP_FREE_STRINGS char **v = reg_values (g, h->system, "MountedDevices",
                                              fatal);
  if (v == NULL)
    return *fatal ? -1 : 0;
  size_t n = gc_strings_len (v) / 3;
  os->drive_mappings = calloc (n + 1, sizeof *os->drive_mappings);
  if (os->drive_mappings == NULL) {
    gc_int_perror (g, "calloc");
    return -1;
  }
  for (size_t i = 0; i < n; ++i) {
    const char *name = v[3 * i], *data = v[3 * i + 2];
    if (strncasecmp (name, "\\DosDevices\\", 12) != 0
        || strlen (name) != 14 || name[13] != ':'
        || !((name[12] >= 'A' && name[12] <= 'Z')
             || (name[12] >= 'a' && name[12] <= 'z'))
        || atoi (v[3 * i + 1]) != 3)
      continue;
    char want[40];
    uint64_t offset;
    int kind = gc_int_parse_drive_mapping (data, want, sizeof want, &offset);
    if (kind == 0) {
      gc_int_debug (g, "inspect: %s: %s: not a partition we can match",
                    os->root, name);
      continue;
    }
    char *dev = partition_of (g, l, want, kind, offset, fatal);
    if (*fatal)
      return -1;
    if (dev == NULL) {
      gc_int_debug (g, "inspect: %s: %s: no such partition on these disks",
                    os->root, name);
      continue;
    }
    struct gc_inspect_drive *d = &os->drive_mappings[os->nr_drive_mappings];
    d->device = dev;
    d->name = strndup (name + 12, 1);
    if (d->name == NULL) {
      free (dev);
      gc_int_perror (g, "strdup");
      return -1;
    }
    d->name[0] &= ~0x20;        /* upper case */
    os->nr_drive_mappings++;
  }
  if (os->nr_drive_mappings > 1)
    qsort (os->drive_mappings, os->nr_drive_mappings,
           sizeof os->drive_mappings[0], compare_drive);
  return 0;
}

/* A string value of one subkey's quadruples (subkey, name, type,
 * data) q[0..n): non-empty REG_SZ or REG_EXPAND_SZ data, or NULL. */
static const char *
quad_string (char **q, size_t n, const char *name)
{
  for (size_t i = 0; i + 3 < n; i += 4)
    if (strcasecmp (q[i + 1], name) == 0) {
      int t = atoi (q[i + 2]);
      return (t == 1 || t == 2) && q[i + 3][0] ? q[i + 3] : NULL;
    }
  return NULL;
}

/* The application of one subkey's quadruples, appended if it has a
 * DisplayName (Windows lists only those); -1 on error. */
static int
uninstall_app (gc_h *g, char **q, size_t n, gc_int_app_vector *apps)
{
  if (quad_string (q, n, "DisplayName") == NULL)
    return 0;
  struct gc_inspect_app a = { .epoch = 0 };
  if (dup_to (g, &a.name, q[0]) == -1
      || dup_to (g, &a.display_name, quad_string (q, n, "DisplayName")) == -1
      || dup_to (g, &a.version, quad_string (q, n, "DisplayVersion")) == -1
      || dup_to (g, &a.publisher, quad_string (q, n, "Publisher")) == -1
      || dup_to (g, &a.install_path,
                 quad_string (q, n, "InstallLocation")) == -1
      || dup_to (g, &a.url, quad_string (q, n, "URLInfoAbout")) == -1
      || dup_to (g, &a.description, quad_string (q, n, "Comments")) == -1
      || gc_int_app_vector_append (apps, a) == -1) {
    gc_int_app_free (&a);
    gc_int_perror (g, "malloc");
    return -1;
  }
  return 0;
}

/* The calls for one Uninstall key: each lists the subkeys that fit in
 * one reply (about 25,000 of a real key's entries), and the appliance
 * bounds the work of each. */
#define UNINSTALL_CALLS_MAX 16

/* The applications of one Uninstall key, a few calls however many
 * subkeys it has: 0 (also when the hive has no such key), 1 if the
 * hive cannot be read, -1 on error. */
static int
uninstall_key (gc_h *g, const struct hives *h, const char *key,
               gc_int_app_vector *apps, bool *fatal)
{
  static const char *const names[] = {
    "DisplayName", "DisplayVersion", "Publisher", "InstallLocation",
    "URLInfoAbout", "Comments", NULL
  };
  unsigned long next = 0, total = 0;
  for (int call = 0; call < UNINSTALL_CALLS_MAX; ++call) {
    CLEANUP_FREE_STRINGS char **q =
      gc_hive_subkeys_values (g, h->software, key, next,
                              (char *const *) names);
    if (q == NULL) {
      if (dead (g)) {
        *fatal = true;
        return -1;
      }
      gc_int_debug (g, "inspect: %s: %s", h->software, gc_last_error (g));
      return gc_last_errno (g) == ENOENT && call == 0 ? 0 : 1;
    }
    size_t n = gc_strings_len (q);
    char *end1, *end2;
    errno = 0;
    total = strtoul (n >= 2 ? q[0] : "", &end1, 10);
    unsigned long after = strtoul (n >= 2 ? q[1] : "", &end2, 10);
    if (n < 2 || (n - 2) % 4 != 0 || errno || *end1 || *end2 ||
        after > total || (after <= next && after < total) ||
        after > INT_MAX) {
      gc_int_debug (g, "inspect: %s: %s: not two counts and quadruples",
                    h->software, key);
      return 1;
    }
    /* One application a run of quadruples with the same subkey. */
    for (size_t i = 2, j; i < n; i = j) {
      for (j = i + 4; j < n && strcmp (q[j], q[i]) == 0; j += 4)
        ;
      if (uninstall_app (g, q + i, j - i, apps) == -1)
        return -1;
    }
    next = after;
    if (next == total)
      return 0;
  }
  gc_int_warning (g, "%s: the key %s has %lu entries: only the first %lu "
                  "are listed", h->software, key, total, next);
  return 0;
}

static int
inspect_apps (gc_h *g, struct gc_inspect_os *os, const struct hives *h,
              bool *fatal)
{
  static const char *const keys[] = {
    "Microsoft\\Windows\\CurrentVersion\\Uninstall",
    "WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall",
  };
  if (h->software == NULL)
    return 0;
  gc_int_app_vector apps = EMPTY_VECTOR;
  int r = 0;
  for (size_t i = 0; i < 2 && r == 0; ++i)
    r = uninstall_key (g, h, keys[i], &apps, fatal);
  /* An unreadable hive is no list, not an empty one. */
  if (r == 0)
    gc_int_apps_take (os, &apps);
  else
    gc_int_apps_free (&apps);
  return r == -1 ? -1 : 0;
}

/* The PE header of cmd.exe. */
static int
inspect_pe_arch (gc_h *g, struct gc_inspect_os *os, bool *fatal)
{
  CLEANUP_FREE char *path = NULL, *cmd = NULL;
  if (asprintf (&path, "%s/System32/cmd.exe", os->windows_systemroot) == -1) {
    gc_int_perror (g, "asprintf");
    return -1;
  }
  int r = gc_int_case_path (g, path, &cmd);
  if (r <= 0) {
    if (r == -1)
      *fatal = true;
    else
      gc_int_debug (g, "inspect: %s: no %s", os->root, path);
    return r;
  }
  size_t len;
  CLEANUP_FREE char *buf = gc_pread (g, cmd, 4096, 0, &len);
  if (buf == NULL) {
    if (dead (g)) {
      *fatal = true;
      return -1;
    }
    gc_int_debug (g, "inspect: %s: %s", os->root, gc_last_error (g));
    return 0;
  }
  uint32_t off = 0;
  const char *a = gc_int_pe_arch (buf, len, &off);
  if (a == NULL && len >= 0x40 && off < (1 << 20) && off + 6 > len) {
    /* The PE header is further in: read it where it is. */
    size_t len2;
    CLEANUP_FREE char *pe = gc_pread (g, cmd, 6, off, &len2);
    if (pe == NULL && dead (g)) {
      *fatal = true;
      return -1;
    }
    if (pe && len2 == 6) {
      char fake[0x40 + 6] = "MZ";
      fake[0x3c] = 0x40;
      memcpy (fake + 0x40, pe, 6);
      a = gc_int_pe_arch (fake, sizeof fake, NULL);
    }
  }
  if (a == NULL) {
    gc_int_debug (g, "inspect: %s: %s: not a PE executable we know",
                  os->root, cmd);
    return 0;
  }
  return dup_to (g, &os->arch, a);
}

/* A hive's real path, or NULL (debug line). */
static int
find_hive (gc_h *g, const struct gc_inspect_os *os, const char *name,
           char **real)
{
  CLEANUP_FREE char *path = NULL;
  if (asprintf (&path, "%s/System32/config/%s", os->windows_systemroot,
                name) == -1) {
    gc_int_perror (g, "asprintf");
    return -1;
  }
  int r = gc_int_case_path (g, path, real);
  if (r == 0)
    gc_int_debug (g, "inspect: %s: no %s hive", os->root, name);
  return r == -1 ? -1 : 0;
}

/* See internal.h. */
int
gc_int_inspect_windows (gc_h *g, struct gc_inspect_os *os,
                        struct gc_int_fslist *l, unsigned flags)
{
  struct hives h = { NULL, NULL };
  bool fatal = false;
  int ret = -1;

  if (gc_mount (g, os->root, "/", NULL, NULL, 1) == -1)
    return -1;
  int r = gc_int_windows_systemroot (g, &os->windows_systemroot);
  if (r == -1)
    goto out;
  if (r == 0) {
    gc_int_error (g, "%s: no Windows systemroot any more", os->root);
    goto out;
  }
  os->distro = gc_int_inspect_distro ("windows");
  if (find_hive (g, os, "SOFTWARE", &h.software) == -1
      || find_hive (g, os, "SYSTEM", &h.system) == -1
      || inspect_current_version (g, os, &h, &fatal) == -1
      || inspect_system (g, os, &h, &fatal) == -1
      || inspect_drives (g, os, &h, l, &fatal) == -1
      || inspect_pe_arch (g, os, &fatal) == -1)
    goto out;
  if ((flags & GC_INSPECT_APPLICATIONS)
      && inspect_apps (g, os, &h, &fatal) == -1)
    goto out;
  ret = 0;
 out:
  free (h.software);
  free (h.system);
  if (gc_umount_all (g) == -1)
    ret = -1;
  return ret;
}

/*----------------------------------------------------------------------
 * For the tools: Windows paths.
 */

/* See guestcell.h. */
int
gc_mount_windows_root (gc_h *g, const char *root, int readonly)
{
  return gc_mount (g, root, "/", NULL, NULL, readonly);
}

/* See guestcell.h. */
char *
gc_case_sensitive_path (gc_h *g, const char *path)
{
  char *real;
  int r = gc_int_case_path (g, path, &real);
  if (r == 0)
    gc_int_error_errno (g, ENOENT, "%s: No such file or directory", path);
  return r == 1 ? real : NULL;
}

/* See guestcell.h. */
char **
gc_windows_drives (gc_h *g, const char *root)
{
  struct gc_inspect_os os = { .major_version = -1, .minor_version = -1 };
  struct hives h = { NULL, NULL };
  struct gc_int_fslist l = { .fs = EMPTY_VECTOR };
  string_vector v = EMPTY_VECTOR;
  bool fatal = false;
  char **ret = NULL;

  os.root = (char *) root;
  int r = gc_int_windows_systemroot (g, &os.windows_systemroot);
  if (r == -1)
    goto out;
  if (r == 1
      && (find_hive (g, &os, "SYSTEM", &h.system) == -1
          || gc_int_fslist_get (g, &l) == -1
          || inspect_drives (g, &os, &h, &l, &fatal) == -1))
    goto out;
  for (size_t i = 0; i < os.nr_drive_mappings; ++i) {
    if (string_vector_append (&v, os.drive_mappings[i].name) == -1) {
      gc_int_perror (g, "malloc");
      goto out;
    }
    os.drive_mappings[i].name = NULL;
    if (string_vector_append (&v, os.drive_mappings[i].device) == -1) {
      gc_int_perror (g, "malloc");
      goto out;
    }
    os.drive_mappings[i].device = NULL;
  }
  ret = gc_strings_from_vector (&v);
  if (ret == NULL)
    gc_int_perror (g, "malloc");
 out:
  if (ret == NULL)
    gc_string_vector_free (&v);
  for (size_t i = 0; i < os.nr_drive_mappings; ++i) {
    free (os.drive_mappings[i].name);
    free (os.drive_mappings[i].device);
  }
  free (os.drive_mappings);
  free (os.windows_systemroot);
  free (h.system);
  gc_int_fslist_free (&l);
  return ret;
}
