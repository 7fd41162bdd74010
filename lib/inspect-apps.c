/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* The installed applications of a Linux guest, from its package
 * database: dpkg's /var/lib/dpkg/status and apk's /lib/apk/db/installed
 * (both text files of stanzas), pacman's /var/lib/pacman/local/PKG/desc,
 * and rpm's sqlite database (read by the appliance: rpm_packages).  The
 * databases are untrusted: a truncated or damaged one keeps what
 * parsed, never crashes.
 */

#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"
#include "gc_protocol.h"

/* See internal.h.  NULL fields are fine. */
void
gc_int_app_free (struct gc_inspect_app *a)
{
  free (a->name);
  free (a->version);
  free (a->release);
  free (a->arch);
  free (a->url);
  free (a->source_package);
  free (a->summary);
  free (a->description);
  free (a->display_name);
  free (a->publisher);
  free (a->install_path);
  memset (a, 0, sizeof *a);
}

/* See internal.h. */
void
gc_int_apps_free (gc_int_app_vector *v)
{
  for (size_t i = 0; i < v->len; ++i)
    gc_int_app_free (&v->ptr[i]);
  gc_int_app_vector_reset (v);
}

static int
set (char **field, const char *v)
{
  while (*v == ' ' || *v == '\t')
    v++;
  size_t n = strlen (v);
  while (n > 0 && isspace ((unsigned char) v[n - 1]))
    n--;
  free (*field);
  *field = n ? strndup (v, n) : NULL;
  return n && *field == NULL ? -1 : 0;
}

/* Append to a growing string with a separator. */
static int
append (char **s, const char *sep, const char *v)
{
  size_t a = *s ? strlen (*s) : 0, b = strlen (sep), c = strlen (v);
  char *r = realloc (*s, a + b + c + 1);
  if (r == NULL)
    return -1;
  memcpy (r + a, sep, b);
  memcpy (r + a + b, v, c + 1);
  *s = r;
  return 0;
}

/* Debian's [epoch:]upstream[-revision] into the app's fields. */
static int
split_deb_version (struct gc_inspect_app *a, const char *v)
{
  const char *colon = strchr (v, ':');
  if (colon) {
    char *end;
    long e = strtol (v, &end, 10);
    if (end == colon && e > 0 && e < 1000000)
      a->epoch = (int) e;
    v = colon + 1;
  }
  const char *dash = strrchr (v, '-');
  if (dash && dash != v && dash[1]) {
    a->version = strndup (v, dash - v);
    a->release = strdup (dash + 1);
    return a->version && a->release ? 0 : -1;
  }
  a->version = v[0] ? strdup (v) : NULL;
  return v[0] && a->version == NULL ? -1 : 0;
}

static int
compare_app (const void *x, const void *y)
{
  const struct gc_inspect_app *a = x, *b = y;
  int r = strcmp (a->name, b->name);
  if (r == 0)
    r = strcmp (a->version ? a->version : "", b->version ? b->version : "");
  if (r == 0)                   /* multiarch: one package, two arches */
    r = strcmp (a->arch ? a->arch : "", b->arch ? b->arch : "");
  return r;
}

/* See internal.h. */
void
gc_int_apps_take (struct gc_inspect_os *os, gc_int_app_vector *apps)
{
  if (apps->len > 1)
    qsort (apps->ptr, apps->len, sizeof apps->ptr[0], compare_app);
  os->applications = apps->ptr;
  os->nr_applications = apps->len;
  os->have_applications = 1;
  *apps = (gc_int_app_vector) EMPTY_VECTOR;
}

/* One dpkg stanza being read. */
struct dpkg_stanza {
  char *package, *status, *version, *arch, *source, *homepage;
  char *desc_first, *desc_rest;
  char **last;                  /* the field continuation lines go to */
};

static void
stanza_free (struct dpkg_stanza *s)
{
  free (s->package); free (s->status); free (s->version); free (s->arch);
  free (s->source); free (s->homepage); free (s->desc_first);
  free (s->desc_rest);
  memset (s, 0, sizeof *s);
}

/* Is a dpkg "Status: WANT FLAG STATE" one of an installed package?
 * The state is the last word (dpkg writes three; opkg's flag may be
 * "user" or "hold,user"): "installed", or "triggers-pending" and
 * "triggers-awaited", which dpkg sets on a configured package whose
 * triggers have not run yet.  Whatever the want ("install", "hold",
 * "deinstall", "purge": an ordered removal that has not happened).
 * Not "config-files", "half-installed", "unpacked", "half-configured"
 * or "not-installed": their files are not (all) there. */
static bool
is_installed (const char *status)
{
  if (status == NULL)
    return false;
  size_t n = strlen (status);
  while (n > 0 && isspace ((unsigned char) status[n - 1]))
    n--;
  size_t b = n;
  while (b > 0 && !isspace ((unsigned char) status[b - 1]))
    b--;
  if (b == 0)
    return false;               /* one word: not dpkg's form */
  static const char *const states[] = {
    "installed", "triggers-pending", "triggers-awaited",
  };
  for (size_t i = 0; i < sizeof states / sizeof states[0]; ++i)
    if (n - b == strlen (states[i])
        && strncasecmp (status + b, states[i], n - b) == 0)
      return true;
  return false;
}

/* The end of a stanza: keep it as an app if it is an installed
 * package. */
static int
stanza_end (struct dpkg_stanza *s, gc_int_app_vector *apps)
{
  int ret = 0;
  if (s->package && is_installed (s->status)) {
    struct gc_inspect_app a = { .name = TAKE_PTR (s->package) };
    if (s->version && split_deb_version (&a, s->version) == -1)
      ret = -1;
    a.arch = TAKE_PTR (s->arch);
    a.url = TAKE_PTR (s->homepage);
    if (s->source) {
      /* "Source: name (version)" */
      char *sp = strchr (s->source, ' ');
      if (sp)
        *sp = '\0';
      a.source_package = TAKE_PTR (s->source);
    }
    a.summary = TAKE_PTR (s->desc_first);
    a.description = TAKE_PTR (s->desc_rest);
    if (ret == 0 && gc_int_app_vector_append (apps, a) == -1)
      ret = -1;
    if (ret == -1)
      gc_int_app_free (&a);
  }
  stanza_free (s);
  return ret;
}

/* See internal.h. */
int
gc_int_parse_dpkg_status (const char *text, size_t len,
                          gc_int_app_vector *apps)
{
  CLEANUP_FREE char *copy = gc_int_text_copy (text, len);
  struct dpkg_stanza s = { 0 };
  char *p, *nl;

  if (copy == NULL)
    return -1;
  for (p = copy; p && *p; p = nl ? nl + 1 : NULL) {
    nl = strchr (p, '\n');
    if (nl)
      *nl = '\0';
    size_t plen = strlen (p);
    if (plen > 0 && p[plen - 1] == '\r')
      p[--plen] = '\0';        /* CRLF */
    if (strspn (p, " \t\r") == plen) {
      if (stanza_end (&s, apps) == -1)
        return -1;
      continue;
    }
    if (*p == ' ' || *p == '\t') {
      /* A continuation line: only the description's are kept. */
      if (s.last == &s.desc_rest) {
        const char *v = p + 1;
        if (strcmp (v, ".") == 0)
          v = "";
        if (append (&s.desc_rest, s.desc_rest ? "\n" : "", v) == -1)
          goto oom;
      }
      continue;
    }
    s.last = NULL;
    char *colon = strchr (p, ':');
    if (colon == NULL)
      continue;                 /* garbage */
    *colon = '\0';
    const char *v = colon + 1;
    char **field = NULL;
    /* Field names are case-insensitive (deb-control(5)). */
    if (strcasecmp (p, "Package") == 0) {
      /* A second Package field without the blank line between: a
       * writer that forgot it; the first stanza ends here. */
      if (s.package && stanza_end (&s, apps) == -1)
        return -1;
      field = &s.package;
    }
    else if (strcasecmp (p, "Status") == 0) field = &s.status;
    else if (strcasecmp (p, "Version") == 0) field = &s.version;
    else if (strcasecmp (p, "Architecture") == 0) field = &s.arch;
    else if (strcasecmp (p, "Source") == 0) field = &s.source;
    else if (strcasecmp (p, "Homepage") == 0) field = &s.homepage;
    else if (strcasecmp (p, "Description") == 0) {
      field = &s.desc_first;
      free (s.desc_rest);
      s.desc_rest = NULL;
      s.last = &s.desc_rest;
    }
    if (field && set (field, v) == -1)
      goto oom;
  }
  /* A truncated file: its last stanza counts if it is complete enough. */
  if (stanza_end (&s, apps) == -1)
    return -1;
  return 0;
 oom:
  stanza_free (&s);
  return -1;
}

/* See internal.h. */
int
gc_int_parse_apk_installed (const char *text, size_t len,
                            gc_int_app_vector *apps)
{
  CLEANUP_FREE char *copy = gc_int_text_copy (text, len);
  struct gc_inspect_app a = { 0 };
  char *p, *nl;

  if (copy == NULL)
    return -1;
  for (p = copy; ; p = nl + 1) {
    nl = strchr (p, '\n');
    if (nl)
      *nl = '\0';
    if (*p == '\0') {
      if (a.name) {
        if (gc_int_app_vector_append (apps, a) == -1)
          goto oom;
        memset (&a, 0, sizeof a);
      }
      else
        gc_int_app_free (&a);
      if (nl == NULL)
        break;
      continue;
    }
    if (p[1] == ':') {
      char **field = NULL;
      switch (p[0]) {
      case 'P': field = &a.name; break;
      case 'A': field = &a.arch; break;
      case 'T': field = &a.summary; break;
      case 'U': field = &a.url; break;
      case 'o': field = &a.source_package; break;
      case 'V': {
        free (a.version); free (a.release);
        a.version = a.release = NULL;
        const char *v = p + 2;
        /* "1.2.4_git20230717-r4": the release is the last "-rN". */
        const char *r = NULL;
        for (const char *q = strstr (v, "-r"); q; q = strstr (q + 1, "-r"))
          r = q;
        if (r && r != v && r[2] && strspn (r + 2, "0123456789") == strlen (r + 2)) {
          a.version = strndup (v, r - v);
          a.release = strdup (r + 1);
          if (a.version == NULL || a.release == NULL)
            goto oom;
        }
        else if (set (&a.version, v) == -1)
          goto oom;
        break;
      }
      }
      if (field && set (field, p + 2) == -1)
        goto oom;
    }
    if (nl == NULL) {
      /* End of a (maybe truncated) file. */
      *p = '\0';
      nl = p - 1;
    }
  }
  return 0;
 oom:
  gc_int_app_free (&a);
  return -1;
}

/* See internal.h. */
int
gc_int_parse_pacman_desc (const char *text, size_t len,
                          gc_int_app_vector *apps)
{
  CLEANUP_FREE char *copy = gc_int_text_copy (text, len);
  CLEANUP_FREE char *version = NULL;
  struct gc_inspect_app a = { 0 };
  char **field = NULL;
  char *p, *nl;

  if (copy == NULL)
    return -1;
  for (p = copy; p; p = nl ? nl + 1 : NULL) {
    nl = strchr (p, '\n');
    if (nl)
      *nl = '\0';
    if (p[0] == '%') {
      field = NULL;
      if (strcmp (p, "%NAME%") == 0) field = &a.name;
      else if (strcmp (p, "%VERSION%") == 0) field = &version;
      else if (strcmp (p, "%BASE%") == 0) field = &a.source_package;
      else if (strcmp (p, "%DESC%") == 0) field = &a.summary;
      else if (strcmp (p, "%URL%") == 0) field = &a.url;
      else if (strcmp (p, "%ARCH%") == 0) field = &a.arch;
      continue;
    }
    /* The first line after a %KEY% is its value. */
    if (field && *field == NULL && p[0] && set (field, p) == -1)
      goto oom;
    field = NULL;
  }
  if (a.name == NULL) {
    gc_int_app_free (&a);
    return 0;
  }
  /* [epoch:]version-release, as dpkg's. */
  if (version && split_deb_version (&a, version) == -1)
    goto oom;
  if (gc_int_app_vector_append (apps, a) == -1)
    goto oom;
  return 0;
 oom:
  gc_int_app_free (&a);
  return -1;
}

/* pacman: one desc file per package directory. */
static int
read_pacman (gc_h *g, struct gc_inspect_os *os, gc_int_app_vector *apps)
{
  const char *dir = "/var/lib/pacman/local";
  CLEANUP_FREE_STRINGS char **names = gc_ls (g, dir);
  if (names == NULL) {
    if (g->state != GC_STATE_READY)
      return -1;
    gc_int_debug (g, "inspect: %s: %s: %s", os->root, dir, gc_last_error (g));
    return 1;
  }
  for (size_t i = 0; names[i]; ++i) {
    char path[4096];
    snprintf (path, sizeof path, "%s/%s/desc", dir, names[i]);
    if (strchr (names[i], '/') || strcmp (names[i], "ALPM_DB_VERSION") == 0)
      continue;
    size_t len;
    CLEANUP_FREE char *t = gc_read_file (g, path, &len);
    if (t == NULL) {
      if (g->state != GC_STATE_READY)
        return -1;
      gc_int_debug (g, "inspect: %s: %s: %s", os->root, path,
                    gc_last_error (g));
      continue;
    }
    if (gc_int_parse_pacman_desc (t, len, apps) == -1) {
      gc_int_perror (g, "%s", path);
      return -1;
    }
  }
  return 0;
}

/* rpm (4.16 and later): the sqlite database, read inside the appliance,
 * which returns 9 strings a package (see protocol/actions.py).  Newer
 * Fedora keeps it in /usr/lib/sysimage/rpm, /var/lib/rpm being a link
 * there. */
/* Pages of rpm_packages_page read at most (each at most one reply). */
#define RPM_PAGES_MAX 16

static const char *const rpmdb_paths[] = {
  "/var/lib/rpm/rpmdb.sqlite", "/usr/lib/sysimage/rpm/rpmdb.sqlite",
};
enum { RPM_NAME, RPM_EPOCH, RPM_VERSION, RPM_RELEASE, RPM_ARCH, RPM_URL,
       RPM_SOURCERPM, RPM_SUMMARY, RPM_DESCRIPTION, RPM_NFIELDS };

/* An untrusted string from the appliance as a field: trimmed, NULL if
 * empty (gc_inspect makes it safe to print).  -1 on ENOMEM. */
static int
rpm_field (char **field, const char *v)
{
  return set (field, v);
}

/* The source package's name from rpm's SOURCERPM,
 * "NAME-VERSION-RELEASE.src.rpm"; NULL if it is not of that shape.
 * -1 on ENOMEM. */
static int
rpm_source_name (char **field, const char *srpm)
{
  size_t n = strlen (srpm);
  if (n > 8 && strcmp (srpm + n - 8, ".src.rpm") == 0)
    n -= 8;
  else if (n > 10 && strcmp (srpm + n - 10, ".nosrc.rpm") == 0)
    n -= 10;
  else
    return 0;
  for (int dashes = 0; dashes < 2; ++dashes) {
    while (n > 0 && srpm[n - 1] != '-')
      n--;
    if (n == 0)
      return 0;
    n--;
  }
  if (n == 0)
    return 0;
  CLEANUP_FREE char *name = strndup (srpm, n);
  if (name == NULL)
    return -1;
  return rpm_field (field, name);
}

/* rpm's ARCH: a package without one (gpg-pubkey, the pseudo-package
 * of an imported key) gets "(none)", what rpm's query formats print for
 * a missing tag and so what libguestfs (and rpm -qa --qf '%{ARCH}')
 * shows.  -1 on ENOMEM. */
static int
rpm_arch (char **field, const char *v)
{
  if (rpm_field (field, v) == -1)
    return -1;
  if (*field == NULL && (*field = strdup ("(none)")) == NULL)
    return -1;
  return 0;
}

/* A whole string as a decimal long long: 0, or -1. */
static int
parse_decimal (const char *s, long long *r)
{
  char *end;
  errno = 0;
  *r = strtoll (s, &end, 10);
  return s[0] && *end == '\0' && errno == 0 ? 0 : -1;
}

/* One page of rpm_packages_page into apps: *after and *more say where
 * the next one starts, *unreadable counts what the appliance left
 * out.  -1 with errno (EINVAL: not the page's header then 9 strings a
 * package; ENOMEM) and *why set. */
static int
parse_rpm_page (char *const *page, gc_int_app_vector *apps,
                int64_t *after, bool *more, size_t *unreadable,
                const char **why)
{
  size_t n = 0;
  while (page[n])
    n++;
  if (n < 3 || (n - 3) % RPM_NFIELDS != 0) {
    *why = "the appliance's list of packages is not 9 strings a package";
    errno = EINVAL;
    return -1;
  }
  long long next = 0, bad;
  *more = page[0][0] != '\0';
  if ((*more && (parse_decimal (page[0], &next) == -1 ||
                 next <= *after)) ||
      parse_decimal (page[2], &bad) == -1 || bad < 0) {
    *why = "the appliance's page of packages has a bad header";
    errno = EINVAL;
    return -1;
  }
  if (*more)
    *after = next;
  *unreadable += bad;
  char *const *list = page + 3;
  n -= 3;
  for (size_t i = 0; i < n; i += RPM_NFIELDS) {
    char *const *f = &list[i];
    struct gc_inspect_app a = { 0 };
    if (rpm_field (&a.name, f[RPM_NAME]) == -1)
      goto oom;
    if (a.name == NULL)
      continue;                 /* the appliance sends none such */
    /* The epoch: decimal, 0 if absent or out of range. */
    const char *e = f[RPM_EPOCH];
    if (e[0] && strlen (e) <= 9 && strspn (e, "0123456789") == strlen (e))
      a.epoch = atoi (e);
    if (rpm_field (&a.version, f[RPM_VERSION]) == -1 ||
        rpm_field (&a.release, f[RPM_RELEASE]) == -1 ||
        rpm_arch (&a.arch, f[RPM_ARCH]) == -1 ||
        rpm_field (&a.url, f[RPM_URL]) == -1 ||
        rpm_source_name (&a.source_package, f[RPM_SOURCERPM]) == -1 ||
        rpm_field (&a.summary, f[RPM_SUMMARY]) == -1 ||
        rpm_field (&a.description, f[RPM_DESCRIPTION]) == -1 ||
        gc_int_app_vector_append (apps, a) == -1) {
      gc_int_app_free (&a);
      goto oom;
    }
  }
  return 0;
 oom:
  *why = "out of memory";
  errno = ENOMEM;
  return -1;
}

/* Returns 0 (apps filled), 1 if there is no database or it could not
 * be read (said in a debug line), -1 if the appliance failed. */
static int
read_rpm (gc_h *g, struct gc_inspect_os *os, gc_int_app_vector *apps)
{
  const char *path = NULL;
  for (size_t i = 0; i < sizeof rpmdb_paths / sizeof rpmdb_paths[0]; ++i) {
    int r = gc_is_file (g, rpmdb_paths[i]);
    if (r == -1 && g->state != GC_STATE_READY)
      return -1;
    if (r == 1) {
      path = rpmdb_paths[i];
      break;
    }
  }
  if (path == NULL) {
    gc_int_debug (g, "inspect: %s: no rpm sqlite database (%s or %s); "
                  "older rpm databases (Berkeley DB) are not read",
                  os->root, rpmdb_paths[0], rpmdb_paths[1]);
    return 1;
  }
  /* Page by page (each at most one reply), at most RPM_PAGES_MAX of
   * them: a real database fits in one or two. */
  int64_t after = INT64_MIN;
  size_t unreadable = 0;
  for (int page = 0;; ++page) {
    if (page == RPM_PAGES_MAX) {
      gc_int_warning (g, "%s: %s: the rpm database holds more than the "
                      "%d MiB of package data a run reads: only the first "
                      "%zu packages are listed", os->root, path,
                      RPM_PAGES_MAX * (GC_MESSAGE_MAX >> 20), apps->len);
      break;
    }
    CLEANUP_FREE_STRINGS char **list =
      gc_rpm_packages_page (g, path, after);
    if (list == NULL) {
      if (g->state != GC_STATE_READY)
        return -1;
      gc_int_debug (g, "inspect: %s: applications left out: %s", os->root,
                    gc_last_error (g));
      gc_int_apps_free (apps);
      return 1;
    }
    const char *why;
    bool more;
    if (parse_rpm_page (list, apps, &after, &more, &unreadable,
                        &why) == -1) {
      if (errno == ENOMEM) {
        gc_int_perror (g, "%s", path);
        return -1;
      }
      gc_int_debug (g, "inspect: %s: %s: applications left out: %s",
                    os->root, path, why);
      gc_int_apps_free (apps);
      return 1;
    }
    if (!more)
      break;
  }
  if (unreadable)
    gc_int_debug (g, "inspect: %s: %s: %zu packages unreadable, left out",
                  os->root, path, unreadable);
  gc_int_debug (g, "inspect: %s: %s: %zu installed packages", os->root,
                path, apps->len);
  return 0;
}

/* See internal.h. */
int
gc_int_inspect_applications (gc_h *g, struct gc_inspect_os *os)
{
  static const struct {
    const char *format, *path;
    int (*parse) (const char *, size_t, gc_int_app_vector *);
  } dbs[] = {
    { "deb", "/var/lib/dpkg/status", gc_int_parse_dpkg_status },
    { "apk", "/lib/apk/db/installed", gc_int_parse_apk_installed },
  };
  gc_int_app_vector apps = EMPTY_VECTOR;

  if (os->package_format == NULL)
    return 0;
  /* The databases that are not one file read here. */
  static const struct {
    const char *format;
    int (*read) (gc_h *, struct gc_inspect_os *, gc_int_app_vector *);
  } readers[] = { { "pacman", read_pacman }, { "rpm", read_rpm } };
  for (size_t i = 0; i < sizeof readers / sizeof readers[0]; ++i) {
    if (strcmp (os->package_format, readers[i].format) != 0)
      continue;
    int r = readers[i].read (g, os, &apps);
    if (r == -1) {
      gc_int_apps_free (&apps);
      return -1;
    }
    if (r == 0)
      gc_int_apps_take (os, &apps);
    else
      gc_int_apps_free (&apps);
    return 0;
  }
  for (size_t i = 0; i < sizeof dbs / sizeof dbs[0]; ++i) {
    if (strcmp (os->package_format, dbs[i].format) != 0)
      continue;
    int r = gc_is_file (g, dbs[i].path);
    if (r != 1) {
      if (r == -1 && g->state != GC_STATE_READY)
        return -1;
      gc_int_debug (g, "inspect: %s: no %s", os->root, dbs[i].path);
      return 0;
    }
    size_t len;
    /* read_file stops at 2 MiB, and a desktop's dpkg status is larger. */
    int64_t t0 = gc_int_now_us ();
    CLEANUP_FREE char *t = gc_int_read_guest_file (g, dbs[i].path,
                                                   GC_INSPECT_FILE_MAX, &len);
    if (t == NULL) {
      if (g->state != GC_STATE_READY)
        return -1;
      gc_int_debug (g, "inspect: %s: applications left out (after %.0f ms): "
                    "%s", os->root, (gc_int_now_us () - t0) / 1e3,
                    gc_last_error (g));
      return 0;
    }
    if (dbs[i].parse (t, len, &apps) == -1) {
      gc_int_perror (g, "%s", dbs[i].path);
      gc_int_apps_free (&apps);
      return -1;
    }
    if (len > 0 && t[len - 1] != '\n')
      gc_int_debug (g, "inspect: %s: %s: truncated (it ends in the middle "
                    "of a line): its last entry may be incomplete",
                    os->root, dbs[i].path);
    gc_int_debug (g, "inspect: %s: %s: %zu installed packages", os->root,
                  dbs[i].path, apps.len);
    gc_int_apps_take (os, &apps);
    return 0;
  }
  gc_int_debug (g, "inspect: %s: no reader for %s databases yet", os->root,
                os->package_format);
  return 0;
}
