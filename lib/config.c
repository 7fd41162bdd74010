/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* The configuration files (guestcell.conf(5)), read with libconfig, and
 * the environment variables that come above them.
 *
 * Every setting is described once, in the table below: its name in the
 * files, its variable, its kind and limits, and where its value lives
 * in struct gc_settings.  Loading starts from the built-in defaults,
 * then lets the system's file, the user's file and the environment
 * override them in turn, remembering where each value came from.
 * Nothing wrong is ignored: a syntax error, an unknown setting, a
 * value of the wrong type or out of range, in a file or a variable, is
 * one line naming the file and line (or the variable). */

#include <config.h>

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <libconfig.h>

#include "internal.h"

enum kind { KIND_INT, KIND_BOOL, KIND_ACCEL, KIND_PATH };

struct setting_desc {
  const char *name;
  const char *env;
  enum kind kind;
  size_t offset;                /* in struct gc_settings */
  int min, max, dflt;           /* KIND_INT (dflt for KIND_BOOL too) */
  const char *what;             /* of KIND_INT: its unit */
};

#define FIELD(f) offsetof (struct gc_settings, f)

static const struct setting_desc settings[GC_SETTINGS] = {
  [GC_SETTING_ACCEL] = { "accel", "GUESTCELL_ACCEL", KIND_ACCEL,
                         FIELD (accel) },
  [GC_SETTING_MEMSIZE] = { "memsize", "GUESTCELL_MEMSIZE", KIND_INT,
                           FIELD (memsize), 128, 1 << 20,
                           GC_DEFAULT_MEMSIZE, "MiB" },
  [GC_SETTING_CACHEDIR] = { "cachedir", "GUESTCELL_CACHEDIR", KIND_PATH,
                            FIELD (cachedir) },
  [GC_SETTING_LAUNCH_TIMEOUT] = { "launch_timeout",
                                  "GUESTCELL_LAUNCH_TIMEOUT", KIND_INT,
                                  FIELD (launch_timeout), 1, 86400,
                                  GC_DEFAULT_LAUNCH_TIMEOUT, "seconds" },
  [GC_SETTING_PARALLEL] = { "parallel", "GUESTCELL_PARALLEL", KIND_INT,
                            FIELD (parallel), 0, 1024, 0, "appliances" },
  [GC_SETTING_PROGRESS] = { "progress", "GUESTCELL_PROGRESS", KIND_BOOL,
                            FIELD (progress), 0, 1, 1 },
  [GC_SETTING_SNAPSHOT] = { "snapshot", "GUESTCELL_SNAPSHOT", KIND_BOOL,
                            FIELD (snapshot), 0, 1, 1 },
};

static int *
int_field (struct gc_settings *s, const struct setting_desc *d)
{
  return (int *) ((char *) s + d->offset);
}

static char **
str_field (struct gc_settings *s, const struct setting_desc *d)
{
  return (char **) ((char *) s + d->offset);
}

/* See guestcell.h. */
const char *
gc_setting_name (enum gc_setting which)
{
  return (unsigned) which < GC_SETTINGS ? settings[which].name : NULL;
}

/* See guestcell.h. */
const char *
gc_setting_env (enum gc_setting which)
{
  return (unsigned) which < GC_SETTINGS ? settings[which].env : NULL;
}

/* See guestcell.h. */
char *
gc_setting_value (const struct gc_settings *s, enum gc_setting which)
{
  const struct setting_desc *d = &settings[which];
  struct gc_settings *m = (struct gc_settings *) s;
  const char *str;
  char *ret;

  switch (d->kind) {
  case KIND_INT:
    if (asprintf (&ret, "%d", *int_field (m, d)) == -1)
      return NULL;
    return ret;
  case KIND_BOOL:
    return strdup (*int_field (m, d) ? "true" : "false");
  case KIND_ACCEL:
  case KIND_PATH:
    str = *str_field (m, d);
    if (str == NULL)
      return strdup (d->kind == KIND_ACCEL ? "\"auto\"" : "(default)");
    if (asprintf (&ret, "\"%s\"", str) == -1)
      return NULL;
    return ret;
  }
  return NULL;
}

/* See guestcell.h. */
char *
gc_config_system_file (void)
{
  const char *dir = getenv ("GUESTCELL_SYSCONFDIR");
  char *ret;

  if (dir == NULL || *dir == '\0')
    dir = GC_SYSCONFDIR;
  if (asprintf (&ret, "%s/guestcell/guestcell.conf", dir) == -1)
    return NULL;
  return ret;
}

/* See guestcell.h. */
char *
gc_config_user_file (void)
{
  const char *dir = getenv ("XDG_CONFIG_HOME");
  const char *home = getenv ("HOME");
  char *ret;
  int r;

  if (dir && *dir)
    r = asprintf (&ret, "%s/guestcell/guestcell.conf", dir);
  else if (home && *home)
    r = asprintf (&ret, "%s/.config/guestcell/guestcell.conf", home);
  else
    return NULL;
  return r == -1 ? NULL : ret;
}

void
gc_settings_free (struct gc_settings *s)
{
  if (s == NULL)
    return;
  free (s->accel);
  free (s->cachedir);
  for (size_t i = 0; i < GC_SETTINGS; ++i)
    free (s->source[i]);
  memset (s, 0, sizeof *s);
}

/* Replace one setting's source by a copy of source.  -1 on ENOMEM. */
static int
set_source (struct gc_settings *s, enum gc_setting which, const char *fs,
            ...)
  __attribute__ ((format (printf, 3, 4)));
static int
set_source (struct gc_settings *s, enum gc_setting which, const char *fs,
            ...)
{
  va_list ap;
  char *src;
  int r;

  va_start (ap, fs);
  r = vasprintf (&src, fs, ap);
  va_end (ap);
  if (r == -1)
    return -1;
  free (s->source[which]);
  s->source[which] = src;
  return 0;
}

/* Set *error to "WHERE: NAME: MESSAGE" and return -1. */
static int
bad (char **error, const char *where, const char *name, const char *fs, ...)
  __attribute__ ((format (printf, 4, 5)));
static int
bad (char **error, const char *where, const char *name, const char *fs, ...)
{
  va_list ap;
  CLEANUP_FREE char *msg = NULL;

  va_start (ap, fs);
  if (vasprintf (&msg, fs, ap) == -1)
    msg = NULL;
  va_end (ap);
  if (msg == NULL ||
      asprintf (error, "%s: %s%s%s", where, name ? name : "",
                name ? ": " : "", msg) == -1)
    *error = NULL;
  return -1;
}

/* Store a string value of one setting, checked.  -1 with *error. */
static int
store_string (struct gc_settings *s, enum gc_setting which,
              const char *value, const char *where, char **error)
{
  const struct setting_desc *d = &settings[which];
  const char *home = getenv ("HOME");
  char *copy;

  if (d->kind == KIND_ACCEL) {
    if (strcmp (value, "auto") == 0) {
      free (s->accel);
      s->accel = NULL;
      return 0;
    }
    if (strcmp (value, "kvm") != 0 && strcmp (value, "tcg") != 0)
      return bad (error, where, d->name, "\"%s\": expected \"kvm\", "
                  "\"tcg\" or \"auto\"", value);
    copy = strdup (value);
  }
  else if (value[0] == '~' && value[1] == '/') {
    if (home == NULL || *home == '\0')
      return bad (error, where, d->name, "\"%s\": HOME is not set", value);
    if (asprintf (&copy, "%s%s", home, value + 1) == -1)
      copy = NULL;
  }
  else if (value[0] != '/')
    return bad (error, where, d->name, "\"%s\": expected an absolute path "
                "(or one starting with ~/)", value);
  else
    copy = strdup (value);
  if (copy == NULL)
    return bad (error, where, d->name, "%s", strerror (ENOMEM));
  free (*str_field (s, d));
  *str_field (s, d) = copy;
  return 0;
}

/* Store a number or a boolean, checked.  -1 with *error. */
static int
store_int (struct gc_settings *s, enum gc_setting which, long long value,
           const char *where, char **error)
{
  const struct setting_desc *d = &settings[which];

  if (value < d->min || value > d->max)
    return bad (error, where, d->name, "%lld is out of range (%d to %d %s)",
                value, d->min, d->max, d->what);
  *int_field (s, d) = value;
  return 0;
}

static const char *
type_name (int type)
{
  switch (type) {
  case CONFIG_TYPE_GROUP: return "a group";
  case CONFIG_TYPE_INT: case CONFIG_TYPE_INT64: return "an integer";
  case CONFIG_TYPE_FLOAT: return "a float";
  case CONFIG_TYPE_STRING: return "a string";
  case CONFIG_TYPE_BOOL: return "a boolean";
  case CONFIG_TYPE_ARRAY: return "an array";
  case CONFIG_TYPE_LIST: return "a list";
  default: return "something else";
  }
}

static const char *
kind_name (enum kind kind)
{
  switch (kind) {
  case KIND_INT: return "an integer";
  case KIND_BOOL: return "a boolean (true or false)";
  default: return "a string";
  }
}

/* One setting of a file. */
static int
apply_setting (struct gc_settings *s, config_setting_t *cs,
               const char *path, char **error)
{
  const char *name = config_setting_name (cs);
  const char *file = config_setting_source_file (cs);
  int type = config_setting_type (cs);
  CLEANUP_FREE char *where = NULL;
  enum gc_setting which;
  int r;

  /* An @include'd file is named as it was written: relative to the
   * including file's directory. */
  if (file == NULL)
    file = path;
  else if (file[0] != '/') {
    const char *slash = strrchr (path, '/');
    if (asprintf (&where, "%.*s/%s:%u", slash ? (int) (slash - path) : 1,
                  slash ? path : ".", file,
                  config_setting_source_line (cs)) == -1)
      where = NULL;
    file = NULL;
  }
  if (file && asprintf (&where, "%s:%u", file,
                        config_setting_source_line (cs)) == -1)
    where = NULL;
  if (where == NULL)
    return bad (error, path, NULL, "%s", strerror (ENOMEM));
  for (which = 0; which < GC_SETTINGS; ++which)
    if (name && strcmp (name, settings[which].name) == 0)
      break;
  if (which == GC_SETTINGS)
    return bad (error, where, name ? name : "(unnamed)", "unknown setting");

  switch (settings[which].kind) {
  case KIND_INT:
    if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64)
      goto wrong_type;
    r = store_int (s, which, config_setting_get_int64 (cs), where, error);
    break;
  case KIND_BOOL:
    if (type != CONFIG_TYPE_BOOL)
      goto wrong_type;
    r = store_int (s, which, config_setting_get_bool (cs), where, error);
    break;
  default:
    if (type != CONFIG_TYPE_STRING)
      goto wrong_type;
    r = store_string (s, which, config_setting_get_string (cs), where,
                      error);
    break;
  }
  if (r == -1)
    return -1;
  return set_source (s, which, "%s", where) == -1 ?
    bad (error, where, NULL, "%s", strerror (ENOMEM)) : 0;

 wrong_type:
  return bad (error, where, name, "expected %s, not %s",
              kind_name (settings[which].kind), type_name (type));
}

/* Read one file over s; a missing file is no error.  -1 with *error. */
static int
apply_file (struct gc_settings *s, const char *path, char **error)
{
  config_t cfg;
  config_setting_t *root;
  struct stat st;
  int r = 0;

  if (stat (path, &st) == -1) {
    if (errno == ENOENT || errno == ENOTDIR)
      return 0;
    return bad (error, path, NULL, "%s", strerror (errno));
  }
  if (S_ISDIR (st.st_mode))
    return bad (error, path, NULL, "%s", strerror (EISDIR));

  config_init (&cfg);
  {
    /* @include "FILE" is relative to the file's directory. */
    CLEANUP_FREE char *dir = strdup (path);
    char *slash = dir ? strrchr (dir, '/') : NULL;
    if (slash) {
      *slash = '\0';
      config_set_include_dir (&cfg, dir[0] ? dir : "/");
    }
  }
  errno = 0;
  if (config_read_file (&cfg, path) != CONFIG_TRUE) {
    if (config_error_type (&cfg) == CONFIG_ERR_FILE_IO)
      r = bad (error, config_error_file (&cfg) ? config_error_file (&cfg)
               : path, NULL, "cannot read it: %s",
               strerror (errno ? errno : EIO));
    else {
      CLEANUP_FREE char *where = NULL;
      if (asprintf (&where, "%s:%d", config_error_file (&cfg)
                    ? config_error_file (&cfg) : path,
                    config_error_line (&cfg)) == -1)
        where = NULL;
      r = bad (error, where ? where : path, NULL, "%s",
               config_error_text (&cfg));
    }
    config_destroy (&cfg);
    return r;
  }

  root = config_root_setting (&cfg);
  for (int i = 0; root && i < config_setting_length (root); ++i)
    if ((r = apply_setting (s, config_setting_get_elem (root, i), path,
                            error)) == -1)
      break;
  config_destroy (&cfg);
  return r;
}

/* A variable's value as a boolean: 1, 0, or -1 if it is not one. */
static int
parse_bool (const char *v)
{
  static const char *const yes[] = { "1", "true", "yes", "on" };
  static const char *const no[] = { "0", "false", "no", "off" };

  for (size_t i = 0; i < sizeof yes / sizeof yes[0]; ++i) {
    if (strcasecmp (v, yes[i]) == 0)
      return 1;
    if (strcasecmp (v, no[i]) == 0)
      return 0;
  }
  return -1;
}

/* The environment over s.  -1 with *error. */
static int
apply_environment (struct gc_settings *s, char **error)
{
  for (enum gc_setting which = 0; which < GC_SETTINGS; ++which) {
    const struct setting_desc *d = &settings[which];
    const char *v = getenv (d->env);
    CLEANUP_FREE char *where = NULL;
    char *end;
    long long n;
    int r;

    if (v == NULL || *v == '\0')
      continue;
    if (asprintf (&where, "%s=%s", d->env, v) == -1)
      return bad (error, d->env, NULL, "%s", strerror (ENOMEM));
    switch (d->kind) {
    case KIND_INT:
      errno = 0;
      n = strtoll (v, &end, 10);
      if (errno || *end || end == v)
        return bad (error, where, NULL, "expected an integer (%s)", d->what);
      r = store_int (s, which, n, where, error);
      break;
    case KIND_BOOL:
      if ((n = parse_bool (v)) == -1)
        return bad (error, where, NULL, "expected 1 or 0");
      r = store_int (s, which, n, where, error);
      break;
    default:
      r = store_string (s, which, v, where, error);
      break;
    }
    if (r == -1)
      return -1;
    if (set_source (s, which, "%s", d->env) == -1)
      return bad (error, d->env, NULL, "%s", strerror (ENOMEM));
  }
  return 0;
}

/* See guestcell.h. */
int
gc_settings_load (struct gc_settings *s, char **error)
{
  CLEANUP_FREE char *system = gc_config_system_file ();
  CLEANUP_FREE char *user = gc_config_user_file ();

  *error = NULL;
  memset (s, 0, sizeof *s);
  for (enum gc_setting which = 0; which < GC_SETTINGS; ++which) {
    if (settings[which].kind == KIND_INT || settings[which].kind == KIND_BOOL)
      *int_field (s, &settings[which]) = settings[which].dflt;
    if (set_source (s, which, "built-in") == -1)
      return bad (error, "settings", NULL, "%s", strerror (ENOMEM));
  }
  if (system == NULL)
    return bad (error, "settings", NULL, "%s", strerror (ENOMEM));
  if (apply_file (s, system, error) == -1 ||
      (user && apply_file (s, user, error) == -1) ||
      apply_environment (s, error) == -1)
    return -1;
  return 0;
}
