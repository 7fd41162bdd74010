/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 the guestcell developers */

/* Guest paths.  Every guest path is resolved by the kernel with
 * openat2(RESOLVE_IN_ROOT) relative to the guest's root, so ".." and
 * symbolic links (absolute or relative) can never leave it: a hostile
 * guest cannot make the daemon touch the appliance's own files.
 * Actions work on the resulting file descriptors; where a path string
 * is unavoidable they use /proc/self/fd/N.
 */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/openat2.h>

#include "daemon.h"

/* Checks a Pathname argument; -1 after replying. */
int
gc_d_check_path (const char *path)
{
  if (path[0] != '/') {
    reply_with_error_errno (EINVAL, "%s: %s: the path must be absolute",
                            gc_d_action (), path);
    return -1;
  }
  if (strlen (path) >= PATH_MAX) {
    reply_with_error_errno (ENAMETOOLONG, "%s: the path is too long",
                            gc_d_action ());
    return -1;
  }
  return 0;
}

static int
openat2_in_root (int rootfd, const char *path, int flags, mode_t mode)
{
  struct open_how how = {
    .flags = flags | O_CLOEXEC,
    .mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };
  for (int i = 0; i < 100; ++i) {
    long r = syscall (SYS_openat2, rootfd, path, &how, sizeof how);
    if (r >= 0 || errno != EAGAIN)
      return r;
  }
  return -1;
}

/* See daemon.h. */
int
gc_d_open_guest (const char *path, int flags, mode_t mode)
{
  CLEANUP_CLOSE int root = open (gc_d_sysroot,
                                 O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root == -1)
    return -1;
  return openat2_in_root (root, path, flags, mode);
}

/* See daemon.h.  "a/b/" names "b". */
int
gc_d_open_parent (const char *path, char **name)
{
  *name = NULL;
  size_t len = strlen (path);
  while (len > 1 && path[len - 1] == '/')
    --len;
  size_t start = len;
  while (start > 0 && path[start - 1] != '/')
    --start;
  if (start == len) {           /* "/" */
    errno = EINVAL;
    return -1;
  }
  CLEANUP_FREE char *dir = strndup (path, start ? start : 1);
  if (dir == NULL)
    return -1;
  if (start == 0)
    strcpy (dir, ".");
  if ((len - start == 1 && path[start] == '.') ||
      (len - start == 2 && path[start] == '.' && path[start + 1] == '.')) {
    errno = EINVAL;
    return -1;
  }
  int fd = gc_d_open_guest (dir, O_PATH | O_DIRECTORY, 0);
  if (fd == -1)
    return -1;
  if ((*name = strndup (path + start, len - start)) == NULL) {
    close (fd);
    return -1;
  }
  return fd;
}

/* The appliance path an fd refers to (malloc'd), NULL with errno. */
char *
gc_d_fd_path (int fd)
{
  char proc[64], buf[PATH_MAX];
  snprintf (proc, sizeof proc, "/proc/self/fd/%d", fd);
  ssize_t r = readlink (proc, buf, sizeof buf - 1);
  if (r == -1)
    return NULL;
  buf[r] = '\0';
  return strdup (buf);
}

/* The guest path of an appliance path under the guest's root, or NULL
 * if it is not under it.  Malloc'd. */
char *
gc_d_guest_path (const char *apath)
{
  size_t n = strlen (gc_d_sysroot);
  if (strncmp (apath, gc_d_sysroot, n) != 0)
    return NULL;
  if (apath[n] == '\0')
    return strdup ("/");
  if (apath[n] != '/')
    return NULL;
  return strdup (apath + n);
}

/* See daemon.h.  A path whose last component does not exist resolves
 * its parent and appends the name. */
char *
sysroot_path (const char *path)
{
  CLEANUP_CLOSE int fd = gc_d_open_guest (path, O_PATH, 0);
  if (fd >= 0) {
    char *r = gc_d_fd_path (fd);
    if (r == NULL)
      reply_with_perror ("%s: %s", gc_d_action (), path);
    return r;
  }
  if (errno != ENOENT) {
    reply_with_perror ("%s: %s", gc_d_action (), path);
    return NULL;
  }
  CLEANUP_FREE char *name = NULL;
  CLEANUP_CLOSE int dfd = gc_d_open_parent (path, &name);
  CLEANUP_FREE char *dir = NULL;
  char *r = NULL;
  if (dfd == -1 || (dir = gc_d_fd_path (dfd)) == NULL ||
      asprintf (&r, "%s/%s", strcmp (dir, "/") == 0 ? "" : dir,
                name) == -1) {
    reply_with_perror ("%s: %s", gc_d_action (), path);
    return NULL;
  }
  return r;
}
