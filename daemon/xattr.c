/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Extended attributes of guest files: reading them (getxattrs), setting
 * one (setxattr, for the test guests' SELinux labels, ACLs and file
 * capabilities), and making one file's attributes exactly another's
 * (gc_d_copy_xattrs, for replace).  Paths are opened with
 * gc_d_open_guest (O_PATH) and the attributes reached through
 * /proc/self/fd/N, which never opens a device node of the guest.
 */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/xattr.h>

#include "daemon.h"
#include "gc-daemon-actions.h"

/* One listxattr (name NULL) or getxattr call: on the fd, or on
 * /proc/self/fd/N when proc is set (O_PATH fds have no f*xattr). */
static ssize_t
xattr_call (int fd, bool proc, const char *name, char *buf, size_t size)
{
  char path[64];
  snprintf (path, sizeof path, "/proc/self/fd/%d", fd);
  if (name == NULL)
    return proc ? listxattr (path, buf, size) : flistxattr (fd, buf, size);
  return proc ? getxattr (path, name, buf, size)
    : fgetxattr (fd, name, buf, size);
}

/* The whole answer of xattr_call: malloc'd (caller frees, NUL added),
 * *len set.  NULL with errno. */
static char *
xattr_fetch (int fd, bool proc, const char *name, size_t *len)
{
  for (;;) {
    ssize_t n = xattr_call (fd, proc, name, NULL, 0);
    if (n == -1)
      return NULL;
    char *buf = malloc (n + 1);
    if (buf == NULL)
      return NULL;
    ssize_t m = n == 0 ? 0 : xattr_call (fd, proc, name, buf, n);
    if (m == -1) {
      int e = errno;
      free (buf);
      if (e == ERANGE)          /* it grew meanwhile */
        continue;
      errno = e;
      return NULL;
    }
    buf[m] = '\0';
    *len = m;
    return buf;
  }
}

/* The NUL-separated list of names of an fd's attributes (an empty one
 * where the filesystem has none).  As xattr_fetch. */
static char *
list_names (int fd, bool proc, size_t *len)
{
  char *r = xattr_fetch (fd, proc, NULL, len);
  if (r == NULL && (errno == ENOTSUP || errno == ENOSYS)) {
    *len = 0;
    return calloc (1, 1);
  }
  return r;
}

/* Is name in the NUL-separated list? */
static bool
in_list (const char *list, size_t len, const char *name)
{
  for (const char *p = list; p < list + len; p += strlen (p) + 1)
    if (strcmp (p, name) == 0)
      return true;
  return false;
}

/* xfs shows root where it keeps the POSIX ACLs (trusted.SGI_ACL_FILE,
 * trusted.SGI_ACL_DEFAULT); copying system.posix_acl_* copies them. */
static bool
is_acl_storage (const char *name)
{
  return strncmp (name, "trusted.SGI_ACL_", 16) == 0;
}

/* See daemon.h. */
int
gc_d_copy_xattrs (int from, int to, const char **failed)
{
  size_t flen = 0, tlen = 0;
  CLEANUP_FREE char *fnames = list_names (from, false, &flen);
  if (fnames == NULL) {
    *failed = "(listing them)";
    return -1;
  }
  /* Those the new file inherited (a directory's default ACL) and the
   * original does not have. */
  CLEANUP_FREE char *tnames = list_names (to, false, &tlen);
  if (tnames == NULL) {
    *failed = "(listing them)";
    return -1;
  }
  for (const char *p = tnames; p < tnames + tlen; p += strlen (p) + 1)
    if (!is_acl_storage (p) && !in_list (fnames, flen, p) &&
        fremovexattr (to, p) == -1 && errno != ENODATA) {
      *failed = p;
      return -1;
    }
  for (const char *p = fnames; p < fnames + flen; p += strlen (p) + 1) {
    if (is_acl_storage (p))
      continue;
    size_t vlen;
    CLEANUP_FREE char *v = xattr_fetch (from, false, p, &vlen);
    if (v == NULL && errno == ENODATA)  /* removed meanwhile */
      continue;
    if (v == NULL || fsetxattr (to, p, v, vlen, 0) == -1) {
      *failed = p;
      return -1;
    }
  }
  return 0;
}

static int
compare_names (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* Pairs of name and "0x" + hex value, sorted by name (caller frees);
 * NULL after replying. */
char **
do_getxattrs (const char *path)
{
  CLEANUP_CLOSE int fd = gc_d_open_guest (path, O_PATH, 0);
  size_t len = 0;
  CLEANUP_FREE char *names = NULL;
  if (fd == -1 || (names = list_names (fd, true, &len)) == NULL) {
    reply_with_perror ("getxattrs: %s", path);
    return NULL;
  }
  /* The names, sorted. */
  string_vector sorted = EMPTY_VECTOR;
  for (char *p = names; p < names + len; p += strlen (p) + 1)
    if (string_vector_append (&sorted, p) == -1) {
      reply_with_perror ("malloc");
      string_vector_reset (&sorted);
      return NULL;
    }
  if (sorted.len > 1)
    qsort (sorted.ptr, sorted.len, sizeof (char *), compare_names);

  string_vector r = EMPTY_VECTOR;
  for (size_t i = 0; i < sorted.len; ++i) {
    size_t vlen;
    CLEANUP_FREE char *v = xattr_fetch (fd, true, sorted.ptr[i], &vlen);
    if (v == NULL && errno == ENODATA)
      continue;
    char *name = strdup (sorted.ptr[i]);
    char *hex = v ? malloc (2 * vlen + 3) : NULL;
    if (hex) {
      strcpy (hex, "0x");
      for (size_t k = 0; k < vlen; ++k)
        sprintf (hex + 2 + 2 * k, "%02x", (unsigned char) v[k]);
    }
    if (name == NULL || hex == NULL || string_vector_append (&r, name) == -1) {
      reply_with_perror ("getxattrs: %s: %s", path, sorted.ptr[i]);
      free (name);
      free (hex);
      goto err;
    }
    if (string_vector_append (&r, hex) == -1) {
      reply_with_perror ("malloc");
      free (hex);
      goto err;
    }
  }
  string_vector_reset (&sorted);
  char **list = gc_strings_from_vector (&r);
  if (list == NULL) {
    reply_with_perror ("malloc");
    gc_string_vector_free (&r);
  }
  return list;

 err:
  string_vector_reset (&sorted);
  gc_string_vector_free (&r);
  return NULL;
}

/* 0, or -1 after replying. */
int
do_setxattr (const char *path, const char *name, const char *value,
             size_t value_size)
{
  char proc[64];
  CLEANUP_CLOSE int fd = gc_d_open_guest (path, O_PATH, 0);
  if (fd == -1) {
    reply_with_perror ("setxattr: %s", path);
    return -1;
  }
  snprintf (proc, sizeof proc, "/proc/self/fd/%d", fd);
  if (setxattr (proc, name, value, value_size, 0) == -1) {
    reply_with_perror ("setxattr: %s: %s", path, name);
    return -1;
  }
  return 0;
}
