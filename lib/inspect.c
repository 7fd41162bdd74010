/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* OS inspection: find every Linux root on the disks (the roots that
 * mountguest.c finds), mount it the way it mounts itself, and read its
 * distro, version, product name, packaging, hostname, architecture (the
 * ELF header of a binary), mount points and filesystems.  The package
 * databases are read by inspect-apps.c.
 *
 * The parsers are pure functions on untrusted bytes (see internal.h):
 * a file that is empty, truncated or garbage leaves its field out, and
 * a debug event (-v) says so.  Every enumerated value comes from
 * inspect-enums.h.
 */

#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "inspect-enums.h"

/*----------------------------------------------------------------------
 * The tables of enumerated values.
 */

#define GC_STR(v) v,
const char *const gc_int_inspect_os_types[] = {
  GC_INSPECT_OS_TYPES (GC_STR) NULL
};
const char *const gc_int_inspect_distros[] = {
  GC_INSPECT_DISTROS (GC_STR) NULL
};
const char *const gc_int_inspect_package_formats[] = {
  GC_INSPECT_PACKAGE_FORMATS (GC_STR) NULL
};
const char *const gc_int_inspect_package_managements[] = {
  GC_INSPECT_PACKAGE_MANAGEMENTS (GC_STR) NULL
};
#undef GC_STR

static const char *
lookup (const char *const *table, const char *s)
{
  if (s == NULL)
    return NULL;
  for (size_t i = 0; table[i]; ++i)
    if (strcmp (table[i], s) == 0)
      return table[i];
  return NULL;
}

/* See internal.h: NULL if not in the table. */
const char *
gc_int_inspect_distro (const char *s)
{
  return lookup (gc_int_inspect_distros, s);
}

/* See internal.h: NULL if not in the table. */
const char *
gc_int_inspect_os_type (const char *s)
{
  return lookup (gc_int_inspect_os_types, s);
}

/* See internal.h: NULL if not in the table. */
const char *
gc_int_inspect_package_format (const char *s)
{
  return lookup (gc_int_inspect_package_formats, s);
}

/* See internal.h: NULL if not in the table. */
const char *
gc_int_inspect_package_management (const char *s)
{
  return lookup (gc_int_inspect_package_managements, s);
}

/*----------------------------------------------------------------------
 * Parsers (no appliance).
 */

/* See internal.h. */
void
gc_int_osinfo_free (struct gc_int_osinfo *o)
{
  free (o->product_name);
  o->product_name = NULL;
}

/* See internal.h. */
char *
gc_int_text_copy (const char *text, size_t len)
{
  char *s = malloc (len + 1);
  if (s == NULL)
    return NULL;
  for (size_t i = 0; i < len; ++i)
    s[i] = text[i] == '\0' ? '\n' : text[i];
  s[len] = '\0';
  return s;
}

static char *
trim (char *s)
{
  while (*s && isspace ((unsigned char) *s))
    s++;
  size_t n = strlen (s);
  while (n > 0 && isspace ((unsigned char) s[n - 1]))
    s[--n] = '\0';
  return s;
}

/* A shell-style value of os-release: "..." with \ escapes, '...', or
 * bare.  Returns a new string, NULL on ENOMEM. */
static char *
shell_value (const char *v)
{
  size_t n = strlen (v);
  char *r = malloc (n + 1), *w = r;
  if (r == NULL)
    return NULL;
  if (v[0] == '"') {
    for (v++; *v && *v != '"'; v++) {
      if (*v == '\\' && v[1])
        v++;
      *w++ = *v;
    }
  }
  else if (v[0] == '\'') {
    for (v++; *v && *v != '\''; v++)
      *w++ = *v;
  }
  else {
    for (; *v && !isspace ((unsigned char) *v); v++)
      *w++ = *v;
  }
  *w = '\0';
  return r;
}

/* See internal.h. */
void
gc_int_parse_version (const char *s, int *major, int *minor)
{
  char *end;
  long a, b = 0;

  *major = *minor = -1;
  if (s == NULL || !isdigit ((unsigned char) *s))
    return;
  errno = 0;
  a = strtol (s, &end, 10);
  /* Up to a date: openSUSE Tumbleweed's VERSION_ID is 20240110. */
  if (errno || a > 99999999)
    return;
  if (*end == '.' && isdigit ((unsigned char) end[1])) {
    b = strtol (end + 1, &end, 10);
    if (errno || b > 1000000)
      return;
  }
  *major = (int) a;
  *minor = (int) b;
}

/* os-release ID to our distro. */
static const char *
distro_of_id (const char *id)
{
  static const struct { const char *id, *distro; } ids[] = {
    { "alpine", "alpinelinux" }, { "altlinux", "altlinux" },
    /* Flatcar is "coreos", as libguestfs reports it (it knows Flatcar
     * as a Container Linux by /etc/coreos/update.conf). */
    { "coreos", "coreos" }, { "flatcar", "coreos" },
    { "arch", "archlinux" }, { "centos", "centos" }, { "debian", "debian" },
    { "fedora", "fedora" }, { "gentoo", "gentoo" }, { "kali", "kalilinux" },
    { "linuxmint", "linuxmint" }, { "mageia", "mageia" },
    { "opensuse", "opensuse" }, { "opensuse-leap", "opensuse" },
    { "opensuse-tumbleweed", "opensuse" }, { "ol", "oraclelinux" },
    { "rhel", "rhel" }, { "rocky", "rocky" }, { "sles", "sles" },
    { "sled", "sles" }, { "slackware", "slackware" }, { "ubuntu", "ubuntu" },
    { "void", "voidlinux" },
  };
  for (size_t i = 0; i < sizeof ids / sizeof ids[0]; ++i)
    if (strcmp (ids[i].id, id) == 0)
      return gc_int_inspect_distro (ids[i].distro);
  return NULL;
}

static int
set_product (struct gc_int_osinfo *o, const char *v)
{
  if (v[0] == '\0' || o->product_name)
    return 0;
  o->product_name = strdup (v);
  return o->product_name ? 0 : -1;
}

/* See internal.h. */
int
gc_int_parse_os_release (const char *text, size_t len,
                         struct gc_int_osinfo *o)
{
  CLEANUP_FREE char *copy = gc_int_text_copy (text, len);
  char *line, *save = NULL;

  if (copy == NULL)
    return -1;
  for (line = strtok_r (copy, "\n", &save); line;
       line = strtok_r (NULL, "\n", &save)) {
    char *eq = strchr (line, '=');
    if (eq == NULL)
      continue;
    *eq = '\0';
    const char *key = trim (line);
    CLEANUP_FREE char *val = shell_value (eq + 1);
    if (val == NULL)
      return -1;
    if (strcmp (key, "ID") == 0 && o->distro == NULL)
      o->distro = distro_of_id (val);
    else if (strcmp (key, "PRETTY_NAME") == 0) {
      if (set_product (o, val) == -1)
        return -1;
    }
    else if (strcmp (key, "VERSION_ID") == 0 && o->major == -1)
      gc_int_parse_version (val, &o->major, &o->minor);
  }
  return 0;
}

/* The version after "release " in a redhat-release line. */
static void
release_version (const char *line, int *major, int *minor)
{
  const char *p = strstr (line, "release ");
  if (p)
    gc_int_parse_version (p + 8, major, minor);
}

/* The value of KEY=VALUE or KEY = VALUE lines. */
static char *
key_value (char *copy, const char *key)
{
  char *save = NULL;
  size_t klen = strlen (key);
  for (char *line = strtok_r (copy, "\n", &save); line;
       line = strtok_r (NULL, "\n", &save)) {
    line = trim (line);
    if (strncmp (line, key, klen) != 0)
      continue;
    char *p = trim (line + klen);
    if (*p != '=')
      continue;
    return shell_value (trim (p + 1));
  }
  return NULL;
}

/* /etc/debian_version's first line: "12.5", "7.11", or a codename
 * ("jessie/sid", which Ubuntu has too: lsb-release, read first, tells
 * Ubuntu; this file says nothing more of it).  Without os-release it
 * is Debian's product name too, as libguestfs gives it ("7.11"). */
static int
debian_version (const char *line, struct gc_int_osinfo *o)
{
  const char *debian = gc_int_inspect_distro ("debian");
  if (line[0] == '\0' || (o->distro && o->distro != debian))
    return 0;
  o->distro = debian;
  int maj, min;
  gc_int_parse_version (line, &maj, &min);
  /* os-release gives Debian's major version only. */
  if (maj != -1 && (o->major == -1 || o->major == maj)) {
    o->major = maj;
    o->minor = min;
  }
  return set_product (o, line);
}

/* lsb-release's DISTRIB_ID to our distro (the ones libguestfs knows
 * that we know); NULL for others ("Debian" when the lsb-release package
 * is installed: debian_version says more). */
static const char *
distro_of_lsb_id (const char *id)
{
  static const struct { const char *id, *distro; } ids[] = {
    { "Ubuntu", "ubuntu" }, { "LinuxMint", "linuxmint" },
    { "Mageia", "mageia" },
  };
  for (size_t i = 0; i < sizeof ids / sizeof ids[0]; ++i)
    if (strcmp (ids[i].id, id) == 0)
      return gc_int_inspect_distro (ids[i].distro);
  return NULL;
}

/* See internal.h. */
int
gc_int_parse_release_file (const char *name, const char *text, size_t len,
                           struct gc_int_osinfo *o)
{
  CLEANUP_FREE char *copy = gc_int_text_copy (text, len);
  if (copy == NULL)
    return -1;
  char *nl = strchr (copy, '\n');
  CLEANUP_FREE char *first = strndup (copy, nl ? (size_t) (nl - copy)
                                      : strlen (copy));
  if (first == NULL)
    return -1;
  char *line = trim (first);

  if (strcmp (name, "redhat-release") == 0
      || strcmp (name, "fedora-release") == 0) {
    if (line[0] == '\0')
      return 0;
    const char *d = "redhat-based";
    if (gc_str_prefix (line, "Fedora"))
      d = "fedora";
    else if (gc_str_prefix (line, "CentOS"))
      d = "centos";
    else if (gc_str_prefix (line, "Red Hat Enterprise Linux"))
      d = "rhel";
    else if (gc_str_prefix (line, "Rocky Linux"))
      d = "rocky";
    else if (gc_str_prefix (line, "Oracle Linux"))
      d = "oraclelinux";
    else if (gc_str_prefix (line, "Mageia"))
      d = "mageia";
    if (o->distro == NULL)
      o->distro = gc_int_inspect_distro (d);
    if (o->major == -1)
      release_version (line, &o->major, &o->minor);
    return set_product (o, line);
  }
  if (strcmp (name, "debian_version") == 0)
    return debian_version (line, o);
  if (strcmp (name, "SuSE-release") == 0) {
    if (line[0] == '\0')
      return 0;
    if (o->distro == NULL)
      o->distro = gc_int_inspect_distro (strstr (line, "openSUSE")
                                         ? "opensuse" : "sles");
    CLEANUP_FREE char *c1 = strdup (copy), *c2 = strdup (copy);
    if (c1 == NULL || c2 == NULL)
      return -1;
    CLEANUP_FREE char *ver = key_value (c1, "VERSION");
    CLEANUP_FREE char *patch = key_value (c2, "PATCHLEVEL");
    if (o->major == -1 && ver) {
      int min;
      gc_int_parse_version (ver, &o->major, &min);
      o->minor = min;
      if (patch && o->major != -1) {
        int p, unused;
        gc_int_parse_version (patch, &p, &unused);
        if (p != -1)
          o->minor = p;
      }
    }
    return set_product (o, line);
  }
  if (strcmp (name, "lsb-release") == 0) {
    CLEANUP_FREE char *c1 = strdup (copy), *c2 = strdup (copy),
      *c3 = strdup (copy);
    if (c1 == NULL || c2 == NULL || c3 == NULL)
      return -1;
    CLEANUP_FREE char *id = key_value (c1, "DISTRIB_ID");
    CLEANUP_FREE char *rel = key_value (c2, "DISTRIB_RELEASE");
    CLEANUP_FREE char *desc = key_value (c3, "DISTRIB_DESCRIPTION");
    if (id == NULL)
      return 0;
    const char *d = distro_of_lsb_id (id);
    if (d == NULL || (o->distro && o->distro != d))
      return 0;
    o->distro = d;
    if (o->major == -1 && rel)
      gc_int_parse_version (rel, &o->major, &o->minor);
    return desc ? set_product (o, desc) : 0;
  }
  if (strcmp (name, "alpine-release") == 0) {
    if (line[0] == '\0')
      return 0;
    if (o->distro == NULL)
      o->distro = gc_int_inspect_distro ("alpinelinux");
    if (o->major == -1)
      gc_int_parse_version (line, &o->major, &o->minor);
    return 0;
  }
  if (strcmp (name, "arch-release") == 0) {
    if (o->distro == NULL)
      o->distro = gc_int_inspect_distro ("archlinux");
    return 0;
  }
  if (strcmp (name, "gentoo-release") == 0) {
    if (line[0] == '\0')
      return 0;
    if (o->distro == NULL)
      o->distro = gc_int_inspect_distro ("gentoo");
    if (o->major == -1)
      release_version (line, &o->major, &o->minor);
    return set_product (o, line);
  }
  return 0;
}

/* See internal.h. */
void
gc_int_distro_packaging (const char *distro, int major,
                         const char **format, const char **management)
{
  const char *f = NULL, *m = NULL;

  *format = *management = NULL;
  if (distro == NULL)
    return;
  if (strcmp (distro, "debian") == 0 || strcmp (distro, "ubuntu") == 0
      || strcmp (distro, "linuxmint") == 0
      || strcmp (distro, "kalilinux") == 0)
    f = "deb", m = "apt";
  else if (strcmp (distro, "fedora") == 0)
    f = "rpm", m = major != -1 && major < 22 ? "yum" : "dnf";
  else if (strcmp (distro, "rhel") == 0 || strcmp (distro, "centos") == 0
           || strcmp (distro, "rocky") == 0
           || strcmp (distro, "oraclelinux") == 0
           || strcmp (distro, "redhat-based") == 0)
    f = "rpm", m = major != -1 && major < 8 ? "yum" : "dnf";
  else if (strcmp (distro, "opensuse") == 0 || strcmp (distro, "sles") == 0)
    f = "rpm", m = "zypper";
  else if (strcmp (distro, "mageia") == 0)
    f = "rpm", m = "urpmi";
  else if (strcmp (distro, "altlinux") == 0)
    f = "rpm", m = "apt";
  else if (strcmp (distro, "archlinux") == 0)
    f = "pacman", m = "pacman";
  else if (strcmp (distro, "alpinelinux") == 0)
    f = "apk", m = "apk";
  else if (strcmp (distro, "gentoo") == 0)
    f = "ebuild", m = "portage";
  else if (strcmp (distro, "voidlinux") == 0)
    f = "xbps", m = "xbps";
  *format = gc_int_inspect_package_format (f);
  *management = gc_int_inspect_package_management (m);
}

/* See internal.h. */
const char *
gc_int_elf_arch (const char *buf, size_t len)
{
  const unsigned char *b = (const unsigned char *) buf;

  if (len < 20 || memcmp (b, "\177ELF", 4) != 0)
    return NULL;
  int is64 = b[4] == 2, le = b[5] == 1;
  if ((b[4] != 1 && b[4] != 2) || (b[5] != 1 && b[5] != 2))
    return NULL;
  unsigned machine = le ? b[18] | b[19] << 8 : b[18] << 8 | b[19];
  switch (machine) {
  case 2: return "sparc";
  case 3: return "i386";
  case 8: return is64 ? "mips64" : "mips";
  case 20: return "ppc";
  case 21: return le ? "ppc64le" : "ppc64";
  case 22: return is64 ? "s390x" : "s390";
  case 40: return "arm";
  case 43: return "sparc64";
  case 62: return "x86_64";
  case 183: return "aarch64";
  case 243: return is64 ? "riscv64" : "riscv32";
  case 258: return "loongarch64";
  default: return NULL;
  }
}

static bool
valid_hostname (const char *s)
{
  size_t n = strlen (s);
  if (n == 0 || n > 253)
    return false;
  for (; *s; s++)
    if (!isalnum ((unsigned char) *s) && *s != '-' && *s != '.' && *s != '_')
      return false;
  return true;
}

/* See internal.h. */
char *
gc_int_parse_hostname (const char *text, size_t len)
{
  CLEANUP_FREE char *copy = gc_int_text_copy (text, len);
  if (copy == NULL)
    return NULL;
  char *save = NULL;
  for (char *line = strtok_r (copy, "\n", &save); line;
       line = strtok_r (NULL, "\n", &save)) {
    line = trim (line);
    if (line[0] == '\0' || line[0] == '#')
      continue;
    return valid_hostname (line) ? strdup (line) : NULL;
  }
  return NULL;
}

/* See internal.h. */
char *
gc_int_parse_sysconfig_hostname (const char *text, size_t len)
{
  CLEANUP_FREE char *copy = gc_int_text_copy (text, len);
  if (copy == NULL)
    return NULL;
  CLEANUP_FREE char *v = key_value (copy, "HOSTNAME");
  if (v == NULL || !valid_hostname (v))
    return NULL;
  return TAKE_PTR (v);
}

/*----------------------------------------------------------------------
 * Reading a mounted root.
 */

/* A whole guest file, or NULL: missing, unreadable or too big are all
 * "not there" (with a debug line); *fatal set if the appliance failed. */
static char *
read_guest (gc_h *g, const char *path, size_t *len, bool *fatal)
{
  int r = gc_is_file (g, path);
  if (r != 1) {
    if (r == -1 && g->state != GC_STATE_READY)
      *fatal = true;
    return NULL;
  }
  char *s = gc_read_file (g, path, len);
  if (s == NULL) {
    if (g->state != GC_STATE_READY)
      *fatal = true;
    else
      gc_int_debug (g, "inspect: %s: %s", path, gc_last_error (g));
  }
  return s;
}

static int
inspect_release (gc_h *g, struct gc_inspect_os *os, bool *fatal)
{
  struct gc_int_osinfo o = { .major = -1, .minor = -1 };
  static const char *const osr[] = { "/etc/os-release",
                                     "/usr/lib/os-release", NULL };
  /* lsb-release first, as libguestfs reads it: Ubuntu has a
   * debian_version too. */
  static const char *const older[] = {
    "lsb-release", "debian_version", "redhat-release", "fedora-release",
    "SuSE-release", "alpine-release", "arch-release", "gentoo-release", NULL
  };
  int ret = -1;

  for (size_t i = 0; osr[i] && o.distro == NULL; ++i) {
    size_t len;
    CLEANUP_FREE char *t = read_guest (g, osr[i], &len, fatal);
    if (*fatal)
      goto out;
    if (t == NULL)
      continue;
    if (gc_int_parse_os_release (t, len, &o) == -1)
      goto oom;
    if (o.distro == NULL)
      gc_int_debug (g, "inspect: %s: %s: no known ID= (%zu bytes)",
                    os->root, osr[i], len);
  }
  for (size_t i = 0; older[i]; ++i) {
    /* The older files fill in what os-release left out; debian_version
     * always, for its minor version. */
    if (o.distro && o.major != -1 && o.product_name
        && strcmp (older[i], "debian_version") != 0)
      continue;
    char path[64];
    snprintf (path, sizeof path, "/etc/%s", older[i]);
    size_t len;
    CLEANUP_FREE char *t = read_guest (g, path, &len, fatal);
    if (*fatal)
      goto out;
    if (t && gc_int_parse_release_file (older[i], t, len, &o) == -1)
      goto oom;
  }
  if (o.distro == NULL)
    gc_int_debug (g, "inspect: %s: distro not recognised", os->root);
  os->distro = o.distro;
  os->product_name = TAKE_PTR (o.product_name);
  os->major_version = o.major;
  os->minor_version = o.major == -1 ? -1 : o.minor;
  gc_int_distro_packaging (os->distro, os->major_version,
                           &os->package_format, &os->package_management);
  ret = 0;
  goto out;
 oom:
  gc_int_perror (g, "malloc");
 out:
  gc_int_osinfo_free (&o);
  return ret;
}

static int
inspect_hostname (gc_h *g, struct gc_inspect_os *os, bool *fatal)
{
  static const struct { const char *path; bool sysconfig; } files[] = {
    { "/etc/hostname", false }, { "/etc/HOSTNAME", false },
    { "/etc/sysconfig/network", true },
  };
  for (size_t i = 0; i < sizeof files / sizeof files[0]; ++i) {
    size_t len;
    CLEANUP_FREE char *t = read_guest (g, files[i].path, &len, fatal);
    if (*fatal)
      return -1;
    if (t == NULL)
      continue;
    os->hostname = files[i].sysconfig
      ? gc_int_parse_sysconfig_hostname (t, len)
      : gc_int_parse_hostname (t, len);
    if (os->hostname)
      return 0;
    gc_int_debug (g, "inspect: %s: %s: no valid hostname", os->root,
                  files[i].path);
  }
  return 0;
}

static int
inspect_arch (gc_h *g, struct gc_inspect_os *os, bool *fatal)
{
  static const char *const bins[] = {
    "/usr/bin/ls", "/bin/ls", "/usr/bin/true", "/bin/true", "/bin/sh",
    "/usr/bin/bash", "/bin/bash", "/bin/busybox", NULL
  };
  for (size_t i = 0; bins[i]; ++i) {
    int r = gc_is_file (g, bins[i]);
    if (r != 1) {
      if (r == -1 && g->state != GC_STATE_READY) {
        *fatal = true;
        return -1;
      }
      continue;
    }
    /* The ELF header is all it takes. */
    size_t len;
    CLEANUP_FREE char *t = gc_pread (g, bins[i], 64, 0, &len);
    if (t == NULL) {
      if (g->state != GC_STATE_READY) {
        *fatal = true;
        return -1;
      }
      gc_int_debug (g, "inspect: %s: %s: %s", os->root, bins[i],
                    gc_last_error (g));
      continue;
    }
    const char *a = gc_int_elf_arch (t, len);
    if (a) {
      os->arch = strdup (a);
      if (os->arch == NULL) {
        gc_int_perror (g, "strdup");
        return -1;
      }
      return 0;
    }
    gc_int_debug (g, "inspect: %s: %s: not an ELF binary we know",
                  os->root, bins[i]);
  }
  gc_int_debug (g, "inspect: %s: no binary tells the architecture",
                os->root);
  return 0;
}

static int
compare_mp (const void *a, const void *b)
{
  const struct gc_inspect_mountpoint *x = a, *y = b;
  return strcmp (x->mountpoint, y->mountpoint);
}

static int
compare_fs (const void *a, const void *b)
{
  const struct gc_inspect_filesystem *x = a, *y = b;
  return strcmp (x->device, y->device);
}

DEFINE_VECTOR_TYPE (mp_vector, struct gc_inspect_mountpoint);
DEFINE_VECTOR_TYPE (fs_vector, struct gc_inspect_filesystem);

static bool
have_fs (const fs_vector *v, const char *dev)
{
  for (size_t i = 0; i < v->len; ++i)
    if (strcmp (v->ptr[i].device, dev) == 0)
      return true;
  return false;
}

static char *
nonempty (char *s)
{
  if (s && s[0] == '\0') {
    free (s);
    return NULL;
  }
  return s;
}

/* Add a filesystem (type, label, uuid asked of the appliance). */
static int
add_fs (gc_h *g, fs_vector *v, struct gc_int_fslist *l, const char *dev)
{
  if (have_fs (v, dev))
    return 0;
  struct gc_inspect_filesystem f = { .device = strdup (dev) };
  if (f.device == NULL) {
    gc_int_perror (g, "strdup");
    return -1;
  }
  /* A btrfs subvolume has its filesystem's type, label and UUID. */
  CLEANUP_FREE char *fsdev = NULL;
  if (gc_int_btrfsvol_parse (dev, &fsdev, NULL) == 1)
    dev = fsdev;
  for (size_t i = 0; i < l->fs.len; ++i)
    if (strcmp (l->fs.ptr[i].device, dev) == 0)
      f.type = strdup (l->fs.ptr[i].type);
  f.type = nonempty (f.type);
  f.label = nonempty (gc_vfs_label (g, dev));
  if (f.label == NULL && g->state != GC_STATE_READY)
    goto error;
  f.uuid = nonempty (gc_vfs_uuid (g, dev));
  if (f.uuid == NULL && g->state != GC_STATE_READY)
    goto error;
  if (fs_vector_append (v, f) == -1) {
    gc_int_perror (g, "malloc");
    goto error;
  }
  return 0;
 error:
  free (f.device); free (f.type); free (f.label); free (f.uuid);
  return -1;
}

/* See internal.h. */
int
gc_int_parse_crypttab (const char *text, size_t len, gc_int_fstab *tab)
{
  CLEANUP_FREE char *copy = gc_int_text_copy (text, len);
  if (copy == NULL)
    return -1;
  for (char *save = NULL, *line = strtok_r (copy, "\n", &save); line;
       line = strtok_r (NULL, "\n", &save)) {
    char *f[2] = { NULL, NULL };
    char *save2 = NULL;
    line = trim (line);
    if (line[0] == '#' || line[0] == '\0')
      continue;
    f[0] = strtok_r (line, " \t", &save2);
    f[1] = f[0] ? strtok_r (NULL, " \t", &save2) : NULL;
    if (f[1] == NULL)
      continue;                 /* garbage */
    struct gc_int_fstab_entry e = { .spec = strdup (f[1]),
                                    .mountpoint = strdup (f[0]) };
    if (e.spec == NULL || e.mountpoint == NULL
        || gc_int_fstab_append (tab, e) == -1) {
      free (e.spec);
      free (e.mountpoint);
      return -1;
    }
  }
  return 0;
}

/* The LUKS volumes of the root's /etc/crypttab: added to its
 * filesystems (not opened: there is no key).  *names gets the mapper
 * names, so that fstab entries on them can be told apart. */
static int
inspect_crypttab (gc_h *g, struct gc_inspect_os *os, struct gc_int_fslist *l,
                  fs_vector *fss, int shift, gc_int_fstab *tab, bool *fatal)
{
  size_t len;
  CLEANUP_FREE char *t = read_guest (g, "/etc/crypttab", &len, fatal);
  if (t == NULL)
    return *fatal ? -1 : 0;
  if (gc_int_parse_crypttab (t, len, tab) == -1) {
    gc_int_perror (g, "parse crypttab");
    return -1;
  }
  for (size_t i = 0; i < tab->len; ++i) {
    const struct gc_int_fstab_entry *e = &tab->ptr[i];
    CLEANUP_FREE char *dev = NULL;
    CLEANUP_FREE char *spec = gc_int_shift_spec (e->spec, shift);
    if (spec == NULL) {
      gc_int_perror (g, "strdup");
      return -1;
    }
    int r = gc_int_resolve_fstab_spec (g, l, spec, &dev);
    if (r == -1)
      return -1;
    if (r != GC_INT_SPEC_FOUND) {
      gc_int_debug (g, "inspect: %s: /etc/crypttab: %s: %s: no such device",
                    os->root, e->mountpoint, e->spec);
      continue;
    }
    const char *mapper = gc_int_luks_mapper (g, dev);
    gc_int_debug (g, "inspect: %s: /etc/crypttab: %s is the encrypted "
                  "volume %s: %s%s", os->root, dev, e->mountpoint,
                  mapper ? "opened as " : "not opened (no key)",
                  mapper ? mapper : "");
    if (add_fs (g, fss, l, dev) == -1)
      return -1;
  }
  return 0;
}

/* Is spec /dev/mapper/NAME of a crypttab entry? */
static const char *
encrypted (const gc_int_fstab *tab, const char *spec)
{
  if (!gc_str_prefix (spec, "/dev/mapper/"))
    return NULL;
  for (size_t i = 0; i < tab->len; ++i)
    if (strcmp (tab->ptr[i].mountpoint, spec + 12) == 0)
      return tab->ptr[i].mountpoint;
  return NULL;
}

/* An fstab entry on a crypttab volume that is not opened: its mount
 * point on the guest's own name of the volume (/dev/mapper/NAME), and
 * that name among the filesystems with nothing known of it, as
 * libguestfs lists them.  -1 on ENOMEM. */
static int
add_encrypted (gc_h *g, mp_vector *mps, fs_vector *fss,
               const struct gc_int_fstab_entry *e)
{
  CLEANUP_FREE char *mp = gc_int_normalize_mountpoint (e->mountpoint);
  if (mp == NULL || strcmp (mp, "/") == 0)
    return 0;
  for (size_t j = 0; j < mps->len; ++j)
    if (strcmp (mps->ptr[j].mountpoint, mp) == 0)
      return 0;
  if (!have_fs (fss, e->spec)) {
    struct gc_inspect_filesystem f = { .device = strdup (e->spec) };
    if (f.device == NULL || fs_vector_append (fss, f) == -1) {
      free (f.device);
      gc_int_perror (g, "malloc");
      return -1;
    }
  }
  struct gc_inspect_mountpoint m = { .mountpoint = mp,
                                     .device = strdup (e->spec) };
  if (m.device == NULL || mp_vector_append (mps, m) == -1) {
    free (m.device);
    gc_int_perror (g, "malloc");
    return -1;
  }
  mp = NULL;                    /* now in mps */
  return 0;
}

/* Mount points and filesystems from the root's /etc/fstab. */
static int
inspect_fstab (gc_h *g, struct gc_inspect_os *os, struct gc_int_fslist *l,
               bool *fatal)
{
  mp_vector mps = EMPTY_VECTOR;
  fs_vector fss = EMPTY_VECTOR;
  gc_int_fstab fstab = EMPTY_VECTOR, crypttab = EMPTY_VECTOR;
  size_t len;
  int ret = -1;
  CLEANUP_FREE char *t = read_guest (g, "/etc/fstab", &len, fatal);

  if (*fatal)
    return -1;
  if (t && gc_int_parse_fstab (t, len, &fstab) == -1) {
    gc_int_perror (g, "parse fstab");
    return -1;
  }
  bool root_seen = false;
  int shift = gc_int_fstab_disk_shift (g, &fstab, os->root);
  if (inspect_crypttab (g, os, l, &fss, shift, &crypttab, fatal) == -1)
    goto out;
  for (size_t i = 0; i < fstab.len; ++i) {
    const struct gc_int_fstab_entry *e = &fstab.ptr[i];
    bool swap = strcmp (e->vfstype, "swap") == 0;
    if (!swap && !gc_int_fstab_is_mountable (e))
      continue;
    CLEANUP_FREE char *dev = NULL;
    CLEANUP_FREE char *spec = gc_int_shift_spec (e->spec, shift);
    if (spec == NULL) {
      gc_int_perror (g, "strdup");
      goto out;
    }
    int r = gc_int_resolve_fstab_spec (g, l, spec, &dev);
    if (r == -1)
      goto out;
    if (r != GC_INT_SPEC_FOUND) {
      const char *name = encrypted (&crypttab, e->spec);
      if (name) {
        gc_int_debug (g, "inspect: %s: /etc/fstab: %s is on the encrypted "
                      "volume %s, not opened: listed as %s", os->root,
                      e->mountpoint, name, e->spec);
        if (add_encrypted (g, &mps, &fss, e) == -1)
          goto out;
      }
      else
        gc_int_debug (g, "inspect: %s: /etc/fstab: %s: %s", os->root,
                      e->spec, r == GC_INT_SPEC_MISSING ? "no such device"
                      : "not supported");
      continue;
    }
    if (!swap && gc_int_btrfs_fstab_mountable (g, l, e, &dev) == -1)
      goto out;
    if (swap) {
      if (add_fs (g, &fss, l, dev) == -1)
        goto out;
      continue;
    }
    char *mp = gc_int_normalize_mountpoint (e->mountpoint);
    if (mp == NULL) {
      gc_int_debug (g, "inspect: %s: /etc/fstab: bad mount point %s",
                    os->root, e->mountpoint);
      continue;
    }
    bool dup = false;
    for (size_t j = 0; j < mps.len; ++j)
      if (strcmp (mps.ptr[j].mountpoint, mp) == 0)
        dup = true;
    if (dup) {
      free (mp);
      continue;
    }
    if (strcmp (mp, "/") == 0) {
      /* The root found is what "/" is, whatever the fstab says. */
      root_seen = true;
      if (strcmp (dev, os->root) != 0) {
        gc_int_debug (g, "inspect: %s: /etc/fstab puts %s at /", os->root,
                      dev);
        free (dev);
        dev = strdup (os->root);
        if (dev == NULL) {
          free (mp);
          gc_int_perror (g, "strdup");
          goto out;
        }
      }
    }
    if (add_fs (g, &fss, l, dev) == -1) {
      free (mp);
      goto out;
    }
    struct gc_inspect_mountpoint m = { .mountpoint = mp, .device = TAKE_PTR (dev) };
    if (mp_vector_append (&mps, m) == -1) {
      free (m.mountpoint); free (m.device);
      gc_int_perror (g, "malloc");
      goto out;
    }
  }
  if (!root_seen) {
    struct gc_inspect_mountpoint m = { .mountpoint = strdup ("/"),
                                       .device = strdup (os->root) };
    if (m.mountpoint == NULL || m.device == NULL
        || mp_vector_append (&mps, m) == -1) {
      free (m.mountpoint); free (m.device);
      gc_int_perror (g, "malloc");
      goto out;
    }
  }
  if (add_fs (g, &fss, l, os->root) == -1)
    goto out;
  qsort (mps.ptr, mps.len, sizeof mps.ptr[0], compare_mp);
  qsort (fss.ptr, fss.len, sizeof fss.ptr[0], compare_fs);
  os->mountpoints = TAKE_PTR (mps.ptr);
  os->nr_mountpoints = mps.len;
  os->filesystems = TAKE_PTR (fss.ptr);
  os->nr_filesystems = fss.len;
  mps.len = fss.len = 0;
  ret = 0;
 out:
  for (size_t i = 0; i < mps.len; ++i) {
    free (mps.ptr[i].mountpoint);
    free (mps.ptr[i].device);
  }
  free (mps.ptr);
  for (size_t i = 0; i < fss.len; ++i) {
    free (fss.ptr[i].device); free (fss.ptr[i].type);
    free (fss.ptr[i].label); free (fss.ptr[i].uuid);
  }
  free (fss.ptr);
  gc_int_fstab_free (&fstab);
  gc_int_fstab_free (&crypttab);
  return ret;
}

/* A root without /etc/fstab whose /usr is a GPT partition (Container
 * Linux, Flatcar: see gc_int_usr_partition): /usr among its mount
 * points and filesystems, as libguestfs lists them.  Leaves the guest
 * mounted as gc_mount_linux_root mounts it.  -1 on error. */
static int
inspect_usr_partition (gc_h *g, struct gc_inspect_os *os,
                       struct gc_int_fslist *l)
{
  int r = gc_is_file (g, "/etc/fstab");
  if (r == 1 || (r == -1 && g->state != GC_STATE_READY))
    return r == 1 ? 0 : -1;
  CLEANUP_FREE char *usr = NULL;
  if (gc_umount_all (g) == -1
      || (r = gc_int_usr_partition (g, os->root, &usr)) == -1)
    return -1;
  if (r == 0)
    return gc_mount_linux_root (g, os->root, 1);
  /* Mounted again as gc_mount_linux_root mounts it. */
  if (gc_mount (g, os->root, "/", NULL, NULL, 1) == -1
      || gc_mount (g, usr, "/usr", NULL, NULL, 1) == -1)
    return -1;
  fs_vector fss = { .ptr = os->filesystems, .len = os->nr_filesystems,
                    .cap = os->nr_filesystems };
  r = add_fs (g, &fss, l, usr);
  os->filesystems = fss.ptr;
  os->nr_filesystems = fss.len;
  if (r == -1)
    return -1;
  qsort (os->filesystems, os->nr_filesystems, sizeof os->filesystems[0],
         compare_fs);
  struct gc_inspect_mountpoint *mps =
    realloc (os->mountpoints, (os->nr_mountpoints + 1) * sizeof *mps);
  if (mps == NULL) {
    gc_int_perror (g, "realloc");
    return -1;
  }
  os->mountpoints = mps;
  mps[os->nr_mountpoints] = (struct gc_inspect_mountpoint) {
    .mountpoint = strdup ("/usr"), .device = TAKE_PTR (usr),
  };
  if (mps[os->nr_mountpoints++].mountpoint == NULL) {
    gc_int_perror (g, "strdup");
    return -1;
  }
  qsort (os->mountpoints, os->nr_mountpoints, sizeof os->mountpoints[0],
         compare_mp);
  return 0;
}

static void
os_free (struct gc_inspect_os *os)
{
  free (os->root);
  free (os->product_name);
  free (os->product_variant);
  free (os->build_id);
  free (os->windows_systemroot);
  free (os->windows_current_control_set);
  free (os->arch);
  free (os->hostname);
  for (size_t i = 0; i < os->nr_drive_mappings; ++i) {
    free (os->drive_mappings[i].name);
    free (os->drive_mappings[i].device);
  }
  free (os->drive_mappings);
  for (size_t i = 0; i < os->nr_mountpoints; ++i) {
    free (os->mountpoints[i].mountpoint);
    free (os->mountpoints[i].device);
  }
  free (os->mountpoints);
  for (size_t i = 0; i < os->nr_filesystems; ++i) {
    free (os->filesystems[i].device);
    free (os->filesystems[i].type);
    free (os->filesystems[i].label);
    free (os->filesystems[i].uuid);
  }
  free (os->filesystems);
  for (size_t i = 0; i < os->nr_applications; ++i)
    gc_int_app_free (&os->applications[i]);
  free (os->applications);
}

/* See guestcell.h.  NULL is fine. */
void
gc_inspection_free (struct gc_inspection *insp)
{
  if (insp == NULL)
    return;
  for (size_t i = 0; i < insp->nr_oses; ++i)
    os_free (&insp->oses[i]);
  free (insp->oses);
  free (insp);
}

/* One root: mount it with its fstab, read it, unmount.  -1 on error. */
static int
inspect_root (gc_h *g, struct gc_inspect_os *os, struct gc_int_fslist *l,
              unsigned flags)
{
  bool fatal = false;

  if (gc_mount_linux_root (g, os->root, 1) == -1)
    return -1;
  if (inspect_release (g, os, &fatal) == -1
      || inspect_hostname (g, os, &fatal) == -1
      || inspect_arch (g, os, &fatal) == -1
      || inspect_fstab (g, os, l, &fatal) == -1
      || inspect_usr_partition (g, os, l) == -1)
    return -1;
  if ((flags & GC_INSPECT_APPLICATIONS)
      && gc_int_inspect_applications (g, os) == -1)
    return -1;
  return gc_umount_all (g);
}

/* A Windows root: the registry, then "/" and the filesystems of the
 * root and of every drive letter.  -1 on error. */
static int
inspect_windows_root (gc_h *g, struct gc_inspect_os *os,
                      struct gc_int_fslist *l, unsigned flags)
{
  fs_vector fss = EMPTY_VECTOR;

  if (gc_int_inspect_windows (g, os, l, flags) == -1)
    return -1;
  os->mountpoints = calloc (1, sizeof *os->mountpoints);
  if (os->mountpoints == NULL
      || (os->mountpoints[0].mountpoint = strdup ("/")) == NULL
      || (os->mountpoints[0].device = strdup (os->root)) == NULL) {
    gc_int_perror (g, "malloc");
    if (os->mountpoints)
      free (os->mountpoints[0].mountpoint);
    free (os->mountpoints);
    os->mountpoints = NULL;
    return -1;
  }
  os->nr_mountpoints = 1;
  if (add_fs (g, &fss, l, os->root) == -1)
    goto error;
  for (size_t i = 0; i < os->nr_drive_mappings; ++i)
    if (add_fs (g, &fss, l, os->drive_mappings[i].device) == -1)
      goto error;
  if (fss.len > 1)
    qsort (fss.ptr, fss.len, sizeof fss.ptr[0], compare_fs);
  os->filesystems = fss.ptr;
  os->nr_filesystems = fss.len;
  return 0;
 error:
  for (size_t i = 0; i < fss.len; ++i) {
    free (fss.ptr[i].device); free (fss.ptr[i].type);
    free (fss.ptr[i].label); free (fss.ptr[i].uuid);
  }
  free (fss.ptr);
  return -1;
}

static int
compare_os (const void *a, const void *b)
{
  const struct gc_inspect_os *x = a, *y = b;
  return strcmp (x->root, y->root);
}

/* See guestcell.h: NULL on error, else free with gc_inspection_free. */
struct gc_inspection *
gc_inspect (gc_h *g, unsigned flags)
{
  struct gc_inspection *insp;
  CLEANUP_FREE_STRINGS char **roots = NULL, **wroots = NULL;
  struct gc_int_fslist l = { .fs = EMPTY_VECTOR };

  roots = gc_find_roots (g, &wroots);
  if (roots == NULL)
    return NULL;
  insp = calloc (1, sizeof *insp);
  size_t nl = gc_strings_len (roots), n = nl + gc_strings_len (wroots);
  if (insp == NULL || (n && (insp->oses = calloc (n, sizeof *insp->oses))
                       == NULL)) {
    gc_int_perror (g, "calloc");
    free (insp);
    return NULL;
  }
  if (n && gc_int_fslist_get (g, &l) == -1)
    goto error;
  for (size_t i = 0; i < n; ++i) {
    struct gc_inspect_os *os = &insp->oses[i];
    insp->nr_oses++;
    bool windows = i >= nl;
    os->root = strdup (windows ? wroots[i - nl] : roots[i]);
    os->type = gc_int_inspect_os_type (windows ? "windows" : "linux");
    os->major_version = os->minor_version = -1;
    if (os->root == NULL) {
      gc_int_perror (g, "strdup");
      goto error;
    }
    if ((windows ? inspect_windows_root (g, os, &l, flags)
         : inspect_root (g, os, &l, flags)) == -1)
      goto error;
  }
  gc_int_fslist_free (&l);
  if (gc_int_inspection_make_safe (insp) == -1) {
    gc_int_perror (g, "inspect");
    gc_inspection_free (insp);
    return NULL;
  }
  if (insp->nr_oses > 1)
    qsort (insp->oses, insp->nr_oses, sizeof insp->oses[0], compare_os);
  return insp;

 error:
  gc_int_fslist_free (&l);
  gc_inspection_free (insp);
  if (g->state == GC_STATE_READY)
    gc_umount_all (g);
  return NULL;
}
