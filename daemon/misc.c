/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Small actions (ping, internal_test_echo), the string-list helpers of
 * the generated dispatch, and loading kernel modules on demand (each
 * filesystem's module costs boot time, so none is loaded before it is
 * needed).
 */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#include "daemon.h"
#include "gc-daemon-actions.h"

/* 0. */
int
do_ping (void)
{
  return 0;
}

/* A copy of s (the dispatch frees it), NULL after replying on ENOMEM. */
char *
do_internal_test_echo (const char *s)
{
  char *r = strdup (s);
  if (r == NULL)
    reply_with_perror ("internal_test_echo");
  return r;
}

/* The strings of an XDR list as a NULL-terminated list (caller frees
 * with gc_d_free_strings), devices mapped to the appliance's names if
 * devices is set; NULL after replying. */
char **
gc_d_list_from_xdr (gc_str_list *l, int devices)
{
  char **r = calloc (l->gc_str_list_len + 1, sizeof (char *));
  if (r == NULL) {
    reply_with_perror ("malloc");
    return NULL;
  }
  for (unsigned i = 0; i < l->gc_str_list_len; ++i) {
    if (devices)
      r[i] = gc_d_device_from_user (l->gc_str_list_val[i]);
    else if ((r[i] = strdup (l->gc_str_list_val[i])) == NULL)
      reply_with_perror ("malloc");
    if (r[i] == NULL) {
      gc_d_free_strings (r);
      return NULL;
    }
  }
  return r;
}

/* Points out at the strings of list (which still owns them); the caller
 * frees out->gc_str_list_val only.  -1 after replying. */
int
gc_d_list_to_xdr (char **list, gc_str_list *out)
{
  size_t n = gc_strings_len (list);
  if (n > GC_LIST_MAX) {
    reply_with_error_errno (EFBIG, "%s: too many results (%zu)",
                            gc_d_proc_name (gc_d_proc), n);
    out->gc_str_list_val = NULL;
    return -1;
  }
  out->gc_str_list_len = n;
  out->gc_str_list_val = malloc ((n ? n : 1) * sizeof (char *));
  if (out->gc_str_list_val == NULL) {
    reply_with_perror ("malloc");
    return -1;
  }
  memcpy (out->gc_str_list_val, list, n * sizeof (char *));
  return 0;
}

/* Frees a NULL-terminated list; NULL is fine. */
void
gc_d_free_strings (char **list)
{
  gc_strings_free (list);
}

static string_vector loaded = EMPTY_VECTOR;

/* A module's name as the kernel knows it: "dm-mod" -> "dm_mod";
 * from a modules.dep path, the file name without directory and ".ko". */
static void
module_name (char *dst, size_t size, const char *src, size_t len)
{
  const char *slash = memrchr (src, '/', len);
  if (slash) {
    len -= slash + 1 - src;
    src = slash + 1;
  }
  if (len > 3 && memcmp (src + len - 3, ".ko", 3) == 0)
    len -= 3;
  if (len >= size)
    len = size - 1;
  for (size_t i = 0; i < len; ++i)
    dst[i] = src[i] == '-' ? '_' : src[i];
  dst[len] = '\0';
}

static bool
is_loaded (const char *name)
{
  char path[300];
  snprintf (path, sizeof path, "/sys/module/%s", name);
  return access (path, F_OK) == 0;
}

/* Load one uncompressed module file (a path relative to dir); -1 with
 * errno. */
static int
load_file (const char *dir, const char *rel, size_t len)
{
  char name[256], path[PATH_MAX];
  module_name (name, sizeof name, rel, len);
  if (is_loaded (name))
    return 0;
  snprintf (path, sizeof path, "%s/%.*s", dir, (int) len, rel);
  CLEANUP_CLOSE int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd == -1)
    return -1;
  if (syscall (SYS_finit_module, fd, "", 0) == -1 && errno != EEXIST)
    return -1;
  gc_d_debug ("loaded module %s", name);
  return 0;
}

/* Load a module and its dependencies straight from modules.dep with
 * finit_module(2): an exec of modprobe loads kmod's libraries (OpenSSL
 * among them), ~0.15 s under TCG.  1 if done, 0 if the module is not
 * there as a plain .ko (compressed, an alias...: modprobe's job), -1 on
 * error. */
static int
load_direct (const char *module)
{
  struct utsname u;
  char dir[PATH_MAX], dep[PATH_MAX + 16], want[256];
  if (uname (&u) == -1)
    return 0;
  snprintf (dir, sizeof dir, "/lib/modules/%s", u.release);
  snprintf (dep, sizeof dep, "%s/modules.dep", dir);
  CLEANUP_FREE char *text = gc_read_whole_file (dep, 16 << 20, NULL);
  if (text == NULL)
    return 0;
  module_name (want, sizeof want, module, strlen (module));

  for (char *line = text; *line; ) {
    char *end = strchrnul (line, '\n');
    char *colon = memchr (line, ':', end - line);
    if (colon) {
      char name[256];
      module_name (name, sizeof name, line, colon - line);
      if (strcmp (name, want) == 0) {
        if (colon - line < 3 || memcmp (colon - 3, ".ko", 3) != 0)
          return 0;
        /* Dependencies are listed users first: load from the end. */
        const char *deps[64];
        size_t lens[64], n = 0;
        for (char *p = colon + 1; p < end && n < 64; ) {
          p += strspn (p, " ");
          size_t l = strcspn (p, " \n");
          if (l == 0)
            break;
          if (l < 3 || memcmp (p + l - 3, ".ko", 3) != 0)
            return 0;
          deps[n] = p;
          lens[n++] = l;
          p += l;
        }
        while (n > 0) {
          --n;
          if (load_file (dir, deps[n], lens[n]) == -1)
            return -1;
        }
        return load_file (dir, line, colon - line) == -1 ? -1 : 1;
      }
    }
    line = *end ? end + 1 : end;
  }
  return 0;
}

/* See daemon.h.  Modules are remembered once loaded (or found in
 * /sys/module, which also covers built-in ones). */
int
gc_d_modprobe (const char *module)
{
  for (size_t i = 0; i < loaded.len; ++i)
    if (strcmp (loaded.ptr[i], module) == 0)
      return 0;

  CLEANUP_FREE char *sysname = strdup (module);
  CLEANUP_FREE char *syspath = NULL;
  if (sysname == NULL)
    return -1;
  for (char *p = sysname; *p; ++p)
    if (*p == '-')
      *p = '_';
  if (asprintf (&syspath, "/sys/module/%s", sysname) == -1)
    return -1;
  if (access (syspath, F_OK) != 0 && load_direct (module) != 1) {
    CLEANUP_FREE char *err = NULL;
    int r = command (NULL, &err, "modprobe", "--", module, NULL);
    if (r != 0) {
      fprintf (stderr, "guestcelld: modprobe %s failed: %s\n", module,
               err ? err : "");
      return -1;
    }
  }
  char *copy = strdup (module);
  if (copy && string_vector_append (&loaded, copy) == -1)
    free (copy);
  return 0;
}
